"""The notebook front end, run as a learner runs it: the shipped starting notebook executed
headlessly by nbclient in a real ipykernel, then rendered to HTML by nbconvert.

Skipped where the `notebook` extra is not installed (the core install must not need it).
"""

import json
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]
STARTING = ROOT / "docs" / "notebook" / "bughunt.ipynb"

# The fix of the active round, computed from its manifest (the answer key), then run through
# the `%%bughunt submit` cell magic exactly as a learner's edited cell is.
SUBMIT_FIX = """\
import os
from bughunt.learner.workspace import Workspace
from bughunt.variants import dressing
_folder = Workspace(os.environ["BUGHUNT_WORKSPACE"]).active()
_fixed = dressing.fixed_text(_folder.scenario, _folder.manifest)
get_ipython().run_cell_magic("bughunt", "submit", _fixed)"""


def _execute(notebook, workspace: Path, timeout: int = 600):
    env_before = dict(os.environ)
    os.environ["BUGHUNT_WORKSPACE"] = str(workspace)
    try:
        client = nbclient.NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                         resources={"metadata": {"path": str(ROOT)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    return notebook


def _outputs(cell) -> dict:
    """Every output's data of a cell, by mime type (text joined)."""
    found: dict[str, str] = {}
    for output in cell.get("outputs", []):
        for mime, value in output.get("data", {}).items():
            found[mime] = found.get(mime, "") + ("".join(value) if isinstance(value, list) else value)
        if output.get("output_type") == "stream":
            found["stream"] = found.get("stream", "") + output["text"]
        if output.get("output_type") == "error":
            found["error"] = "\n".join(output["traceback"])
    return found


def _cell_index(notebook, source: str) -> int:
    return next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source.strip() == source)


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """The starting notebook with one cell added after `bh.hint()`: the fix, submitted."""
    notebook = nbformat.read(STARTING, as_version=4)
    after = _cell_index(notebook, "bh.hint()")
    notebook.cells.insert(after + 1, nbformat.v4.new_code_cell(SUBMIT_FIX))
    workspace = tmp_path_factory.mktemp("notebook-work")
    return _execute(notebook, workspace), workspace


def test_a_round_fails_with_its_picture_then_the_fix_passes(played):
    notebook, workspace = played
    errors = [_outputs(c)["error"] for c in notebook.cells if "error" in _outputs(c)]
    assert not errors, errors[0]
    play = _outputs(notebook.cells[_cell_index(notebook, 'bh.play("03", bug="zero-grad")')])
    assert "symptom" in play["text/html"] and "%%bughunt submit" in play["text/html"]
    assert "image/png" in play  # the served symptom, drawn

    failed = _outputs(notebook.cells[_cell_index(notebook, "bh.submit()")])
    assert "FAILED" in failed["text/html"]
    assert failed["image/png"] and "data:image/png;base64," in failed["text/html"]
    assert "'passed': false" in failed["text/plain"].lower() or '"passed": false' in failed["text/plain"]

    fixed = _outputs(notebook.cells[_cell_index(notebook, SUBMIT_FIX)])
    assert "PASSED" in fixed["text/html"] and "lesson" in fixed["text/html"]
    assert "in 2 attempt(s), 1 hint(s)" in fixed["text/html"]
    assert "image/png" not in fixed  # nothing wrong, nothing drawn

    hint = _outputs(notebook.cells[_cell_index(notebook, "bh.hint()")])
    assert "hint 1 of" in hint["text/html"]
    progress = _outputs(notebook.cells[_cell_index(notebook, "bh.progress()")])
    assert "solved" in progress["text/html"]

    # The same workspace and database as the CLI: the round shows in `bughunt progress --json`.
    from click.testing import CliRunner

    from bughunt.cli.main import cli

    result = CliRunner().invoke(cli, ["progress", "--workspace", str(workspace), "--json"])
    records = json.loads(result.output)["records"]
    assert [(r["scenario"], r["attempts"], r["solved"], r["hints"]) for r in records] == \
        [("l03_training.one_epoch", 2, True, 1)]
    folder = next((workspace / "variants").iterdir())
    assert list((folder / ".bughunt" / "backups").iterdir()), "the file before the cell was not kept"


def test_the_rendered_notebook_shows_the_picture(played, tmp_path):
    nbconvert = pytest.importorskip("nbconvert")
    notebook, _ = played
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    assert body.count("data:image/png;base64,") >= 2  # the served symptom and the failed submit
    out = Path(os.environ.get("BUGHUNT_NOTEBOOK_HTML", tmp_path / "bughunt.html"))
    out.write_text(body, encoding="utf-8")


def test_a_challenge_is_solved_in_the_notebook(tmp_path):
    reference = (ROOT / "clean_reference" / "l03_training" / "one_epoch.py").read_text(encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext bughunt"),
        nbformat.v4.new_code_cell('bh.challenge("03")'),
        nbformat.v4.new_code_cell("%%bughunt submit\n" + reference),
        nbformat.v4.new_code_cell("_.passed, _.solved"),
    ])
    _execute(notebook, tmp_path)
    served = _outputs(notebook.cells[1])
    assert "TODO" in served["text/html"] and "challenge" in served["text/plain"]
    verdict = _outputs(notebook.cells[2])
    assert "PASSED" in verdict["text/html"], verdict
    assert _outputs(notebook.cells[3])["text/plain"] == "(True, True)"
