"""Seeds and a seeded split, the library way: `random_split` with its own generator."""

import random as python_random

import numpy
import torch
from torch.utils.data import random_split


def set_seed(seed):
    """Seed Python's, NumPy's and torch's global generators."""
    for seeder in (python_random.seed, numpy.random.seed, torch.manual_seed):
        seeder(seed)


def split_dataset(dataset, val_fraction, seed):
    """(train, validation) Subsets, int(N * val_fraction) of them for validation."""
    total = len(dataset)
    held_out = int(total * val_fraction)
    parts = random_split(dataset, [total - held_out, held_out],
                         generator=torch.Generator().manual_seed(seed))
    return parts[0], parts[1]
