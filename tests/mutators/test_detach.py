from textwrap import dedent

from mutators._base import apply, sites
from mutators.detach import Detach

BEFORE = dedent("""\
    def forward(self, x, cond):
        joined = torch.cat([x, cond], dim=1)  # (B, F + D)
        return self.net(joined)


    def epoch(batches, step):
        total = 0.0
        for batch in batches:
            total += step(batch).item()
        return total
""")


def ids(source):
    return [site.id for site in sites(Detach, source)]


def test_sites_are_the_joined_tensor_and_the_item():
    assert ids(BEFORE) == ["detach:forward:0", "detach:epoch:0"]


def test_cuts_the_graph_of_the_last_joined_tensor():
    assert apply(Detach, BEFORE, "detach:forward:0") == BEFORE.replace("[x, cond]", "[x, cond.detach()]")


def test_keeps_the_graph_alive_in_a_running_total():
    assert apply(Detach, BEFORE, "detach:epoch:0") == BEFORE.replace("step(batch).item()", "step(batch)")


def test_no_join_and_no_item_is_no_site():
    assert ids("def f(x):\n    return x.sum()\n") == []
