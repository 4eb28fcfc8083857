"""The ``gui`` command hands its folder and ``--catalog`` to the desktop app."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from dropletcleaner.cli import main


def test_gui_passes_folder_and_catalog_to_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dropletcleaner.gui import app

    seen: list[tuple[str | None, Path | None]] = []

    def fake_run_app(
        folder: str | None = None, catalog: Path | None = None, qt_options: Sequence[str] = ()
    ) -> int:
        seen.append((folder, catalog))
        return 0

    monkeypatch.setattr(app, "run_app", fake_run_app)
    assert main(["gui", str(tmp_path), "--catalog", str(tmp_path / "c.db")]) == 0
    assert main(["gui"]) == 0
    assert seen == [(str(tmp_path), tmp_path / "c.db"), (None, None)]


def test_gui_refuses_a_folder_as_its_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dropletcleaner.gui.app import run_app

    assert run_app(str(tmp_path), catalog=tmp_path) == 2
    assert "--catalog is a folder" in capsys.readouterr().err
