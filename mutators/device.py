"""device: a tensor or model is left on the wrong device (usually the CPU)."""

import libcst as cst
from libcst import matchers as m

from mutators._args import call_receiver, drop_arg, find_arg, last_name, method
from mutators._base import Mutator

_TO_CALL = m.Call(func=method("to"))


def _names_a_device(expr: cst.BaseExpression) -> bool:
    name = last_name(expr)
    return name is not None and "device" in name.lower()


def _root_name(expr: cst.BaseExpression) -> str | None:
    while isinstance(expr, (cst.Attribute, cst.Call, cst.Subscript)):
        expr = expr.func if isinstance(expr, cst.Call) else expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _self_move(line: cst.SimpleStatementLine) -> cst.Call | None:
    """The `.to(device)` call of a line `x = x.to(device)`, else None."""
    if len(line.body) != 1 or not isinstance(line.body[0], cst.Assign) or len(line.body[0].targets) != 1:
        return None
    assign = line.body[0]
    call = assign.value
    if not m.matches(call, _TO_CALL) or len(call.args) != 1:
        return None
    argument = call.args[0]
    if not (argument.keyword is not None and argument.keyword.value == "device"
            or argument.keyword is None and _names_a_device(argument.value)):
        return None
    code = cst.Module([]).code_for_node
    return call if code(assign.targets[0].target) == code(call.func.value) else None


class Device(Mutator):
    ID = "device"
    TITLE = "Device mismatch"
    EFFECT = r"device|GPU|accelerator|cuda"
    LOUD = True
    HINT = ("Every tensor that meets another in one operation must live on the same device. "
            "For each tensor, ask where it is created or moved, and where the model lives.")
    LESSON = (
        "A tensor lives where it was created: torch.zeros, torch.arange, torch.randn and "
        "friends make it on the CPU unless given device=, and a batch from a DataLoader "
        "stays on the CPU until it is moved with .to(device). The model is moved once, "
        "but every new tensor has to follow it. On a CPU-only laptop nothing goes wrong, "
        "so the bug hides until the code meets a GPU and raises 'Expected all tensors to "
        "be on the same device'. Check every tensor a function creates or receives: it "
        "needs device=..., or .to(device), or to be built from a tensor already there "
        "(torch.zeros_like, x.new_zeros)."
    )

    def __init__(self, target=None) -> None:
        super().__init__(target)
        self._whole_statements: set[int] = set()  # ids of calls handled as a statement

    # `x = x.to(device)` loses the whole line: `x = x` would point straight at the bug.
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        call = _self_move(node)
        if call is not None:
            self._whole_statements.add(id(call))
        return True

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        call = _self_move(original_node)
        if call is None:
            return updated_node
        return self.offer(call.args[0], updated_node, cst.RemoveFromParent, "delete x = x.to(device)")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        args = original_node.args
        if id(original_node) in self._whole_statements:
            return updated_node
        if m.matches(original_node, _TO_CALL):
            index = find_arg(args, 0, "device")
            if index is None:
                return updated_node
            if args[index].keyword is None and not _names_a_device(args[index].value):
                return updated_node  # .to(torch.float32), .to(other_tensor), .to("cpu")
            if len(args) == 1:
                return self.offer(args[index], updated_node, lambda: call_receiver(updated_node),
                                  "drop .to(device)")
            return self.offer(args[index], updated_node, lambda: updated_node.with_changes(
                args=drop_arg(updated_node.args, index)), "drop the device from .to()")
        # Only library calls: a device= passed to the project's own function is its API, and
        # dropping it would raise a TypeError that teaches nothing about placement.
        if not isinstance(original_node.func, cst.Attribute) or _root_name(original_node.func) == "self":
            return updated_node
        index = find_arg(args, None, "device")
        if index is None:
            return updated_node
        return self.offer(args[index], updated_node, lambda: updated_node.with_changes(
            args=drop_arg(updated_node.args, index)), "drop device=")
