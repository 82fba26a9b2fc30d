"""Checks for classic bug 2: two inputs joined into one row of features per sample."""

import torch
from hypothesis import strategies as st

from bughunt.placement import plain
from scenarios._support import check, same, seeds
from scenarios.l04_bug_finding._shared import fill_parameters

sizes = st.integers(1, 4)


@check("the logits are not computed from each sample's own image and text features",
       given=dict(seed=seeds, batch=sizes, image=sizes, text=sizes, classes=sizes),
       examples=[dict(seed=0, batch=3, image=4, text=2, classes=3),
                 dict(seed=1, batch=2, image=2, text=2, classes=2),
                 dict(seed=2, batch=1, image=3, text=1, classes=1)],
       compare=same("the logits"))
def fuses_features(module, seed, batch, image, text, classes):
    model = module.FusionClassifier(image, text, classes)
    fill_parameters(model, seed)
    generator = torch.Generator().manual_seed(seed + 1)
    image_features = torch.randn(batch, image, generator=generator)  # (B, Fi)
    text_features = torch.randn(batch, text, generator=generator)  # (B, Ft)
    return plain(model(image_features, text_features))


CHECKS = (fuses_features,)
