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


def test_a_qt_binding_that_would_abort_the_app_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.metadata

    from dropletcleaner.cli.commands import gui

    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata,
        "version",
        lambda name: "6.12.0" if name == "shiboken6" else real_version(name),
    )
    assert gui.broken_qt_binding((3, 11)) is not None
    assert gui.broken_qt_binding((3, 12)) is None  # None is immortal there: no harm
    monkeypatch.setattr(gui, "broken_qt_binding", lambda: "PySide6 6.12.0 aborts on Python 3.11")
    assert main(["gui"]) == 1
    err = capsys.readouterr().err
    assert err == "dropletcleaner gui: error: PySide6 6.12.0 aborts on Python 3.11\n"


def test_the_installed_qt_binding_is_not_a_broken_one() -> None:
    from dropletcleaner.cli.commands.gui import broken_qt_binding

    assert broken_qt_binding() is None
