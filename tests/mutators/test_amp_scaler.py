from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.amp_scaler import AmpScaler

BEFORE = dedent("""\
    def make_scaler(device_type, dtype):
        return torch.amp.GradScaler(device_type, enabled=dtype == torch.float16)


    def step(model, loss, optimizer, scaler):
        scaler.scale(loss).backward()  # gradients carry the scale factor
        scaler.step(optimizer)  # unscales, then steps
        scaler.update()
        optimizer.step()  # a plain optimizer elsewhere is no site
        return loss.item()
""")


def ids(source):
    return [site.id for site in sites(AmpScaler, source)]


def test_sites_are_the_scaler_calls_and_the_enabled_flag():
    assert ids(BEFORE) == ["amp-scaler:make_scaler:0", "amp-scaler:step:0", "amp-scaler:step:1", "amp-scaler:step:2"]


def test_enables_the_scaler_for_every_dtype():
    assert apply(AmpScaler, BEFORE, "amp-scaler:make_scaler:0") == BEFORE.replace(
        "enabled=dtype == torch.float16", "enabled=True")


def test_backward_on_the_unscaled_loss_drops_the_comment_that_describes_scaling():
    assert apply(AmpScaler, BEFORE, "amp-scaler:step:0") == BEFORE.replace(
        "    scaler.scale(loss).backward()  # gradients carry the scale factor\n", "    loss.backward()\n")


def test_steps_the_optimizer_on_scaled_gradients():
    assert apply(AmpScaler, BEFORE, "amp-scaler:step:1") == BEFORE.replace(
        "    scaler.step(optimizer)  # unscales, then steps\n", "    optimizer.step()\n")


def test_forgets_update():
    assert apply(AmpScaler, BEFORE, "amp-scaler:step:2") == BEFORE.replace("    scaler.update()\n", "")


def test_no_scaler_no_site():
    assert ids("def f(optimizer):\n    optimizer.step()\n") == []


def test_unknown_site_is_refused():
    with pytest.raises(SiteNotFound):
        apply(AmpScaler, BEFORE, "amp-scaler:no_such_function:0")


def test_sites_are_stable_after_an_unrelated_edit_below():
    assert ids(BEFORE + "\n\nx = 1\n") == ids(BEFORE)
