from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.clip_order import ClipOrder

AMP = dedent("""\
    def train_step(model, optimizer, scaler, loss, max_norm):
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)
        scaler.update()
        return norm
""")


def ids(source):
    return [site.id for site in sites(ClipOrder, source)]


def test_sites_are_the_unscale_and_the_clip_statements():
    assert ids(AMP) == ["clip-order:train_step:0", "clip-order:train_step:1"]


def test_clip_moves_after_the_next_step():
    assert apply(ClipOrder, AMP, "clip-order:train_step:1") == dedent("""\
        def train_step(model, optimizer, scaler, loss, max_norm):
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            scaler.step(optimizer)
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            scaler.update()
            return norm
    """)


def test_unscale_is_deleted():
    assert apply(ClipOrder, AMP, "clip-order:train_step:0") == dedent("""\
        def train_step(model, optimizer, scaler, loss, max_norm):
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            scaler.step(optimizer)
            scaler.update()
            return norm
    """)


def test_without_a_later_step_clip_moves_before_backward():
    before = dedent("""\
        def backward_and_clip(model, loss):
            loss.backward()
            clip_grad_value_(model.parameters(), 0.5)
            return model
    """)
    assert ids(before) == ["clip-order:backward_and_clip:0"]
    assert apply(ClipOrder, before, "clip-order:backward_and_clip:0") == dedent("""\
        def backward_and_clip(model, loss):
            clip_grad_value_(model.parameters(), 0.5)
            loss.backward()
            return model
    """)


def test_inside_a_nested_block_and_at_module_level():
    before = dedent("""\
        for i, batch in enumerate(loader):
            loss.backward()
            if (i + 1) % 2 == 0:
                nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.step()
                optimizer.zero_grad()
        clip_grad_norm_(params, 1.0)
        optimizer.step()
    """)
    assert ids(before) == ["clip-order:<module>:0", "clip-order:<module>:1"]
    assert apply(ClipOrder, before, "clip-order:<module>:0") == dedent("""\
        for i, batch in enumerate(loader):
            loss.backward()
            if (i + 1) % 2 == 0:
                optimizer.step()
                nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.zero_grad()
        clip_grad_norm_(params, 1.0)
        optimizer.step()
    """)
    assert apply(ClipOrder, before, "clip-order:<module>:1").endswith(
        "optimizer.step()\nclip_grad_norm_(params, 1.0)\n")


def test_code_it_must_leave_alone():
    before = dedent("""\
        def only_clip(model):
            clip_grad_norm_(model.parameters(), 1.0)

        def unscaled(scaler, optimizer):
            grads = scaler.unscale_(optimizer) or None
            return grads

        if __name__ == "__main__":
            loss.backward()
            scaler.unscale_(optimizer)
            clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    """)
    assert ids(before) == []


def test_stable_and_idempotent():
    first = sites(ClipOrder, AMP)
    assert first == sites(ClipOrder, AMP)
    moved = apply(ClipOrder, AMP, "clip-order:train_step:1")
    # After the move the clip sits at line 6 and has no later step: it is offered backwards.
    assert [(s.id, s.note) for s in sites(ClipOrder, moved)] == [
        ("clip-order:train_step:0", "delete scaler.unscale_()"),
        ("clip-order:train_step:1", "clip moved before backward()"),
    ]
    deleted = apply(ClipOrder, AMP, "clip-order:train_step:0")
    assert "unscale_" not in deleted
    with pytest.raises(SiteNotFound):
        apply(ClipOrder, AMP, "clip-order:no_such_function:0")
