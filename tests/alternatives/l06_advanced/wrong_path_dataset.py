"""Wrong: classes are taken from the files found, so an empty class folder loses its label.

`root.glob("*/*.pt")` is a tidy way to find every sample, and deriving the class names from
the files' parents looks equivalent, but a class folder with no files yet drops out and every
class sorted after it shifts down one label.
"""

from pathlib import Path

import torch
from torch.utils.data import Dataset


def build_index(root: str | Path) -> dict[Path, int]:
    """Map every `*.pt` file of every class folder under `root` to its class label."""
    files = sorted(p for p in Path(root).glob("*/*.pt") if not p.parent.name.startswith("."))
    classes = sorted({p.parent.name for p in files})  # the mistake: only non-empty classes
    rank = {name: k for k, name in enumerate(classes)}
    return {p: rank[p.parent.name] for p in files}


class PathTensorDataset(Dataset):
    """Items `(tensor, label)` read lazily from the files of an index made by `build_index`."""

    def __init__(self, index: dict[Path, int]) -> None:
        self.samples = list(index.items())

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        path, label = self.samples[i]
        return torch.load(path, weights_only=True), torch.tensor(label, dtype=torch.int64)
