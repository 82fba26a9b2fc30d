from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.grad_checkpoint import GradCheckpoint

BEFORE = dedent("""\
    def forward(self, x):
        h = self.stem(x)
        for block in self.blocks:
            if self.use_checkpoint and self.training:
                # use_reentrant=False: it works with inputs that do not require grad.
                residual = checkpoint(block, h, use_reentrant=False)  # (B, H)
            else:
                residual = block(h)
            h = h + residual
        return self.head(h)
""")


def ids(source):
    return [site.id for site in sites(GradCheckpoint, source)]


def test_sites_are_the_flag_test_and_the_checkpoint_call():
    assert ids(BEFORE) == ["grad-checkpoint:forward:0", "grad-checkpoint:forward:1"]


def test_ignoring_the_flag_checkpoints_in_every_training_pass():
    assert apply(GradCheckpoint, BEFORE, "grad-checkpoint:forward:0") == BEFORE.replace(
        "if self.use_checkpoint and self.training:", "if self.training:")


def test_the_reentrant_form_takes_the_comment_that_explains_the_choice_with_it():
    assert apply(GradCheckpoint, BEFORE, "grad-checkpoint:forward:1") == BEFORE.replace(
        "            # use_reentrant=False: it works with inputs that do not require grad.\n", "").replace(
        "use_reentrant=False", "use_reentrant=True")


def test_the_flag_on_the_right_of_and_is_a_site_too():
    source = "if training and use_checkpoint:\n    y = checkpoint.checkpoint(f, x, use_reentrant=False)\n"
    assert apply(GradCheckpoint, source, "grad-checkpoint:<module>:0").startswith("if training:\n")
    assert ids(source) == ["grad-checkpoint:<module>:0", "grad-checkpoint:<module>:1"]


def test_no_checkpoint_no_site():
    assert ids("if self.training and self.dropout:\n    y = block(h)\n") == []
    assert ids("y = checkpoint(block, h, use_reentrant=True)\n") == []


def test_a_site_that_is_not_there():
    with pytest.raises(SiteNotFound):
        apply(GradCheckpoint, BEFORE, "grad-checkpoint:no_such_function:0")


def test_enumeration_is_stable():
    assert ids(BEFORE) == ids(BEFORE)
