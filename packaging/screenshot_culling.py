"""Screenshots of the culling views, and the time to the first loupe at 100 %.

Runs the real app under Xvfb (started here when there is no display) on a folder of real
photos, and saves to ``docs/``:

* ``loupe-100.png``: the large view at 100 % on a 12 MP JPEG, with the filmstrip;
* ``filmstrip.png``: the large view fitted, the filmstrip and "n of N" under it;
* ``compare.png``: two photos of one scene side by side, zoomed and panned together.

It prints the time from pressing Z to the full-resolution pixels on screen. The 12 MP
JPEG is one of the real photos scaled up (the real set has none that large). App data
goes to a temporary folder.

    python3 packaging/screenshot_culling.py --photos DIR [DIR…] --pair A.jpg B.jpg
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "packaging"))
from screenshot import _start_xvfb  # noqa: E402  (the README screenshot's Xvfb helper)

TWELVE_MP = (4608, 2592)  # 16:9, 11.9 million pixels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, nargs="+", required=True, help="photo folders")
    parser.add_argument("--pair", nargs=2, required=True, help="two names in it to compare")
    parser.add_argument("--big", default="1.jpg", help="the photo to scale up to 12 MP")
    parser.add_argument("--output", type=Path, default=REPO / "docs")
    parser.add_argument("--size", default="1440x900")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    scratch = Path(tempfile.mkdtemp(prefix="dropletcleaner-cull-"))
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
    from PIL import Image
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from dropletcleaner.gui.app import configure_application, create_window
    from dropletcleaner.gui.detail.loupe import ViewState
    from dropletcleaner.gui.notifier import Notifier
    from dropletcleaner.gui.settings import AppSettings
    from dropletcleaner.gui.window import AppContext

    folder = scratch / "Shoot"
    folder.mkdir()
    for source_folder in args.photos:
        for photo in sorted(source_folder.iterdir()):
            if photo.suffix.lower() in (".jpg", ".jpeg"):
                shutil.copy2(photo, folder / photo.name)
    big = folder / "IMG_12MP.jpg"
    with Image.open(folder / args.big) as source:
        source.convert("RGB").resize(TWELVE_MP, Image.Resampling.LANCZOS).save(big, quality=92)

    app = QApplication([sys.argv[0]])
    configure_application(app)
    settings = AppSettings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window = create_window(AppContext(settings=settings, notifier=Notifier()))
    window.resize(*size)
    window.show()

    def pump(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)

    def wait(what: str, done: Callable[[], bool], timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                sys.exit(f"screenshot: {what} did not happen in time")
            pump(0.01)

    finished: list[object] = []
    window.scans.finished.connect(finished.append)
    window.open_folder(folder)
    wait("the scan", lambda: bool(finished))
    window.message_bar.dismiss_all()

    # The loupe: the 12 MP photo in the large view, then Z.
    window.select_path(str(big))
    window.toggle_detail_mode()
    detail = window.detail
    wait("the preview", lambda: detail.canvas.has_photo)
    pump(1.0)
    _save(window, args.output / "filmstrip.png")
    ready: list[str] = []
    detail.fullResolutionReady.connect(ready.append)
    t0 = time.perf_counter()
    window.large_view.zoom_action.trigger()
    wait("the full decode", lambda: bool(ready))
    app.processEvents()
    detail.canvas.repaint()
    seconds = time.perf_counter() - t0
    print(f"Z to real pixels at 100 % on a 12 MP JPEG: {seconds:.2f} s")
    detail.canvas.set_view(ViewState(1.0, 0.3, 0.33))  # a spot with drops on the lens
    pump(0.5)
    _save(window, args.output / "loupe-100.png")
    window.leave_detail_mode()

    # Compare: the pair side by side, at 200 % on the same spot.
    window.select_paths([str(folder / name) for name in args.pair])
    window.compare.enter()
    panes = window.compare.view.panes
    wait("the compare previews", lambda: all(p.has_photo for p in panes))
    panes[0].canvas.set_view(ViewState(2.0, 0.5, 0.45), by_user=True)
    wait("the compare decodes", lambda: all(p.canvas.has_full_resolution for p in panes))
    pump(1.0)
    _save(window, args.output / "compare.png")
    window.compare.leave()
    window.close()
    return 0


def _save(window: object, path: Path) -> None:
    from PySide6.QtWidgets import QWidget

    assert isinstance(window, QWidget)
    path.parent.mkdir(parents=True, exist_ok=True)
    pixmap = window.grab()
    if not pixmap.save(str(path)):
        sys.exit(f"screenshot: could not write {path}")
    print(f"Saved {path} ({pixmap.width()}x{pixmap.height()})")


if __name__ == "__main__":
    raise SystemExit(main())
