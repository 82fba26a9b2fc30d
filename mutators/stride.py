"""stride: downsampling in the wrong place, or a shortcut that no longer fits its block.

Three slips of the same kind. A stride argument is dropped (a convolution keeps the
resolution it should halve, a pool falls back to a stride of its kernel size, a stage is
built without its downsampling). A convolution's stride moves to its neighbour in the
same block (the second 3x3 of a basic block, the first 1x1 of a bottleneck). The test that
chooses a projection shortcut, `stride != 1 or in != out`, keeps only one of its halves.
"""

from __future__ import annotations

import libcst as cst
from libcst import matchers as m
from libcst.metadata import PositionProvider

from mutators._args import TIGHT_EQUAL, drop_arg, find_arg, int_value, is_positional, last_name
from mutators._base import Mutator, Site

_CONVS = frozenset({"Conv1d", "Conv2d", "Conv3d"})
_POOLS = frozenset({"MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d"})
_STRIDE_POSITION = {**{name: 3 for name in _CONVS}, **{name: 1 for name in _POOLS}}  # positional slot
_CONV_CALL = m.Call(func=m.OneOf(*(m.Name(n) for n in _CONVS),
                                 *(m.Attribute(attr=m.Name(n)) for n in _CONVS)))


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _anchor(call: cst.Call) -> cst.CSTNode:
    """Where a call's sites are: the callee's last name (`Conv2d` in `nn.Conv2d(...)`)."""
    return call.func.attr if isinstance(call.func, cst.Attribute) else call.func


def _stride_index(call: cst.Call) -> int | None:
    """Index of the stride argument that can be removed without moving any other argument.

    Positional slots are known for convolutions and pools only; a positional stride with
    positional arguments after it (a padding) is left alone, as is a stride that is already
    the default (1 for a convolution, the kernel size for a pool, 1 anywhere else).
    """
    name = last_name(call.func)
    index = find_arg(call.args, _STRIDE_POSITION.get(name), "stride")
    if index is None:
        return None
    arg = call.args[index]
    if is_positional(arg) and any(is_positional(a) for a in call.args[index + 1:]):
        return None
    if name in _POOLS:
        kernel = find_arg(call.args, 0, "kernel_size")
        if kernel is not None and call.args[kernel].value.deep_equals(arg.value):
            return None
        return None if m.matches(arg.value, m.Name("None")) else index
    return None if int_value(arg.value) == 1 else index


def _with_stride(call: cst.Call, value: cst.BaseExpression) -> cst.Call:
    """`call` with `stride=value` inserted right after its last positional argument."""
    args = list(call.args)
    at = max((i + 1 for i, a in enumerate(args) if is_positional(a)), default=0)
    new = cst.Arg(value=value, keyword=cst.Name("stride"), equal=TIGHT_EQUAL,
                  comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    if at == len(args):  # the new argument comes last: it takes the old last comma
        new = new.with_changes(comma=args[-1].comma if args else cst.MaybeSentinel.DEFAULT)
        if args:
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args[:at], new, *args[at:]])


class Stride(Mutator):
    ID = "stride"
    TITLE = "Stride or shortcut in the wrong place"
    EFFECT = r"shape|resolution|channel|stride|shortcut|size|patch|pixel"
    LOUD = True
    HINT = ("Follow the height and width of the feature map through the block, layer by "
            "layer, for a stride of 2 and for a change of channels. Which layer halves the "
            "map, and does the path that skips the block arrive at the same shape?")
    LESSON = (
        "A residual block adds two paths, so both must agree on the output shape. When a "
        "block halves the resolution or changes the width, the shortcut cannot be the raw "
        "input: it needs a 1x1 projection with the same stride. A condition such as "
        "`if stride != 1:` that forgets the channel change (or the other way round) leaves "
        "the identity where a projection is needed, and the addition fails only for those "
        "blocks. A dropped stride keeps the resolution, which an adaptive pool later hides; "
        "a pool with no explicit stride=1 strides by its kernel size. And a stride moved to "
        "the other convolution keeps every shape right while each output sees a different "
        "patch of the input: in a basic block it belongs on the first 3x3, in a bottleneck "
        "on the 3x3, not on the 1x1 that would discard three pixels in four. Trace H and W "
        "through both paths for stride 2, and test a block that changes only the channels."
    )

    def __init__(self, target: Site | None = None) -> None:
        super().__init__(target)
        self._moves: dict[int, cst.Call] = {}  # id(source conv) -> the conv its stride moves to
        self._gains: dict[int, cst.BaseExpression] = {}  # id(conv) -> stride it gains (applying)
        self._tests: set[int] = set()  # ids of `if` tests

    # --- a stride moved to the neighbouring convolution of the same function ---------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if self._demo_depth:
            return True
        convs = [c for c in m.findall(node.body, _CONV_CALL) if isinstance(c, cst.Call)]
        plain = {id(c) for c in convs if find_arg(c.args, 3, "stride") is None}
        for position, source in enumerate(convs):
            index = _stride_index(source)
            if index is None or id(source) in self._moves:
                continue
            before = [c for c in convs[:position] if id(c) in plain]
            after = [c for c in convs[position + 1:] if id(c) in plain]
            if not before and not after:
                continue
            destination = before[-1] if before else after[0]
            self._moves[id(source)] = destination
            if self.is_target(_anchor(source)):
                self._gains[id(destination)] = source.args[index].value
        return True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node) in self._gains:
            updated_node = _with_stride(updated_node, self._gains[id(original_node)])
        index = _stride_index(original_node)
        if index is None:
            return updated_node
        if id(original_node) in self._moves:
            destination = self._moves[id(original_node)]
            line = self.get_metadata(PositionProvider, destination).start.line
            moved = self.offer(_anchor(original_node), updated_node,
                               lambda: updated_node.with_changes(args=drop_arg(updated_node.args, index)),
                               f"move the stride to the convolution on line {line}")
            if moved is not updated_node:
                return moved
        return self.offer(original_node.args[index], updated_node,
                          lambda: updated_node.with_changes(args=drop_arg(updated_node.args, index)),
                          f"drop {_code(original_node.args[index]).strip().rstrip(',')}")

    # --- the projection test keeps one half of `stride != 1 or in != out` ------------------
    def visit_If(self, node: cst.If) -> bool:
        self._tests.add(id(node.test))
        return super().visit_If(node)

    def leave_BooleanOperation(self, original_node: cst.BooleanOperation,
                               updated_node: cst.BooleanOperation) -> cst.BaseExpression:
        if id(original_node) not in self._tests or not isinstance(original_node.operator, cst.Or):
            return updated_node
        left, right = _code(original_node.left), _code(original_node.right)
        if ("stride" in left) == ("stride" in right):
            return updated_node
        for dropped, kept, text in ((original_node.left, updated_node.right, left),
                                    (original_node.right, updated_node.left, right)):
            result = self.offer(dropped, updated_node, lambda kept=kept: kept,
                                f"drop {text.strip()!r} from the projection test")
            if result is not updated_node:
                return result
        return updated_node
