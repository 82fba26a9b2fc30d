"""The autograder bundles: what Gradescope and PrairieLearn run, one submission per
container, on their own fleets (how bughunt grades a class of thousands).

Each bundle ships only what grading needs: bughunt as a wheel (its references and checks
inside), and the course key (`autograder.KEY`: the secret seed, every student's scenario,
variant and hand-out, the roster's id, email and sid). Not the answer key: no fixed text,
no bug class or site. The key is written readable by its owner alone, and both entry
points make it so again before grading, since an unzip may not keep modes; the runner
never sees it (not mounted with namespaces; unreadable to its unprivileged uid without).
"""

from __future__ import annotations

import json
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bughunt.course import autograder
from bughunt.course.record import Course
from bughunt.errors import UsageError
from bughunt.judge.verdict import DEFAULT_TIMEOUT

TORCH_CPU = "https://download.pytorch.org/whl/cpu"

SETUP = f"""#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: Python 3.11 or later,
# bubblewrap (namespaces, where the container allows them), the CPU build of torch, then
# bughunt from the wheel in this bundle.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip bubblewrap
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y -q python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv /opt/bughunt
/opt/bughunt/bin/pip install --quiet torch --index-url {TORCH_CPU}
/opt/bughunt/bin/pip install --quiet dist/*.whl
chmod 600 {autograder.KEY}
chmod 755 run_autograder
# The reference's observations at the secret seed, made once into the image.
BUGHUNT_AUTOGRADER_ROOT="$(dirname "$PWD")" /opt/bughunt/bin/python -m bughunt.course.autograder warm
"""

# The Python that has bughunt: $BUGHUNT_PYTHON, the image's (setup.sh, Dockerfile), else
# the one that exported the bundle (trying it out on the instructor's machine), else python3.
_PYTHON = """PYTHON="${{BUGHUNT_PYTHON:-}}"
for candidate in /opt/bughunt/bin/python {exporter} python3; do
    [ -n "$PYTHON" ] && break
    command -v "$candidate" >/dev/null 2>&1 && PYTHON="$candidate"
done
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission: grade it, write results/results.json.
export BUGHUNT_AUTOGRADER_ROOT="${{BUGHUNT_AUTOGRADER_ROOT:-/autograder}}"
{python}exec "$PYTHON" -m bughunt.course.autograder gradescope
"""

RUN_PRAIRIELEARN = """#!/usr/bin/env bash
# PrairieLearn's entry point (externalGradingOptions.entrypoint): grade /grade/student,
# write /grade/results/results.json. The course key lies beside this script.
export BUGHUNT_GRADE_ROOT="${{BUGHUNT_GRADE_ROOT:-/grade}}"
export BUGHUNT_COURSE_KEY="${{BUGHUNT_COURSE_KEY:-$(dirname "$0")/{key}}}"
{python}exec "$PYTHON" -m bughunt.course.autograder prairielearn
"""


def _script(template: str) -> str:
    return template.format(python=_PYTHON.format(exporter=shlex.quote(sys.executable)), key=autograder.KEY)

DOCKERFILE = f"""# The grading image for PrairieLearn (no network while grading: everything is installed here).
FROM python:3.11-slim
RUN apt-get update -q && apt-get install -y -q bubblewrap && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/bughunt && /opt/bughunt/bin/pip install --quiet torch --index-url {TORCH_CPU}
COPY dist/ /tmp/dist/
RUN /opt/bughunt/bin/pip install --quiet /tmp/dist/*.whl && rm -rf /tmp/dist
"""

PL_INFO = {"gradingMethod": "External",
           "externalGradingOptions": {"enabled": True, "image": "YOUR-REGISTRY/bughunt-grader",
                                      "entrypoint": "/grade/tests/run", "timeout": 300}}

PL_README = """# bughunt grader for PrairieLearn

1. `docker build -t YOUR-REGISTRY/bughunt-grader .` here, push it, and name it in the
   question's `info.json` (see `info.json`).
2. Copy `tests/` into the question's folder (it becomes `/grade/tests/`); `tests/{key}` is
   the course key: keep the question's repository private.
3. The student uploads their hand-out's file (`<pl-file-upload>`); ask for their roster id
   as `student_id` (`<pl-string-input answers-name="student_id">`) or set `params.student_id`.
   Without one, the file is graded as the student whose hand-out it was made from.
"""


def key(course: Course, timeout: float) -> dict:
    """What the autograder needs, and nothing of the answer."""
    contacts = [{"id": row["id"], "email": row.get("email", ""), "sid": row.get("sid", "")}
                for row in course.roster.rows]
    students = {sid: {"scenario": s.scenario, "variant": s.variant, "file_name": s.file_name,
                      "handout": s.handout} for sid, s in course.students.items()}
    return {"format": autograder.KEY_FORMAT, "level": course.level, "seed": course.seed,
            "max_score": course.max_score, "timeout": timeout, "roster": contacts, "students": students}


def wheel(given: Path | None = None) -> Path:
    """bughunt as a wheel: `given`, or built from this checkout."""
    if given is not None:
        if not given.is_file() or given.suffix != ".whl":
            raise UsageError(f"--wheel {str(given)!r} is not a wheel file")
        return given
    import bughunt

    project = Path(bughunt.__file__).resolve().parent.parent
    if not (project / "pyproject.toml").is_file():
        raise UsageError("bughunt is installed without its source: pass --wheel FILE (a bughunt wheel)")
    out = Path(tempfile.mkdtemp(prefix="bughunt-wheel-"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--quiet", "--wheel-dir", str(out), str(project)], capture_output=True, text=True)
    found = sorted(out.glob("bughunt-*.whl"))
    if built.returncode != 0 or not found:
        last = (built.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise UsageError(f"could not build bughunt's wheel from {str(project)!r}: {last}")
    return found[0]


def gradescope(course: Course, target: Path, *, timeout: float = DEFAULT_TIMEOUT,
               wheel_file: Path | None = None) -> Path:
    built = wheel(wheel_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        _add(bundle, "setup.sh", SETUP.encode(), 0o755)
        _add(bundle, "run_autograder", _script(RUN_AUTOGRADER).encode(), 0o755)
        _add(bundle, autograder.KEY, json.dumps(key(course, timeout)).encode(), 0o600)
        _add(bundle, f"dist/{built.name}", built.read_bytes(), 0o644)
    return target


def prairielearn(course: Course, target: Path, *, timeout: float = DEFAULT_TIMEOUT,
                 wheel_file: Path | None = None) -> Path:
    built = wheel(wheel_file)
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"--prairielearn {str(target)!r} is not empty; choose a new folder")
    (target / "tests").mkdir(parents=True, exist_ok=True)
    (target / "dist").mkdir(exist_ok=True)
    shutil.copy2(built, target / "dist" / built.name)
    (target / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (target / "info.json").write_text(json.dumps(PL_INFO, indent=2) + "\n", encoding="utf-8")
    (target / "README.md").write_text(PL_README.format(key=autograder.KEY), encoding="utf-8")
    run = target / "tests" / "run"
    run.write_text(_script(RUN_PRAIRIELEARN), encoding="utf-8")
    run.chmod(0o755)
    secret = target / "tests" / autograder.KEY
    secret.touch(mode=0o600)
    secret.chmod(0o600)
    secret.write_text(json.dumps(key(course, timeout)), encoding="utf-8")
    return target


def _add(bundle: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, data)
