"""Per reference module: metadata (`<module>.toml`) beside its checks (`<module>.py`).

Conventions every level keeps:

- A level's helper module is named by the one concept it holds (`l09_expert/_ranks.py`),
  else `_shared.py`; what every level may use lives in `_support.py` and `_pictures.py`.
- A comparison used by more than one check is written once, in the narrowest of those
  modules that all its users import (`_support.same_parameters`, `same(what)`,
  `l04_bug_finding/_shared.same_training`, …); a check's own module keeps only the
  comparisons no other check makes. A helper's name means one thing in every module.
- A check states `priority=` only where it deviates from the engine's default,
  `bughunt.judge.checking.DEFAULT_PRIORITY` (50): lower runs first and is the failure the
  learner is shown (the specific, 10–30, before the generic, 70–90); equal priorities keep
  their order in `CHECKS`.

tests/test_scenario_conventions.py holds the three on the sources.
"""
