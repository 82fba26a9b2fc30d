"""`bughunt watch` driven in tmux, as a learner would use it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from bughunt import catalog

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
ONE_EPOCH = catalog.scenario("l03_training.one_epoch")


class Pane:
    def __init__(self, command: str) -> None:
        self.socket = f"bughunt-test-{os.getpid()}"
        subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-s", "w", "-x", "110", "-y", "60",
                        command], check=True)

    def text(self) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p", "-t", "w"],
                              capture_output=True, text=True).stdout

    def wait_for(self, words: str, timeout: float = 40.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if words in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{words!r} never appeared; the screen was:\n{self.text()}")

    def keys(self, keys: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", "w", keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def test_watch_rechecks_on_save_survives_a_hang_and_quits(tmp_path):
    workspace = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "bughunt", "challenge", "03", "--workspace", str(workspace)],
                   check=True, capture_output=True)
    (file,) = workspace.glob("variants/*/one_epoch.py")
    pane = Pane(f"cd {tmp_path} && OMP_NUM_THREADS=1 {sys.executable} -m bughunt watch --workspace {workspace} "
                f"--timeout 4; echo WATCH-EXITED $?; sleep 60")
    try:
        pane.wait_for("not-implemented")
        file.write_text("def broken(:\n")
        pane.wait_for("SyntaxError")
        file.write_text("def train_one_epoch(*args):\n    pass\nwhile True:\n    pass\n")
        pane.wait_for("did not finish importing within", timeout=120)
        file.write_text(ONE_EPOCH.reference_path.read_text())
        pane.wait_for("PASSED")
        pane.keys("h")
        pane.wait_for("hint 1 of")
        pane.keys("q")
        pane.wait_for("WATCH-EXITED 0")
    finally:
        pane.close()
