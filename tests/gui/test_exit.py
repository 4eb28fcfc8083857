"""Closing the window ends the process within a second (issue 14: 3.6-7.7 s before).

The app runs in a child process, as a user starts it, and its window is closed while the
model is still loading (torch importing on its thread, the scan waiting for it: the case
that held the process longest) and, in the second test, once everything has loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import write_jpeg

_SCRIPT = """
import sys, time
from PySide6.QtCore import QTimer
from dropletcleaner.gui import app

made = app.create_window

def create_window(context=None):
    window = made(context)
    wait_for_model = sys.argv[3] == "loaded"
    started = time.monotonic()

    def maybe_close():
        if wait_for_model and window.bundle is None and time.monotonic() - started < 120:
            return
        timer.stop()
        print("CLOSING", time.time(), flush=True)
        window.close()

    timer = QTimer(window)
    timer.timeout.connect(maybe_close)
    timer.start(1500 if not wait_for_model else 200)
    return window

app.create_window = create_window
sys.exit(app.run_app(sys.argv[1], catalog=sys.argv[2]))
"""


def _close_and_time(tmp_path: Path, when: str) -> float:
    photos = tmp_path / "photos"
    for i in range(4):
        write_jpeg(photos / f"img{i}.jpg", seed=i)
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        DROPLETCLEANER_DATA=str(tmp_path / "data"),
        DROPLETCLEANER_CACHE=str(tmp_path / "cache"),
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, str(photos), str(tmp_path / "c.db"), when],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    closing = None
    try:
        for line in proc.stdout:
            if line.startswith("CLOSING"):
                closing = float(line.split()[1])
                break
        proc.wait(timeout=60)
        ended = time.time()
        rest = proc.stdout.read()
    finally:
        # A child that hangs must not outlive the test or hold its worker.
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert closing is not None, rest
    assert proc.returncode == 0, rest
    return ended - closing


def test_closing_while_the_model_loads_exits_within_a_second(tmp_path: Path) -> None:
    assert _close_and_time(tmp_path, "loading") < 1.0


def test_closing_after_the_model_loaded_exits_within_a_second(tmp_path: Path) -> None:
    assert _close_and_time(tmp_path, "loaded") < 1.0
