"""Datasets and loaders: how samples reach a training loop.

A `Dataset` answers two questions, how many samples there are and what sample i is; a
`DataLoader` groups samples into batches and decides their order. The dataset fixes the
dtypes once, where the data enters (`nn.CrossEntropyLoss` reads class indices as int64),
and the loader's shuffle can be replayed exactly from a seed, so that two runs of an
experiment see their samples in the same order.

Shapes: features (N, F) float32, labels (N,) int64; one item is ((F,), ()), one batch is
((B, F), (B,)) with the last batch possibly shorter.
"""

import torch
from torch.utils.data import DataLoader, Dataset


class FeatureLabelDataset(Dataset):
    """N samples, each a float32 feature vector (F,) with an int64 class label ().

    Item i is the pair `(features of sample i, label of sample i)`, the values unchanged
    apart from their dtype. Accepts tensors, arrays or lists of any numeric dtype; a
    features/labels count that does not match is a ValueError naming both counts, raised
    at construction time rather than halfway through an epoch.
    """

    def __init__(self, features, labels) -> None:
        if len(features) != len(labels):
            raise ValueError(f"features has {len(features)} samples but labels has {len(labels)}")
        self.features = torch.as_tensor(features, dtype=torch.float32)  # (N, F)
        self.labels = torch.as_tensor(labels, dtype=torch.long)  # (N,) class indices

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]  # (F,), ()


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool = True,
                seed: int | None = None) -> DataLoader:
    """Batches of `batch_size` samples (the last one may be shorter), each sample once
    per epoch: shuffled when `shuffle` is true, in the dataset's order otherwise. With a
    `seed`, the shuffled order is the same on every run, whatever the rest of the program
    did to the global random number generator before or after the loader was built."""
    generator = None
    if seed is not None:
        generator = torch.Generator().manual_seed(seed)  # private: nobody else draws from it
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


if __name__ == "__main__":
    torch.manual_seed(0)
    features = torch.randn(10, 3)  # (N, F)
    labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]  # plain Python ints, as read from a file
    dataset = FeatureLabelDataset(features, labels)
    x, y = dataset[0]
    print(f"{len(dataset)} samples; item 0: features {tuple(x.shape)} {x.dtype}, label {y.item()} {y.dtype}")
    for epoch in range(2):
        loader = make_loader(dataset, batch_size=4, seed=42)
        print(f"epoch {epoch} (seed 42):", [tuple(yb.tolist()) for _, yb in loader])
    try:
        FeatureLabelDataset(features, labels[:7])
    except ValueError as error:
        print("mismatch caught:", error)
