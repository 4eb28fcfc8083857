"""Take the README screenshot: the app on a demo folder, a flagged photo with its droplet map.

Runs the real app under a virtual X server (Xvfb, started here when there is no display),
writes a demo folder with ``dropletcleaner demo``'s generator, scans it with the active
model, selects the most confident flagged photo, waits for its droplet map and saves the
window to ``docs/screenshot.png``. App data goes to a temporary folder, so the user's
catalog and settings are never touched.

    python3 packaging/screenshot.py [--folder DEMO] [--output docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _start_xvfb(size: tuple[int, int]) -> subprocess.Popen[bytes] | None:
    """Start Xvfb on a free display when none is available; returns the process."""
    if os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM", "") == "offscreen":
        return None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        sys.exit("screenshot: no display and no Xvfb (install the xvfb package)")
    for display in range(99, 120):
        if Path(f"/tmp/.X11-unix/X{display}").exists():
            continue
        proc = subprocess.Popen(
            [xvfb, f":{display}", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{display}").exists():
                os.environ["DISPLAY"] = f":{display}"
                os.environ["QT_QPA_PLATFORM"] = "xcb"
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
    sys.exit("screenshot: could not start Xvfb")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="photo folder (default: a fresh demo folder)")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "screenshot.png")
    parser.add_argument("--size", default="1440x900", help="window size, WxH")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait in all")
    parser.add_argument("--dark", action="store_true", help="use a dark palette (theme check)")
    parser.add_argument(
        "--photo", help="file name of the photo to show (default: the most confident flagged)"
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    scratch = Path(tempfile.mkdtemp(prefix="dropletcleaner-shot-"))
    os.environ["DROPLETCLEANER_DATA"] = str(scratch / "data")
    os.environ["DROPLETCLEANER_CACHE"] = str(scratch / "cache")
    xvfb = _start_xvfb((width + 160, height + 160))
    try:
        return _shoot(args, (width, height), scratch)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)


def _shoot(args: argparse.Namespace, size: tuple[int, int], scratch: Path) -> int:
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from dropletcleaner.gui.app import configure_application, create_window
    from dropletcleaner.gui.grid.model import Filter
    from dropletcleaner.gui.notifier import Notifier
    from dropletcleaner.gui.settings import AppSettings
    from dropletcleaner.gui.window import AppContext

    folder = args.folder
    if folder is None:
        from dropletcleaner.core.synthetic.demo import make_demo_folder

        folder = scratch / "Demo photos"
        make_demo_folder(folder)
    folder = folder.resolve()

    app = QApplication([sys.argv[0]])
    configure_application(app)
    if args.dark:
        _dark_palette(app)
    settings = AppSettings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    notifier = Notifier()
    window = create_window(AppContext(settings=settings, notifier=notifier))
    window.resize(*size)
    window.show()
    deadline = time.monotonic() + args.timeout

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    finished: list[object] = []
    window.scans.finished.connect(finished.append)
    window.open_folder(folder)
    while not finished:
        if time.monotonic() > deadline:
            sys.exit("screenshot: the scan did not finish in time")
        pump(0.1)

    # The most confident flagged photo, in the grid sorted by confidence.
    model = window.model
    row = next((r for r in range(model.rowCount()) if model.record_at(r).name.startswith("IMG")), 0)
    for r in range(model.rowCount()):
        rec = model.record_at(r)
        if rec.score is not None and rec.score >= model.threshold and not rec.error:
            row = r
            break
    if args.photo is not None:
        named = (r for r in range(model.rowCount()) if model.record_at(r).name == args.photo)
        row = next(named, row)
    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.ALL.value))
    window.panel_action.setChecked(True)
    window.grid.setCurrentIndex(model.index(row))
    window.grid.setFocus()
    pump(0.5)

    # Wait for the detail panel to draw that photo with its droplet map (when it has one).
    detail = window.detail

    def drawn() -> bool:
        if not detail.canvas.has_photo:
            return False
        return detail.droplet_map is None or detail.canvas.heat_drawn

    while not drawn():
        if time.monotonic() > deadline:
            sys.exit("screenshot: the photo and its droplet map did not appear in time")
        pump(0.2)
    if detail.droplet_map is None:
        print("note: this photo has no droplet map (the active model makes none)", file=sys.stderr)
    # Every thumbnail on screen loaded.
    window.grid.viewport().repaint()
    pump(1.0)
    window.message_bar.dismiss_all()
    pump(0.2)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    pixmap = window.grab()
    if not pixmap.save(str(args.output)):
        sys.exit(f"screenshot: could not write {args.output}")
    for notice in notifier.history:
        print(f"note: {notice.title}: {notice.text}", file=sys.stderr)
    print(f"Saved {args.output} ({pixmap.width()}x{pixmap.height()}) of {folder}")
    window.close()
    return 0


def _dark_palette(app: object) -> None:
    """A dark Fusion palette, to check the app reads well in dark themes."""
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    pal = QPalette()
    role = QPalette.ColorRole
    for r, c in {
        role.Window: (45, 45, 48),
        role.WindowText: (230, 230, 230),
        role.Base: (30, 30, 32),
        role.AlternateBase: (55, 55, 58),
        role.Text: (230, 230, 230),
        role.Button: (55, 55, 58),
        role.ButtonText: (230, 230, 230),
        role.Highlight: (42, 130, 218),
        role.HighlightedText: (255, 255, 255),
        role.PlaceholderText: (150, 150, 150),
        role.ToolTipBase: (60, 60, 60),
        role.ToolTipText: (230, 230, 230),
    }.items():
        pal.setColor(r, QColor(*c))
    app.setPalette(pal)


if __name__ == "__main__":
    raise SystemExit(main())
