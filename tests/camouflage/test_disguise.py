"""The whole camouflage: registry, determinism, and the public API of every reference kept."""

import ast
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import camouflage
import clean_reference
from camouflage import ALL_REWRITES, Dice, Rewrite, _base, disguise, spelling
from camouflage._base import realign

REFERENCES = sorted(Path(clean_reference.__file__).parent.glob("l*/*.py"))
NAMES = {"loss": ["batch_loss"], "logits": ["scores"], "inputs": ["x"], "out": ["y"], "h": ["hidden"],
         "features": ["feats"], "total": ["running"], "model": ["net"], "path": ["file"], "B": ["batch"]}


def test_every_rewrite_module_is_registered_once():
    registered = {r.__module__ for r in ALL_REWRITES}
    for info in pkgutil.iter_modules(camouflage.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"camouflage.{info.name}")
        classes = [v for v in vars(module).values()
                   if isinstance(v, type) and issubclass(v, Rewrite) and v is not Rewrite]
        assert classes and module.__name__ in registered, f"camouflage/{info.name}.py is not in ALL_REWRITES"
    ids = [r.ID for r in ALL_REWRITES]
    assert len(ids) == len(set(ids))
    assert all(r.DESCRIPTION.strip() and "\n" not in r.DESCRIPTION for r in ALL_REWRITES)
    assert all(camouflage.by_id(r.ID) is r for r in ALL_REWRITES)


def public_api(source: str) -> dict:
    """Names, signatures and docstrings of everything a check or a stub can reach."""
    tree = ast.parse(source)
    found = {"": ("module", ast.get_docstring(tree))}

    def visit(body, prefix, top):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + node.name] = ("def", ast.dump(node.args), ast.dump(node.returns) if node.returns else "",
                                             [ast.dump(d) for d in node.decorator_list], ast.get_docstring(node))
            elif isinstance(node, ast.ClassDef):
                found[prefix + node.name] = ("class", [ast.dump(b) for b in node.bases], ast.get_docstring(node))
                visit(node.body, f"{prefix}{node.name}.", True)
            elif top and isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Import, ast.ImportFrom)):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                        found[prefix + sub.id] = ("name",)
                    elif isinstance(sub, ast.alias):
                        found[prefix + (sub.asname or sub.name)] = ("import", sub.name)
            elif top and isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit(getattr(node, field, []), prefix, top)
            elif isinstance(node, ast.ExceptHandler):
                visit(node.body, prefix, top)

    visit(tree.body, "", True)
    found["attributes"] = sorted({n.attr for n in ast.walk(tree)
                                  if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)})
    return found


@pytest.mark.parametrize("path", REFERENCES, ids=lambda p: f"{p.parent.name}/{p.stem}")
@settings(max_examples=2, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_rewrite_keeps_the_public_api_of_every_reference(path, seed):
    source = path.read_text(encoding="utf-8")
    expected = public_api(source)
    module = cst.parse_module(source)
    for rewrite in ALL_REWRITES:
        module = rewrite.rewrite(module, Dice(seed, rewrite.ID), NAMES)
        compile(module.code, str(path), "exec")
        assert public_api(module.code) == expected, rewrite.ID


def test_same_text_whatever_the_hash_seed():
    path = Path(clean_reference.__file__).parent / "l03_training" / "one_epoch.py"
    script = ("import sys; from camouflage import disguise; "
              f"sys.stdout.write(disguise(open({str(path)!r}).read(), 7, {NAMES!r}))")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": hash_seed}).stdout for hash_seed in ("1", "2")]
    assert runs[0] == runs[1] == disguise(path.read_text(), 7, NAMES)
    module = cst.parse_module(path.read_text())
    for rewrite in ALL_REWRITES:  # disguise is every rewrite in turn, each with its own dice
        module = rewrite.rewrite(module, Dice(7, rewrite.ID), NAMES)
    assert module.code == runs[0] != path.read_text()


def test_a_mutant_and_its_reference_are_disguised_alike_away_from_the_bug():
    reference = "def f(x, items):\n    loss = x.size(0) + len(items)\n    total = loss * 2\n    return total\n"
    mutant = reference.replace("total = loss * 2", "total = loss * 3")
    names = {"loss": ["objective"], "total": ["running"]}
    for seed in range(10):
        left, right = disguise(reference, seed, names).splitlines(), disguise(mutant, seed, names).splitlines()
        assert len(left) == len(right)
        assert sum(a != b for a, b in zip(left, right)) == 1


def test_realign_follows_the_bracket_and_leaves_hanging_indents():
    before = "x = f(a,\n      b)\ny = g(\n    c)\nz = h(k(1,\n        2),\n      3)\n"
    after = "xx = ff(a,\n      b)\ny = gg(\n    c)\nz = hhh(k(1,\n        2),\n      3)\n"
    assert realign(before, after) == (
        "xx = ff(a,\n        b)\ny = gg(\n    c)\nz = hhh(k(1,\n          2),\n        3)\n")
    strings = 's = f("""\n  text\n""",\n      b)\n'
    assert realign(strings, strings.replace("s = f", "s = ff")) == 's = ff("""\n  text\n""",\n       b)\n'


def _read_alike_with_a_full_visit(rewrite, patched_full_visit) -> None:
    """Every reference, with each of four seeds, reads the same after `rewrite` as it does
    once `patched_full_visit(patch)` has made the visit go everywhere."""
    def texts(module):
        return [rewrite.rewrite(module, Dice(seed, rewrite.ID), NAMES).code for seed in range(4)]

    for path in REFERENCES:
        module = cst.parse_module(path.read_text())
        fast = texts(module)
        with pytest.MonkeyPatch.context() as patch:
            patched_full_visit(patch)
            assert fast == texts(module), path.name


@pytest.mark.parametrize("rewrite", [r for r in ALL_REWRITES if r.STATEMENTS_ONLY], ids=lambda r: r.ID)
def test_a_statements_only_rewrite_gives_what_a_full_visit_gives(rewrite):
    """Skipping simple statements and expressions is only a speed-up."""
    _read_alike_with_a_full_visit(rewrite, lambda patch: patch.setattr(rewrite, "STATEMENTS_ONLY", False))


def test_renaming_touches_the_same_names_as_a_full_visit_would():
    """The renamer descends only into what holds a renamed name; letting it descend
    everywhere renames nothing more and nothing less."""
    from camouflage import rename_locals

    def everywhere(patch):
        patch.setattr(rename_locals._Renamer, "on_visit", lambda self, node: True)

    _read_alike_with_a_full_visit(rename_locals.RenameLocals, everywhere)


@pytest.mark.parametrize("source", ["", "\n", "# only a comment\n", "x = 1", "def f():\n    return 1\n\n# end",
                                    "\r\nx = 1\r\n", "if x:\n\ty = 2\n", "import torch\n\n\nclass A:\n    pass\n"])
def test_a_trees_text_from_its_statements_texts_is_libcsts(source):
    module = cst.parse_module(source)
    assert _base.source_of(module) == module.code == source
    renamed = module.visit(_Renamer())
    assert _base.source_of(renamed) == renamed.code  # statements shared with the tree before, and new ones


class _Renamer(cst.CSTTransformer):
    def leave_Name(self, original_node, updated_node):
        return updated_node.with_changes(value=updated_node.value + "_")


def test_spelling_reads_the_same_imports_and_bindings_as_a_full_visit():
    """What spelling learns from the text's ast: every import alias and bound name, as a
    libcst visit of the whole tree would find them."""
    source = ("import numpy as np\nimport torch.nn.functional as F\nfrom torch import cat as join\n"
              "from . import sibling\nfrom os import *\n"
              "def size(a, *rest, b=1, **more):\n    (c, [d, *e]) = a\n    with open(a) as (f, g):\n"
              "        pass\n    for h in a:\n        i += 1\n    j: int = [k for k in a]\n"
              "    if (l := 1):\n        pass\n    try:\n        pass\n    except E as m:\n        pass\n"
              "    self.shape = 1\n    return lambda n: n\nclass C:\n    pass\n")
    found = spelling._imports(source)
    assert found.aliases == {"np": "numpy", "F": "torch.nn.functional", "join": "torch.cat"}
    assert found.bound == frozenset("abcdefghijklmn") | {"rest", "more", "size", "C"}
    assert found.arrays and found.own_shape
