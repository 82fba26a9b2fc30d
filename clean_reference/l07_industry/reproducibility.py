"""Reproducible runs: one seed for every global generator, and a split drawn from its own.

A training run draws random numbers in many places: weight initialisation, Dropout masks,
the order of the batches and the train/validation split. `set_seed` fixes the global
generators of Python, NumPy and PyTorch, so that one number replays a whole run.
`split_dataset` goes further and draws from a private `torch.Generator`: the split then
depends on its seed alone, never on what the rest of the program drew before, and drawing
it leaves the global generator exactly where it was.

Shapes: a dataset of N samples is split into N - n_val training and n_val validation
samples, n_val = int(N * val_fraction); the two parts never share a sample.
"""

import random

import numpy as np
import torch
from torch.utils.data import Dataset, Subset


def set_seed(seed: int) -> None:
    """Seed Python's `random`, NumPy's global generator and PyTorch's (CPU and CUDA).

    Afterwards each of the three global generators is in the state that seeding it with
    `seed` alone gives, whatever was drawn from it before.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # the CPU generator and every CUDA device's


def split_dataset(dataset: Dataset, val_fraction: float, seed: int) -> tuple[Subset, Subset]:
    """Split `dataset` at random into `(train, validation)`, two `Subset`s of it.

    The validation part holds `int(len(dataset) * val_fraction)` samples and the training
    part all the others: every sample lands in exactly one of them. Which samples go where
    depends on `seed` alone, the same on every call and whatever the global random state;
    the global generator is left untouched.
    """
    n_val = int(len(dataset) * val_fraction)
    generator = torch.Generator().manual_seed(seed)  # private: the global RNG is not touched
    order = torch.randperm(len(dataset), generator=generator).tolist()  # (N,) a shuffled 0..N-1
    return Subset(dataset, order[n_val:]), Subset(dataset, order[:n_val])


if __name__ == "__main__":
    data = torch.utils.data.TensorDataset(torch.arange(10))
    for attempt in range(2):
        torch.manual_seed(attempt)  # unrelated code moving the global generator
        train, val = split_dataset(data, val_fraction=0.3, seed=42)
        print(f"attempt {attempt}: validation {sorted(val.indices)}, training {sorted(train.indices)}")
    set_seed(7)
    first = (random.random(), float(np.random.rand()), torch.rand(1).item())
    set_seed(7)
    again = (random.random(), float(np.random.rand()), torch.rand(1).item())
    print("set_seed(7) replays python, numpy and torch draws:", first == again)
