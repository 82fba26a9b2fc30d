"""Checks for classic bug 5: the CNN returns one row of logits per image, for any batch size."""

import torch
from hypothesis import strategies as st

from bughunt.placement import plain
from scenarios._support import check, same, seeds
from scenarios.l04_bug_finding._shared import fill_parameters


@check("the CNN does not return one row of logits per image",
       given=dict(seed=seeds, batch=st.integers(1, 4), channels=st.integers(1, 3),
                  height=st.integers(2, 7), width=st.integers(2, 7), classes=st.integers(1, 3)),
       examples=[dict(seed=0, batch=3, channels=2, height=6, width=4, classes=3),
                 dict(seed=1, batch=1, channels=1, height=5, width=3, classes=2)],
       compare=same("the logits", rtol=1e-4, atol=1e-5))
def logits_per_image(module, seed, batch, channels, height, width, classes):
    model = module.SmallCNN(channels, classes, height, width)
    fill_parameters(model, seed, scale=0.3)
    generator = torch.Generator().manual_seed(seed + 1)
    images = torch.randn(batch, channels, height, width, generator=generator)  # (B, C, H, W)
    return plain(model(images))


CHECKS = (logits_per_image,)
