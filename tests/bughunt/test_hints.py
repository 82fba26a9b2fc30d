"""The last rung of the hint ladder points at the served file's own line, deletions included."""

from bughunt import catalog
from bughunt.learner import hints
from bughunt.variants import mutants
from bughunt.variants.manifest import Bug, Manifest

ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


def _last_rung(bug: str) -> tuple[str, list[str], str]:
    (mutant, *_) = mutants.mutants_of(ONE_EPOCH, bug)
    ladder = hints.hint_ladder(ONE_EPOCH, Manifest(ONE_EPOCH.id, bugs=(Bug(mutant.site.mutator, mutant.site.id),)), mutant.source)
    return ladder[-1], mutant.source.splitlines(), ONE_EPOCH.reference_path.read_text().splitlines()


def test_a_deleted_line_is_pointed_at_where_it_belongs():
    rung, served, reference = _last_rung("zero-grad")
    line = int(rung.split("line ")[1].split()[0])
    assert "missing just above" in rung
    deleted = next(r for r in reference if "zero_grad()" in r)
    assert served[:line - 1] + [deleted] + served[line - 1:] == reference


def test_a_changed_line_is_named_by_its_served_number():
    rung, served, reference = _last_rung("loss-input")
    line = int(rung.split("line ")[1].split()[0])
    assert "softmax" in served[line - 1] and "softmax" not in reference[line - 1]


def test_a_hint_about_one_bug_class_is_shown_only_for_that_class():
    accumulation = catalog.scenario("l06_advanced.accumulation")
    served = accumulation.reference_path.read_text()
    for bug in ("zero-grad", "accumulation-scale"):
        site = mutants.sites_of(accumulation, bug)[0]
        ladder = hints.hint_ladder(accumulation, Manifest(accumulation.id, bugs=(Bug(bug, site.id),)), served)
        about_groups = any("multiple of `accum_steps`" in rung for rung in ladder)
        assert about_groups == (bug == "accumulation-scale")
