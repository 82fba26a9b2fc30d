from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.eval_mode import EvalMode


def ids(source):
    return [site.id for site in sites(EvalMode, source)]


BEFORE = dedent("""\
    def validate(model, x):
        model.eval()
        return model(x)


    def train(model, x, was_training):
        model.train()
        loss = model(x)
        model.train(was_training)
        return loss


    def freeze(model):
        model.backbone.train(False)
""")


def test_sites_are_the_mode_statements():
    assert ids(BEFORE) == ["eval-mode:validate:0", "eval-mode:train:0", "eval-mode:train:1", "eval-mode:freeze:0"]


def test_deletes_eval():
    assert apply(EvalMode, BEFORE, "eval-mode:validate:0") == BEFORE.replace("    model.eval()\n", "")


def test_deletes_train_with_or_without_an_argument():
    assert apply(EvalMode, BEFORE, "eval-mode:train:0") == BEFORE.replace("    model.train()\n", "")
    assert apply(EvalMode, BEFORE, "eval-mode:train:1") == BEFORE.replace("    model.train(was_training)\n", "")


def test_an_emptied_block_gets_pass():
    assert apply(EvalMode, BEFORE, "eval-mode:freeze:0") == BEFORE.replace(
        "model.backbone.train(False)", "pass")


def test_leaves_other_uses_and_the_demo_alone():
    source = dedent("""\
        def f(model, x, trainer):
            model = model.eval()
            y = eval("1 + 1")
            mode = model.training
            return model.eval().to(x), y, mode

        if __name__ == "__main__":
            model.eval()
            model.train()
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    found = sites(EvalMode, BEFORE)
    assert found == sites(EvalMode, BEFORE)
    for site in found:
        mutated = apply(EvalMode, BEFORE, site)
        assert len(sites(EvalMode, mutated)) == len(found) - 1
    with pytest.raises(SiteNotFound):
        apply(EvalMode, BEFORE, "eval-mode:no_such_function:0")
