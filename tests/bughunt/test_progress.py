from hypothesis import given
from hypothesis import strategies as st

from bughunt.learner.progress import FLOOR, FULL, Progress, score
from bughunt.variants.manifest import Manifest


@given(attempts=st.integers(1, 50), hints=st.integers(0, 20))
def test_score_is_bounded_and_monotone(attempts, hints):
    value = score(attempts, hints, revealed=False)
    assert FLOOR <= value <= FULL
    assert score(attempts + 1, hints, False) <= value
    assert score(attempts, hints + 1, False) <= value
    assert score(attempts, hints, revealed=True) == 0


def test_first_passing_attempt_fixes_the_score(tmp_path):
    progress = Progress(tmp_path / "p.sqlite")
    progress.served("001-x", Manifest.from_json({"scenario": "s", "variant": "x", "bug_class": "zero-grad"}), "h")
    progress.hint("001-x")
    assert not progress.attempt("001-x", False, ["same_loss"]).solved
    record = progress.attempt("001-x", True, [])
    assert record.solved and record.score == FULL - 10 - 5
    assert progress.attempt("001-x", True, []).score == record.score
    assert progress.served_hashes() == {"h"}
