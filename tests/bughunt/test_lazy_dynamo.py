"""The stand-in for `torch._dynamo`: eager code runs without the real one, and gets it when asked."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys, torch
from bughunt import lazy_dynamo
lazy_dynamo.install()
from torch.utils.checkpoint import checkpoint

def real_loaded():
    return not isinstance(sys.modules["torch._dynamo"], lazy_dynamo._StandIn)

torch.manual_seed(0)
layer = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
x = torch.randn(5, 4, requires_grad=True)
checkpoint(layer, x, use_reentrant=False).pow(2).sum().backward()
kept = [p.grad.clone() for p in layer.parameters()] + [x.grad.clone()]
layer.zero_grad(); x.grad = None
layer(x).pow(2).sum().backward()
assert all(torch.equal(a, b) for a, b in zip(kept, [p.grad for p in layer.parameters()] + [x.grad]))
torch.optim.SGD(layer.parameters(), lr=0.1).step()
assert not real_loaded(), "eager checkpointing or an optimizer step loaded the real torch._dynamo"
config = sys.modules["torch._dynamo.config"]
assert torch._dynamo.config is config and config.error_on_nested_fx_trace is True
assert callable(torch._dynamo.optimize)  # anything else: the real module, loaded now
assert real_loaded() and torch._dynamo.config is config
print("ok")
"""


def test_checkpoint_reads_the_real_config_without_the_real_package():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
