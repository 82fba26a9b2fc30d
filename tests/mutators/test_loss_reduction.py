from textwrap import dedent

from mutators._base import apply, sites
from mutators.loss_reduction import LossReduction

BEFORE = dedent("""\
    def epoch(batches, loss_fn):
        total_loss, total_samples, steps = 0.0, 0, 0
        for inputs, targets in batches:
            batch_size = inputs.size(0)
            loss = loss_fn(inputs, targets)
            total_loss += loss.item() * batch_size
            total_samples += batch_size
            steps += 1
        return total_loss / total_samples
""")


def ids(source):
    return [site.id for site in sites(LossReduction, source)]


def test_sites_are_the_weighting_and_the_sample_count():
    assert ids(BEFORE) == ["loss-reduction:epoch:0", "loss-reduction:epoch:1"]


def test_drops_the_weighting_by_batch_size():
    assert apply(LossReduction, BEFORE, "loss-reduction:epoch:0") == BEFORE.replace(
        "loss.item() * batch_size", "loss.item()")


def test_counts_batches_instead_of_samples():
    assert apply(LossReduction, BEFORE, "loss-reduction:epoch:1") == BEFORE.replace(
        "total_samples += batch_size", "total_samples += 1")


def test_a_plain_counter_is_no_site():
    assert ids("def f(xs):\n    n = 0\n    for x in xs:\n        n += 1\n    return n\n") == []


def test_sites_are_stable_after_an_unrelated_edit_below():
    assert ids(BEFORE + "\n\nx = 1\n") == ids(BEFORE)
