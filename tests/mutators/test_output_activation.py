from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.output_activation import OutputActivation


def ids(source):
    return [site.id for site in sites(OutputActivation, source)]


@pytest.mark.parametrize("before, after", [
    ("nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))",
     "nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.ReLU())"),
    ("nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))",
     "nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1), nn.Tanh())"),
    ("nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(inplace=True), nn.Conv2d(3, 1, 1))",
     "nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(inplace=True), nn.Conv2d(3, 1, 1), nn.ReLU(inplace=True))"),
    ("nn.Sequential(nn.Linear(2, 3))", "nn.Sequential(nn.Linear(2, 3), nn.ReLU())"),
    ("torch.nn.Sequential(torch.nn.Linear(2, 3))",
     "torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())"),
    ("Sequential(Linear(2, 3), GELU(), Linear(3, 1))",
     "Sequential(Linear(2, 3), GELU(), Linear(3, 1), GELU())"),
])
def test_the_stack_gets_one_more_activation(before, after):
    template = "net = {}\n"
    [site] = sites(OutputActivation, template.format(before))
    assert apply(OutputActivation, template.format(before), site) == template.format(after)


def test_a_multiline_stack_keeps_its_layout_and_its_comments():
    before = dedent("""\
        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(
                    nn.Linear(4, 8),  # (B, 8)
                    nn.ReLU(),
                    nn.Linear(8, 2),  # (B, 2)
                )
    """)
    assert ids(before) == ["output-activation:MLP.__init__:0"]
    assert apply(OutputActivation, before, "output-activation:MLP.__init__:0") == dedent("""\
        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(
                    nn.Linear(4, 8),  # (B, 8)
                    nn.ReLU(),
                    nn.Linear(8, 2),  # (B, 2)
                    nn.ReLU(),
                )
    """)


def test_without_a_trailing_comma():
    before = dedent("""\
        net = nn.Sequential(
            nn.Linear(4, 8),
            nn.Linear(8, 2)  # (B, 2)
        )
    """)
    assert apply(OutputActivation, before, "output-activation:<module>:0") == dedent("""\
        net = nn.Sequential(
            nn.Linear(4, 8),
            nn.Linear(8, 2),  # (B, 2)
            nn.ReLU()
        )
    """)


def test_leaves_other_stacks_and_the_demo_alone():
    source = dedent("""\
        a = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        b = nn.Sequential(*layers)
        c = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3)))
        d = Sequential(Linear(2, 3))
        e = nn.Sequential()
        f = nn.ModuleList([nn.Linear(2, 3)])

        if __name__ == "__main__":
            g = nn.Sequential(nn.Linear(2, 3))
    """)
    assert ids(source) == []


def test_sites_are_stable_and_each_rewrite_removes_its_site():
    source = dedent("""\
        encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        decoder = nn.Sequential(
            nn.Linear(2, 8),
            nn.ReLU(),
            nn.Linear(8, 4),
        )
    """)
    found = sites(OutputActivation, source)
    assert [s.id for s in found] == ["output-activation:<module>:0", "output-activation:<module>:1"]
    assert found == sites(OutputActivation, source)
    for site in found:
        mutated = apply(OutputActivation, source, site)
        assert len(sites(OutputActivation, mutated)) == len(found) - 1
    with pytest.raises(SiteNotFound):
        apply(OutputActivation, source, "output-activation:<module>:2")
