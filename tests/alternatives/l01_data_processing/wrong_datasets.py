"""A plausible wrong solution: the seed is applied to the global RNG once, when the loader is built."""

import torch
from torch.utils.data import DataLoader, Dataset


class FeatureLabelDataset(Dataset):
    def __init__(self, features, labels) -> None:
        if len(features) != len(labels):
            raise ValueError(f"features has {len(features)} samples but labels has {len(labels)}")
        self.features = torch.as_tensor(features, dtype=torch.float32)  # (N, F)
        self.labels = torch.as_tensor(labels, dtype=torch.long)  # (N,)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool = True,
                seed: int | None = None) -> DataLoader:
    if seed is not None:
        torch.manual_seed(seed)  # wrong: the shuffle draws later, after the program moved on
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)
