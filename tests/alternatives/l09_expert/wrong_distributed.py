"""A plausible mistake no mutator makes: rank 0 checkpoints the DDP wrapper itself, so every
weight in the file is named `module.…` and the file no longer loads into the plain model."""

import socket
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from clean_reference.l05_intermediate.checkpoint import save_checkpoint
from clean_reference.l07_industry.pipeline import synthetic_dataset


@dataclass
class DDPConfig:
    """Every knob of a distributed run, the same for every rank; the defaults train in seconds."""

    seed: int = 0  # the initial weights (torch.manual_seed) and the sampler's shuffle
    dataset: Dataset | None = None  # items (features (F,), label ()); None: synthetic_dataset
    num_samples: int = 64  # size of the synthetic set
    in_features: int = 8  # F
    num_classes: int = 3  # C
    hidden_features: int = 16
    batch_size: int = 8  # per rank: each step trains on world_size * batch_size samples
    epochs: int = 3
    lr: float = 0.1  # plain SGD
    checkpoint_path: str = "checkpoints/ddp.pt"  # written by rank 0 after every epoch
    master_port: int = 0  # where the ranks meet on 127.0.0.1; 0: run_distributed picks a free port
    device: str = "cpu"  # where each rank trains (gloo: CPU tensors)


@dataclass
class DDPResult:
    """What one rank knows when training ends."""

    rank: int
    epoch_losses: list[float]  # per epoch: the mean loss over every sample of every rank
    final_loss: float  # the last epoch's loss
    indices: list[list[int]]  # per epoch: the dataset indices this rank trained on, in order
    state_dict: dict[str, torch.Tensor]  # the trained weights, the same on every rank
    checkpoint_path: str | None  # the file this rank wrote: rank 0's path, None elsewhere


def make_distributed_loader(dataset, rank: int, world_size: int, batch_size: int, seed: int) -> DataLoader:
    """A DataLoader over rank `rank`'s shard of `dataset`, in batches of `batch_size`.

    Its `sampler` is `DistributedSampler(dataset, num_replicas=world_size, rank=rank,
    shuffle=True, seed=seed)`: no process group needed. The shards are disjoint and cover the
    dataset (padded by repeats when it does not divide evenly); the caller sets each epoch
    with `loader.sampler.set_epoch(epoch)`, and the order depends on the seed and the epoch.
    """
    return DataLoader(dataset, batch_size=batch_size, sampler=DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed))


def train_ddp(rank: int, world_size: int, config: DDPConfig) -> DDPResult:
    """Train as rank `rank` of `world_size`; every rank's process calls it with the same config.

    Joins the gloo group at `tcp://127.0.0.1:{master_port}`. The data (`config.dataset`, or
    level 07's `synthetic_dataset(num_samples, in_features, num_classes, seed)`) comes through
    `make_distributed_loader`. The model, made after `torch.manual_seed(seed)`, is
    `nn.Sequential(nn.Linear(in_features, hidden_features), nn.ReLU(),
    nn.Linear(hidden_features, num_classes))` wrapped in `DistributedDataParallel`; plain SGD
    with `lr`, `nn.CrossEntropyLoss()`, a step per batch, each epoch (from 0) first set on the
    sampler. Rank 0 alone saves a checkpoint after every epoch with level 05's `save_checkpoint`
    (the plain model, not the wrapper; the optimizer; the epoch; `loss=`) and prints the loss.
    The group is destroyed on return and also when training raises (the error propagates).
    """
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{config.master_port}",
                            rank=rank, world_size=world_size)
    try:  # the DDP wrapper dies with _train's frame: before the group (else gloo may deadlock)
        return _train(rank, world_size, config)
    finally:
        dist.destroy_process_group()  # also after an error: the other ranks stop waiting


def _train(rank: int, world_size: int, config: DDPConfig) -> DDPResult:
    dataset = config.dataset if config.dataset is not None else synthetic_dataset(
        config.num_samples, config.in_features, config.num_classes, config.seed)
    loader = make_distributed_loader(dataset, rank, world_size, config.batch_size, config.seed)
    torch.manual_seed(config.seed)
    model = nn.Sequential(nn.Linear(config.in_features, config.hidden_features), nn.ReLU(),
                          nn.Linear(config.hidden_features, config.num_classes)).to(config.device)
    ddp_model = DistributedDataParallel(model)  # copies rank 0's weights to every rank
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=config.lr)
    loss_fn = nn.CrossEntropyLoss()
    epoch_losses, indices = [], []
    for epoch in range(config.epochs):
        loader.sampler.set_epoch(epoch)  # a new order each epoch, the same on every rank
        indices.append(list(loader.sampler))
        totals = torch.zeros(2)  # (sum of the losses, samples) on this rank
        for inputs, targets in loader:
            inputs = inputs.to(config.device)  # (B, F)
            targets = targets.to(config.device)  # (B,)
            optimizer.zero_grad()
            loss = loss_fn(ddp_model(inputs), targets)  # logits (B, C)
            loss.backward()  # DDP averages the gradients over the ranks here
            optimizer.step()
            totals += torch.tensor([loss.item() * len(targets), len(targets)])
        dist.all_reduce(totals)  # summed over the ranks
        epoch_losses.append((totals[0] / totals[1]).item())
        if rank == 0:  # one writer, one voice: every rank holds the same weights
            Path(config.checkpoint_path).parent.mkdir(parents=True, exist_ok=True)
            save_checkpoint(config.checkpoint_path, ddp_model, optimizer, epoch, loss=epoch_losses[-1])
            print(f"epoch {epoch}: loss {epoch_losses[-1]:.4f}")
    state = {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}
    return DDPResult(rank, epoch_losses, epoch_losses[-1], indices, state,
                     config.checkpoint_path if rank == 0 else None)


def run_distributed(world_size: int, config: DDPConfig) -> DDPResult:
    """Train with `world_size` processes on this machine; return rank 0's `DDPResult`.

    A `master_port` of 0 is first replaced by a free port. Each rank runs `train_ddp(rank,
    world_size, config)` on one thread, in a process `torch.multiprocessing` forks (so that it
    inherits the code and the config, dataset included, without pickling). When a rank fails,
    the others are stopped and an exception is raised here; no rank process outlives the call.
    """
    if config.master_port == 0:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            config = replace(config, master_port=probe.getsockname()[1])
    with tempfile.TemporaryDirectory() as folder:

        def run_rank(rank: int) -> None:  # in the forked process: train, hand the result back
            torch.set_num_threads(1)  # one core each; a forked thread pool is not to be trusted
            torch.save(asdict(train_ddp(rank, world_size, config)), f"{folder}/rank{rank}.pt")

        mp.start_processes(run_rank, nprocs=world_size, join=True, start_method="fork")
        return DDPResult(**torch.load(f"{folder}/rank0.pt", weights_only=True))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        config = DDPConfig(num_samples=30, batch_size=4, checkpoint_path=f"{folder}/ddp.pt")
        result = run_distributed(2, config)
        dataset = synthetic_dataset(config.num_samples, config.in_features, config.num_classes, config.seed)
        for rank in range(2):  # the shards again: a sampler needs no process group
            sampler = make_distributed_loader(dataset, rank, 2, config.batch_size, config.seed).sampler
            print(f"rank {rank}: {len(sampler)} samples per epoch; epoch 0 starts {list(sampler)[:5]}")
        print(f"final loss {result.final_loss:.4f}, checkpoint {Path(result.checkpoint_path).name}")
