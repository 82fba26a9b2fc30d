"""Checks for `set_seed` and `split_dataset`: seeded draws, and a split that is a partition
of the right sizes, replayed by its seed whatever the global random state.

The datasets here are `Numbered(n)`, whose sample i is the int i, so that the two parts of
a split can be read back as the sets of sample numbers they hold, whichever permutation an
implementation draws.
"""

import random

import numpy as np
import torch
from hypothesis import strategies as st
from torch.utils.data import Dataset, Subset

from scenarios._support import check, seeds

fractions = st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.75, 0.9, 1.0]) | st.floats(0.0, 1.0)


class Numbered(Dataset):
    """n samples; sample i is the int i."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.n:
            raise IndexError(index)
        return int(index)


def _members(part) -> list[int]:
    """The sample numbers a split part holds, in its own order."""
    return [int(part[i]) for i in range(len(part))]


def _scramble(seed: int) -> None:
    """Move every global generator somewhere `seed` decides, as unrelated code would."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _same_draws(got, expected, seed, scramble):
    assert isinstance(got, dict) and set(got) == set(expected), "set_seed could not be observed"
    for name, label in (("random", "Python's random"), ("numpy", "NumPy's global generator"),
                        ("torch", "torch's global generator")):
        value, wanted = got[name], expected[name]
        same = torch.equal(value, wanted) if isinstance(wanted, torch.Tensor) else value == wanted
        assert isinstance(value, type(wanted)) and same, (
            f"after set_seed({seed}), {label} does not draw what seeding it with {seed} gives "
            f"(it depends on what was drawn before)")


@check("set_seed does not put Python's, NumPy's and torch's generators where the seed says",
       given=dict(seed=seeds, scramble=seeds), examples=[dict(seed=0, scramble=1)],
       compare=_same_draws, max_examples=6, priority=30)
def seeds_every_generator(module, seed, scramble):
    _scramble(scramble)
    module.set_seed(seed)
    return {"random": random.random(), "numpy": float(np.random.rand()), "torch": torch.rand(3)}


def _partition(got, expected, n, val_fraction, seed):
    assert isinstance(got, dict) and set(got) == set(expected), "the split could not be observed"
    assert got["subsets"] == expected["subsets"], "split_dataset should return two torch Subsets"
    a, b = got["members"]
    got = {"sizes": [len(a), len(b)], "shared": len(set(a) & set(b)),
           "repeated": len(a) - len(set(a)) + len(b) - len(set(b)), "missing": n - len(set(a) | set(b))}
    expected = {"sizes": [len(part) for part in expected["members"]]}
    n_val = expected["sizes"][1]
    assert got["sizes"][1] == n_val, (
        f"{n} samples with val_fraction={val_fraction!r} put {got['sizes'][1]} samples in the "
        f"validation part instead of int({n} * {val_fraction!r}) = {n_val}")
    assert got["sizes"][0] == n - n_val, (
        f"{n} samples with {n_val} for validation left {got['sizes'][0]} for training, not {n - n_val}")
    assert got["shared"] == 0, f"{got['shared']} samples are in both the training and the validation part"
    assert got["repeated"] == 0, f"{got['repeated']} samples appear twice within one part"
    assert got["missing"] == 0, f"{got['missing']} samples are in neither part"


@check("the two parts of a split overlap, miss samples, or do not have the promised sizes",
       given=dict(n=st.integers(1, 40), val_fraction=fractions, seed=seeds),
       examples=[dict(n=20, val_fraction=0.25, seed=0), dict(n=9, val_fraction=0.1, seed=1),
                 dict(n=10, val_fraction=0.1, seed=2), dict(n=19, val_fraction=0.1, seed=3),
                 dict(n=10, val_fraction=0.3, seed=4), dict(n=5, val_fraction=1.0, seed=5),
                 dict(n=7, val_fraction=0.0, seed=6)],
       compare=_partition, priority=20)
def partition(module, n, val_fraction, seed):
    train, val = module.split_dataset(Numbered(n), val_fraction, seed)
    return {"subsets": [isinstance(part, Subset) for part in (train, val)],
            "members": [_members(train), _members(val)]}


_SEEDED_MESSAGES = {
    "same_seed_same_split": "the same seed gave a different split after other code had drawn "
                            "random numbers: the split depends on the global random state",
    "global_rng_untouched": "drawing the split moved torch's global random generator",
    "other_seed_other_split": "two different seeds gave the very same split: the seed is not used",
}


def _seeded_facts(raw) -> dict:
    first, again, other = raw["splits"]
    return {"same_seed_same_split": first == again, "global_rng_untouched": torch.equal(*raw["global_draws"]),
            "other_seed_other_split": first != other}


def _seeded(got, expected, **example):
    assert isinstance(got, dict) and set(got) == set(expected), "the split could not be observed"
    got, expected = _seeded_facts(got), _seeded_facts(expected)
    for key, message in _SEEDED_MESSAGES.items():
        assert got[key] == expected[key], message


@check("the split changes with the global random state, moves it, or ignores its seed",
       given=dict(val_fraction=st.sampled_from([0.25, 0.5]), seed=seeds, scramble=seeds),
       examples=[dict(val_fraction=0.25, seed=0, scramble=1)], compare=_seeded, max_examples=6, priority=30)
def seeded(module, val_fraction, seed, scramble):
    data = Numbered(24)
    _scramble(scramble)
    first = module.split_dataset(data, val_fraction, seed)
    _scramble(scramble + 1)
    torch.rand(7)
    again = module.split_dataset(data, val_fraction, seed)
    torch.manual_seed(scramble)
    module.split_dataset(data, val_fraction, seed)
    after = torch.rand(4)
    torch.manual_seed(scramble)
    untouched = torch.rand(4)  # what the global generator gives when nobody drew from it
    other = module.split_dataset(data, val_fraction, seed + 1)
    return {"splits": [[_members(part) for part in split] for split in (first, again, other)],
            "global_draws": [after, untouched]}


CHECKS = (seeds_every_generator, partition, seeded)
