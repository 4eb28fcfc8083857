"""Tests never touch the user's own app settings: Qt's settings file is in the test folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_an_app_started_by_a_test_keeps_its_settings_in_the_test_folder() -> None:
    code = (
        "from PySide6.QtCore import QCoreApplication, QSettings\n"
        "QCoreApplication.setOrganizationName('DropletCleaner')\n"
        "QCoreApplication.setApplicationName('DropletCleaner')\n"
        "print(QSettings().fileName())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert Path(out).is_relative_to(os.environ["XDG_CONFIG_HOME"])
