"""Dealing bugs to a class: balanced over scenarios, no site shared before every site of its
scenario is used, the same deal for the same roster and seed."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bughunt import catalog
from bughunt.course import assignment

SCENARIOS = catalog.resolve("level3")
POOLS = assignment.pools(SCENARIOS, 7)


def _ids(n):
    return tuple(f"s{i:03d}" for i in range(n))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 240), st.integers(0, 2**40))
def test_balanced_and_sites_spread(n, seed):
    dealt = assignment.deal(_ids(n), POOLS, seed)
    assert [a.student for a in dealt] == list(_ids(n))
    per_scenario = Counter(a.scenario.id for a in dealt)
    expected = min(n, len(POOLS))
    assert len(per_scenario) == expected
    assert max(per_scenario.values()) - min(per_scenario.values()) <= 1
    for scenario, groups in POOLS.items():
        uses = Counter(a.sites for a in dealt if a.scenario == scenario)
        if not uses:
            continue
        counts = [uses.get(g, 0) for g in groups]
        # a site comes back only once every site of the scenario has been dealt
        assert max(counts) - min(counts) <= 1


def test_classes_come_up_evenly_while_sites_last():
    dealt = assignment.deal(_ids(18), POOLS, 3)
    accumulation = [a for a in dealt if a.scenario.module_name == "accumulation"]
    classes = Counter(a.bug_class for a in accumulation)
    assert len(accumulation) == 3 and len(classes) == 3  # 7 classes on offer: three different ones


def test_same_roster_and_seed_same_deal_and_dead_sites_avoided():
    ids = _ids(40)
    first = assignment.deal(ids, POOLS, 99)
    assert first == assignment.deal(ids, POOLS, 99)
    assert first != assignment.deal(ids, POOLS, 100)
    dead = frozenset({(first[0].scenario.id, first[0].sites)})
    again = assignment.deal(ids, POOLS, 99, dead)
    assert all((a.scenario.id, a.sites) not in dead for a in again)


def test_disguise_seeds_differ_per_student_and_secret():
    seeds = {assignment.disguise_seed(5, s) for s in _ids(300)}
    assert len(seeds) == 300
    assert assignment.disguise_seed(5, "a") != assignment.disguise_seed(6, "a")
    assert assignment.disguise_seed(5, "a", 1) != assignment.disguise_seed(5, "a")
