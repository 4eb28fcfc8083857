"""The parts of the main window that its modules share, declared once.

:class:`~dropletcleaner.gui.window.assembly.MainWindow` is put together from one mixin per
concern (building the widgets, actions and menus, viewing, reviewing, scanning). Each
mixin is written against :class:`WindowParts`: the widgets, workers and state that the
assembly creates, and the methods one part calls on another. So a part says what it
uses, mypy checks it, and a new engineer reads here what the window is made of.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSlider,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    import numpy as np

    from dropletcleaner.core.catalog.photos import Catalog, PhotoRecord
    from dropletcleaner.core.jobs import Progress
    from dropletcleaner.gui.context_menu import FolderDrop, PhotoMenu
    from dropletcleaner.gui.detail.compare import CompareMode
    from dropletcleaner.gui.detail.large_view import LargeView
    from dropletcleaner.gui.detail.panel import DetailPanel
    from dropletcleaner.gui.errors_panel import ErrorsPanel
    from dropletcleaner.gui.grid.delegate import PhotoDelegate
    from dropletcleaner.gui.grid.model import PhotoModel
    from dropletcleaner.gui.grid.thumb_size import ThumbSize
    from dropletcleaner.gui.grid.thumbnails import ThumbnailService
    from dropletcleaner.gui.grid.view import PhotoGrid
    from dropletcleaner.gui.history import Entry, History
    from dropletcleaner.gui.model_info import ModelInfo
    from dropletcleaner.gui.model_loading import ModelBundle, ModelHandle, ModelLoader
    from dropletcleaner.gui.notifier import MessageBar, Notifier
    from dropletcleaner.gui.quarantine.queue import FileOpResult, QuarantineQueue
    from dropletcleaner.gui.quarantine.window import QuarantineWindow
    from dropletcleaner.gui.retrain_dialog import RetrainDialog
    from dropletcleaner.gui.same_shot_actions import SameShotActions
    from dropletcleaner.gui.scans import ScanController, ScanOutcome, ScanStatus
    from dropletcleaner.gui.settings import AppSettings
    from dropletcleaner.gui.threshold_info import ThresholdInfo
    from dropletcleaner.gui.window.context import AppContext
    from dropletcleaner.gui.xmp_actions import XmpActions


class WindowParts(QMainWindow):
    """The main window's shared widgets, workers, state and cross-part methods."""

    detailModeChanged = Signal(bool)  # the large view opened (True) or closed

    # -- context, state and workers (assembly) -----------------------------------------------
    ctx: AppContext
    notifier: Notifier
    settings: AppSettings
    root: str | None
    _catalog: Catalog | None
    history: History
    _session_labels: set[str]
    _folder_errors: list[tuple[str, str]]
    _closing: bool
    ends_process: bool
    _detail_mode: bool
    _slider_by_app: bool
    _threshold_chosen: bool
    _scan_finished_text: str
    _quarantine_window: QuarantineWindow | None
    ask_quarantine: Callable[[list[str], int, str], tuple[bool, bool]]
    model_handle: ModelHandle
    bundle: ModelBundle | None
    model_error: str | None
    thumbnails: ThumbnailService
    model: PhotoModel
    scans: ScanController
    quarantine_queue: QuarantineQueue
    _loader: ModelLoader
    _old_loaders: list[ModelLoader]
    retrain_dialog: RetrainDialog | None

    # -- actions and menus (actions) ---------------------------------------------------------
    open_action: QAction
    rescan_action: QAction
    stop_action: QAction
    quit_action: QAction
    undo_action: QAction
    redo_action: QAction
    select_all_action: QAction
    droplet_action: QAction
    clean_action: QAction
    clear_label_action: QAction
    quarantine_action: QAction
    details_action: QAction
    back_action: QAction
    quarantine_window_action: QAction
    retrain_action: QAction
    panel_action: QAction
    about_action: QAction
    keys_action: QAction
    errors_action: QAction
    recent_menu: QMenu
    sort_group: QActionGroup
    filter_group: QActionGroup
    large_view: LargeView
    compare: CompareMode
    thumb_size: ThumbSize
    xmp: XmpActions
    same_shot: SameShotActions
    model_info: ModelInfo
    photo_menu: PhotoMenu
    folder_drop: FolderDrop
    _refilter_timer: QTimer
    _counts_timer: QTimer
    _detail_timer: QTimer
    _errors_timer: QTimer

    # -- widgets (building) ------------------------------------------------------------------
    toolbar: QToolBar
    filter_combo: QComboBox
    sort_combo: QComboBox
    threshold_slider: QSlider
    threshold_label: QLabel
    counts_label: QLabel
    threshold_info: ThresholdInfo
    untrained_banner: QWidget
    message_bar: MessageBar
    grid: PhotoGrid
    delegate: PhotoDelegate
    detail: DetailPanel
    splitter: QSplitter
    welcome: QWidget
    welcome_icon: QLabel
    recent_box: QVBoxLayout
    stack: QStackedWidget
    errors_panel: ErrorsPanel
    errors_dock: QDockWidget
    summary_label: QLabel
    scan_label: QLabel
    scan_bar: QProgressBar
    stop_button: QToolButton
    errors_button: QToolButton

    if TYPE_CHECKING:  # one part calls these on another
        # building
        def _std_icon(self, kind: QStyle.StandardPixmap, theme: str = "") -> QIcon: ...
        def _rebuild_recent(self) -> None: ...

        # actions
        def _update_actions(self, *_args: object) -> None: ...

        # viewing
        def _filter_chosen(self, *_args: object) -> None: ...
        def _sort_chosen(self, *_args: object) -> None: ...
        def _set_slider(self, threshold: float) -> None: ...
        def threshold(self) -> float: ...
        @property
        def in_detail_mode(self) -> bool: ...
        def _threshold_moved(self, value: int) -> None: ...
        def _update_threshold_label(self) -> None: ...
        def _threshold_settled(self) -> None: ...
        def _update_counts(self) -> None: ...
        def _update_summary(self) -> None: ...
        def _update_empty_text(self) -> None: ...
        def _set_panel_visible(self, visible: bool) -> None: ...
        def _show_current_in_detail(self) -> None: ...
        def _refresh_errors(self) -> None: ...
        def toggle_detail_mode(self) -> None: ...
        def leave_detail_mode(self) -> None: ...

        # reviewing
        def catalog(self) -> Catalog | None: ...
        def _droplet_map_of(self, record: PhotoRecord) -> np.ndarray | None: ...
        def selected_paths(self) -> list[str]: ...
        def select_path(self, path: str) -> None: ...
        def select_paths(self, paths: Sequence[str]) -> None: ...
        def _select_index(self, index: QModelIndex) -> None: ...
        def _select_first_if_none(self) -> None: ...
        def set_label(self, label: str | None) -> None: ...
        def quarantine_selection(self) -> None: ...
        def _on_file_op(self, result: FileOpResult) -> None: ...
        def _on_file_progress(self, p: Progress) -> None: ...

        # scanning
        def choose_folder(self) -> None: ...
        def open_folder(self, folder: str | os.PathLike[str], scan: bool = True) -> bool: ...
        def rescan(self) -> None: ...
        def stop_scan(self) -> None: ...
        def open_retrain_dialog(self) -> None: ...
        def _on_scan_snapshot(self, root: str, records: list[PhotoRecord]) -> None: ...
        def _on_scan_rows(self, root: str, records: list[PhotoRecord]) -> None: ...
        def _on_scan_progress(self, root: str, status: ScanStatus) -> None: ...
        def _on_scan_finished(self, outcome: ScanOutcome) -> None: ...
        def _on_scan_failed(self, root: str, reason: str) -> None: ...

        # undo and redo (gui/undo_redo.py)
        def undo(self) -> None: ...
        def redo(self) -> None: ...
        def _history_noop(self, entry: Entry, undoing: bool) -> bool: ...
        def _push_undo(self, entry: Entry, *, from_redo: bool = False) -> None: ...
        def _update_history_actions(self) -> None: ...
