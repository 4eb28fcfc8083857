"""App start-up pieces: identity, icon, desktop file, settings, errors panel."""

from __future__ import annotations

import configparser
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication

from dropletcleaner.gui.app import APP_ID, app_icon, configure_application, icons_dir, run_app
from dropletcleaner.gui.errors_panel import ErrorsPanel

REPO = Path(__file__).resolve().parents[2]


def test_desktop_file_matches_the_app_id(qapp) -> None:  # type: ignore[no-untyped-def]
    desktop = REPO / "packaging" / f"{APP_ID}.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(desktop, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].startswith("dropletcleaner-gui")
    assert entry["Icon"] == APP_ID
    configure_application(qapp)
    assert QGuiApplication.desktopFileName() == APP_ID
    assert QCoreApplication.applicationName() == "DropletCleaner"


def test_app_icon_has_every_size(qapp) -> None:  # type: ignore[no-untyped-def]
    folder = icons_dir()
    assert folder is not None and (folder / "dropletcleaner.svg").is_file()
    icon = app_icon()
    assert not icon.isNull()
    for size in (16, 32, 48, 256):
        assert (folder / f"dropletcleaner-{size}.png").is_file()
        assert not icon.pixmap(size, size).isNull()


def test_run_app_refuses_a_missing_folder(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run_app(str(tmp_path / "missing")) == 2
    assert "not a folder" in capsys.readouterr().err


def test_settings_recent_folders(settings) -> None:  # type: ignore[no-untyped-def]
    for i in range(10):
        settings.add_recent_folder(f"/photos/{i}")
    settings.add_recent_folder("/photos/3")
    recent = settings.recent_folders()
    assert recent[0] == "/photos/3" and len(recent) == 8 and recent.count("/photos/3") == 1
    assert settings.last_folder() == "/photos/3"
    assert settings.threshold() is None
    settings.set_threshold(0.42)
    assert settings.threshold() == 0.42
    assert settings.confirm_quarantine()


def test_errors_panel_lists_and_copies(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = ErrorsPanel()
    qtbot.addWidget(panel)
    panel.set_errors([("/p/b.jpg", "truncated"), ("/p/a.jpg", "permission denied")])
    assert panel.entries()[0] == ("/p/a.jpg", "permission denied")
    assert "2 files" in panel._summary.text()
    panel.copy_to_clipboard()
    assert QGuiApplication.clipboard().text() == "/p/a.jpg\tpermission denied\n/p/b.jpg\ttruncated"
