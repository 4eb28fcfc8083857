"""The window appears before the model code loads: torch, onnxruntime and captum wait.

Importing them takes 5-10 s on a laptop, so the window is built and shown first and the
model loads on its thread (issue 12: a blank screen for 10-20 s before).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "onnxruntime", "captum", "timm", "torchvision")

_SCRIPT = """
import sys, threading
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from dropletcleaner.gui.app import create_window
from dropletcleaner.gui.window import AppContext
from dropletcleaner.gui.settings import AppSettings
from PySide6.QtCore import QSettings
release = threading.Event()

def slow_model():
    release.wait(30)  # the model "loads" only once the window has been checked
    raise RuntimeError("no model in this test")

tmp = Path(sys.argv[1])
settings = AppSettings(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
window = create_window(
    AppContext(catalog_path=tmp / "c.sqlite3", model_factory=slow_model, settings=settings)
)
window.show()
app.processEvents()
loaded = sorted(m for m in HEAVY if m in sys.modules)
release.set()
window.close()
print("LOADED", loaded)
"""


def test_the_window_shows_without_importing_model_code(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    script = f"HEAVY = {HEAVY!r}\n" + _SCRIPT
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert "LOADED []" in out.stdout, out.stdout + out.stderr
