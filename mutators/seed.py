"""seed: a random number generator is left unseeded, so a "reproducible" run is not.

A seeding call is deleted (`torch.manual_seed(s)`, `random.seed(s)`, `np.random.seed(s)`,
`g.manual_seed(s)`), `torch.Generator().manual_seed(s)` loses its seed, or a
`generator=` argument is dropped so the call falls back to the global RNG.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import dotted_name
from mutators._base import Mutator

# Calls that seed a module-wide RNG; any `X.manual_seed(...)` statement also counts.
_SEEDING = frozenset({"random.seed", "np.random.seed", "numpy.random.seed",
                      "torch.cuda.manual_seed", "torch.cuda.manual_seed_all"})
_MANUAL_SEED = frozenset({"manual_seed", "manual_seed_all"})

_GENERATOR = m.Call(func=m.Name("Generator") | m.Attribute(attr=m.Name("Generator")))
_SEEDED_GENERATOR = m.Call(func=m.Attribute(value=_GENERATOR, attr=m.Name("manual_seed")))


def _is_seeding(call: cst.BaseExpression) -> bool:
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return False
    if dotted_name(call.func) in _SEEDING:
        return True
    # `torch.Generator().manual_seed(s)` as a bare statement is left to the generator rule.
    return (call.func.attr.value in _MANUAL_SEED
            and not isinstance(call.func.value, cst.Call))


def _without_arg(call: cst.Call, index: int) -> cst.Call:
    """`call` minus its argument `index`, keeping the commas tidy."""
    args = list(call.args)
    removed = args.pop(index)
    if args and index == len(args):  # it was the last one: its comma (or none) moves back
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


class Seed(Mutator):
    ID = "seed"
    TITLE = "Unseeded random number generator"
    EFFECT = r"seed|reproduc|replay|random|order|generator"
    LOUD = False
    HINT = ("Run the same code twice with the same seed: does everything random (weights, "
            "shuffling, dropout, noise, splits) come out the same? Find each random source "
            "and ask which generator it draws from.")
    LESSON = (
        "PyTorch, NumPy and Python's random module each keep their own global generator, and "
        "a torch.Generator object is a fourth, private one. Seeding one of them does nothing "
        "for the others, and a call that is not handed a generator= draws from the global "
        "one, whose state depends on everything that ran before. When a seed is missing, "
        "each run still works and even trains well; it just cannot be repeated: two runs "
        "with the same seed give different splits, initialisations or sample orders, and a "
        "result that was reported cannot be reproduced. Spot it by listing every source of "
        "randomness in the code (shuffle, random_split, randn, dropout, augmentation) and "
        "checking that each one is seeded from the seed the caller passed in, or receives an "
        "explicitly seeded generator."
    )

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr):
        if _is_seeding(original_node.value):
            name = dotted_name(original_node.value.func) or original_node.value.func.attr.value
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              f"delete {name}(...)")
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        result: cst.BaseExpression = updated_node
        if m.matches(original_node, _SEEDED_GENERATOR):
            # Anchored at `manual_seed`, so it never shares a position with the statement rule.
            result = self.offer(original_node.func.attr, result,
                                lambda: updated_node.func.value,
                                "Generator().manual_seed(s) -> Generator()")
        for index, arg in enumerate(original_node.args):
            if m.matches(arg, m.Arg(keyword=m.Name("generator"))):
                result = self.offer(arg, result,
                                    lambda index=index: _without_arg(updated_node, index),
                                    "drop generator=")
        return result
