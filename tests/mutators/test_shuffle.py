from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.shuffle import Shuffle

LOOP = dedent("""\
    def fit(train_set, val_set, seed, epochs):
        val_loader = DataLoader(val_set, batch_size=8, shuffle=False)
        for epoch in range(epochs):
            loader = make_loader(train_set, 8, shuffle=True, seed=seed + epoch)
            generator.manual_seed(epoch + config.seed)
            other = make_loader(train_set, 8, seed=(base + self.epoch))
""")


def ids(source):
    return [site.id for site in sites(Shuffle, source)]


def test_sites():
    assert ids(LOOP) == ["shuffle:fit:0", "shuffle:fit:1", "shuffle:fit:2", "shuffle:fit:3"]


def test_shuffle_turned_off():
    assert apply(Shuffle, LOOP, "shuffle:fit:0") == LOOP.replace("shuffle=True", "shuffle=False")


def test_epoch_dropped_from_the_seed():
    assert apply(Shuffle, LOOP, "shuffle:fit:1") == LOOP.replace("seed=seed + epoch", "seed=seed")
    assert apply(Shuffle, LOOP, "shuffle:fit:2") == LOOP.replace(
        "manual_seed(epoch + config.seed)", "manual_seed(config.seed)")
    assert apply(Shuffle, LOOP, "shuffle:fit:3") == LOOP.replace("seed=(base + self.epoch)", "seed=base")


def test_leaves_other_code_alone():
    source = dedent("""\
        def f(ds, seed, step):
            a = DataLoader(ds, shuffle=False, seed=seed + step)
            torch.manual_seed(seed + 1)
            return make_loader(ds, 4, seed=seed)

        if __name__ == "__main__":
            DataLoader(ds, shuffle=True)
    """)
    assert ids(source) == []


def test_stable_and_each_rewrite_removes_its_site():
    found = sites(Shuffle, LOOP)
    assert found == sites(Shuffle, LOOP)
    for site in found:
        again = sites(Shuffle, apply(Shuffle, LOOP, site))
        assert len(again) == len(found) - 1
    with pytest.raises(SiteNotFound):
        apply(Shuffle, LOOP, "shuffle:no_such_function:0")
