"""spelling: one PyTorch idiom written as another that means exactly the same.

- `x.size(i)` <-> `x.shape[i]` for a literal int i, and `x.size()` <-> `x.shape` (both a
  `torch.Size`); `.shape` becomes `.size(...)` only where NumPy and pandas are not imported,
  and neither swap happens in a file that gives its own objects a `shape` or `size`;
- `torch.cat` <-> `torch.concat` (an alias);
- the dim of `torch.cat`, `torch.stack`, `torch.softmax`, `F.softmax` and a few more passed by
  keyword <-> by position (`torch.cat(xs, dim=1)` <-> `torch.cat(xs, 1)`);
- `x.sum(dim=1)` -> `x.sum(1)` for reductions whose first parameter is dim (the keyword shows
  that x is a tensor; the other way round it might not be).
Module names are resolved through the file's own top-level imports, never guessed.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

import libcst as cst

from bughunt import syntax
from camouflage._base import Dice, Names, Rewrite, integer_literal, source_of

_ALIASES = {"torch.cat": "torch.concat", "torch.concat": "torch.cat"}
# Functions whose second positional parameter is `dim`.
_DIM_SECOND = frozenset({
    "torch.cat", "torch.concat", "torch.stack", "torch.softmax", "torch.log_softmax", "torch.argmax",
    "torch.argmin", "torch.sum", "torch.mean", "torch.cumsum", "torch.nn.functional.softmax",
    "torch.nn.functional.log_softmax",
})
# Tensor methods whose first positional parameter is `dim`.
_DIM_FIRST = frozenset({"sum", "mean", "argmax", "argmin", "softmax", "log_softmax", "cumsum"})
_ARRAY_LIBRARIES = ("numpy", "pandas")
_SHAPE_NAMES = ("shape", "size")
_NO_SPACE = cst.SimpleWhitespace("")


@dataclass(frozen=True)
class _Imports:
    """Import aliases anywhere in the file (`F` -> `torch.nn.functional`), every name bound
    otherwise, whether NumPy or pandas is imported, and whether the file defines a `shape`
    or `size` of its own. Read from the `ast` of the text: a libcst visit of the whole tree
    per disguise cost as much as the rewrite itself."""

    aliases: dict[str, str]
    bound: frozenset[str]
    arrays: bool
    own_shape: bool


@functools.lru_cache(maxsize=256)
def _imports(source: str) -> _Imports:
    aliases: dict[str, str] = {}
    bound: set[str] = set()
    arrays = own_shape = False
    for node in ast.walk(syntax.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                arrays |= alias.name.split(".")[0] in _ARRAY_LIBRARIES
                if alias.asname is not None:
                    aliases[alias.asname] = alias.name
                elif "." not in alias.name:
                    aliases[alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.module is None or node.level or any(alias.name == "*" for alias in node.names):
                continue
            arrays |= node.module.split(".")[0] in _ARRAY_LIBRARIES
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        # Anything else that binds a name makes that name unusable as a module alias.
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(node.name)
            own_shape |= node.name in _SHAPE_NAMES
        elif isinstance(node, ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                bound.update(_names_in(target))
                own_shape |= isinstance(target, ast.Attribute) and target.attr in _SHAPE_NAMES
        elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.comprehension, ast.NamedExpr)):
            bound.update(_names_in(node.target))
        elif isinstance(node, ast.AnnAssign):
            bound.update(_names_in(node.target))
            target = node.target.attr if isinstance(node.target, ast.Attribute) else \
                node.target.id if isinstance(node.target, ast.Name) else None
            own_shape |= target in _SHAPE_NAMES
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            bound.update(_names_in(node.optional_vars))
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            bound.add(node.name)
    return _Imports(aliases, frozenset(bound), arrays, own_shape)


def _names_in(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return set().union(*(_names_in(e) for e in target.elts))
    if isinstance(target, ast.Starred):
        return _names_in(target.value)
    return set()


class Spelling(Rewrite):
    ID = "spelling"
    DESCRIPTION = "write an idiom another equivalent way: size(0)/shape[0], cat/concat, dim=1/1"
    KEEPS_LINES = True

    @classmethod
    def transform(cls, module: cst.Module, dice: Dice, names: Names) -> cst.Module:
        imports = _imports(source_of(module))
        transformer = cls(module, dice, names)
        transformer.aliases = {k: v for k, v in imports.aliases.items() if k not in imports.bound}
        transformer.arrays = imports.arrays or imports.own_shape
        transformer.sizes = not imports.own_shape
        return module.visit(transformer)

    def __init__(self, module: cst.Module, dice: Dice, names: Names) -> None:
        super().__init__(module, dice, names)
        self.aliases: dict[str, str] = {}
        self.arrays = True  # `.shape` might not be a tensor's: it stays
        self.sizes = False  # `.size(...)` is a tensor's: it may become `.shape`
        self._kept: set[cst.Attribute] = set()  # `.shape` nodes that must stay attributes

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """`torch.nn.functional.softmax` for `F.softmax`, when F is that module's alias."""
        if isinstance(node, cst.Name):
            return self.aliases.get(node.value)
        if isinstance(node, cst.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr.value}" if base else None
        return None

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if _is_attribute(node.value, "shape"):
            self._kept.add(node.value)  # `x.shape[1:]` never becomes `x.size()[1:]`

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, cst.Attribute):
            self._kept.add(node.target)

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript):
        # x.shape[i] -> x.size(i)
        value = updated_node.value
        if (self.arrays or not _is_attribute(value, "shape") or self._is_module(value.value)
                or len(updated_node.slice) != 1 or not isinstance(updated_node.slice[0].slice, cst.Index)):
            return updated_node
        index = updated_node.slice[0].slice.value
        if not integer_literal(index) or not self.chance(original_node):
            return updated_node
        size = value.with_changes(attr=cst.Name("size"))
        return cst.Call(size, [cst.Arg(index)], lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute):
        # x.shape -> x.size()
        if (self.arrays or original_node.attr.value != "shape" or original_node in self._kept
                or self._is_module(updated_node.value) or not self.chance(original_node)):
            return updated_node
        call = cst.Call(updated_node.with_changes(attr=cst.Name("size"), lpar=(), rpar=()))
        return call.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call):
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or func.lpar:
            return updated_node
        resolved = self.resolve(func)
        if resolved is None and not self._is_module(func.value):
            return self._method(original_node, updated_node)
        if resolved in _DIM_SECOND:
            updated_node = self._dim_second(original_node, updated_node)
        if resolved in _ALIASES and self.chance(original_node.func, original_node):
            new = _ALIASES[resolved].rsplit(".", 1)[1]
            updated_node = updated_node.with_changes(func=updated_node.func.with_changes(attr=cst.Name(new)))
        return updated_node

    def _is_module(self, node: cst.BaseExpression) -> bool:
        return self.resolve(node) is not None

    def _method(self, original: cst.Call, call: cst.Call) -> cst.BaseExpression:
        method, args = call.func.attr.value, call.args
        plain = all(a.star == "" for a in args) and (method != "size" or self.sizes)
        if method == "size" and plain and not args and self.chance(original):
            # x.size() -> x.shape
            return call.func.with_changes(attr=cst.Name("shape"), lpar=call.lpar, rpar=call.rpar)
        if (method == "size" and plain and len(args) == 1 and args[0].keyword is None
                and integer_literal(args[0].value) and self.chance(original)):
            # x.size(i) -> x.shape[i]
            shape = call.func.with_changes(attr=cst.Name("shape"))
            index = cst.SubscriptElement(cst.Index(args[0].value))
            return cst.Subscript(shape, [index], lpar=call.lpar, rpar=call.rpar)
        if (method in _DIM_FIRST and plain and args and _keyword(args[0]) == "dim"
                and self.chance(original)):
            # x.sum(dim=1) -> x.sum(1)
            return call.with_changes(args=[_positional(args[0]), *args[1:]])
        return call

    def _dim_second(self, original: cst.Call, call: cst.Call) -> cst.Call:
        args = call.args
        if (len(args) < 2 or any(a.star for a in args) or args[0].keyword is not None
                or any(a.keyword is None for a in args[2:])):
            return call
        if args[1].keyword is None and self.chance(original):
            return call.with_changes(args=[args[0], _by_keyword(args[1], "dim"), *args[2:]])
        if _keyword(args[1]) == "dim" and self.chance(original):
            return call.with_changes(args=[args[0], _positional(args[1]), *args[2:]])
        return call


def _is_attribute(node: cst.BaseExpression, attr: str) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == attr and not node.lpar


def _keyword(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _positional(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)


def _by_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    return arg.with_changes(keyword=cst.Name(name),
                            equal=cst.AssignEqual(whitespace_before=_NO_SPACE, whitespace_after=_NO_SPACE))
