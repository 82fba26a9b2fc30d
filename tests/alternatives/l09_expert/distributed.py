"""Distributed training written unlike the reference: an explicit TCPStore for the rendezvous,
the synthetic set rebuilt as a TensorDataset, float64 loss sums, an atomic checkpoint written
by hand in level 05's format, and ranks started with plain multiprocessing Process objects that
send rank 0's result back through a pipe as torch.save bytes."""

import io
import multiprocessing
import os
import socket
from dataclasses import dataclass, field, fields

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


@dataclass
class DDPConfig:
    """A distributed run's settings."""

    seed: int = 0
    dataset: object = None
    num_samples: int = 64
    in_features: int = 8
    num_classes: int = 3
    hidden_features: int = 16
    batch_size: int = 8
    epochs: int = 3
    lr: float = 0.1
    checkpoint_path: str = "checkpoints/ddp.pt"
    master_port: int = 0
    device: str = "cpu"


@dataclass
class DDPResult:
    """One rank's outcome."""

    rank: int
    epoch_losses: list = field(default_factory=list)
    final_loss: float = 0.0
    indices: list = field(default_factory=list)
    state_dict: dict = field(default_factory=dict)
    checkpoint_path: str | None = None


def make_distributed_loader(dataset, rank, world_size, batch_size, seed):
    """This rank's shard, shuffled per epoch by a DistributedSampler."""
    shard = DistributedSampler(dataset, world_size, rank, True, seed)
    return DataLoader(dataset, batch_size, shuffle=False, sampler=shard)


def _synthetic(config):
    rng = torch.Generator().manual_seed(config.seed)
    x = torch.randn(config.num_samples, config.in_features, generator=rng)
    w = torch.randn(config.in_features, config.num_classes, generator=rng)
    return TensorDataset(x, torch.argmax(x @ w, dim=1))


def _write_checkpoint(path, model, optimizer, epoch, loss):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    partial = f"{path}.partial"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epoch, "loss": loss}, partial)
    os.replace(partial, path)


def train_ddp(rank, world_size, config):
    """One rank of the run; the group is always left behind cleanly."""
    store = dist.TCPStore("127.0.0.1", config.master_port, world_size, rank == 0)
    dist.init_process_group(backend="gloo", store=store, rank=rank, world_size=world_size)
    try:
        data = _synthetic(config) if config.dataset is None else config.dataset
        loader = make_distributed_loader(data, rank, world_size, config.batch_size, config.seed)
        torch.manual_seed(config.seed)
        layers = [nn.Linear(config.in_features, config.hidden_features), nn.ReLU(),
                  nn.Linear(config.hidden_features, config.num_classes)]
        net = nn.Sequential(*layers).to(config.device)
        wrapped = DDP(net)
        sgd = torch.optim.SGD(net.parameters(), lr=config.lr)
        history, orders = [], []
        for epoch in range(config.epochs):
            loader.sampler.set_epoch(epoch)
            orders.append([int(i) for i in loader.sampler])
            loss_sum, count = 0.0, 0
            for x, y in loader:
                x, y = x.to(config.device), y.to(config.device)
                sgd.zero_grad(set_to_none=True)
                batch_loss = nn.functional.cross_entropy(wrapped(x), y)
                batch_loss.backward()
                sgd.step()
                loss_sum += batch_loss.item() * y.numel()
                count += y.numel()
            both = torch.tensor([loss_sum, float(count)], dtype=torch.float64)
            dist.all_reduce(both, op=dist.ReduceOp.SUM)
            history.append(float(both[0] / both[1]))
            if dist.get_rank() == 0:
                _write_checkpoint(config.checkpoint_path, net, sgd, epoch, history[-1])
        weights = {k: v.detach().clone().cpu() for k, v in net.state_dict().items()}
        written = config.checkpoint_path if rank == 0 else None
        return DDPResult(rank, history, history[-1], orders, weights, written)
    finally:
        dist.destroy_process_group()


def _rank_process(rank, world_size, config, pipe):
    torch.set_num_threads(1)
    try:
        result = train_ddp(rank, world_size, config)
        buffer = io.BytesIO()
        torch.save({f.name: getattr(result, f.name) for f in fields(result)}, buffer)
        pipe.send(("ok", buffer.getvalue()))
    except BaseException as error:
        pipe.send(("error", repr(error)))
        raise SystemExit(1)


def run_distributed(world_size, config):
    """Fork the ranks, collect rank 0's result, reap everything."""
    if not config.master_port:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = DDPConfig(**{f.name: getattr(config, f.name) for f in fields(config)} | {"master_port": port})
    ctx = multiprocessing.get_context("fork")
    pipes = [ctx.Pipe(duplex=False) for _ in range(world_size)]
    workers = [ctx.Process(target=_rank_process, args=(r, world_size, config, pipes[r][1]))
               for r in range(world_size)]
    for worker, (_, send) in zip(workers, pipes):
        worker.start()
        send.close()  # the ranks hold the only writing ends: a dead rank reads as EOF
    try:
        replies = []
        for receive, _ in pipes:
            try:
                replies.append(receive.recv())
            except EOFError:
                replies.append(("error", "the rank died"))
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()
                worker.join()
    failures = [reply[1] for reply in replies if reply[0] != "ok"]
    if failures:
        raise RuntimeError(f"a rank failed: {failures[0]}")
    return DDPResult(**torch.load(io.BytesIO(replies[0][1]), weights_only=True))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print(run_distributed(2, DDPConfig(checkpoint_path=f"{folder}/ddp.pt")).final_loss)
