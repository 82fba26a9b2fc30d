"""A second, independent solution of the datasets challenge (different idioms from the reference)."""

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler, SequentialSampler


class FeatureLabelDataset(Dataset):
    """N samples: float32 features (F,) and an int64 class label ()."""

    def __init__(self, features, labels) -> None:
        n_features, n_labels = len(features), len(labels)
        if n_features != n_labels:
            raise ValueError(f"{n_features} feature rows do not match {n_labels} labels")
        # Keep one (features, label) pair per sample, already typed.
        rows = torch.from_numpy(np.asarray(features, dtype=np.float32))  # (N, F)
        targets = torch.tensor(np.asarray(labels)).to(torch.int64)  # (N,)
        self.samples = list(zip(rows.unbind(0), targets.unbind(0)))

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        features, label = self.samples[index]
        return features, label  # (F,), ()


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool = True,
                seed: int | None = None) -> DataLoader:
    """Batches of `batch_size`, the last possibly shorter; a seed fixes the shuffled order."""
    if not shuffle:
        sampler = SequentialSampler(dataset)
    elif seed is None:
        sampler = RandomSampler(dataset)
    else:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=False)
