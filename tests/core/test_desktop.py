"""Desktop integration: the files in packaging/ match what install-desktop writes, and validate."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.desktop import APP_ID, desktop_entry, install_desktop, metainfo

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def test_packaging_holds_the_same_entry_and_metainfo_as_the_package() -> None:
    assert (PACKAGING / f"{APP_ID}.desktop").read_text() == desktop_entry()
    assert (PACKAGING / f"{APP_ID}.metainfo.xml").read_text() == metainfo()


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli not installed")
def test_the_metainfo_passes_appstreamcli_validate() -> None:
    proc = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(PACKAGING / f"{APP_ID}.metainfo.xml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_install_puts_entry_metainfo_and_icons_named_after_the_icon_key(tmp_path: Path) -> None:
    written = install_desktop(tmp_path, command="/opt/dc/bin/dropletcleaner-gui")
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(tmp_path / "applications" / f"{APP_ID}.desktop")
    icon = entry["Desktop Entry"]["Icon"]
    assert icon == APP_ID and entry["Desktop Entry"]["Exec"].startswith("/opt/dc/bin/")
    assert (tmp_path / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    hicolor = tmp_path / "icons" / "hicolor"
    assert (hicolor / "scalable" / "apps" / f"{icon}.svg").is_file()
    for size in (16, 48, 256, 512):
        assert (hicolor / f"{size}x{size}" / "apps" / f"{icon}.png").is_file()
    assert len(written) == 2 + 8 + 1


def test_the_command_installs_under_the_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install-desktop", "--prefix", str(tmp_path)]) == 0
    assert capsys.readouterr().out.endswith("It appears in the menu as DropletCleaner.\n")
    assert (tmp_path / "applications" / f"{APP_ID}.desktop").is_file()
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["install-desktop", "--prefix", str(blocker)]) == 2
    assert "cannot install the desktop files" in capsys.readouterr().err
