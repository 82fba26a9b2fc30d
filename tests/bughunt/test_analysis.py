"""The analysis drops mutants with the same code before running any."""

from bughunt import catalog
from bughunt.variants import analysis, mutants

ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


def test_same_code_runs_once_and_the_reference_itself_is_equivalent():
    first, second = mutants.mutants_of(ONE_EPOCH)[:2]
    reference = ONE_EPOCH.reference_path.read_text()
    relaid = mutants.Mutant(ONE_EPOCH, second.site, first.source.replace("\n\n\n", "\n\n\n# same code\n", 1))
    unchanged = mutants.Mutant(ONE_EPOCH, second.site, reference + "\n# only a comment\n")
    rows = {}
    unique = analysis._drop_duplicates([first, relaid, unchanged, second], rows)
    assert unique == [0, 3]
    assert rows[1].status == analysis.DUPLICATE and first.site.id in rows[1].reason
    assert rows[2].status == analysis.EQUIVALENT
