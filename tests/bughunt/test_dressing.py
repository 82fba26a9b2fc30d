"""Dressing a round: the fixed text differs from the served one only at the bugs; a half fix
of a round with two bugs is told apart from a whole one; hints point at the bug's line."""

import difflib
import multiprocessing

import pytest

from bughunt import catalog
from bughunt.learner.hints import hint_ladder
from bughunt.variants import dressing, generator, mutants
from bughunt.variants.manifest import Bug, Manifest

ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


def _pair():
    sites = [s for s in mutants.sites_of(ONE_EPOCH)]
    device = next(s for s in sites if s.mutator == "device")
    zero = next(s for s in sites if s.mutator == "zero-grad" and s.line != device.line)
    return mutants.combine(ONE_EPOCH, (device, zero))


def _manifest(mutant, seed, level="normal"):
    return Manifest(ONE_EPOCH.id, bugs=tuple(Bug(s.mutator, s.id) for s in mutant.sites), disguise=seed,
                    difficulty=level)


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("level", ["normal", "hard"])
def test_the_fixed_text_differs_from_the_served_one_only_at_the_bugs(seed, level):
    mutant = _pair()
    manifest = _manifest(mutant, seed, level)
    served = dressing.dress(mutant.source, ONE_EPOCH, mutant.sites, seed, level)
    fixed = dressing.fixed_text(ONE_EPOCH, manifest)
    bare = dressing.changes(mutant.scenario.reference_path.read_text(), mutant.source)
    assert len(dressing.changes(fixed, served)) == len(bare)
    assert dressing.bugs_left(ONE_EPOCH, manifest, served) == 2
    assert dressing.bugs_left(ONE_EPOCH, manifest, fixed) == 0


def test_a_half_fix_leaves_one_bug():
    mutant = _pair()
    manifest = _manifest(mutant, 3)
    fixed = dressing.fixed_text(ONE_EPOCH, manifest).splitlines(keepends=True)
    served = dressing.dress(mutant.source, ONE_EPOCH, mutant.sites, 3).splitlines(keepends=True)
    opcodes = difflib.SequenceMatcher(None, fixed, served, autojunk=False).get_opcodes()
    _, i1, _, j1, _ = next(op for op in opcodes if op[0] != "equal")
    # Restore the first line a bug changed or took away, in the learner's own spelling.
    restored = fixed[i1].split("#")[0].rstrip() + "\n"
    half = "".join(served[:j1] + [restored] + served[j1 + (opcodes_tag(opcodes) == "replace"):])
    assert dressing.bugs_left(ONE_EPOCH, manifest, half) == 1


def opcodes_tag(opcodes):
    return next(op[0] for op in opcodes if op[0] != "equal")


def test_one_bug_rounds_are_not_counted():
    site = mutants.sites_of(ONE_EPOCH)[0]
    manifest = Manifest(ONE_EPOCH.id, bugs=(Bug(site.mutator, site.id),), disguise=1)
    assert dressing.bugs_left(ONE_EPOCH, manifest, "") is None


def test_the_line_hint_points_at_the_bug_in_the_disguised_file():
    site = next(s for s in mutants.sites_of(ONE_EPOCH) if s.mutator == "eval-mode")
    mutant = mutants.make(ONE_EPOCH, site)
    manifest = Manifest(ONE_EPOCH.id, bugs=(Bug(site.mutator, site.id),), disguise=5)
    served = dressing.dress(mutant.source, ONE_EPOCH, mutant.sites, 5)
    fixed = dressing.fixed_text(ONE_EPOCH, manifest).splitlines()
    hint = hint_ladder(ONE_EPOCH, manifest, served)[-1]
    line = int(hint.split("line ")[1].split()[0])
    assert hint.startswith("Something is missing just above line")  # eval-mode deletes .train()
    assert ".train()" in fixed[line - 1] and served.splitlines()[line - 1] == fixed[line]


def test_pairs_are_two_classes_on_two_lines():
    order = generator.candidate_order((ONE_EPOCH,), 0, None, bugs=2)
    assert order and all(len({s.mutator for s in g}) == 2 and len({s.line for s in g}) == 2 for _, g in order)
    assert all(any(s.mutator == "device" for s in g) for _, g in generator.candidate_order((ONE_EPOCH,), 0, "device", 2))


def test_bugs_already_played_come_last():
    order = generator.candidate_order((ONE_EPOCH,), 4, None)
    played = frozenset((ONE_EPOCH.id, g[0].id) for _, g in order[:3])
    again = generator.candidate_order((ONE_EPOCH,), 4, None, played=played)
    assert [g for _, g in again[-3:]] == [g for _, g in order[:3]]
    assert [g for _, g in again[:-3]] == [g for _, g in order[3:]]


def test_a_folder_served_before_sites_had_names_is_read_by_position():
    """An older manifest holds `mutator:line:column`: where the site was in the reference."""
    site = next(s for s in mutants.sites_of(ONE_EPOCH) if s.mutator == "eval-mode")
    old = Manifest.from_json({"scenario": ONE_EPOCH.id, "bug_class": site.mutator,
                              "site": f"{site.mutator}:{site.line}:{site.column}", "disguise": 5})
    assert dressing.sites_of(ONE_EPOCH, old) == [site]
    new = Manifest(ONE_EPOCH.id, bugs=(Bug(site.mutator, site.id),), disguise=5)
    assert dressing.fixed_text(ONE_EPOCH, old) == dressing.fixed_text(ONE_EPOCH, new)
    gone = Manifest.from_json({"scenario": ONE_EPOCH.id, "bug_class": "eval-mode", "site": "eval-mode:999:0"})
    with pytest.raises(ValueError, match="eval-mode:999:0"):
        dressing.sites_of(ONE_EPOCH, gone)


def test_many_variants_are_dressed_in_other_processes_into_the_same_texts(monkeypatch):
    monkeypatch.setattr(generator.threading, "active_count", lambda: 1)  # a test worker runs threads
    scenario = catalog.scenario("l03_training.one_epoch")
    mutant = mutants.mutants_of(scenario)[0]
    jobs = [(mutant.source, scenario.id, mutant.sites, seed, difficulty) for seed in range(3)
            for difficulty in ("normal", "hard")]
    # Counted against those already listed: an earlier test in the same worker may have left some.
    before = set(multiprocessing.active_children())
    with generator._dressers(1) as here, generator._dressers(generator._DRESS_APART) as apart:
        assert len(set(multiprocessing.active_children()) - before) == generator._DRESSERS
        assert list(apart(jobs)) == list(here(jobs))
