"""A learner's split: the validation size is rounded to the nearest sample, not floored."""

import random

import numpy as np
import torch
from torch.utils.data import Subset


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def split_dataset(dataset, val_fraction, seed):
    n_val = round(len(dataset) * val_fraction)  # 19 samples at 0.1 give 2, not int(1.9) = 1
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(dataset), generator=generator).tolist()
    return Subset(dataset, order[n_val:]), Subset(dataset, order[:n_val])
