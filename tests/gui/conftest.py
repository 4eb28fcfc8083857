"""Fixtures for the desktop-app tests: isolated settings, catalog and trash, and a thread guard.

Every test is checked not to leave a thread running (a Qt thread or a Python one): the
app promises to stop all of its workers when its window closes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThread, QThreadPool
from PySide6.QtWidgets import QApplication

from dropletcleaner.core.library.thumbnails import ThumbnailCache
from tests.helpers import write_jpeg

# Record every QThread started from Python (the app's and any other module's), so the guard
# below sees them all, not only the ones the app registers itself.
_STARTED_QTHREADS: weakref.WeakSet[QThread] = weakref.WeakSet()
_original_start = QThread.start


def _recording_start(self: QThread, *args: object) -> None:
    _STARTED_QTHREADS.add(self)
    _original_start(self, *args)  # type: ignore[arg-type]


QThread.start = _recording_start  # type: ignore[method-assign]

# Thread pools (the global one and private ones) are recorded when given work.
_USED_POOLS: weakref.WeakSet[QThreadPool] = weakref.WeakSet()
_original_pool_start = QThreadPool.start
_original_pool_try_start = QThreadPool.tryStart


def _recording_pool_start(self: QThreadPool, *args: object) -> None:
    _USED_POOLS.add(self)
    _original_pool_start(self, *args)  # type: ignore[arg-type]


def _recording_pool_try_start(self: QThreadPool, *args: object) -> bool:
    _USED_POOLS.add(self)
    return bool(_original_pool_try_start(self, *args))  # type: ignore[arg-type]


QThreadPool.start = _recording_pool_start  # type: ignore[method-assign]
QThreadPool.tryStart = _recording_pool_try_start  # type: ignore[method-assign]

_GRACE_S = 5.0


def _busy_pool_threads() -> int:
    busy = QThreadPool.globalInstance().activeThreadCount()
    for pool in list(_USED_POOLS):
        try:
            if pool is not QThreadPool.globalInstance():
                busy += pool.activeThreadCount()
        except RuntimeError:  # deleted with its owner, after its threads ended
            continue
    return busy


def _running_qthreads() -> list[QThread]:
    alive = []
    for t in list(_STARTED_QTHREADS):
        try:
            if t.isRunning():
                alive.append(t)
        except RuntimeError:  # the C++ object is gone: the thread is over
            continue
    return alive


@pytest.fixture(autouse=True, scope="session")
def garbage_collected_on_the_gui_thread() -> Iterator[None]:
    """As in the app (gui/gc_guard.py): no collection from worker threads, which can crash
    Qt; the main thread collects after every test instead."""
    gc.disable()
    yield
    gc.enable()


# The model's libraries: once imported they stay for the session, with a large heap.
_HEAVY_MODULES = ("torch", "timm", "captum", "onnxruntime", "torchvision")
_frozen_with: set[str] = set()


@pytest.fixture(autouse=True)
def collect_after_each_test() -> Iterator[None]:
    yield
    gc.collect()
    heavy = {m for m in _HEAVY_MODULES if m in sys.modules}
    if heavy - _frozen_with:
        # What survives now (those libraries, the loaded model) lives to the end: frozen,
        # it is left out of every later collection, which took 0.3 s after each test.
        gc.freeze()
        _frozen_with.update(heavy)


@pytest.fixture(autouse=True)
def no_thread_left_running() -> Iterator[None]:
    """Fail a test that leaves a QThread, a thread-pool task or a Python thread running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + _GRACE_S
    while True:
        app = QApplication.instance()
        if app is not None:
            app.processEvents()
        qthreads = _running_qthreads()
        pool_busy = _busy_pool_threads()
        py_threads = [
            t
            for t in threading.enumerate()
            # A "dummy" entry stands for a foreign (Qt) thread that once ran Python code; it is
            # never removed, and those threads are checked above as QThreads.
            if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)
        ]
        if not qthreads and not pool_busy and not py_threads:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    names = [t.objectName() or type(t).__name__ for t in qthreads] + [t.name for t in py_threads]
    if pool_busy:
        names.append(f"{pool_busy} thread-pool task(s)")
    _stop_leftovers(qthreads)
    pytest.fail(f"threads still running after the test: {names}")


# Threads a failed test left behind that would not stop: kept referenced, so that no later
# collection destroys a running QThread (Qt aborts the worker process then).
_UNSTOPPABLE: list[QThread] = []
_JOIN_MS = 30_000


def _stop_leftovers(qthreads: list[QThread]) -> None:
    """Ask what a test left running to stop, and wait for it, before its objects are freed
    (its late signals would otherwise reach widgets and blockers already torn down)."""
    for t in qthreads:
        with contextlib.suppress(RuntimeError):
            for name in ("cancel", "stop"):  # GeneratorWorker (scans, retrain), _ThumbLoader
                ask = getattr(t, name, None)
                if callable(ask):
                    ask()
            jobs = getattr(t, "jobs", None)  # the quarantine queue's thread ends on None
            if jobs is not None:
                jobs.put(None)
            t.requestInterruption()
            t.quit()
    for t in qthreads:
        with contextlib.suppress(RuntimeError):
            if not t.wait(_JOIN_MS):
                _UNSTOPPABLE.append(t)
    for pool in [QThreadPool.globalInstance(), *_USED_POOLS]:
        with contextlib.suppress(RuntimeError):  # deleted with its owner
            pool.waitForDone(_JOIN_MS)
    app = QApplication.instance()
    if app is not None:
        app.processEvents()  # their queued results, while the receivers are still alive


@pytest.fixture
def settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    from dropletcleaner.gui.settings import AppSettings

    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "real_model: a GUI test end to end on the shipped model's network; the others scan "
        "with the fake scorer (tests/gui/fakes.py)",
    )


@pytest.fixture(scope="session")
def shipped_model():  # type: ignore[no-untyped-def]
    """The shipped model (card and network), loaded once: the app's bundle holds it."""
    from dropletcleaner.core.ml.store import load_default_model

    return load_default_model()


@pytest.fixture(scope="session")
def real_scorer(shipped_model):  # type: ignore[no-untyped-def]
    """The shipped model's CPU scorer, built only for tests marked ``real_model``."""
    from dropletcleaner.core.ml.inference.scorer import Scorer

    return Scorer(shipped_model, device="cpu")


@pytest.fixture(scope="session")
def fake_scorer(shipped_model):  # type: ignore[no-untyped-def]
    from tests.gui.fakes import AppFakeScorer

    return AppFakeScorer(shipped_model)


@pytest.fixture
def scorer(request: pytest.FixtureRequest, fake_scorer):  # type: ignore[no-untyped-def]
    """What scans score with: the fake scorer, or the network for ``real_model`` tests.

    ``DROPLETCLEANER_GUI_REAL_MODEL=1`` runs every GUI test on the network, as before the
    fake existed (to compare, or to hunt a difference between the two).
    """
    real = os.environ.get("DROPLETCLEANER_GUI_REAL_MODEL") == "1"
    if real or request.node.get_closest_marker("real_model") is not None:
        return request.getfixturevalue("real_scorer")
    return fake_scorer


@pytest.fixture
def bundle(scorer):  # type: ignore[no-untyped-def]
    """The app's model bundle: the shipped model's card and network, and ``scorer``."""
    from dropletcleaner.gui.model_loading import ModelBundle

    return ModelBundle(loaded=scorer.loaded, scorer=scorer)


class FakeTrash:
    """Stands in for the system trash: moves files into a folder and records them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.trashed: list[Path] = []

    def __call__(self, path: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{len(self.trashed)}-{path.name}"
        shutil.move(str(path), str(target))
        self.trashed.append(path)


@pytest.fixture
def trash(tmp_path: Path) -> FakeTrash:
    return FakeTrash(tmp_path / "trash")


@pytest.fixture
def make_context(tmp_path: Path, bundle, settings, trash):  # type: ignore[no-untyped-def]
    """Builds an AppContext on a private catalog, thumbnail cache, settings and trash."""
    from dropletcleaner.gui.notifier import Notifier
    from dropletcleaner.gui.window import AppContext

    def make(model_factory: Callable[[], object] | None = None) -> AppContext:
        return AppContext(
            catalog_path=tmp_path / "catalog.sqlite3",
            thumbs=ThumbnailCache(tmp_path / "thumbs"),
            model_factory=model_factory or (lambda: bundle),  # type: ignore[arg-type,return-value]
            settings=settings,
            notifier=Notifier(),
            trash=trash,
        )

    return make


@pytest.fixture
def window(qtbot, make_context):  # type: ignore[no-untyped-def]
    from dropletcleaner.gui.window import MainWindow

    win = MainWindow(make_context())
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    win.close()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """Eight small photos in two folders and one unreadable file."""
    root = tmp_path / "library"
    for i in range(6):
        write_jpeg(root / f"beach{i}.jpg", size=(320, 240), seed=i)
    for i in range(2):
        write_jpeg(root / "rain" / f"street{i}.jpg", size=(240, 320), seed=10 + i)
    (root / "broken.jpg").write_bytes(b"this is not a JPEG")
    return root


@pytest.fixture
def scan_folder(qtbot):  # type: ignore[no-untyped-def]
    """``scan_folder(window, folder)`` opens ``folder`` and waits for its scan to finish."""

    def scan(win, folder: Path, timeout: int = 120_000):  # type: ignore[no-untyped-def]
        with qtbot.waitSignal(win.scans.finished, timeout=timeout) as blocker:
            assert win.open_folder(folder)
        return blocker.args[0]

    return scan
