"""A plausible mistake: the root resolved, so keys no longer join the root as given (a relative or symlinked root)."""

from pathlib import Path

import torch
from torch.utils.data import Dataset


def build_index(root: str | Path) -> dict[Path, int]:
    """Map every `*.pt` file of every class folder under `root` to its class label.

    A class is a folder directly inside `root` whose name does not start with a dot; its
    label is its rank among the class names in sorted order, counting empty class folders.
    Only `.pt` files lying directly in a class folder are indexed. The index runs class by
    class in label order, each class's files sorted by name. Keys are `pathlib.Path`s made
    by joining `root` (as given), the class folder's name and the file's name; labels are
    Python ints.
    """
    root = Path(root).resolve()  # one canonical spelling of every path
    class_names = sorted(entry.name for entry in root.iterdir()
                         if entry.is_dir() and not entry.name.startswith("."))
    index: dict[Path, int] = {}
    for label, name in enumerate(class_names):
        for path in sorted((root / name).glob("*.pt")):  # not recursive: nested folders stay out
            index[path] = label
    return index


class PathTensorDataset(Dataset):
    """Items `(tensor, label)` read lazily from the files of an index made by `build_index`."""

    def __init__(self, index: dict[Path, int]) -> None:
        """Remember which files the index holds and their labels, in its order; reads no file."""
        self.samples = list(index.items())  # [(path, label)]: paths only, nothing loaded yet

    def __len__(self) -> int:
        """The number of files in the index."""
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The `i`-th file's tensor, loaded now and exactly as saved, and its label as an int64
        tensor of shape ().

        Every read loads the file afresh, so a file rewritten since the dataset was made (or
        since it was last read) is read as it is now; a file that has gone raises
        FileNotFoundError naming its path.
        """
        path, label = self.samples[i]
        if not path.is_file():  # say which file, and why it may have gone
            raise FileNotFoundError(f"{path} is in the index but no longer on disk; rebuild the index")
        tensor = torch.load(path, weights_only=True)  # weights_only: never unpickle code
        return tensor, torch.tensor(label, dtype=torch.int64)  # label: () int64

