"""Checks for `build_index` and `PathTensorDataset`: same index, same items, loaded lazily.

Every example builds a small class-per-folder tree in a temporary directory, with the traps
a real data folder has: an empty class, a hidden `.cache` folder, a file that is not `.pt`,
a nested folder inside a class, a `.pt` file lying in the root itself, and names whose
sorted order is not the order they were created in. Both sides build their own tree, so
paths come back relative to its root, as text.
"""

import os
import tempfile
from pathlib import Path

import torch
from hypothesis import strategies as st

from bughunt.placement import plain
from scenarios._support import check, seeds

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


def _index(root: Path) -> dict:
    """The index the contract describes, made here for the dataset checks."""
    names = sorted(entry.name for entry in root.iterdir()
                   if entry.is_dir() and not entry.name.startswith("."))
    return {path: label for label, name in enumerate(names)
            for path in sorted((root / name).glob("*.pt"))}


def _relative(path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except (TypeError, ValueError):
        return repr(path)[:80]


def _describe(entries) -> list:
    return [(path, label) for path, _, label in entries]


def _same_index(got, expected, **example) -> None:
    assert isinstance(got, dict) and got.get("class") == "dict", (
        f"build_index returned {got.get('class') if isinstance(got, dict) else got!r}, not a dict")
    entries = got.get("entries")
    assert isinstance(entries, list) and all(isinstance(e, tuple) and len(e) == 3 for e in entries), \
        "build_index did not give an index of paths and labels"
    for path, is_path, label in entries:
        assert is_path is True, f"the index key {path!r} is not a pathlib.Path"
        assert type(label) is int, f"the label of {path!r} is {label}, not a Python int"
    assert entries == expected["entries"], (
        f"build_index gave {_describe(entries)}; a correct index, in order, is "
        f"{_describe(expected['entries'])}")


# How the root is handed over: a Path, a str, a path relative to the working directory, or
# a symbolic link to the real folder. Keys join the root as given, so none of these may be
# resolved away.
ROOT_FORMS = ("path", "text", "relative", "symlink")


def _given_root(tmp: Path, real: Path, form: str):
    if form == "relative":
        os.chdir(tmp)
        return Path(real.name)
    if form == "symlink":
        link = tmp / "link"
        link.symlink_to(real, target_is_directory=True)
        return link
    return str(real) if form == "text" else real


@check("the index does not map each class folder's .pt files to the class's rank in name order",
       given=dict(classes=trees, seed=seeds, root=st.sampled_from(ROOT_FORMS)),
       examples=[dict(classes=[("b", 2), ("a10", 0), ("a2", 1)], seed=0, root="path"),
                 dict(classes=[("Zeta", 1), ("cat_1", 3)], seed=1, root="text"),
                 dict(classes=[("cat_1", 0)], seed=2, root="path"),
                 dict(classes=[("b", 1), ("a2", 2)], seed=3, root="relative"),
                 dict(classes=[("a10", 2), ("Zeta", 1)], seed=4, root="symlink")],
       compare=_same_index)
def same_index(module, classes, seed, root):
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as tmp:
        real = Path(tmp) / "data"
        real.mkdir()
        _build_tree(real, classes, seed)
        cwd = os.getcwd()
        try:
            given = _given_root(Path(tmp), real, root)
            index = module.build_index(given)
        finally:
            os.chdir(cwd)
        if not isinstance(index, dict):
            return {"class": type(index).__name__}
        # (path relative to the root as given, whether it is a pathlib.Path, the label or what it is)
        entries = [(_relative(path, Path(given)), isinstance(path, Path),
                    label if type(label) is int else repr(label)[:80])
                   for path, label in index.items()]
        return {"class": "dict", "entries": entries}


def _item(value) -> dict:
    """One dataset item as an observation: the tensor, and the label's type, shape and value."""
    tensor, label = value
    observed = {"tensor": plain(tensor) if isinstance(tensor, torch.Tensor) else repr(tensor)[:80]}
    if isinstance(label, torch.Tensor):
        observed["label"] = {"dtype": str(label.dtype), "shape": list(label.shape),
                             "value": label.item() if label.numel() == 1 else None}
    else:
        observed["label"] = f"the {type(label).__name__} {repr(label)[:60]}"
    return observed


def _label_text(label) -> str:
    if isinstance(label, dict):
        return f"a {label.get('dtype')} tensor of shape {tuple(label.get('shape') or ())}"
    return str(label)


def _same_items(got, expected, **example) -> None:
    assert isinstance(got, dict) and type(got.get("length")) is int \
        and isinstance(got.get("items"), list), "the dataset's items could not be read"
    assert got["length"] == expected["length"], (
        f"the dataset has {got['length']} items for an index of {expected['length']} files")
    for i, (item, want) in enumerate(zip(got["items"], expected["items"])):
        assert isinstance(item, dict), f"item {i} could not be read"
        label, want_label = item.get("label"), want["label"]
        assert isinstance(label, dict) and label.get("dtype") == "torch.int64" and label.get("shape") == [], (
            f"item {i}'s label is {_label_text(label)}; a label is an int64 tensor of shape () "
            f"(a batch of them is what CrossEntropyLoss expects)")
        assert label.get("value") == want_label["value"], (
            f"item {i}'s label is {label.get('value')}, expected {want_label['value']}")
        tensor, want_tensor = item.get("tensor"), want["tensor"]
        assert isinstance(tensor, torch.Tensor) and tensor.dtype == want_tensor.dtype \
            and tensor.shape == want_tensor.shape and torch.equal(tensor, want_tensor), (
            f"item {i} is not the tensor saved in its file ({tensor!r} instead of {want_tensor!r})")


@check("the dataset's items are not the saved tensors with int64 scalar labels",
       given=dict(classes=trees, seed=seeds),
       examples=[dict(classes=[("a2", 2), ("a10", 0), ("b", 1)], seed=3)], compare=_same_items)
def same_items(module, classes, seed):
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as tmp:
        root = Path(tmp)
        _build_tree(root, classes, seed)
        index = _index(root)
        dataset = module.PathTensorDataset(index)
        length = len(dataset)
        # Read no further than the index reaches, however long the dataset says it is.
        items = [_item(dataset[i]) for i in range(min(length, len(index)))]
        return {"length": length, "items": items}


def _tensor_or_text(value):
    return plain(value) if isinstance(value, torch.Tensor) else repr(value)[:80]


def _same_tensor(got, expected) -> bool:
    return isinstance(got, torch.Tensor) and got.dtype == expected.dtype and \
        got.shape == expected.shape and torch.equal(got, expected)


def _lazy(got, expected, **example) -> None:
    assert isinstance(got, dict), "the dataset's items could not be read"
    assert _same_tensor(got.get("changed"), expected["changed"]), (
        "an item does not hold what its file holds when the item is read: "
        "files must be loaded in __getitem__, not ahead of time")
    assert _same_tensor(got.get("reread"), expected["reread"]), (
        "an item read a second time still holds what its file held the first time: "
        "a file rewritten since is served stale")
    raised = got.get("raised")
    assert raised is not None, "reading an item whose file is gone raised no FileNotFoundError"
    assert "FileNotFoundError" in got.get("kinds", []), (
        f"reading an item whose file is gone raised {raised}, not FileNotFoundError")
    assert got.get("missing") in got.get("message", ""), (
        f"the FileNotFoundError does not name the missing file: {got.get('message')}")


@check("the dataset does not read files when an item is asked for, or hides which file is missing",
       given=dict(classes=trees.filter(lambda cs: sum(count for _, count in cs) >= 2), seed=seeds),
       examples=[dict(classes=[("b", 2), ("a2", 1)], seed=4)], compare=_lazy, max_examples=6)
def lazy_loading(module, classes, seed):
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as tmp:
        root = Path(tmp)
        _build_tree(root, classes, seed)
        index = _index(root)
        paths = list(index)
        missing, changed = paths[0], paths[-1]
        missing.unlink()  # gone before the dataset is made: making it must not read files
        dataset = module.PathTensorDataset(index)
        torch.save(torch.full((3,), float(seed)), changed)  # written after the dataset was made
        tensor, _ = dataset[len(paths) - 1]
        torch.save(torch.full((2,), float(seed) + 1), changed)  # rewritten after being read
        again, _ = dataset[len(paths) - 1]
        observed = {"changed": _tensor_or_text(tensor), "reread": _tensor_or_text(again),
                    "raised": None}
        try:
            dataset[0]
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - which error, and what it says, is the observation
            # The folder is a fresh temporary one each time: the message is kept relative to it.
            message = str(error).replace(str(root), "<root>")[:300]
            observed.update(raised=type(error).__name__, kinds=[c.__name__ for c in type(error).__mro__],
                            missing=f"<root>/{_relative(missing, root)}", message=message)
        return observed


CHECKS = (same_index, same_items, lazy_loading)
