from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.accumulation_scale import AccumulationScale

LOOP = dedent("""\
    def train(model, loader, optimizer, loss_fn, accum_steps):
        for i, (x, y) in enumerate(loader):
            loss = loss_fn(model(x), y) / accum_steps
            loss.backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()
""")


def ids(source):
    return [site.id for site in sites(AccumulationScale, source)]


def test_sites_sit_on_the_operators():
    assert ids(LOOP) == ["accumulation-scale:train:0", "accumulation-scale:train:1"]


def test_division_is_dropped():
    assert apply(AccumulationScale, LOOP, "accumulation-scale:train:0") == LOOP.replace(
        "loss_fn(model(x), y) / accum_steps", "loss_fn(model(x), y)")


def test_step_condition_loses_its_plus_one():
    assert apply(AccumulationScale, LOOP, "accumulation-scale:train:1") == LOOP.replace(
        "(i + 1) % accum_steps", "i % accum_steps")


@pytest.mark.parametrize("before, after", [
    ("2 * (loss / self.cfg.grad_accumulation)", "2 * loss"),
    ("loss / num_steps", "loss"),
    ("(a + b) / group_size", "(a + b)"),
    ("loss / len(accum_batches) * w", "loss * w"),
    ("(self.count + 1) % n", "self.count % n"),
])
def test_other_forms(before, after):
    source = f"z = {before}\n"
    [site] = sites(AccumulationScale, source)
    assert apply(AccumulationScale, source, site) == f"z = {after}\n"


def test_augmented_division_is_deleted():
    before = "def f(loss, accum_steps):\n    loss /= accum_steps\n    return loss\n"
    assert ids(before) == ["accumulation-scale:f:0"]
    assert apply(AccumulationScale, before, "accumulation-scale:f:0") == (
        "def f(loss, accum_steps):\n    return loss\n")


def test_code_it_must_leave_alone():
    before = dedent("""\
        def f(total, count, i, n, c, num_groups):
            mean = total / count
            k = c // num_groups
            j = (i + 2) % n
            m = i + 1 % n
            q = (1 + i) % n
            total /= count

        if __name__ == "__main__":
            print(total / accum_steps, (i + 1) % n)
    """)
    assert ids(before) == []


def test_stable_and_idempotent():
    first = sites(AccumulationScale, LOOP)
    assert first == sites(AccumulationScale, LOOP)
    for site in first:
        mutated = apply(AccumulationScale, LOOP, site)
        assert (site.line, site.column) not in [(s.line, s.column) for s in sites(AccumulationScale, mutated)]
        assert len(ids(mutated)) == 1
    nested = "z = a / accum / num_steps\n"
    assert ids(nested) == ["accumulation-scale:<module>:0", "accumulation-scale:<module>:1"]
    assert apply(AccumulationScale, nested, "accumulation-scale:<module>:0") == "z = a / num_steps\n"
    assert apply(AccumulationScale, nested, "accumulation-scale:<module>:1") == "z = a / accum\n"
    with pytest.raises(SiteNotFound):
        apply(AccumulationScale, LOOP, "accumulation-scale:no_such_function:0")
