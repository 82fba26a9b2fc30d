import pytest

from bughunt import catalog
from bughunt.errors import UsageError


def test_twelve_levels_in_number_order():
    assert [level.number for level in catalog.levels()] == [f"{n:02d}" for n in range(1, 13)]


def test_the_track_reaches_every_level_once_core_first():
    assert sorted(catalog.track().level_order()) == [level.number for level in catalog.levels()]
    assert catalog.track().level_order()[:7] == ("01", "02", "03", "04", "05", "07", "08")


def test_the_track_names_every_scenario_file_exactly_once():
    """The content test of scenarios/track.toml: no scenario left out (it would never be
    played), none named twice, and no name without its metadata, reference and checks."""
    order = catalog.track().order
    assert len(order) == len(set(order)), "a scenario is named twice"
    assert sorted(order) == sorted(catalog.metadata_files()), "track.toml and the scenario files differ"
    for scenario in catalog.all_scenarios():
        checks = catalog.metadata_files()[scenario.id].with_suffix(".py")
        assert scenario.reference_path.is_file() and checks.is_file(), scenario.id
    assert [s.id for s in catalog.in_track_order(catalog.all_scenarios())] == list(order)


def test_level_01_plays_tensors_before_datasets():
    assert [s.module_name for s in catalog.scenarios_of(catalog.level("01"))] == ["tensors", "datasets"]


def test_classic_bugs_1_to_6_follow_03_and_7_to_10_follow_05():
    order = [catalog.scenario(i) for i in catalog.track().order]
    position = {s.id: n for n, s in enumerate(order)}
    classics = sorted((s for s in order if s.classic is not None), key=lambda s: s.classic)
    last_of = {number: max(position[s.id] for s in order if s.level.number == number) for number in ("03", "05")}
    first_of_05 = min(position[s.id] for s in order if s.level.number == "05")
    assert all(last_of["03"] < position[s.id] < first_of_05 for s in classics[:6])
    assert all(last_of["05"] < position[s.id] for s in classics[6:])


@pytest.mark.parametrize("text, problem", [
    ('order = ["l01_a.x", "l01_a.x"]', "l01_a.x is named twice"),
    ('order = ["l99_nowhere.x"]', "l99_nowhere.x is not in a declared level"),
])
def test_a_broken_track_is_refused_naming_the_mistake(text, problem):
    track = ('[[level]]\nnumber = "01"\npackage = "l01_a"\ntitle = "A"\nteaches = "a"\n'
             '[[stage]]\nname = "level1"\ntitle = "S"\nlevels = ["01", "07"]\n'
             f"[track]\n{text}\n")
    with pytest.raises(ValueError, match=problem) as raised:
        catalog._read_track(track)
    assert "stage level1 names unknown level 07" in str(raised.value)


def test_every_stage_names_levels_of_the_roadmap():
    stages = {s.name: s.levels for s in catalog.track().stages}
    assert stages == {"level1": ("01", "02", "03", "04"), "level2": ("05",), "level3": ("06",),
                      "level4": ("07",)}


@pytest.mark.parametrize("name", ["03", "l03", "3", "l3", "L3", "l03_training", "training", "one_epoch",
                                  "l03_training.one_epoch", "L03"])
def test_aliases_resolve_to_the_training_scenario(name):
    assert [s.id for s in catalog.resolve(name)] == ["l03_training.one_epoch"]


def test_level1_groups_levels_01_to_04():
    levels = {s.level.number for s in catalog.resolve("level1")}
    assert levels <= {"01", "02", "03", "04"} and "03" in levels


def test_level3_is_level_06():
    assert {s.level.number for s in catalog.resolve("level3")} == {"06"}


def test_unknown_name_suggests_the_closest_in_one_short_line():
    with pytest.raises(UsageError) as raised:
        catalog.resolve("levle1")
    message = str(raised.value)
    assert "unknown level or scenario 'levle1'" in message and "did you mean 'level1'" in message
    assert len(message) < 200 and "bughunt levels" in message


def test_an_unknown_name_far_from_any_is_pointed_at_the_list():
    with pytest.raises(UsageError) as raised:
        catalog.resolve("zzzz")
    assert "did you mean" not in str(raised.value) and "bughunt levels" in str(raised.value)


def test_a_level_without_scenarios_says_so(monkeypatch):
    level = catalog.level("12")
    built = tuple(s for s in catalog.all_scenarios() if s.level != level)
    monkeypatch.setattr(catalog, "all_scenarios", lambda: built)
    with pytest.raises(UsageError, match="no scenarios yet"):
        catalog.resolve("12")


def test_reference_paths_exist():
    for scenario in catalog.all_scenarios():
        assert scenario.reference_path.is_file(), scenario.id
