"""Screenshot of the Retrain dialog after a fast retrain on real photos (docs/retrain-dialog.png).

Runs the real app under Xvfb (started here when there is no display). Photos from the
given folders are copied into a temporary folder and scanned with the active model; the
drop photos and the clean photos the model scores highest (its false alarms) are
labelled, as a user correcting the model would, and a fast retrain runs in the dialog.
The dialog is saved once it shows its verdict and the photos that would change flag.
Nothing is accepted; app data goes to a temporary folder.

    python3 packaging/screenshot_retrain.py --droplet DIR --clean DIR [DIR…] [--labels 20]

docs/retrain-dialog.png was taken with ``--droplet ../shared/data/real-dev/droplet`` and
``--clean`` ``real-dev/clean`` and the clean-more folders ``underwater_funie``,
``underwater_ruie``, ``grocery_phone``, ``insects_macro``, ``noisy_indoor``,
``exposure_errors`` and ``documents_phone`` (25 photos from each), with droplet-v4.
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

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--droplet", type=Path, required=True, help="folder of drop photos")
    parser.add_argument("--clean", type=Path, nargs="+", required=True, help="clean folders")
    parser.add_argument("--drops", type=int, default=30, help="drop photos taken")
    parser.add_argument("--per-folder", type=int, default=25, help="clean photos from each")
    parser.add_argument("--labels", type=int, default=20, help="photos labelled of each kind")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "retrain-dialog.png")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dropletcleaner-retrain-"))
    os.environ["DROPLETCLEANER_DATA"] = str(scratch / "data")
    os.environ["DROPLETCLEANER_CACHE"] = str(scratch / "cache")
    xvfb = _start_xvfb((1600, 1100))
    try:
        return _shoot(args, scratch)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)


def _copy_photos(sources: list[Path], count: int, folder: Path) -> list[Path]:
    """The first ``count`` photos of each source folder, copied into ``folder``."""
    copied = []
    for source in sources:
        photos = [p for p in sorted(source.iterdir()) if p.suffix.lower() in PHOTO_SUFFIXES]
        for photo in photos[:count]:
            target = folder / f"{source.name}-{photo.name}"
            shutil.copy2(photo, target)
            copied.append(target)
    return copied


def _shoot(args: argparse.Namespace, scratch: Path) -> int:
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from dropletcleaner.gui.app import configure_application, create_window
    from dropletcleaner.gui.notifier import Notifier
    from dropletcleaner.gui.settings import AppSettings
    from dropletcleaner.gui.window import AppContext

    folder = scratch / "Trip"
    folder.mkdir()
    drops = _copy_photos([args.droplet], args.drops, folder)
    cleans = _copy_photos(args.clean, args.per_folder, folder)

    app = QApplication([sys.argv[0]])
    configure_application(app)
    settings = AppSettings(QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat))
    window = create_window(AppContext(settings=settings, notifier=Notifier()))
    window.resize(1280, 820)
    window.show()

    def wait(what: str, done: Callable[[], bool], timeout: float = 900.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                sys.exit(f"screenshot: {what} did not happen in time")
            app.processEvents()
            time.sleep(0.01)

    finished: list[object] = []
    window.scans.finished.connect(finished.append)
    window.open_folder(folder)
    wait("the scan", lambda: bool(finished))

    # Label as a user would: drop photos from the surest to the ones the model misses,
    # and the clean photos that it scores highest (flagged or nearly so).
    catalog = window.catalog()
    assert catalog is not None
    scores = {r.path: r.score or 0.0 for r in window.model.records()}
    worst_clean = sorted(cleans, key=lambda p: -scores.get(str(p), 0.0))[: args.labels]
    by_score = sorted(drops, key=lambda p: scores.get(str(p), 0.0))
    step = max(1, len(by_score) // args.labels)
    catalog.set_label([str(p) for p in by_score[::step][: args.labels]], "droplet")
    catalog.set_label([str(p) for p in worst_clean], "clean")
    window.reload_from_catalog()
    threshold = window.model.threshold
    flagged = [p.name for p in cleans if scores.get(str(p), 0.0) >= threshold]
    missed = [p.name for p in drops if scores.get(str(p), 0.0) < threshold]
    print(f"{len(drops)} drop and {len(cleans)} clean photos at threshold {threshold:.2f}")
    print(f"clean ones flagged: {flagged}; drop ones missed: {missed}")

    window.open_retrain_dialog()
    dialog = window.retrain_dialog
    assert dialog is not None
    results: list[object] = []
    dialog.resultReady.connect(results.append)
    dialog.resize(680, dialog.height())  # the longest name in the list fits
    dialog.start()
    wait("the retrain", lambda: bool(results))
    end = time.monotonic() + 1.0
    while time.monotonic() < end:  # let the resized dialog settle and paint
        app.processEvents()
        time.sleep(0.01)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    pixmap = dialog.grab()
    if not pixmap.save(str(args.output)):
        sys.exit(f"screenshot: could not write {args.output}")
    print(f"Saved {args.output} ({pixmap.width()}x{pixmap.height()})")
    print(f"{dialog.summary_label.text()}\n{dialog.decision_label.text()}")
    print(dialog.changed_label.text())
    dialog.reject()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
