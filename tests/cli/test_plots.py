"""The symptom drawn in the terminal: `submit` shows the failing check's plot in an 80-column
colour terminal and leaves it out where it cannot help; `--json` carries the series."""

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bughunt.cli.main import cli

COLOUR_80 = {"COLUMNS": "80", "FORCE_COLOR": "1", "TERM": "xterm-256color", "NO_COLOR": None}


def _run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def _fixed(workspace):
    from bughunt.learner.workspace import Workspace
    from bughunt.variants import dressing

    folder = Workspace(workspace).active()
    return folder, dressing.fixed_text(folder.scenario, folder.manifest)


# (play arguments, a title the failing check draws)
ROUNDS = {
    "scheduler-step": (["04", "--classic", "8"], "learning rate per epoch"),
    "zero-grad": (["03", "--bug", "zero-grad", "--seed", "3"], "loss per batch"),
    "attention": (["11", "--bug", "attention", "--seed", "1"], "attention weights"),
}


@pytest.mark.parametrize("name", ROUNDS)
def test_submit_draws_the_symptom_and_json_carries_its_series(name, tmp_path):
    play, title = ROUNDS[name]
    served = _run("play", *play, "--workspace", tmp_path, "--json")
    assert served.exit_code == 0, served.output
    assert json.loads(served.output)["series"][0]["title"].startswith(title)

    shown = _run("submit", "--workspace", tmp_path, env=COLOUR_80)
    assert shown.exit_code == 1
    lines = shown.output.splitlines()
    at = next(i for i, line in enumerate(lines) if title in line)
    plot = lines[at:]
    assert any("┤" in line for line in plot) and any("┌" in line for line in plot), shown.output
    assert max(len(_plain(line)) for line in lines) <= 80

    buggy = json.loads(_run("submit", "--workspace", tmp_path, "--json").output)
    drawn = next(c for c in buggy["checks"] if c.get("series"))
    assert not drawn["passed"]
    picture = next(s for s in drawn["series"] if s["title"].startswith(title))
    assert picture["candidate"] != picture["reference"]  # the bug, visible in the data

    folder, fixed = _fixed(tmp_path)
    folder.file.write_text(fixed, encoding="utf-8")
    repaired = json.loads(_run("submit", "--workspace", tmp_path, "--json").output)
    assert repaired["passed"]
    assert not any(c.get("series") for c in repaired["checks"])  # nothing differs, nothing drawn


def _plain(line: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", line)


@pytest.fixture(scope="module")
def zero_grad_round(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("plots")
    assert _run("play", "03", "--bug", "zero-grad", "--seed", "3", "--workspace", workspace).exit_code == 0
    return workspace


@pytest.mark.parametrize("env", [
    {**COLOUR_80, "COLUMNS": "59"},  # too narrow
    {**COLOUR_80, "NO_COLOR": "1"},  # the two lines would look alike
    {"COLUMNS": "80", "FORCE_COLOR": None, "TERM": "dumb"},  # not a terminal at all
], ids=["narrow", "no-colour", "no-terminal"])
def test_no_plot_where_it_cannot_help(zero_grad_round, env):
    shown = _run("submit", "--workspace", zero_grad_round, env=env)
    assert shown.exit_code == 1 and "same_updates" in shown.output
    assert "loss per batch" not in shown.output


def test_hard_rounds_draw_nothing(tmp_path):
    served = _run("play", "03", "--bug", "zero-grad", "--seed", "3", "--difficulty", "hard",
                  "--workspace", tmp_path, env=COLOUR_80)
    assert served.exit_code == 0 and "loss per batch" not in served.output
    assert "series" not in json.loads(_run("play", "03", "--bug", "zero-grad", "--seed", "4", "--difficulty",
                                           "hard", "--workspace", tmp_path, "--json").output)
    shown = _run("submit", "--workspace", tmp_path, env=COLOUR_80)
    assert shown.exit_code == 1 and "loss per batch" not in shown.output


def test_help_levels_and_bugs_import_neither_torch_nor_plotting():
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bughunt.cli.main import cli\n"
        "for args in (['--help'], ['levels'], ['bugs'], ['submit', '--help'], ['play', '--help']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0, args\n"
        "import bughunt\n"
        "heavy = [m for m in ('torch', 'matplotlib', 'plotext', 'IPython', 'bughunt.notebook') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)


def test_the_terminal_needs_no_notebook_extra(zero_grad_round):
    """Without matplotlib and IPython (a core install), submit still draws, and the notebook
    front end says which extra it needs."""
    probe = (
        "import sys\n"
        "sys.modules['matplotlib'] = sys.modules['IPython'] = None  # as if not installed\n"
        "from click.testing import CliRunner\n"
        "from bughunt.cli.main import cli\n"
        f"shown = CliRunner().invoke(cli, ['submit', '--workspace', {str(zero_grad_round)!r}],\n"
        "                         env={'COLUMNS': '80', 'FORCE_COLOR': '1', 'TERM': 'xterm-256color'})\n"
        "assert shown.exit_code == 1 and 'loss per batch' in shown.output, shown.output\n"
        "try:\n"
        "    import bughunt.notebook\n"
        "except ImportError as error:\n"
        "    assert \"pip install 'bughunt[notebook]'\" in str(error), error\n"
        "else:\n"
        "    raise AssertionError('bughunt.notebook imported without its extra')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
