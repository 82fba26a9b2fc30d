import io

import pytest
from rich.console import Console
from rich.markdown import Markdown

from bughunt import guides
from bughunt.errors import UsageError


def test_three_guides_with_sections():
    names = [g.name for g in guides.all_guides()]
    assert names == ["advanced-architectures", "popular-architectures", "pytorch-mastery"]
    assert "the-training-step" in guides.lookup("pytorch-mastery")[0].sections()


@pytest.mark.parametrize("guide", guides.all_guides(), ids=lambda g: g.name)
def test_each_guide_renders_in_80_columns(guide):
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None).print(Markdown(guide.text))
    lines = buffer.getvalue().splitlines()
    assert len(lines) > 50
    assert max(len(line) for line in lines) <= 80


def test_popular_architectures_has_no_code():
    guide = guides.lookup("popular-architectures")[0]
    assert "```" not in guide.text


@pytest.mark.parametrize("topic, section", [
    ("pytorch-mastery#eval-mode", "eval-mode"),
    ("the-training-step", "the-training-step"),
    ("Diffusion (DDPM)", "diffusion-ddpm"),
])
def test_lookup(topic, section):
    assert guides.lookup(topic)[1] == section


def test_unknown_section_names_the_allowed_ones():
    with pytest.raises(UsageError, match="no section 'nope'; choose from: devices"):
        guides.lookup("pytorch-mastery#nope")
