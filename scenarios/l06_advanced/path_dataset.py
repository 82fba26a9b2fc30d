"""Checks for `build_index` and `PathTensorDataset`: same index, same items, loaded lazily.

Every example builds a small class-per-folder tree in a temporary directory, with the traps
a real data folder has: an empty class, a hidden `.cache` folder, a file that is not `.pt`,
a nested folder inside a class, a `.pt` file lying in the root itself, and names whose
sorted order is not the order they were created in.
"""

import os
import tempfile
from pathlib import Path

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from bughunt.judge.checking import check
from scenarios._support import seeds

CLASS_NAMES = ("b", "a10", "a2", "Zeta", "cat_1")  # created in drawn order, labelled by sort
FILE_NAMES = ("b.pt", "10.pt", "A.pt", "2.pt")  # created in this order, indexed sorted
# A memory-backed folder where there is one: removing folders on a journaling disk is slow.
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

# (class name, number of .pt files) per class folder; a count of 0 is an empty class.
trees = st.lists(st.tuples(st.sampled_from(CLASS_NAMES), st.integers(0, 4)),
                 min_size=1, max_size=4, unique_by=lambda entry: entry[0])


def _build_tree(root: Path, classes, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    for k, (name, count) in enumerate(classes):
        (root / name).mkdir()
        for file_name in FILE_NAMES[:count]:
            # Differing shapes and dtypes: the items must come back exactly as saved.
            tensor = torch.randn(2, k + 1, generator=generator) if k % 2 == 0 else \
                torch.randint(0, 9, (k + 1,), generator=generator)
            torch.save(tensor, root / name / file_name)
    first = root / classes[0][0]
    (first / "notes.txt").write_text("not a tensor")
    (first / "nested").mkdir()
    torch.save(torch.zeros(1), first / "nested" / "deep.pt")  # not directly in a class folder
    (root / ".cache").mkdir()
    torch.save(torch.zeros(1), root / ".cache" / "hidden.pt")  # a hidden folder is no class
    torch.save(torch.zeros(1), root / "a0.pt")  # a file in the root is no class


def _describe(index, root: Path) -> list:
    return [(str(Path(path).relative_to(root)) if isinstance(path, Path) else path, label)
            for path, label in index.items()]


@check("the index does not map each class folder's .pt files to the class's rank in name order")
@given(classes=trees, seed=seeds, as_text=st.booleans())
@example(classes=[("b", 2), ("a10", 0), ("a2", 1)], seed=0, as_text=False)
@example(classes=[("Zeta", 1), ("cat_1", 3)], seed=1, as_text=True)
@example(classes=[("cat_1", 0)], seed=2, as_text=False)
def same_index(cand, ref, classes, seed, as_text):
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as tmp:
        root = Path(tmp)
        _build_tree(root, classes, seed)
        given_root = str(root) if as_text else root
        got = cand.build_index(given_root)
        expected = ref.build_index(given_root)
        assert isinstance(got, dict), f"build_index returned {type(got).__name__}, not a dict"
        for path, label in got.items():
            assert isinstance(path, Path), f"the index key {path!r} is not a pathlib.Path"
            assert type(label) is int, f"the label of {path!r} is {label!r}, not a Python int"
        assert list(got.items()) == list(expected.items()), (
            f"build_index gave {_describe(got, root)}; a correct index, in order, is "
            f"{_describe(expected, root)}")


@check("the dataset's items are not the saved tensors with int64 scalar labels")
@given(classes=trees, seed=seeds)
@example(classes=[("a2", 2), ("a10", 0), ("b", 1)], seed=3)
def same_items(cand, ref, classes, seed):
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as tmp:
        root = Path(tmp)
        _build_tree(root, classes, seed)
        index = ref.build_index(root)
        got_dataset = cand.PathTensorDataset(index)
        expected_dataset = ref.PathTensorDataset(index)
        assert len(got_dataset) == len(expected_dataset), (
            f"the dataset has {len(got_dataset)} items for an index of {len(index)} files")
        for i in range(len(expected_dataset)):
            tensor, label = got_dataset[i]
            expected_tensor, expected_label = expected_dataset[i]
            assert isinstance(label, torch.Tensor) and label.dtype == torch.int64 and label.shape == (), (
                f"item {i}'s label is {label!r}; a label is an int64 tensor of shape () "
                f"(a batch of them is what CrossEntropyLoss expects)")
            assert label.item() == expected_label.item(), (
                f"item {i}'s label is {label.item()}, expected {expected_label.item()}")
            assert isinstance(tensor, torch.Tensor) and tensor.dtype == expected_tensor.dtype \
                and torch.equal(tensor, expected_tensor), (
                f"item {i} is not the tensor saved in its file ({tensor!r} instead of {expected_tensor!r})")


@check("the dataset does not read files when an item is asked for, or hides which file is missing",
       max_examples=6)
@given(classes=trees.filter(lambda cs: sum(count for _, count in cs) >= 2), seed=seeds)
@example(classes=[("b", 2), ("a2", 1)], seed=4)
def lazy_loading(cand, ref, classes, seed):
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as tmp:
        root = Path(tmp)
        _build_tree(root, classes, seed)
        index = ref.build_index(root)
        paths = list(index)
        missing, changed = paths[0], paths[-1]
        missing.unlink()  # gone before the dataset is made: making it must not read files
        dataset = cand.PathTensorDataset(index)
        fresh = torch.full((3,), float(seed))  # written after the dataset was made
        torch.save(fresh, changed)
        got, _ = dataset[len(paths) - 1]
        assert torch.equal(got, fresh), (
            "an item does not hold what its file holds when the item is read: "
            "files must be loaded in __getitem__, not ahead of time")
        try:
            dataset[0]
        except FileNotFoundError as error:
            assert str(missing) in str(error), (
                f"the FileNotFoundError does not name the missing file {str(missing)!r}: {error}")
        else:
            raise AssertionError(
                f"reading an item whose file {str(missing)!r} is gone raised no FileNotFoundError")


CHECKS = (same_index, same_items, lazy_loading)
