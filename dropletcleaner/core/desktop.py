"""Desktop integration on Linux: the .desktop entry, the AppStream metainfo and the icons.

The texts are made here, so that ``dropletcleaner install-desktop`` works from an installed
wheel; ``packaging/`` holds the same files for distribution packagers, and a test keeps
them identical. Icons are installed under the name the entry's ``Icon`` key gives
(:data:`APP_ID`), in the hicolor theme, where every desktop looks for them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from dropletcleaner import __version__
from dropletcleaner.core.paths import resource_folders

APP_ID = "io.github.dropletcleaner.DropletCleaner"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
_ICON_STEM = "dropletcleaner"  # the icons' names inside the package


def desktop_entry(command: str = "dropletcleaner-gui") -> str:
    return f"""[Desktop Entry]
Type=Application
Version=1.5
Name=DropletCleaner
GenericName=Photo Cleaner
Comment=Find photos spoiled by water drops on the lens, see why, and move them aside safely
Exec={command} %f
Icon={APP_ID}
Terminal=false
Categories=Graphics;Photography;Viewer;Qt;
Keywords=photo;rain;water;droplet;lens;cull;quarantine;
MimeType=inode/directory;
StartupNotify=true
StartupWMClass=DropletCleaner
"""


def metainfo() -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>{APP_ID}</id>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>Apache-2.0</project_license>
  <name>DropletCleaner</name>
  <summary>Find photos spoiled by water drops on the lens</summary>
  <description>
    <p>
      DropletCleaner scores every photo of a folder for rain, spray or condensation on the
      lens, shows where the model sees water, and moves the spoiled photos aside safely,
      with their sidecars. Every move can be undone.
    </p>
    <ul>
      <li>Reads JPEG, PNG, WebP, TIFF, HEIC, AVIF, JPEG XL and camera RAW files</li>
      <li>Writes its findings into XMP sidecars for digiKam, darktable and Lightroom</li>
      <li>Learns from your labels in seconds, and keeps a new model only if it is no worse</li>
      <li>Runs locally, on the GPU if there is one, otherwise on the CPU</li>
    </ul>
  </description>
  <launchable type="desktop-id">{APP_ID}.desktop</launchable>
  <screenshots>
    <screenshot type="default">
      <caption>The grid sorted by droplet score, and a flagged photo with its droplet map</caption>
      <image>https://raw.githubusercontent.com/dropletcleaner/dropletcleaner/main/docs/screenshot.png</image>
    </screenshot>
  </screenshots>
  <url type="homepage">https://github.com/dropletcleaner/dropletcleaner</url>
  <url type="bugtracker">https://github.com/dropletcleaner/dropletcleaner/issues</url>
  <developer id="io.github.dropletcleaner">
    <name>The DropletCleaner developers</name>
  </developer>
  <categories>
    <category>Graphics</category>
    <category>Photography</category>
  </categories>
  <keywords>
    <keyword>photo</keyword>
    <keyword>rain</keyword>
    <keyword>droplet</keyword>
    <keyword>cull</keyword>
  </keywords>
  <provides>
    <binary>dropletcleaner</binary>
    <binary>dropletcleaner-gui</binary>
  </provides>
  <content_rating type="oars-1.1"/>
  <releases>
    <release version="{__version__}" date="2026-12-01">
      <description>
        <p>RAW, HEIC, AVIF and JPEG XL photos; XMP sidecars; a command line for scripts.</p>
      </description>
    </release>
  </releases>
</component>
"""


def icons_folder() -> Path | None:
    """The app's icons: inside the installed package, or in a source checkout."""
    for folder in resource_folders("icons"):
        if (folder / f"{_ICON_STEM}.svg").is_file():
            return folder
    return None


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share``: where a user's desktop files go."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def install_desktop(target: Path | None = None, command: str | None = None) -> list[Path]:
    """Install the entry, the metainfo and the icons under ``target``; return what was written.

    ``command`` is what the entry runs (default: the ``dropletcleaner-gui`` beside the
    running interpreter when there is one, so a virtual environment need not be on PATH).
    """
    target = target if target is not None else data_home()
    icons = icons_folder()
    if icons is None:
        raise FileNotFoundError("the app's icons are missing from this installation")
    written: list[Path] = []

    def put(path: Path, text: str | None = None, source: Path | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if source is not None:
            shutil.copyfile(source, path)
        else:
            path.write_text(text or "", encoding="utf-8")
        written.append(path)

    put(target / "applications" / f"{APP_ID}.desktop", desktop_entry(command or _gui_command()))
    put(target / "metainfo" / f"{APP_ID}.metainfo.xml", metainfo())
    hicolor = target / "icons" / "hicolor"
    for size in ICON_SIZES:
        png = icons / f"{_ICON_STEM}-{size}.png"
        if png.is_file():
            put(hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png", source=png)
    put(hicolor / "scalable" / "apps" / f"{APP_ID}.svg", source=icons / f"{_ICON_STEM}.svg")
    _refresh_caches(target)
    return written


def _gui_command() -> str:
    import sys

    beside = Path(sys.executable).parent / "dropletcleaner-gui"
    return str(beside) if beside.is_file() else "dropletcleaner-gui"


def _refresh_caches(target: Path) -> None:
    """Tell the desktop about the new entry and icons; missing tools are not an error."""
    for args in (
        ["update-desktop-database", str(target / "applications")],
        ["gtk-update-icon-cache", "-f", "-t", str(target / "icons" / "hicolor")],
    ):
        if shutil.which(args[0]) is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(args, capture_output=True, timeout=30, check=False)
