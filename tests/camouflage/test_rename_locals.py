from textwrap import dedent

import libcst as cst

from camouflage import Dice, disguise
from camouflage.rename_locals import RenameLocals, _same_symbols


class Always(Dice):
    """Takes every chance and the last option: one exact, predictable rewrite."""

    def __init__(self) -> None:
        pass

    def chance(self, key, probability=0.5):
        return True

    def choice(self, key, options):
        return options[-1]


def rename(source, names, dice=None):
    return RenameLocals.rewrite(cst.parse_module(source), dice or Always(), names).code


NAMES = {"loss": ["objective"], "total": ["running"], "row": ["sample"], "handle": ["stream"],
         "scale": ["factor"], "model": ["net"], "lr": ["rate"], "label": ["tag"]}

BEFORE = dedent("""\
    import torch

    loss = 0.0  # a module-level name: never renamed


    def train(model, rows, lr=0.1):
        total = 0.0  # the sum so far
        scale = 2.0
        for row in rows:
            loss = model(row) * scale
            total += loss.item()
        with open("log.txt") as handle:
            handle.write(str(total))

        def report():
            return total / len(rows)

        model.loss = loss
        return dict(loss=loss, mean=report())
""")

AFTER = dedent("""\
    import torch

    loss = 0.0  # a module-level name: never renamed


    def train(model, rows, lr=0.1):
        running = 0.0  # the sum so far
        factor = 2.0
        for sample in rows:
            objective = model(sample) * factor
            running += objective.item()
        with open("log.txt") as stream:
            stream.write(str(running))

        def report():
            return running / len(rows)

        model.loss = objective
        return dict(loss=objective, mean=report())
""")


def test_renames_locals_loop_and_with_targets_and_closures_only():
    assert rename(BEFORE, NAMES) == AFTER


def test_leaves_parameters_globals_attributes_and_keywords():
    after = rename(BEFORE, NAMES)
    assert "def train(model, rows, lr=0.1):" in after  # parameters
    assert after.startswith("import torch\n\nloss = 0.0")  # module level
    assert "model.loss = " in after and "dict(loss=" in after  # attribute and keyword


def test_never_renames_to_a_word_the_file_already_holds():
    source = dedent("""\
        def f(x):
            total = x + 1  # a total objective
            return total
    """)
    assert rename(source, {"total": ["objective", "running"]}) == source.replace("total =", "running =").replace(
        "return total", "return running")
    assert rename(source, {"total": ["objective"]}) == source  # "objective" is in the comment
    assert rename(source, {"total": ["x", "len", "class", "not a name"]}) == source


def test_two_locals_never_take_the_same_name():
    source = dedent("""\
        def f(x):
            a = x + 1
            b = x + 2
            return a * b
    """)
    after = rename(source, {"a": ["c"], "b": ["c"]})
    assert after == source.replace("a = ", "c = ").replace("a * b", "c * b")


def test_one_name_takes_one_new_name_in_every_function():
    source = dedent("""\
        def f(x):
            loss = x + 1
            return loss


        def g(loss):
            return loss
    """)
    assert rename(source, {"loss": ["objective"]}) == source.replace(
        "    loss = x + 1\n    return loss", "    objective = x + 1\n    return objective")


def test_leaves_globals_nonlocals_fstrings_and_dynamic_lookups():
    source = dedent("""\
        counter = 0


        def bump():
            global counter
            counter = counter + 1


        def outer():
            state = 0

            def inner():
                nonlocal state
                state += 1
            inner()
            return state


        def shown(x):
            label = x + 1
            return f"{label=}"


        def dynamic(x):
            total = x + 1
            return locals()


        def evaluated(x):
            scale = x + 1
            return eval("scale")
    """)
    names = {"counter": ["hits"], "state": ["calls"], "label": ["tag"], "total": ["running"], "scale": ["factor"]}
    assert rename(source, names) == source


def test_leaves_imports_nested_defs_and_string_annotations():
    source = dedent("""\
        def f(x):
            import math
            def helper(y):
                return y
            value: "model" = helper(math.pi)
            model = value
            return model
    """)
    assert rename(source, {"math": ["m"], "helper": ["h"], "model": ["net"]}) == source


def test_no_names_no_change():
    assert rename(BEFORE, {}) == BEFORE
    assert disguise("def f(x):\n    y = x\n    return y\n", 0) == "def f(x):\n    y = x\n    return y\n"


def test_continuation_lines_stay_aligned_under_their_bracket():
    source = dedent("""\
        def f(a, b):
            loss = max(a,
                       b)
            return loss
    """)
    assert rename(source, {"loss": ["objective"]}) == dedent("""\
        def f(a, b):
            objective = max(a,
                            b)
            return objective
    """)


def test_python_symbol_tables_catch_a_wrong_rename():
    before = "def f():\n    x = 1\n    return x\n"
    assert _same_symbols(before, before.replace("x", "y"), ["f"], {0: {"x": "y"}})
    assert not _same_symbols(before, "def f():\n    y = 1\n    return x\n", ["f"], {0: {"x": "y"}})
    assert not _same_symbols(before, before.replace("x", "y"), ["g"], {0: {"x": "y"}})


def test_same_seed_same_names_and_seeds_differ():
    module = cst.parse_module(BEFORE)
    outputs = [RenameLocals.rewrite(module, Dice(seed, RenameLocals.ID), NAMES).code for seed in range(12)]
    again = [RenameLocals.rewrite(module, Dice(seed, RenameLocals.ID), NAMES).code for seed in range(12)]
    assert outputs == again
    assert len(set(outputs)) > 3
