"""Whose hand-out a file was made from: the camouflage of each hand-out is its fingerprint."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bughunt import catalog
from bughunt.course import fingerprint
from bughunt.variants import dressing, mutants

SCENARIO = catalog.scenario("l06_advanced.accumulation")
SITES = [s for s in mutants.sites_of(SCENARIO) if SCENARIO.equivalent_reason(s.id) is None]


def _handout(site, seed):
    return dressing.dress(mutants.make(SCENARIO, site).source, SCENARIO, [site], seed)


def _fixed(site, seed):
    return dressing.dress(SCENARIO.reference_path.read_text(), SCENARIO, [site], seed)


def _class(seeds):
    """Hand-outs of students 0..n, with their own bug sites and disguises."""
    return fingerprint.prints({f"s{i}": _handout(SITES[i % len(SITES)], seed) for i, seed in enumerate(seeds)})


SEEDS = [11, 22, 33, 44]
HANDOUTS = _class(SEEDS)
TEXTS = {f"s{i}": _handout(SITES[i % len(SITES)], seed) for i, seed in enumerate(SEEDS)}


def test_own_fix_and_unfixed_hand_out_are_not_copies():
    for i, seed in enumerate(SEEDS):
        own = f"s{i}"
        assert fingerprint.made_from(_fixed(SITES[i % len(SITES)], seed), own, HANDOUTS) == []
        assert fingerprint.made_from(TEXTS[own], own, HANDOUTS) == []


def test_a_copied_fix_names_whose_hand_out_it_is():
    copied = _fixed(SITES[2], SEEDS[2])
    assert fingerprint.made_from(copied, "s0", HANDOUTS) == ["s2"]
    # Reformatted and commented, it is still the same copy.
    dressed_up = "\n".join(line.rstrip() + ("  # mine" if line.strip().startswith("return") else "")
                           for line in copied.splitlines()) + "\n\n\n"
    assert fingerprint.made_from(dressed_up, "s0", HANDOUTS) == ["s2"]


def test_a_file_written_from_scratch_is_no_copy():
    assert fingerprint.made_from("def train_epoch_accumulated(*a):\n    return 0.0\n", "s1", HANDOUTS) == []


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(0, 2**31), min_size=2, max_size=2, unique=True))
def test_own_fixes_are_never_flagged_whatever_the_disguises(seeds):
    handouts = _class(seeds)
    for i, seed in enumerate(seeds):
        assert fingerprint.made_from(_fixed(SITES[i], seed), f"s{i}", handouts) == []
