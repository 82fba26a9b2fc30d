from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.freeze import Freeze

FINETUNE = dedent("""\
    def finetune(model, lr):
        # Stage 2: only the head learns.
        freeze(model.backbone).eval()
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.SGD(params, lr=lr)
        head = torch.optim.Adam(model.head.parameters(), lr=lr)
        model.encoder.requires_grad_(False)
        trainable = filter(lambda p: p.requires_grad, model.parameters())
        return optimizer, head, AdamW(p for p in model.parameters() if p.requires_grad)
""")


def ids(source):
    return [site.id for site in sites(Freeze, source)]


def test_sites():
    assert ids(FINETUNE) == ["freeze:finetune:0", "freeze:finetune:1", "freeze:finetune:2", "freeze:finetune:3",
                             "freeze:finetune:4", "freeze:finetune:5", "freeze:finetune:6"]


def test_frozen_part_left_in_train_mode():
    assert apply(Freeze, FINETUNE, "freeze:finetune:0") == FINETUNE.replace(
        "freeze(model.backbone).eval()", "freeze(model.backbone)")


def test_freezing_moves_after_the_parameters_are_collected_and_the_heading_stays():
    freeze_line = "    freeze(model.backbone).eval()\n"
    params_line = "    params = [p for p in model.parameters() if p.requires_grad]\n"
    assert apply(Freeze, FINETUNE, "freeze:finetune:1") == FINETUNE.replace(
        freeze_line + params_line, params_line + freeze_line)
    encoder_line = "    model.encoder.requires_grad_(False)\n"
    filter_line = "    trainable = filter(lambda p: p.requires_grad, model.parameters())\n"
    assert apply(Freeze, FINETUNE, "freeze:finetune:4") == FINETUNE.replace(
        encoder_line + filter_line, filter_line + encoder_line)


def test_requires_grad_filter_dropped():
    assert apply(Freeze, FINETUNE, "freeze:finetune:2") == FINETUNE.replace(
        "[p for p in model.parameters() if p.requires_grad]", "list(model.parameters())")
    assert apply(Freeze, FINETUNE, "freeze:finetune:5") == FINETUNE.replace(
        "filter(lambda p: p.requires_grad, model.parameters())", "model.parameters()")
    assert apply(Freeze, FINETUNE, "freeze:finetune:6") == FINETUNE.replace(
        "AdamW(p for p in model.parameters() if p.requires_grad)", "AdamW(model.parameters())")


def test_optimizer_over_the_whole_model():
    assert apply(Freeze, FINETUNE, "freeze:finetune:3") == FINETUNE.replace(
        "Adam(model.head.parameters(), lr=lr)", "Adam(model.parameters(), lr=lr)")


def test_a_freezing_loop_is_moved_too():
    before = dedent("""\
        def f(model):
            for p in model.backbone.parameters():
                p.requires_grad = False
            opt = SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    """)
    assert "freeze:f:0" in ids(before)
    assert apply(Freeze, before, "freeze:f:0") == dedent("""\
        def f(model):
            opt = SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
            for p in model.backbone.parameters():
                p.requires_grad = False
    """)


def test_leaves_other_code_alone():
    source = dedent("""\
        def f(model, x):
            model.eval()
            opt = SGD(model.parameters(), lr=0.1)
            grads = [p.grad for p in model.parameters() if p.requires_grad]
            freeze(model.backbone)
            y = model(x)

        if __name__ == "__main__":
            freeze(model.backbone).eval()
    """)
    assert ids(source) == []


def test_stable_and_each_rewrite_removes_its_site():
    found = sites(Freeze, FINETUNE)
    assert found == sites(Freeze, FINETUNE)
    for site in found:
        mutated = apply(Freeze, FINETUNE, site)
        assert mutated != FINETUNE
        assert site.note not in [s.note for s in sites(Freeze, mutated) if (s.line, s.column) == (site.line, site.column)]
    with pytest.raises(SiteNotFound):
        apply(Freeze, FINETUNE, "freeze:no_such_function:0")
