"""Test-wide setup: headless Qt, isolated app folders, and shared expensive fixtures."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Set before anything imports Qt or resolves app folders: tests never touch the real user's.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="dropletcleaner-tests-"))
os.environ["DROPLETCLEANER_DATA"] = str(_SESSION_DIR / "data")
os.environ["DROPLETCLEANER_CACHE"] = str(_SESSION_DIR / "cache")
# Qt keeps the app's settings (last folder, theme) there: apps started by tests too.
os.environ["XDG_CONFIG_HOME"] = str(_SESSION_DIR / "config")
# send2trash reads its trash folder from this once, when first imported: a test that empties
# a quarantine into the real system trash must never reach the user's own.
os.environ["XDG_DATA_HOME"] = str(_SESSION_DIR / "xdg-data")

import pytest  # noqa: E402

from tests.helpers import write_jpeg  # noqa: E402


# pytest-qt leaves a waitSignal(s) blocker connected when its ``with`` body raises (it only
# disconnects on a signal or a timeout). The signal can then fire after the test, from a
# worker's late result, into a blocker being torn down: a crash in _quit_loop_by_signal.
# The blocker class is private to pytest-qt, so a version without it is left as it is.
def _disconnect_blockers_on_error() -> None:
    try:
        from pytestqt.wait_signal import _AbstractSignalBlocker as blocker
    except ImportError:
        return
    if not hasattr(blocker, "_cleanup"):
        return
    original = blocker.__exit__

    def exit_disconnecting(self, exc_type, exc, tb):  # type: ignore[no-untyped-def]
        __tracebackhide__ = True
        if exc is not None:
            with contextlib.suppress(Exception):  # never hide the test's own failure
                self._cleanup()
        return original(self, exc_type, exc, tb)

    blocker.__exit__ = exit_disconnecting  # type: ignore[method-assign]


_disconnect_blockers_on_error()

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def scorer():  # type: ignore[no-untyped-def]
    """One CPU scorer for the whole session (building it exports ONNX once)."""
    from dropletcleaner.core.ml.inference.scorer import Scorer
    from dropletcleaner.core.ml.store import load_default_model

    return Scorer(load_default_model(), device="cpu")


@pytest.fixture
def photo_dir(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "photos"
    for i in range(3):
        write_jpeg(root / f"img{i}.jpg", seed=i)
    write_jpeg(root / "sub" / "deep.jpg", seed=9)
    yield root
