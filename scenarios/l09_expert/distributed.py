"""Checks for distributed training: real DistributedDataParallel over gloo, two CPU ranks.

Each training check forks two rank processes (see `_ranks`) and calls `train_ddp(rank, 2,
config)` in each, with a dataset that records which samples its rank reads and hands them
out as host tensors (so a batch left off the device shows). Every rank gets its own
checkpoint folder, so a rank that writes is seen. One such run answers several checks: it is
made once per candidate and example, then reused. `run_distributed` is checked as its caller
sees it: rank 0's result, the file written, and no process left behind, also when a rank fails.
"""

import os
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist
from hypothesis import strategies as st
from torch.utils.data import Dataset

from bughunt.placement import device, on_host, plain
from scenarios._support import assert_same, assert_same_parameters, check, seeds
from scenarios.l09_expert._ranks import (
    RANK_TIMEOUT,
    WORLD,
    children,
    free_port,
    in_ranks,
    keep_process_groups,
    plain_data,
)

FEATURES, HIDDEN, CLASSES = 3, 4, 3
EPOCHS, LR = 2, 0.5
CHECKPOINT = "ddp.pt"

# Training examples: the sizes leave a short last batch; 9 samples do not split evenly.
runs = dict(seed=seeds, num_samples=st.sampled_from([8, 9, 10]), batch_size=st.integers(2, 4))
run_examples = [dict(seed=3, num_samples=10, batch_size=3)]


class _Samples(Dataset):
    """Items `(features (F,), label ())` on the host; remembers every index read. Reading
    raises with `broken`, or on rank `broken_rank` of an initialised process group."""

    def __init__(self, seed: int, size: int, broken: bool = False, broken_rank: int | None = None) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.features = torch.randn(size, FEATURES, generator=generator)  # (N, F)
        self.labels = torch.randint(0, CLASSES, (size,), generator=generator)  # (N,)
        self.broken, self.broken_rank = broken, broken_rank
        self.read: list[int] = []

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index):
        if self.broken or (self.broken_rank is not None and dist.is_initialized()
                           and dist.get_rank() == self.broken_rank):
            raise ValueError(f"sample {index} cannot be read")
        self.read.append(int(index))
        return on_host(self.features[index]), on_host(self.labels[index])


def _config(module, path: Path, port: int, dataset, seed: int, num_samples: int, batch_size: int):
    return module.DDPConfig(seed=seed, dataset=dataset, num_samples=num_samples, in_features=FEATURES,
                            num_classes=CLASSES, hidden_features=HIDDEN, batch_size=batch_size,
                            epochs=EPOCHS, lr=LR, checkpoint_path=str(path), master_port=port,
                            device=str(device()))


def _result(result, folder: Path) -> dict:
    """The observable fields of a `DDPResult`, its checkpoint path made relative to `folder`."""
    fields = {name: plain_data(getattr(result, name, "missing"))
              for name in ("rank", "epoch_losses", "final_loss", "indices", "state_dict")}
    path = getattr(result, "checkpoint_path", "missing")
    fields["checkpoint_path"] = Path(os.path.relpath(path, folder)).as_posix() \
        if isinstance(path, (str, Path)) and os.path.isabs(path) else plain_data(path)
    return fields


def _files(folder: Path) -> list[str]:
    """Every file under `folder`, relative to it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _checkpoint(path: Path):
    """What the checkpoint holds, as plain data; a sentence when it cannot be read."""
    if not path.is_file():
        return "there is no file"
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - the learner sees why
        return f"torch.load(weights_only=True) fails with {type(error).__name__}"
    if not isinstance(saved, dict):
        return f"it holds a {type(saved).__name__}, not a dict"
    model = saved.get("model")
    return {"keys": sorted(str(k) for k in saved), "epoch": plain_data(saved.get("epoch")),
            "loss": plain_data(saved.get("loss")),
            "model": plain_data(model) if isinstance(model, dict) else f"a {type(model).__name__}"}


_RUNS: dict = {}


def _ddp_run(module, seed: int, num_samples: int, batch_size: int, fail: bool = False) -> dict:
    """Two ranks of `train_ddp`, observed; with `fail`, rank 1 cannot read its data. Made once
    per module and example (a run depends on nothing else), then reused by later checks."""
    key = (module.__name__, seed, num_samples, batch_size, fail)
    if key in _RUNS:
        return _RUNS[key]
    keep_process_groups()
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)

        def target(rank: int) -> dict:
            dataset = _Samples(seed, num_samples, broken=fail and rank == 1)
            # Each rank its own checkpoint path, so that a rank that writes is seen.
            path = folder / f"rank{rank}" / CHECKPOINT
            config = _config(module, path, port, dataset, seed, num_samples, batch_size)
            torch.manual_seed(10_000 + 7 * seed + rank)  # the global RNG: neither the seed nor shared
            seen = {}
            try:
                seen["result"] = _result(module.train_ddp(rank, WORLD, config), folder)
            except NotImplementedError:
                raise
            except Exception as error:
                if not fail:
                    raise
                seen["raised"] = type(error).__name__
            seen["initialized"] = dist.is_available() and dist.is_initialized()
            seen["read"] = dataset.read
            return seen

        outcomes = in_ranks(target, port)
        if any("not-implemented" in o for o in outcomes):
            raise NotImplementedError
        run = {"ranks": outcomes, "files": _files(folder),
               "checkpoint": _checkpoint(folder / "rank0" / CHECKPOINT)}
    _RUNS[key] = run
    return run


def _completed(run: dict) -> list[dict]:
    """Each rank's observation of a run that should succeed; a rank that raised or hung is
    raised here, as the candidate's error."""
    for rank, outcome in enumerate(run["ranks"]):
        if outcome.get("hung"):
            raise RuntimeError(f"rank {rank} did not finish within {RANK_TIMEOUT:g} s: it waits for a "
                               "rank that never comes, or loops forever")
        if "raised" in outcome:
            raise RuntimeError(f"rank {rank} raised {outcome['raised']}: {outcome.get('message', '')}")
    return [outcome["value"] for outcome in run["ranks"]]


def _flat(batches) -> list:
    return [i for batch in batches for i in batch] if isinstance(batches, list) and all(
        isinstance(b, list) for b in batches) else batches


def _check_order(got, expected, num_samples: int, what: str) -> None:
    """`got` and `expected`: per rank, per epoch, the sample indices in order."""
    if got == expected:
        return
    shaped = isinstance(got, list) and len(got) == len(expected) and all(
        isinstance(g, list) and len(g) == len(e) and all(isinstance(x, list) for x in g)
        for g, e in zip(got, expected))
    assert shaped, f"{what}: the ranks do not each go through {len(expected[0])} epochs of samples"
    for epoch in range(len(expected[0])):
        shards = [set(rank[epoch]) for rank in got]
        if all(len(s) > 1 and s == shards[0] for s in shards[1:]):
            raise AssertionError(f"{what}: in epoch {epoch} every rank goes through the same samples "
                                 f"{sorted(shards[0])[:6]}…; the dataset is not split between the ranks")
        missing = set(range(num_samples)) - set().union(*shards)
        assert not missing, (f"{what}: in epoch {epoch} no rank sees samples {sorted(missing)[:6]}; "
                             "together the shards must cover the dataset")
        if num_samples % len(got) == 0:
            for a in range(len(shards)):
                for b in range(a + 1, len(shards)):
                    shared = shards[a] & shards[b]
                    assert not shared, (f"{what}: in epoch {epoch} samples {sorted(shared)[:6]} go to both "
                                        f"rank {a} and rank {b}; the shards must be disjoint")
    for rank, (mine, right) in enumerate(zip(got, expected)):
        if len(mine) > 1 and mine[0] == mine[1] and right[0] != right[1]:
            raise AssertionError(f"{what}: rank {rank} goes through its samples in the same order "
                                 f"every epoch ({mine[0][:6]}…); the shuffle must change with the epoch")
    for rank, (mine, right) in enumerate(zip(got, expected)):
        for epoch, (a, b) in enumerate(zip(mine, right)):
            assert a == b, (f"{what}: rank {rank} gets samples {a[:8]} in epoch {epoch}, where a "
                            f"DistributedSampler shuffled with this seed deals it {b[:8]}")


def _same_shards(got, expected, num_samples, **example):
    assert isinstance(got, list), "the loaders could not be read"
    _check_order([[_flat(epoch) for epoch in rank] if isinstance(rank, list) else rank for rank in got],
                 [[_flat(epoch) for epoch in rank] for rank in expected], num_samples,
                 "make_distributed_loader")
    assert_same(got, expected, "the batches of sample indices per rank and epoch")


@check("the ranks' loaders do not split the dataset between them, or keep one order every epoch",
       given=dict(seed=seeds, num_samples=st.integers(2, 13), world_size=st.sampled_from([2, 3]),
                  batch_size=st.integers(1, 4)),
       examples=[dict(seed=7, num_samples=10, world_size=2, batch_size=3),
                 dict(seed=1, num_samples=7, world_size=3, batch_size=2)],
       compare=_same_shards, max_examples=4, priority=20)
def shards(module, seed, num_samples, world_size, batch_size):
    # Targets are the sample indices. No process group: the sampler is told rank and world size.
    dataset = torch.utils.data.TensorDataset(torch.arange(num_samples).float().unsqueeze(1),
                                             torch.arange(num_samples))
    torch.manual_seed(seed + 1)  # the global RNG is not the loader's seed
    seen = []
    for rank in range(world_size):
        loader = module.make_distributed_loader(dataset, rank, world_size, batch_size, seed)
        epochs = []
        for epoch in range(3):
            if hasattr(loader.sampler, "set_epoch"):
                loader.sampler.set_epoch(epoch)
            epochs.append([plain(targets).tolist() for _, targets in loader])
        seen.append(epochs)
    return seen


def _same_reading(got, expected, num_samples, **example):
    assert isinstance(got, list) and len(got) == WORLD, "the ranks' reads could not be observed"
    shard = -(-num_samples // WORLD)  # a DistributedSampler deals ceil(N / world) to each rank

    def by_epoch(reads):
        return [[read[e * shard:(e + 1) * shard] for e in range(EPOCHS)] for read in reads]

    for rank, read in enumerate(got):
        assert isinstance(read, list) and len(read) == EPOCHS * shard, (
            f"rank {rank} reads {len(read) if isinstance(read, list) else 'no'} samples in {EPOCHS} "
            f"epochs; its shard holds {shard} per epoch")
    _check_order(by_epoch(got), by_epoch(expected), num_samples, "in train_ddp")


@check("during distributed training the ranks do not each train on their own shard, reshuffled every epoch",
       given=runs, examples=run_examples, compare=_same_reading, max_examples=1, priority=25)
def trains_on_shards(module, seed, num_samples, batch_size):
    # What each rank's dataset was asked for; the judge cuts it into epochs.
    return [rank["read"] for rank in _completed(_ddp_run(module, seed, num_samples, batch_size))]


def _one_writer(got, expected, **example):
    assert isinstance(got, dict), "the checkpoint could not be observed"
    files = got.get("files")
    assert isinstance(files, list), "the files written could not be observed"
    if any(name.startswith("rank1/") for name in files):
        raise AssertionError(f"rank 1 also wrote {[n for n in files if n.startswith('rank1/')]} to its "
                             "checkpoint path; only rank 0 may write (every rank holds the same weights)")
    assert files == expected["files"], f"training leaves the files {files}, a correct run leaves {expected['files']}"
    saved, wanted = got.get("checkpoint"), expected["checkpoint"]
    assert isinstance(saved, dict), f"rank 0's checkpoint cannot be read back: {saved}"
    model = saved.get("model")
    if isinstance(model, dict) and list(model) != list(wanted["model"]):
        raise AssertionError(f"the checkpoint names the model's weights {list(model)}, the plain "
                             f"model's names are {list(wanted['model'])}")
    assert saved.get("keys") == wanted["keys"], \
        f"the checkpoint holds {saved.get('keys')}, level 05's save_checkpoint writes {wanted['keys']}"
    # The file against the run that wrote it: right training is same_training's to judge.
    final = got.get("final")
    assert isinstance(final, dict), "rank 0's result could not be read"
    if isinstance(final.get("state_dict"), dict):
        assert_same_parameters(model, final["state_dict"], "the checkpoint's weights and the trained weights")
    assert_same(saved.get("epoch"), wanted["epoch"], "the epoch in the last checkpoint")
    losses = final.get("epoch_losses")
    if isinstance(losses, list) and losses:
        assert_same(saved.get("loss"), losses[-1], "the loss in the last checkpoint (the last epoch's)")
    assert_same(got.get("reported"), expected["reported"], "checkpoint_path in the ranks' results")


@check("the checkpoint is not written once, by rank 0, with the trained model",
       given=runs, examples=run_examples, compare=_one_writer, max_examples=1, priority=30)
def one_writer(module, seed, num_samples, batch_size):
    run = _ddp_run(module, seed, num_samples, batch_size)
    ranks = _completed(run)
    return {"files": run["files"], "checkpoint": run["checkpoint"],
            "reported": [rank["result"]["checkpoint_path"] for rank in ranks],
            "final": {key: ranks[0]["result"][key] for key in ("state_dict", "epoch_losses")}}


def _same_training(got, expected, **example):
    assert isinstance(got, list) and len(got) == WORLD and all(isinstance(r, dict) for r in got), \
        "the ranks' results could not be observed"
    states = [r.get("state_dict") for r in got]
    assert all(isinstance(s, dict) for s in states), \
        f"the results' state_dict is {states[0]!r}, not the model's weights"
    if list(states[0]) == list(states[1]):
        assert_same_parameters(states[1], states[0], "rank 1's final weights and rank 0's")
    for rank in range(WORLD):
        assert_same(got[rank].get("rank"), expected[rank]["rank"], f"the rank in rank {rank}'s result")
        assert_same_parameters(states[rank], expected[rank]["state_dict"], f"rank {rank}'s trained weights")
        assert_same(got[rank].get("epoch_losses"), expected[rank]["epoch_losses"],
                    f"rank {rank}'s epoch_losses (means over every sample of every rank)", rtol=1e-4, atol=1e-5)
        assert_same(got[rank].get("final_loss"), expected[rank]["final_loss"], f"rank {rank}'s final_loss",
                    rtol=1e-4, atol=1e-5)
        assert_same(got[rank].get("indices"), expected[rank]["indices"], f"rank {rank}'s indices")


@check("after distributed training the weights or the reported losses are not what a correct DDP run "
       "with this seed gives",
       given=runs, examples=run_examples, compare=_same_training, max_examples=1, priority=60)
def same_training(module, seed, num_samples, batch_size):
    ranks = _completed(_ddp_run(module, seed, num_samples, batch_size))
    return [{k: v for k, v in rank["result"].items() if k != "checkpoint_path"} for rank in ranks]


def _cleaned_up(got, expected, **example):
    assert isinstance(got, dict), "the process group could not be observed"
    for rank, up in enumerate(got.get("after_success") or []):
        assert up is False, (f"after train_ddp returned, rank {rank}'s process group is still "
                             "initialised: destroy it before returning")
    failed = got.get("after_failure")
    assert isinstance(failed, list) and len(failed) == WORLD, "the failing run could not be observed"
    for rank, outcome in enumerate(failed):
        assert not outcome.get("hung"), (f"when rank 1 could not read its data, rank {rank} was left "
                                         f"waiting for over {RANK_TIMEOUT:g} s")
        assert not outcome.get("lost"), (f"when rank 1 could not read its data, rank {rank}'s process "
                                         f"ended abnormally ({outcome.get('raised')})")
        assert outcome.get("raised"), (f"when rank 1 could not read its data, train_ddp on rank {rank} "
                                       "returned normally; the error must come out of train_ddp")
        assert outcome.get("initialized") is False, (
            f"after training failed on rank {rank}, its process group is still initialised: "
            "destroy it also when training raises")
    right = expected["after_failure"][1]["raised"]
    assert failed[1]["raised"] == right, (f"rank 1's data raised {right}, but train_ddp raised "
                                          f"{failed[1]['raised']}; let the error through")


@check("a failing rank leaves the process group up, or the other ranks waiting",
       given=runs, examples=run_examples, compare=_cleaned_up, max_examples=1, priority=15)
def cleans_up(module, seed, num_samples, batch_size):
    ranks = _completed(_ddp_run(module, seed, num_samples, batch_size))
    failing = _ddp_run(module, seed, num_samples, batch_size, fail=True)
    after = []
    for outcome in failing["ranks"]:
        value = outcome.get("value", {})
        after.append({"hung": bool(outcome.get("hung")), "lost": "raised" in outcome,
                      "raised": value.get("raised") or outcome.get("raised"),
                      "initialized": value.get("initialized")})
    return {"after_success": [rank["initialized"] for rank in ranks], "after_failure": after}


def _same_launch(got, expected, **example):
    assert isinstance(got, dict), "run_distributed could not be observed"
    assert got.get("left") == 0, f"after run_distributed returned, {got.get('left')} of its processes were still there"
    assert got.get("failure") is not None, "run_distributed returned normally although rank 1 failed"
    assert got.get("left_after_failure") == 0, \
        f"after rank 1 failed, run_distributed left {got.get('left_after_failure')} processes behind"
    result = got.get("result")
    assert isinstance(result, dict), f"run_distributed returned {result!r}"
    assert result.get("rank") == 0, f"run_distributed returned rank {result.get('rank')!r}'s result, not rank 0's"
    assert_same_parameters(result.get("state_dict"), expected["result"]["state_dict"], "the returned weights")
    assert_same(result, expected["result"], "run_distributed's result", rtol=1e-4, atol=1e-5)
    assert_same(got.get("files"), expected["files"], "the files written")


@check("run_distributed does not return rank 0's result of a clean run, or leaves processes behind",
       given=dict(seed=st.sampled_from([5, 2])), compare=_same_launch, max_examples=1, priority=70)
def launches(module, seed):
    keep_process_groups()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        # The synthetic set (dataset=None) and a port run_distributed must find (0).
        config = _config(module, folder / "ddp.pt", 0, None, seed, 12, 4)
        torch.manual_seed(seed + 3)
        observed = {"result": _result(module.run_distributed(WORLD, config), folder)}
        observed["left"] = children()
        observed["files"] = _files(folder)
        failing = _config(module, folder / "failing" / "ddp.pt", 0, _Samples(seed, 8, broken_rank=1), seed, 8, 2)
        try:
            module.run_distributed(WORLD, failing)
            observed["failure"] = None
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001 - which exception is its choice
            observed["failure"] = type(error).__name__
        observed["left_after_failure"] = children()
        return observed


CHECKS = (shards, trains_on_shards, one_writer, same_training, cleans_up, launches)
