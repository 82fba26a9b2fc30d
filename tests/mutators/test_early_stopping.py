from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.early_stopping import EarlyStopping

STOPPER = dedent("""\
    class Stopper:
        def __init__(self, patience):
            self.best = None
            self.counter = 0

        def step(self, metric):
            if self.best is None or metric < self.best - self.min_delta:
                self.best = metric
                self.counter = 0
            else:
                self.counter += 1
            return self.counter >= self.patience


    def fit(model, epochs, path):
        best_loss = float("inf")
        wait = 0
        for epoch in range(epochs):
            loss = run(model)
            if loss < best_loss:
                best_loss = loss
                wait = 0
                save(path, model)
        load_checkpoint(path, model)  # restore the best
        model.load_state_dict(best_state)
""")


def ids(source):
    return [site.id for site in sites(EarlyStopping, source)]


def test_sites():
    assert ids(STOPPER) == ["early-stopping:Stopper.step:0", "early-stopping:Stopper.step:1", "early-stopping:fit:0",
                            "early-stopping:fit:1", "early-stopping:fit:2", "early-stopping:fit:3"]


def test_comparison_with_the_best_is_flipped():
    assert apply(EarlyStopping, STOPPER, "early-stopping:Stopper.step:0") == STOPPER.replace(
        "metric < self.best - self.min_delta", "metric > self.best - self.min_delta")
    assert apply(EarlyStopping, STOPPER, "early-stopping:fit:0") == STOPPER.replace(
        "if loss < best_loss:", "if loss > best_loss:")
    flipped = apply(EarlyStopping, "ok = acc >= best_acc\n", "early-stopping:<module>:0")
    assert flipped == "ok = acc <= best_acc\n"


def test_counter_reset_on_improvement_is_deleted():
    assert apply(EarlyStopping, STOPPER, "early-stopping:Stopper.step:1") == STOPPER.replace(
        "            self.counter = 0\n", "", 1)
    assert apply(EarlyStopping, STOPPER, "early-stopping:fit:1") == STOPPER.replace(
        "            wait = 0\n", "")


def test_restoring_the_best_weights_is_deleted_with_its_comment():
    assert apply(EarlyStopping, STOPPER, "early-stopping:fit:2") == STOPPER.replace(
        "    load_checkpoint(path, model)  # restore the best\n", "")
    assert apply(EarlyStopping, STOPPER, "early-stopping:fit:3") == STOPPER.replace(
        "    model.load_state_dict(best_state)\n", "")


def test_leaves_other_code_alone():
    source = dedent("""\
        def resume(model, state, x, limit):
            counter = 0
            model.load_state_dict(state)
            if x < limit:
                total = 0
            return x == best, counter

        if __name__ == "__main__":
            load_checkpoint(path, model)
    """)
    assert ids(source) == []


def test_stable_and_each_rewrite_removes_its_site():
    found = sites(EarlyStopping, STOPPER)
    assert found == sites(EarlyStopping, STOPPER)
    for site in found:
        again = sites(EarlyStopping, apply(EarlyStopping, STOPPER, site))
        flipped = site.note.startswith("comparison")
        assert len(again) == len(found) - (0 if flipped else 1)
    with pytest.raises(SiteNotFound):
        apply(EarlyStopping, STOPPER, "early-stopping:no_such_function:0")
