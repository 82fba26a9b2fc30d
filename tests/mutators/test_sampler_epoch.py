from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.sampler_epoch import SamplerEpoch

TRAIN = dedent("""\
    def make_loader(dataset, rank, world_size, seed):
        return DataLoader(dataset, batch_size=4, sampler=DistributedSampler(
            dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed), drop_last=False)


    def train(rank, loader, model, path):
        for epoch in range(3):
            loader.sampler.set_epoch(epoch)  # a new order each epoch
            step(model, loader)
            # rank 0 speaks for everyone
            if rank == 0:  # one writer
                # the weights are the same everywhere
                save(model, path)
                print(epoch)
        if dist.get_rank() == 0:
            log("done")
""")


def ids(source):
    return [site.id for site in sites(SamplerEpoch, source)]


def test_sites():
    assert ids(TRAIN) == ["sampler-epoch:make_loader:0", "sampler-epoch:train:0", "sampler-epoch:train:1",
                          "sampler-epoch:train:2"]


def test_the_distributed_sampler_becomes_a_shuffle():
    assert apply(SamplerEpoch, TRAIN, "sampler-epoch:make_loader:0") == TRAIN.replace(
        """sampler=DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed), drop_last""",
        "shuffle=True, drop_last")


def test_set_epoch_deleted_with_its_comment():
    assert apply(SamplerEpoch, TRAIN, "sampler-epoch:train:0") == TRAIN.replace(
        "        loader.sampler.set_epoch(epoch)  # a new order each epoch\n", "")


def test_rank_zero_guard_dropped_and_its_body_dedented():
    assert apply(SamplerEpoch, TRAIN, "sampler-epoch:train:1") == TRAIN.replace(
        """        # rank 0 speaks for everyone
        if rank == 0:  # one writer
            # the weights are the same everywhere
            save(model, path)
            print(epoch)
""", """        # rank 0 speaks for everyone
        # the weights are the same everywhere
        save(model, path)
        print(epoch)
""")
    assert apply(SamplerEpoch, TRAIN, "sampler-epoch:train:2") == TRAIN.replace(
        """    if dist.get_rank() == 0:
        log("done")
""", """    log("done")
""")


def test_leaves_other_code_alone():
    source = dedent("""\
        def f(rank, loader, sampler, world_size):
            DataLoader(ds, sampler=sampler)
            DataLoader(ds, sampler=RandomSampler(ds))
            sampler.set_epoch
            epoch = sampler.set_epoch(1) or 0
            if rank == 1:
                save()
            if rank == 0:
                save()
            else:
                wait()
            if world_size == 0:
                pass
            if rank != 0:
                wait()
            path = p if rank == 0 else None

        if __name__ == "__main__":
            loader.sampler.set_epoch(0)
            if rank == 0:
                print()
    """)
    assert ids(source) == []


def test_stable_and_each_rewrite_removes_its_site():
    found = sites(SamplerEpoch, TRAIN)
    assert found == sites(SamplerEpoch, TRAIN)
    for site in found:
        again = sites(SamplerEpoch, apply(SamplerEpoch, TRAIN, site))
        assert len(again) == len(found) - 1
    with pytest.raises(SiteNotFound):
        apply(SamplerEpoch, TRAIN, "sampler-epoch:no_such_function:0")
