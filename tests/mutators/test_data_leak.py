from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.data_leak import DataLeak

PIPELINE = dedent("""\
    def split(dataset, n_val, seed):
        order = torch.randperm(len(dataset)).tolist()
        return Subset(dataset, order[n_val:]), data.Subset(dataset, order[:n_val])


    def run(dataset, seed):
        train_set, val_set = split_dataset(dataset, 0.2, seed)
        loader = make_loader(train_set, 8, shuffle=True)
        val_loader = make_loader(val_set, 8)
        mean = features[train_set.indices].mean(dim=0)
        std = features[train_idx].std(dim=0)
        return loader, val_loader, mean, std
""")


def ids(source):
    return [site.id for site in sites(DataLeak, source)]


def test_sites():
    assert ids(PIPELINE) == ["data-leak:split:0", "data-leak:split:1", "data-leak:run:0",
                             "data-leak:run:1", "data-leak:run:2"]


def test_subset_takes_every_index():
    assert apply(DataLeak, PIPELINE, "data-leak:split:0") == PIPELINE.replace(
        "Subset(dataset, order[n_val:])", "Subset(dataset, order)")
    assert apply(DataLeak, PIPELINE, "data-leak:split:1") == PIPELINE.replace(
        "data.Subset(dataset, order[:n_val])", "data.Subset(dataset, order)")


def test_training_part_replaced_by_the_whole_set():
    assert apply(DataLeak, PIPELINE, "data-leak:run:0") == PIPELINE.replace(
        "make_loader(train_set, 8", "make_loader(dataset, 8")


def test_statistics_from_the_whole_set():
    assert apply(DataLeak, PIPELINE, "data-leak:run:1") == PIPELINE.replace(
        "features[train_set.indices].mean", "features.mean")
    assert apply(DataLeak, PIPELINE, "data-leak:run:2") == PIPELINE.replace(
        "features[train_idx].std", "features.std")


def test_leaves_other_code_alone():
    source = dedent("""\
        def f(dataset, rows, i):
            train_set = dataset
            loader = make_loader(train_set, 8)
            a, b = split_dataset(load(), 0.2, 0)
            part = Subset(dataset, rows)
            return rows[i], rows[:, 0], make_loader(a, 2), part

        if __name__ == "__main__":
            x = features[train_idx]
    """)
    assert ids(source) == []


def test_names_do_not_leak_across_functions():
    source = dedent("""\
        def a(dataset):
            train_set, val_set = random_split(dataset, [8, 2])
            return train_set

        def b(train_set):
            return DataLoader(train_set)
    """)
    assert ids(source) == []


def test_stable_and_each_rewrite_removes_its_site():
    found = sites(DataLeak, PIPELINE)
    assert found == sites(DataLeak, PIPELINE)
    for site in found:
        again = sites(DataLeak, apply(DataLeak, PIPELINE, site))
        assert len(again) == len(found) - 1
    with pytest.raises(SiteNotFound):
        apply(DataLeak, PIPELINE, "data-leak:no_such_function:0")
