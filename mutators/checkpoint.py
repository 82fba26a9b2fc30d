"""checkpoint: a checkpoint that cannot resume a run, cannot be opened, or can be lost.

Five shapes of the slip. Where a function saves with `torch.save`: `model.state_dict()`
becomes `model` (the module object is pickled); the optimizer's `state_dict()` entry
leaves the saved dict; the write to a temporary file followed by `os.replace(tmp, path)`
becomes a write straight to `path`. Where a checkpoint is loaded: the
`optimizer.load_state_dict(...)` statement is gone; `torch.load` loses its `map_location`.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst import matchers as m

from mutators._args import drop_arg, find_arg, last_name, method, torch_attr
from mutators._base import Mutator, Site

_SAVE = m.Call(func=torch_attr("save"))
_LOAD = m.Call(func=torch_attr("load"))
_STATE_DICT = m.Call(func=method("state_dict"), args=[])
_LOAD_STATE_LINE = m.SimpleStatementLine(
    body=[m.Expr(value=m.Call(func=method("load_state_dict")))])
# `os.replace(tmp, path)`, `os.rename(tmp, path)`, `shutil.move(tmp, path)`: source first.
_RENAMES = m.Call(func=m.Attribute(value=m.Name("os"), attr=m.Name("replace") | m.Name("rename"))
                  | m.Attribute(value=m.Name("shutil"), attr=m.Name("move")))
_PATH_RENAMES = m.Call(func=method("replace", "rename"))  # `tmp.replace(path)` on a Path
_NOT_MODELS = ("sched", "scaler")


def _is_optimizer_name(name: str) -> bool:
    name = name.lower()
    return "optim" in name or name == "opt" or name.startswith("opt_") or name.endswith("_opt")


def _names_optimizer(expr: cst.BaseExpression) -> bool:
    name = last_name(expr)
    return name is not None and _is_optimizer_name(name)


def _is_model_state(call: cst.CSTNode) -> bool:
    if not m.matches(call, _STATE_DICT):
        return False
    name = last_name(call.func.value)
    return (name is not None and not _is_optimizer_name(name)
            and not any(word in name.lower() for word in _NOT_MODELS))


def _is_optimizer_state(expr: cst.CSTNode) -> bool:
    return m.matches(expr, _STATE_DICT) and _names_optimizer(expr.func.value)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _only_call(statement: cst.CSTNode, call: m.Call) -> cst.Call | None:
    if (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and m.matches(statement.body[0].value, call)):
        return statement.body[0].value
    return None


def _rename(statement: cst.CSTNode) -> tuple[cst.Call, cst.BaseExpression, cst.BaseExpression] | None:
    """(call, source, destination) of a statement that renames a file, else None."""
    call = _only_call(statement, _RENAMES)
    if call is not None and len(call.args) == 2 and all(a.keyword is None and not a.star for a in call.args):
        return call, call.args[0].value, call.args[1].value
    call = _only_call(statement, _PATH_RENAMES)
    if call is not None and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
        return call, call.func.value, call.args[0].value
    return None


def _saved_to(call: cst.Call) -> int | None:
    """Index of the argument that says where `torch.save(obj, f)` writes."""
    return find_arg(call.args, 1, "f")


def _uses(statement: cst.CSTNode, name: str) -> bool:
    return bool(m.findall(statement, m.Name(name)))


class Checkpoint(Mutator):
    ID = "checkpoint"
    TITLE = "A checkpoint that does not hold, load or survive"
    EFFECT = r"checkpoint|resume|load|save|weights_only"
    LOUD = False
    HINT = ("A checkpoint is read later, perhaps on another machine, perhaps after a crash. "
            "Ask what must be in the file to resume exactly, what loading it needs, and what "
            "is left at the path if the program dies halfway through a save.")
    LESSON = (
        "A checkpoint should hold state dicts: model.state_dict() and optimizer.state_dict() "
        "plus the epoch and metrics. Pickling the model object ties the file to your class's "
        "import path, and torch.load(..., weights_only=True), the default since PyTorch 2.6, "
        "refuses to open it. Without the optimizer's state (momentum buffers, Adam's moments "
        "and step counts, each group's learning rate), or without loading it back, a resumed "
        "run restarts those from zero and its loss jumps instead of continuing. A file saved "
        "on a GPU remembers the device of every tensor, so torch.load without map_location "
        "fails on a machine without one. And torch.save straight onto the path first "
        "truncates the previous good checkpoint: a crash or a full disk mid-write leaves "
        "nothing usable. Write to a temporary file in the same folder and os.replace it onto "
        "the path, which is atomic. Test a checkpoint by resuming from it, not by looking at it."
    )

    def __init__(self, target: Site | None = None) -> None:
        super().__init__(target)
        self._saving: list[bool] = []  # per enclosing function: does it call torch.save?

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._saving.append(bool(m.findall(node.body, _SAVE)))
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef):
        self._saving.pop()
        return updated_node

    @property
    def _in_saving_function(self) -> bool:
        return bool(self._saving) and self._saving[-1]

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self._in_saving_function and _is_model_state(original_node):
            return self.offer(original_node.func.attr, updated_node,
                              lambda: updated_node.func.value, "save the model object, not its state_dict")
        if m.matches(original_node, _LOAD):
            index = find_arg(original_node.args, 1, "map_location")
            if index is not None:
                return self.offer(original_node.args[index], updated_node, lambda: updated_node.with_changes(
                    args=drop_arg(updated_node.args, index)), "torch.load without map_location")
        if (self._in_saving_function and m.matches(original_node.func, m.Name("dict"))):
            for index, arg in enumerate(original_node.args):
                if arg.keyword is not None and _is_optimizer_state(arg.value):
                    return self.offer(arg, updated_node, lambda index=index: updated_node.with_changes(
                        args=drop_arg(updated_node.args, index)), "optimizer state not saved")
        return updated_node

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        if not self._in_saving_function:
            return updated_node
        result = updated_node
        for index, element in enumerate(original_node.elements):
            if isinstance(element, cst.DictElement) and _is_optimizer_state(element.value):
                def rewrite(index=index) -> cst.Dict:
                    return updated_node.with_changes(elements=_dropped(updated_node.elements, index))

                result = self.offer(element, result, rewrite, "optimizer state not saved")
        return result

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine):
        if m.matches(original_node, _LOAD_STATE_LINE) and _names_optimizer(
                original_node.body[0].value.func.value):
            return self.offer(original_node, updated_node, cst.RemoveFromParent,
                              "optimizer state not restored")
        return updated_node

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock,
                            updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        result = updated_node
        original = original_node.body
        if len(original) == len(updated_node.body):
            for index, statement in enumerate(original):
                found = _rename(statement)
                if found is not None:
                    result = self._offer_direct_write(original, index, found, updated_node, result)
        return super().leave_IndentedBlock(original_node, result)

    def _offer_direct_write(self, original: Sequence[cst.BaseStatement], index: int, found,
                            updated_node: cst.IndentedBlock, result: cst.IndentedBlock):
        """Offer `torch.save(obj, tmp); os.replace(tmp, path)` -> `torch.save(obj, path)`."""
        call, source, destination = found
        saves = [i for i in range(index) if (c := _only_call(original[i], _SAVE)) is not None
                 and (j := _saved_to(c)) is not None and _code(c.args[j].value) == _code(source)]
        if not saves:
            return result
        save_index = saves[-1]
        dropped = {index}
        # The temporary name's own assignment goes too, when nothing else in the block reads it.
        if isinstance(source, cst.Name):
            for i in range(save_index):
                statement = original[i]
                if (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
                        and isinstance(statement.body[0], cst.Assign)
                        and len(statement.body[0].targets) == 1
                        and m.matches(statement.body[0].targets[0].target, m.Name(source.value))):
                    dropped.add(i)
            others = [s for i, s in enumerate(original) if i not in dropped and i != save_index]
            if any(_uses(s, source.value) for s in others):
                dropped = {index}

        def rewrite() -> cst.IndentedBlock:
            body = list(updated_node.body)
            save_line = body[save_index]
            save_call = save_line.body[0].value
            at = _saved_to(save_call)
            args = list(save_call.args)
            args[at] = args[at].with_changes(value=destination)
            body[save_index] = save_line.with_changes(
                body=[save_line.body[0].with_changes(value=save_call.with_changes(args=args))])
            kept = [s for i, s in enumerate(body) if i not in dropped]
            return updated_node.with_changes(body=kept)

        return self.offer(call, result, rewrite, "torch.save straight onto the path, no temporary file")


def _dropped(elements: Sequence[cst.BaseDictElement], index: int) -> list[cst.BaseDictElement]:
    """`elements` without `elements[index]`, keeping the commas valid."""
    kept = [e for i, e in enumerate(elements) if i != index]
    if kept and index == len(elements) - 1:
        kept[-1] = kept[-1].with_changes(comma=elements[index].comma)
    return kept
