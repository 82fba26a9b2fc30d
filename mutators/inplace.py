"""inplace: an out-of-place tensor operation becomes its in-place twin.

Three shapes of the same slip: `torch.relu(x)` becomes `x.relu_()`, `x.add(y)` becomes
`x.add_(y)`, and `a = a + b` becomes `a += b`. Each one overwrites a tensor that autograd
saved for backward, or that belongs to the caller.
"""

import libcst as cst
from libcst import matchers as m

from mutators._args import as_receiver, dotted_name
from mutators._base import Mutator, Site

# `torch.relu(x)` and friends: the function name -> the in-place method on its argument.
_FUNCTIONS = {
    "torch.relu": "relu_",
    "torch.sigmoid": "sigmoid_",
    "torch.tanh": "tanh_",
    "torch.exp": "exp_",
    "F.relu": "relu_",
    "torch.nn.functional.relu": "relu_",
}

# `x.relu()` and friends: methods whose in-place version is the name plus an underscore.
_METHODS = frozenset({"relu", "sigmoid", "tanh", "exp", "add", "mul", "div", "sub", "clamp"})

# Receivers that are modules, not tensors: `torch.add(a, b)`, `re.sub(...)`, `math.exp(x)`.
_MODULES = frozenset({"torch", "F", "nn", "np", "numpy", "math", "re", "operator", "random"})

_AUGMENTED = {  # operator -> (augmented operator, symbol for the note)
    cst.Add: (cst.AddAssign, "+"),
    cst.Subtract: (cst.SubtractAssign, "-"),
    cst.Multiply: (cst.MultiplyAssign, "*"),
    cst.Divide: (cst.DivideAssign, "/"),
}


def _root_name(node: cst.BaseExpression) -> str | None:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


class Inplace(Mutator):
    ID = "inplace"
    TITLE = "In-place operation"
    EFFECT = r"in-place|inplace|modified|changes the|gradient|version|input|backward"
    LOUD = True
    HINT = ("Some tensors are still needed after you have used them: by autograd for the "
            "backward pass, or by whoever handed them to you. Ask which lines write into an "
            "existing tensor instead of making a new one.")
    LESSON = (
        "Autograd saves some tensors during the forward pass (the output of sigmoid, tanh and "
        "exp, the input of a multiplication) and checks their version counter in backward. A "
        "trailing-underscore method such as relu_() or add_(), or an augmented assignment such "
        "as `x += y`, writes into the existing storage, so backward fails with 'one of the "
        "variables needed for gradient computation has been modified by an inplace "
        "operation'. When the overwritten tensor is not saved, nothing crashes: the caller's "
        "input or a model buffer quietly changes instead. Spot it by looking for `_()` "
        "methods and `+=`, `*=` on tensors that came from someone else or that feed a later "
        "operation, and prefer `y = x + b` to `x += b` inside forward()."
    )

    def __init__(self, target: Site | None = None) -> None:
        super().__init__(target)
        self._discarded: set[int] = set()

    # A discarded result (`seen.add(item)`) belongs to a Python set or list, not a tensor:
    # an out-of-place tensor method whose result is thrown away would do nothing anyway.
    def visit_Expr(self, node: cst.Expr) -> bool:
        self._discarded.add(id(node.value))
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        name = dotted_name(func)
        if name in _FUNCTIONS and len(original_node.args) == 1 and m.matches(
                original_node.args[0], m.Arg(keyword=None, star="")):
            method = _FUNCTIONS[name]

            def rewrite() -> cst.Call:
                receiver = as_receiver(updated_node.args[0].value)
                return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name(method)))

            return self.offer(original_node, updated_node, rewrite, f"{name}(x) -> x.{method}()")
        if (isinstance(func, cst.Attribute) and func.attr.value in _METHODS
                and _root_name(func.value) not in _MODULES
                and not m.matches(func.value, m.Name("self"))  # self.relu(x): a layer, not a tensor
                and id(original_node) not in self._discarded):
            method = func.attr.value

            def rewrite() -> cst.Call:
                return updated_node.with_changes(
                    func=updated_node.func.with_changes(attr=cst.Name(method + "_")))

            # Anchored at the method name so that chained calls (`x.add(y).mul(z)`) differ.
            return self.offer(func.attr, updated_node, rewrite, f".{method}() -> .{method}_()")
        return updated_node

    def leave_Assign(self, original_node: cst.Assign,
                     updated_node: cst.Assign) -> cst.BaseSmallStatement:
        if len(original_node.targets) != 1:
            return updated_node
        target = original_node.targets[0].target
        value = original_node.value
        if (not isinstance(target, (cst.Name, cst.Attribute)) or dotted_name(target) is None
                or not isinstance(value, cst.BinaryOperation)
                or type(value.operator) not in _AUGMENTED
                or not value.left.deep_equals(target)):
            return updated_node
        operator, symbol = _AUGMENTED[type(value.operator)]

        def rewrite() -> cst.AugAssign:
            new_value = updated_node.value
            return cst.AugAssign(target=updated_node.targets[0].target, operator=operator(),
                                 value=new_value.right)

        return self.offer(original_node, updated_node, rewrite,
                          f"a = a {symbol} b -> a {symbol}= b")
