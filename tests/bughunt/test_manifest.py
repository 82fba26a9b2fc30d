"""A variant folder's manifest: one record, the same after a save and a load, and a folder
from before rounds had several bugs reads as a round with one."""

import json

from bughunt.variants.manifest import BUG, CHALLENGE, Bug, Manifest


def test_a_manifest_saved_is_the_manifest_loaded(tmp_path):
    manifest = Manifest("l03_training.one_epoch", variant="one_epoch-3fa2c1", file="one_epoch.py",
                        bugs=(Bug("device", "device:train_step:0"), Bug("zero-grad", "zero-grad:train:0")),
                        seed=4, symptom="it crashes", check="check_step", sha256="ab", difficulty="hard",
                        disguise=7, classic=None)
    manifest.save(tmp_path)
    assert Manifest.load(tmp_path) == manifest
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert written["bug_class"] == "device+zero-grad" and written["site"] == "device:train_step:0+zero-grad:train:0"
    assert written["kind"] == BUG


def test_a_challenge_has_no_bugs_and_the_defaults_are_one_place():
    challenge = Manifest.from_json({"scenario": "s", "kind": CHALLENGE, "file": "s.py"})
    assert challenge.bugs == () and challenge.bug_class == "" and challenge.kind == CHALLENGE
    assert Manifest.from_json({"scenario": "s"}).kind == BUG


def test_the_layout_with_one_site_reads_as_one_bug_and_unknown_keys_are_kept(tmp_path):
    old = {"scenario": "s", "bug_class": "inplace", "site": "inplace:forward:0", "file": "s.py", "note": "x"}
    manifest = Manifest.from_json(old)
    assert manifest.bugs == (Bug("inplace", "inplace:forward:0"),)
    assert manifest.to_json()["note"] == "x"
