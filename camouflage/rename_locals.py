"""rename-locals: a function's local variables take other natural names.

Only plain locals move: names a function body binds by assignment, a `for` or a `with ... as`
and nothing else (parameters, nested defs, imports, globals, attributes and keyword
arguments stay, as does anything in an f-string or a function that calls `locals()`,
`vars()`, `dir()`, `eval` or `exec`). A name is renamed only to one of the alternatives the
scenario lists for it, and only to a word the file does not already contain anywhere. The
result is checked against Python's own symbol tables; if they disagree, nothing is renamed.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
import symtable
from collections.abc import Mapping

import libcst as cst
from libcst.metadata import Assignment, MetadataWrapper, ParentNodeProvider, ScopeProvider

from camouflage._base import Dice, Names, Rewrite, source_of

_DYNAMIC = frozenset({"locals", "vars", "dir", "eval", "exec"})
_RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)


class _Survey(cst.CSTVisitor):
    """Functions in source order, the names declared global or nonlocal, the names inside
    f-strings, and the functions that look their locals up by name."""

    def __init__(self) -> None:
        super().__init__()
        self.functions: list[cst.FunctionDef] = []
        self.declared: set[str] = set()
        self.in_fstrings: set[cst.Name] = set()
        self.dynamic: set[cst.FunctionDef] = set()
        self._open: list[cst.FunctionDef] = []
        self._fstring_depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)
        self._open.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._open.pop()

    def visit_Global(self, node: cst.Global) -> None:
        self.declared.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.declared.update(item.name.value for item in node.names)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._fstring_depth += 1

    def leave_FormattedString(self, original_node: cst.FormattedString) -> None:
        self._fstring_depth -= 1

    def visit_Name(self, node: cst.Name) -> None:
        if self._fstring_depth:
            self.in_fstrings.add(node)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in _DYNAMIC:
            self.dynamic.update(self._open)  # enclosing functions too: closures show up


class _Renamer(cst.CSTTransformer):
    """Renames the given Name nodes, descending only into what holds one of them."""

    def __init__(self, renames: dict[cst.Name, str], parents: Mapping[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__()
        self.renames = renames
        self.holders: set[cst.CSTNode] = set()
        for node in renames:
            while node in parents and parents[node] not in self.holders:
                node = parents[node]
                self.holders.add(node)

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node in self.holders

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.renames.get(original_node)
        return updated_node if new is None else updated_node.with_changes(value=new)


class RenameLocals(Rewrite):
    ID = "rename-locals"
    DESCRIPTION = "give function-local variables other natural names from the scenario's list"
    KEEPS_LINES = True

    @classmethod
    def transform(cls, module: cst.Module, dice: Dice, names: Names) -> cst.Module:
        taken = set(_words(module)) | _RESERVED
        if not taken & set(names):
            return module
        survey, found = _renamable(module)
        renames: dict[cst.Name, str] = {}
        by_function: dict[int, dict[str, str]] = {}  # position among the defs -> {old: new}
        for old in sorted(found.keys() & names.keys()):
            wanted = [names[old]] if isinstance(names[old], str) else names[old]
            options = [n for n in dict.fromkeys(wanted) if n.isidentifier() and n not in taken]
            new = dice.choice(old, [None, *options])
            if new is None:
                continue
            taken.add(new)
            for function, nodes in found[old]:
                renames.update(dict.fromkeys(nodes, new))
                by_function.setdefault(survey.functions.index(function), {})[old] = new
        if not renames:
            return module
        renamed = module.visit(_Renamer(renames, _parents(module)))
        defs = [f.name.value for f in survey.functions]
        return renamed if _same_symbols(source_of(module), source_of(renamed), defs, by_function) else module


def renamable(source: str) -> set[str]:
    """The locals of `source` this rewrite may rename: what a scenario's `local_names` lists."""
    return set(_renamable(cst.parse_module(source))[1])


@functools.lru_cache(maxsize=128)  # by identity: a tree disguised with many seeds
def _words(module: cst.Module) -> frozenset[str]:
    return frozenset(re.findall(r"[A-Za-z_]\w*", source_of(module)))


@functools.lru_cache(maxsize=128)  # by identity: a tree disguised with many seeds
def _parents(module: cst.Module) -> Mapping[cst.CSTNode, cst.CSTNode]:
    return MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)


@functools.lru_cache(maxsize=128)  # by identity: scope analysis is most of a rename's time
def _renamable(module: cst.Module) -> tuple[_Survey, dict[str, list[tuple[cst.FunctionDef, set[cst.Name]]]]]:
    """Each renamable local's name -> its Name nodes, one entry per function that has it."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # trees are immutable
    scopes = wrapper.resolve(ScopeProvider)
    survey = _Survey()
    module.visit(survey)
    found: dict[str, list[tuple[cst.FunctionDef, set[cst.Name]]]] = {}
    for function in survey.functions:
        if function in survey.dynamic:
            continue
        for name, nodes in _plain_locals(scopes[function.body]).items():
            if name not in survey.declared and not nodes & survey.in_fstrings:
                found.setdefault(name, []).append((function, nodes))
    return survey, found


def _plain_locals(scope) -> dict[str, set[cst.Name]]:
    """Each local bound only by plain assignments, with every Name node that means it."""
    assignments: dict[str, list] = {}
    for assignment in scope.assignments:
        assignments.setdefault(assignment.name, []).append(assignment)
    plain = {}
    for name, bindings in assignments.items():
        if not all(isinstance(b, Assignment) and isinstance(b.node, cst.Name) for b in bindings):
            continue  # a parameter, a nested def or class, an import
        nodes = {b.node for b in bindings} | {r.node for b in bindings for r in b.references}
        nodes |= {a.node for a in scope.accesses[name]}
        if all(isinstance(n, cst.Name) and n.value == name for n in nodes):  # not in a string annotation
            plain[name] = nodes
    return plain


# Python's own view: every scope's symbols, with renamed locals (and the closures reading
# them) under their new names, must match the renamed file's symbols exactly.

_NOT_DEFS = frozenset({"lambda", "listcomp", "setcomp", "dictcomp", "genexpr"})


def _same_symbols(before: str, after: str, defs: list[str], renames: dict[int, dict[str, str]]) -> bool:
    try:
        old, new = symtable.symtable(before, "<before>", "exec"), symtable.symtable(after, "<after>", "exec")
    except SyntaxError:
        return False
    tables = [t for t in _tables(old) if _is_function(t) and t.get_name() not in _NOT_DEFS]
    if [t.get_name() for t in tables] != defs:  # the defs, in source order, as libcst saw them
        return False
    by_table = {tables[index].get_id(): mapping for index, mapping in renames.items()}
    return _expected(old, [], by_table) == _expected(new, [], {})


def _tables(table):
    yield table
    for child in table.get_children():
        yield from _tables(child)


def _expected(table, chain, renames) -> list:
    chain = [*chain, table]
    symbols = []
    for symbol in table.get_symbols():
        owner = _owner(chain, symbol)
        mapping = renames.get(owner.get_id(), {}) if owner else {}
        flags = (symbol.is_parameter(), symbol.is_global(), symbol.is_declared_global(), symbol.is_local(),
                 symbol.is_free(), symbol.is_imported(), symbol.is_assigned(), symbol.is_referenced())
        symbols.append((mapping.get(symbol.get_name(), symbol.get_name()), flags))
    children = [_expected(child, chain, renames) for child in table.get_children()]
    return [str(table.get_type()), table.get_name(), table.get_lineno(), sorted(symbols), children]


def _owner(chain, symbol):
    """The function whose local this symbol is: its own table's, or the closure's source."""
    table = chain[-1]
    if _is_function(table) and symbol.is_local():
        return table
    if symbol.is_free():
        for outer in reversed(chain[:-1]):
            if _is_function(outer):
                try:
                    if outer.lookup(symbol.get_name()).is_local():
                        return outer
                except KeyError:
                    continue
    return None


def _is_function(table) -> bool:
    return str(table.get_type()).lower().endswith("function")
