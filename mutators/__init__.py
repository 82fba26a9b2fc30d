"""Bug classes: one libcst mutator per module, listed once in `ALL_MUTATORS`.

A new class is a module here (a `Mutator` subclass whose `leave_*` hooks `offer` sites; see
`_base`), a line in `ALL_MUTATORS`, and a test file in tests/mutators/. Its text (`ID`,
`TITLE`, `EFFECT`, `LESSON`, `HINT`, `LOUD`) is literals in the class body, because
`bughunt bugs` reads it with `ast` (bughunt/bug_classes.py) rather than import libcst;
helpers a second mutator needs go to `_args`, never imported from a sibling. A scenario
hosts the class by naming its `ID` in its TOML's `bug_classes`. Tests hold all of this
(tests/mutators/test_registry.py).
"""

from mutators._base import MODULE_SCOPE, Mutator, Site, SiteNotFound, apply, locate, parse_site, sites
from mutators.accumulation_scale import AccumulationScale
from mutators.alpha_bar_shape import AlphaBarShape
from mutators.amp_scaler import AmpScaler
from mutators.attention import Attention
from mutators.autograd_backward import AutogradBackward
from mutators.cat_dim import CatDim
from mutators.checkpoint import Checkpoint
from mutators.clip_order import ClipOrder
from mutators.data_leak import DataLeak
from mutators.detach import Detach
from mutators.device import Device
from mutators.early_stopping import EarlyStopping
from mutators.eval_mode import EvalMode
from mutators.forward_shape import ForwardShape
from mutators.freeze import Freeze
from mutators.grad_checkpoint import GradCheckpoint
from mutators.inplace import Inplace
from mutators.labels_dtype import LabelsDtype
from mutators.loss_input import LossInput
from mutators.loss_reduction import LossReduction
from mutators.no_grad import NoGrad
from mutators.norm_placement import NormPlacement
from mutators.output_activation import OutputActivation
from mutators.residual import Residual
from mutators.sampler_epoch import SamplerEpoch
from mutators.scheduler_step import SchedulerStep
from mutators.seed import Seed
from mutators.shuffle import Shuffle
from mutators.stride import Stride
from mutators.target_shape import TargetShape
from mutators.zero_grad import ZeroGrad

ALL_MUTATORS: tuple[type[Mutator], ...] = (
    LabelsDtype,
    CatDim,
    Device,
    EvalMode,
    ForwardShape,
    NoGrad,
    ZeroGrad,
    Inplace,
    ClipOrder,
    AccumulationScale,
    AmpScaler,
    LossInput,
    LossReduction,
    Detach,
    Seed,
    OutputActivation,
    TargetShape,
    SchedulerStep,
    Checkpoint,
    Stride,
    AlphaBarShape,
    Attention,
    NormPlacement,
    Residual,
    DataLeak,
    EarlyStopping,
    Freeze,
    Shuffle,
    AutogradBackward,
    SamplerEpoch,
    GradCheckpoint,
)


def by_id(mutator_id: str) -> type[Mutator]:
    for mutator in ALL_MUTATORS:
        if mutator_id == mutator.ID:
            return mutator
    raise KeyError(mutator_id)


__all__ = ["ALL_MUTATORS", "MODULE_SCOPE", "Mutator", "Site", "SiteNotFound", "apply", "by_id", "locate", "parse_site",
           "sites"]
