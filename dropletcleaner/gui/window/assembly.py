"""The main window, assembled: one mixin per concern over the parts they share.

Everything slow happens elsewhere: the model loads and the folder scans on worker
threads (:mod:`~dropletcleaner.gui.model_loading`, :mod:`~dropletcleaner.gui.scans`),
files move on the single file-operations thread (:mod:`~dropletcleaner.gui.quarantine.queue`),
thumbnails load lazily in the background (:mod:`~dropletcleaner.gui.grid.thumbnails`).
The window only keeps the model of the grid up to date and asks the user before acting.
Labels are written to the catalog the moment a key is pressed.

Its parts, each a mixin over :class:`~dropletcleaner.gui.window.parts.WindowParts`:
:mod:`.building` (the widgets), :mod:`.actions` (actions, menus, what is enabled),
:mod:`.viewing` (filter, sort, threshold, large view), :mod:`.review` (selection, labels,
quarantine) and :mod:`.scanning` (folders, scans, the model, retraining); undo and redo
are :mod:`dropletcleaner.gui.undo_redo`. This module creates the workers, builds the
parts in order and stops everything when the window closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import QWidget

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.gui.grid.delegate import MAX_THUMB_BOX
from dropletcleaner.gui.grid.model import PhotoModel
from dropletcleaner.gui.grid.thumbnails import ThumbnailService
from dropletcleaner.gui.history import History
from dropletcleaner.gui.model_loading import ModelBundle, ModelHandle, ModelLoader
from dropletcleaner.gui.quarantine.queue import QuarantineQueue
from dropletcleaner.gui.quarantine.window import QuarantineWindow
from dropletcleaner.gui.scans import ScanController
from dropletcleaner.gui.undo_redo import UndoRedoMixin

if TYPE_CHECKING:
    from dropletcleaner.gui.retrain_dialog import RetrainDialog  # imports torch

from dropletcleaner.gui.window.actions import ActionsMixin
from dropletcleaner.gui.window.building import UiMixin
from dropletcleaner.gui.window.context import APP_NAME, AppContext
from dropletcleaner.gui.window.review import ReviewMixin
from dropletcleaner.gui.window.scanning import ScanningMixin
from dropletcleaner.gui.window.viewing import ViewMixin

EXIT_GRACE_MS = 300  # how long a closing window waits for a scan to stop


class MainWindow(UndoRedoMixin, ScanningMixin, ReviewMixin, ViewMixin, ActionsMixin, UiMixin):
    """The DropletCleaner main window."""

    def __init__(self, context: AppContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = context if context is not None else AppContext()
        self.notifier = self.ctx.notifier
        self.settings = self.ctx.settings
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QIcon.fromTheme("io.github.dropletcleaner.DropletCleaner"))
        self.root: str | None = None
        self._catalog: Catalog | None = None
        self.history = History(self._history_noop)
        self._session_labels: set[str] = set()
        self._folder_errors: list[tuple[str, str]] = []
        self._closing = False
        # Set by run_app when this window's closing ends the process (see shutdown).
        self.ends_process = False
        self._detail_mode = False
        self._slider_by_app = False  # the slider is being set by the app, not the user
        self._threshold_chosen = False  # the user picked a threshold: remember it
        self._scan_finished_text = ""
        self._quarantine_window: QuarantineWindow | None = None
        # Tests replace this; returns (go ahead, don't ask again).
        self.ask_quarantine: Callable[[list[str], int, str], tuple[bool, bool]] = (
            self._ask_quarantine
        )

        # Workers.
        self.model_handle = ModelHandle()  # the scan thread waits on it; the GUI never reads it
        self.bundle: ModelBundle | None = None  # set on the GUI thread, from `loaded` only
        self.model_error: str | None = None  # why the model could not be loaded, from `failed`
        # Thumbnails are scaled once, in the loader, to the painted size on this screen.
        screen = QGuiApplication.primaryScreen()
        dpr = screen.devicePixelRatio() if screen is not None else 1.0
        self.thumbnails = ThumbnailService(self.ctx.thumbs, MAX_THUMB_BOX * max(1.0, dpr))
        self.model = PhotoModel(self.thumbnails, self)
        self.scans = ScanController(self.ctx.catalog_path, self.ctx.thumbs, self)
        self.quarantine_queue = QuarantineQueue(
            self.ctx.catalog_path, trash=self.ctx.trash, parent=self
        )
        self._loader = ModelLoader(self.ctx.model_factory, self.model_handle)
        self._old_loaders: list[ModelLoader] = []
        self.retrain_dialog: RetrainDialog | None = None

        self._build_actions()
        self._build_ui()
        self._build_menus()
        self._connect()
        self._restore_settings()

        self._loader.loaded.connect(self._on_model_loaded)
        self._loader.failed.connect(self._on_model_failed)
        self.quarantine_queue.recover(tag="startup")
        self._update_actions()
        # Started last, and the window reads the model only from ``loaded`` (a queued
        # signal, on this thread): what the first window shows never depends on how far
        # the loader thread got (test_starts_on_the_welcome_page raced on it under load).
        self._loader.start()

    def shutdown(self) -> None:
        """Stop every worker and wait for it (safe to call twice).

        When the process ends with the window (:attr:`ends_process`), only what writes
        the user's files is waited for: moves finish, the scan gets a moment to stop and
        the catalog is closed. Readers (the model still importing, decoders, Explain) are
        left to the process's end, which ``exit_now`` makes immediate; waiting for a torch
        import that cannot be interrupted kept a closed app running for seconds.
        """
        if self._closing:
            return
        self._closing = True
        self._refilter_timer.stop()
        self._detail_timer.stop()
        self.same_shot.shutdown()  # reads thumbnails only; stops at its next photo
        if self.ends_process:
            self.quarantine_queue.shutdown()
            # SQLite rolls back a transaction cut short, so a scan need not finish.
            self.scans.shutdown(timeout_ms=EXIT_GRACE_MS)
            if self._catalog is not None:
                self._catalog.close()
                self._catalog = None
            return
        if self.retrain_dialog is not None:
            # A child window: deleted with this one, and its running worker with it.
            self.retrain_dialog.stop_worker()
        self.scans.shutdown()
        self.quarantine_queue.shutdown()
        self.thumbnails.shutdown()
        self._loader.wait()
        for loader in self._old_loaders:
            loader.wait()
        self.detail.shutdown()
        self.compare.shutdown()
        if self._quarantine_window is not None:
            self._quarantine_window.close()
        if self._catalog is not None:
            self._catalog.close()
            self._catalog = None

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_window_state(self.saveState())
        self.settings.set_splitter_state(self.splitter.saveState())
        if self._threshold_chosen:
            self.settings.set_threshold(self.threshold())
        self.settings.sync()
        self.hide()  # feels instant even if a batch is still finishing
        self.shutdown()
        super().closeEvent(event)
