"""Bug 3 of the classic series: a batch left on the CPU while the model is on the GPU.

`model.to(device)` moves the parameters once; every batch a DataLoader yields starts on the
CPU and must follow with `inputs = inputs.to(device)` (a new tensor: `.to()` on a tensor
does not move it in place). On a laptop without a GPU the bug is invisible, since both
sides live on the CPU. So the script runs the same steps twice: on the CPU, then on an
accelerator, the GPU when there is one and otherwise the `meta` device, which keeps
shapes but no numbers and refuses CPU tensors just as a GPU does.

Shapes: inputs (B, F) float32, targets (B,) int64, logits (B, C).
"""

import torch
from torch import nn


def train_step(model: nn.Module, batch, optimizer: torch.optim.Optimizer,
               loss_fn: nn.Module, device: torch.device) -> torch.Tensor:
    """One optimizer step on `batch`; return the batch loss, detached, on `device`.

    `batch` is an `(inputs, targets)` pair that arrives on the CPU, as a DataLoader yields
    it, while `model` already lives on `device`. Gradients from earlier steps are cleared
    first; the model's train/eval mode is left as the caller set it.
    """
    inputs, targets = batch
    inputs = inputs.to(device)  # (B, F)
    targets = targets.to(device)  # (B,)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)  # mean over the batch
    loss.backward()
    optimizer.step()
    return loss.detach()


if __name__ == "__main__":
    torch.manual_seed(0)
    inputs = torch.randn(32, 4)  # (N, F): a dataset on the CPU
    targets = (inputs.sum(dim=1) > 0).long()  # (N,)
    batches = list(zip(inputs.split(8), targets.split(8)))  # what a DataLoader would yield
    accelerator = torch.device("cuda" if torch.cuda.is_available() else "meta")
    for device in (torch.device("cpu"), accelerator):
        torch.manual_seed(1)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        loss_fn = nn.CrossEntropyLoss()
        losses = [train_step(model, batch, optimizer, loss_fn, device) for batch in batches]
        if device.type == "meta":
            print(f"meta (standing in for a GPU): {len(losses)} steps, each loss a "
                  f"{tuple(losses[0].shape)} tensor on meta (shapes only, no numbers)")
        else:
            shown = ", ".join(f"{loss.item():.3f}" for loss in losses)
            print(f"{device.type}: {len(losses)} steps, losses {shown}")
