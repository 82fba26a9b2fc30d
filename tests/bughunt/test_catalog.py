import pytest

from bughunt import catalog
from bughunt.errors import UsageError


def test_twelve_levels_in_number_order():
    assert [level.number for level in catalog.LEVELS] == [f"{n:02d}" for n in range(1, 13)]


def test_track_order_names_every_level_once():
    assert sorted(catalog.TRACK_ORDER) == [level.number for level in catalog.LEVELS]
    assert catalog.TRACK_ORDER[:7] == ("01", "02", "03", "04", "05", "07", "08")


@pytest.mark.parametrize("name", ["03", "l03", "3", "l03_training", "training", "one_epoch",
                                  "l03_training.one_epoch", "L03"])
def test_aliases_resolve_to_the_training_scenario(name):
    assert [s.id for s in catalog.resolve(name)] == ["l03_training.one_epoch"]


def test_level1_groups_levels_01_to_04():
    levels = {s.level.number for s in catalog.resolve("level1")}
    assert levels <= {"01", "02", "03", "04"} and "03" in levels


def test_level3_is_level_06():
    assert {s.level.number for s in catalog.resolve("level3")} == {"06"}


def test_unknown_name_lists_the_allowed_ones():
    with pytest.raises(UsageError, match=r"unknown level or scenario 'level9'.*level1.*l03_training\.one_epoch"):
        catalog.resolve("level9")


def test_a_level_without_scenarios_says_so(monkeypatch):
    level = catalog.level("12")
    built = tuple(s for s in catalog.all_scenarios() if s.level != level)
    monkeypatch.setattr(catalog, "all_scenarios", lambda: built)
    with pytest.raises(UsageError, match="no scenarios yet"):
        catalog.resolve("12")


def test_reference_paths_exist():
    for scenario in catalog.all_scenarios():
        assert scenario.reference_path.is_file(), scenario.id
