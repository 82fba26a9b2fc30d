"""freeze: a frozen part of the model still reaches the optimizer, or still runs in train mode.

Three rewrites. The `requires_grad` filter of an optimizer's parameter list is dropped
(`[p for p in m.parameters() if p.requires_grad]` -> `list(m.parameters())`, and the same
for `filter(lambda p: p.requires_grad, ...)`), or an optimizer built over a submodule's
parameters gets the whole model's (`SGD(model.head.parameters())` -> `SGD(model.parameters())`).
A freezing statement (`freeze(x)`, `x.requires_grad_(False)`, a loop setting
`requires_grad = False`) trades places with the next statement when that one collects
parameters, so requires_grad is set after the parameter list was built. And
`freeze(x).eval()` loses its `.eval()`: the frozen part stays in train mode, where
BatchNorm keeps updating its running statistics and Dropout keeps dropping.
"""

from collections.abc import Sequence

import libcst as cst
from libcst import matchers as m

from mutators._args import dotted_name, is_positional
from mutators._base import Mutator

_OPTIMIZERS = frozenset({"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
                         "NAdam", "RAdam", "LBFGS", "SparseAdam", "ASGD", "Rprop"})
_PARAMETERS = m.Call(func=m.Attribute(attr=m.Name("parameters")), args=[])
_REQUIRES_GRAD = m.Attribute(attr=m.Name("requires_grad"))
_FREEZE_CALL = m.Call(func=m.Name("freeze") | m.Attribute(attr=m.Name("freeze")))
_FREEZING = (_FREEZE_CALL
             | m.Call(func=m.Attribute(attr=m.Name("requires_grad_")), args=[m.Arg(m.Name("False"))])
             | m.Assign(targets=[m.AssignTarget(_REQUIRES_GRAD)], value=m.Name("False")))


def _filtered_parameters(node: cst.CSTNode) -> bool:
    """`[p for p in X.parameters() if p.requires_grad]` (a list or a generator)."""
    if not isinstance(node, (cst.ListComp, cst.GeneratorExp)):
        return False
    loop = node.for_in
    return (loop.inner_for_in is None and m.matches(loop.iter, _PARAMETERS)
            and len(loop.ifs) == 1 and m.matches(loop.ifs[0].test, _REQUIRES_GRAD)
            and m.matches(node.elt, m.Name()) and m.matches(loop.target, m.Name())
            and node.elt.value == loop.target.value)


def _is_optimizer(call: cst.Call) -> bool:
    name = dotted_name(call.func)
    return name is not None and name.split(".")[-1] in _OPTIMIZERS


def _freezes(statement: cst.BaseStatement) -> bool:
    if isinstance(statement, cst.For):
        return bool(m.findall(statement.body, _FREEZING))
    return isinstance(statement, cst.SimpleStatementLine) and bool(m.findall(statement, _FREEZING))


def _swapped(body: Sequence[cst.BaseStatement], index: int) -> list[cst.BaseStatement]:
    """`body` with statements `index` and `index + 1` exchanged; the comment lines above the
    pair stay above it (they head the block, not one statement)."""
    statements = list(body)
    first, second = statements[index], statements[index + 1]
    statements[index] = second.with_changes(leading_lines=first.leading_lines)
    statements[index + 1] = first.with_changes(leading_lines=second.leading_lines)
    return statements


class Freeze(Mutator):
    ID = "freeze"
    TITLE = "A frozen backbone that is not really frozen"
    EFFECT = r"frozen|freeze|backbone|trainable"
    LOUD = False
    HINT = ("Freezing has three parts: the gradients, the optimizer and the mode. For the "
            "part meant to stay fixed, check each one, and in which order they happen.")
    LESSON = (
        "Freezing a backbone for fine-tuning means three things. Its parameters get "
        "requires_grad=False, so autograd computes nothing for them. The optimizer is built "
        "over the parameters that still learn, which means after requires_grad was set when "
        "it filters on it: a list collected before freezing still holds every parameter, and "
        "with weight decay, momentum state or a later unfreeze those frozen weights move or "
        "cost memory. And the frozen part runs in eval mode: model.train() switches every "
        "submodule back to train mode, where BatchNorm keeps overwriting its running "
        "statistics with the new data's and Dropout keeps dropping, so a 'frozen' backbone "
        "changes although no gradient ever touches it. Nothing crashes. Compare the "
        "backbone's state_dict (buffers included) before and after fine-tuning, and list "
        "the optimizer's parameters."
    )

    def leave_ListComp(self, original_node: cst.ListComp, updated_node: cst.ListComp):
        if not _filtered_parameters(original_node):
            return updated_node
        everything = cst.Call(func=cst.Name("list"), args=[cst.Arg(original_node.for_in.iter)])
        return self.offer(original_node, updated_node, lambda: everything,
                          "requires_grad filter dropped")

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp, updated_node: cst.GeneratorExp):
        if not _filtered_parameters(original_node):
            return updated_node
        return self.offer(original_node, updated_node, lambda: original_node.for_in.iter,
                          "requires_grad filter dropped")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        name = dotted_name(original_node.func)
        args = original_node.args
        if name == "filter" and len(args) == 2 and m.matches(args[0].value, m.Lambda()) \
                and m.findall(args[0].value.body, _REQUIRES_GRAD):
            return self.offer(original_node, updated_node, lambda: updated_node.args[1].value,
                              "requires_grad filter dropped")
        if m.matches(original_node, m.Call(func=m.Attribute(attr=m.Name("eval")), args=[])) \
                and m.matches(original_node.func.value, _FREEZE_CALL):
            return self.offer(original_node, updated_node, lambda: updated_node.func.value,
                              "frozen part left in train mode")
        if _is_optimizer(original_node) and args and is_positional(args[0]) \
                and m.matches(args[0].value, _PARAMETERS) \
                and isinstance(args[0].value.func.value, cst.Attribute):
            def rewrite():
                first = updated_node.args[0]
                owner = first.value.func.value.value  # model.head -> model
                call = first.value.with_changes(func=first.value.func.with_changes(value=owner))
                return updated_node.with_changes(args=[first.with_changes(value=call),
                                                       *updated_node.args[1:]])

            return self.offer(args[0], updated_node, rewrite, "optimizer over the whole model")
        return updated_node

    def _reorder(self, original: Sequence[cst.BaseStatement], updated_node, replace):
        result = updated_node
        for index in range(len(original) - 1):
            if _freezes(original[index]) and m.findall(original[index + 1], _PARAMETERS):
                # Anchored at the statement that collects them: the freezing line may host the
                # `.eval()` rewrite at the same position.
                result = self.offer(original[index + 1], result,
                                    lambda i=index: replace(updated_node, _swapped(updated_node.body, i)),
                                    "requires_grad set after the parameters were collected")
        return result

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        reordered = self._reorder(original_node.body, updated_node,
                                  lambda block, body: block.with_changes(body=body))
        return super().leave_IndentedBlock(original_node, reordered)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return self._reorder(original_node.body, updated_node,
                             lambda module, body: module.with_changes(body=body))
