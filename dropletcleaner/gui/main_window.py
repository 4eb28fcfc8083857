"""The main window: open a folder, watch it scan, review the grid by keyboard, quarantine.

Everything slow happens elsewhere: the model loads and the folder scans on worker
threads (:mod:`~dropletcleaner.gui.workers`), files move on the single file-operations
thread (:mod:`~dropletcleaner.gui.file_ops`), thumbnails load lazily in the background.
The window only keeps the model of the grid up to date and asks the user before acting.
Labels are written to the catalog the moment a key is pressed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.core import quarantine
from dropletcleaner.core.catalog.photos import STATE_PRESENT, Catalog, PhotoRecord
from dropletcleaner.core.jobs import Progress
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.compare import CompareMode
from dropletcleaner.gui.context_menu import FolderDrop, PhotoMenu, show_shortcuts
from dropletcleaner.gui.delegate import MAX_THUMB_BOX, PhotoDelegate
from dropletcleaner.gui.detail_panel import DetailPanel
from dropletcleaner.gui.errors_panel import ErrorsPanel
from dropletcleaner.gui.file_ops import FileOpResult, FileOps, qt_trash
from dropletcleaner.gui.grid import PhotoGrid
from dropletcleaner.gui.history import History, LabelUndo, QuarantineUndo
from dropletcleaner.gui.large_view import LargeView
from dropletcleaner.gui.notifier import MessageBar, Notifier
from dropletcleaner.gui.photo_model import FILTER_TITLES, SORT_TITLES, Filter, PhotoModel, SortKey
from dropletcleaner.gui.quarantine_window import QuarantineWindow, human_size
from dropletcleaner.gui.scores import threshold_text
from dropletcleaner.gui.settings import AppSettings
from dropletcleaner.gui.threshold_info import ThresholdInfo
from dropletcleaner.gui.thumb_size import ThumbSize
from dropletcleaner.gui.undo_redo import QuarantineTag, UndoRedoMixin, UndoTag
from dropletcleaner.gui.workers import (
    ModelBundle,
    ModelHandle,
    ModelLoader,
    ScanController,
    ScanOutcome,
    ScanStatus,
    ThumbnailService,
    load_default_bundle,
)
from dropletcleaner.gui.xmp_actions import XmpActions

if TYPE_CHECKING:
    from dropletcleaner.gui.retrain_dialog import RetrainDialog  # imports torch

APP_NAME = "DropletCleaner"


@dataclass
class AppContext:
    """What the window works with; tests swap in their own catalog, model and trash."""

    catalog_path: Path | None = None  # None: the per-user default catalog
    thumbs: ThumbnailCache = field(default_factory=ThumbnailCache)
    model_factory: Callable[[], ModelBundle] = load_default_bundle
    settings: AppSettings = field(default_factory=AppSettings)
    notifier: Notifier = field(default_factory=Notifier)
    trash: Callable[[Path], None] = qt_trash


class _Banner(QFrame):
    """A full-width warning line (the untrained-model notice)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAutoFillBackground(True)
        pal = self.palette()
        # Amber with near-black text reads the same in dark and light themes.
        pal.setColor(QPalette.ColorRole.Window, QColor(255, 214, 102))
        pal.setColor(QPalette.ColorRole.WindowText, QColor(32, 26, 0))
        self.setPalette(pal)
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(22, 22)
        )
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(icon)
        row.addWidget(self.label, 1)


# -- window --------------------------------------------------------------------------------------
EXIT_GRACE_MS = 300  # how long a closing window waits for a scan to stop


class MainWindow(UndoRedoMixin, QMainWindow):
    """The DropletCleaner main window."""

    detailModeChanged = Signal(bool)  # the large view opened (True) or closed

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
        # Thumbnails are scaled once, in the loader, to the painted size on this screen.
        screen = QGuiApplication.primaryScreen()
        dpr = screen.devicePixelRatio() if screen is not None else 1.0
        self.thumbnails = ThumbnailService(self.ctx.thumbs, MAX_THUMB_BOX * max(1.0, dpr))
        self.model = PhotoModel(self.thumbnails, self)
        self.scans = ScanController(self.ctx.catalog_path, self.ctx.thumbs, self)
        self.file_ops = FileOps(self.ctx.catalog_path, trash=self.ctx.trash, parent=self)
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
        self._loader.start()
        self.file_ops.recover(tag="startup")
        self._update_actions()

    # -- construction ------------------------------------------------------------------------
    def _std_icon(self, kind: QStyle.StandardPixmap, theme: str = "") -> QIcon:
        fallback = self.style().standardIcon(kind)
        return QIcon.fromTheme(theme, fallback) if theme else fallback

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcuts: Sequence[QKeySequence | QKeySequence.StandardKey | str] = (),
        tip: str = "",
        icon: QIcon | None = None,
    ) -> QAction:
        action = QAction(text, self)
        keys: list[QKeySequence] = []
        for s in shortcuts:
            if isinstance(s, QKeySequence.StandardKey):
                keys.extend(QKeySequence.keyBindings(s))  # every platform binding, not just one
            else:
                keys.append(QKeySequence(s))
        if keys:
            action.setShortcuts(keys)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if icon is not None:
            action.setIcon(icon)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work while any part of the window has focus
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.open_action = self._action(
            "&Open Folder…",
            self.choose_folder,
            [QKeySequence.StandardKey.Open],
            "Open a folder of photos and scan it",
            self._std_icon(sp.SP_DirOpenIcon, "document-open"),
        )
        self.rescan_action = self._action(
            "&Rescan",
            self.rescan,
            [QKeySequence.StandardKey.Refresh],
            "Scan the folder again (only new or changed photos are read)",
            self._std_icon(sp.SP_BrowserReload, "view-refresh"),
        )
        self.stop_action = self._action(
            "&Stop Scan",
            self.stop_scan,
            [],
            "Stop the scan after the current batch",
            self._std_icon(sp.SP_BrowserStop, "process-stop"),
        )
        self.quit_action = self._action("&Quit", self.close, [QKeySequence.StandardKey.Quit])
        self.undo_action = self._action(
            "&Undo",
            self.undo,
            [QKeySequence.StandardKey.Undo],
            "Undo the last label or quarantine",
            self._std_icon(sp.SP_ArrowBack, "edit-undo"),
        )
        self.redo_action = self._action(
            "&Redo",
            self.redo,
            [QKeySequence.StandardKey.Redo],
            "Redo what was last undone",
            self._std_icon(sp.SP_ArrowForward, "edit-redo"),
        )
        self.select_all_action = self._action(
            "Select &All", lambda: self.grid.selectAll(), [QKeySequence.StandardKey.SelectAll]
        )
        self.droplet_action = self._action(
            "Mark as &Droplet", lambda: self.set_label("droplet"), ["D"], "Label: water on the lens"
        )
        self.clean_action = self._action(
            "Mark as &Clean", lambda: self.set_label("clean"), ["C"], "Label: no water on the lens"
        )
        self.clear_label_action = self._action(
            "Clear &Label", lambda: self.set_label(None), ["U"], "Remove your label"
        )
        self.quarantine_action = self._action(
            "&Quarantine",
            self.quarantine_selection,
            ["Q", QKeySequence(Qt.Key.Key_Delete)],
            "Move the selected photos aside (they can be restored)",
            self._std_icon(sp.SP_TrashIcon, "user-trash"),
        )
        self.details_action = self._action(
            "Show &Details", self.toggle_detail_mode, [], "Large preview with the heat map (Enter)"
        )
        self.back_action = self._action(
            "Back to Grid", self.leave_detail_mode, [QKeySequence(Qt.Key.Key_Escape)]
        )
        self.quarantine_window_action = self._action(
            "Quarantine &Window…",
            self.show_quarantine_window,
            [QKeySequence("Ctrl+Shift+Q")],
            "Batches of quarantined photos: restore or empty",
        )
        self.retrain_action = QAction("&Retrain…", self)
        self.retrain_action.setShortcut(QKeySequence("Ctrl+R"))
        tip = "Teach the droplet model your corrections (uses the photos you labelled)"
        self.retrain_action.setToolTip(tip)
        self.retrain_action.setStatusTip(tip)
        self.retrain_action.triggered.connect(self.open_retrain_dialog)
        self.panel_action = QAction("Detail &Panel", self)
        self.panel_action.setCheckable(True)
        self.panel_action.setShortcut(QKeySequence("F9"))
        self.panel_action.toggled.connect(self._set_panel_visible)
        self.addAction(self.panel_action)
        self.about_action = self._action("&About DropletCleaner", self._about)
        self.keys_action = self._action(
            "&Keyboard Shortcuts",
            self._show_keys,
            [QKeySequence.StandardKey.HelpContents, "?"],
            "Every key the app knows",
        )

    def _build_ui(self) -> None:
        # Toolbar: folder, scan, review controls.
        bar = QToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.open_action)
        bar.addAction(self.rescan_action)
        bar.addAction(self.quarantine_action)  # early: narrow windows overflow the end
        bar.addSeparator()
        bar.addWidget(QLabel(" Show "))
        self.filter_combo = QComboBox()
        # Sized once for the longest title with a six-digit count: it never shifts the toolbar.
        longest = max(FILTER_TITLES.values(), key=len) + " (99,999)"
        self.filter_combo.setFixedWidth(
            self.filter_combo.fontMetrics().horizontalAdvance(longest) + 40
        )
        for kind in Filter:
            self.filter_combo.addItem(FILTER_TITLES[kind], kind.value)
        self.filter_combo.setToolTip("Which photos the grid shows")
        bar.addWidget(self.filter_combo)
        bar.addWidget(QLabel("  Sort by "))
        self.sort_combo = QComboBox()
        for sort_key in SortKey:
            self.sort_combo.addItem(SORT_TITLES[sort_key], sort_key.value)
        bar.addWidget(self.sort_combo)
        bar.addSeparator()
        bar.addWidget(QLabel(" Threshold "))
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(1, 99)
        self.threshold_slider.setValue(50)
        self.threshold_slider.setFixedWidth(120)
        bar.addWidget(self.threshold_slider)
        self.threshold_label = QLabel()
        self.threshold_label.setMinimumWidth(48)
        bar.addWidget(self.threshold_label)
        self.counts_label = QLabel()
        self.counts_label.setToolTip(
            "Flagged photos at this threshold, of all photos in the folder"
        )
        font = self.counts_label.font()
        font.setBold(True)
        self.counts_label.setFont(font)
        bar.addWidget(self.counts_label)
        self.threshold_info = ThresholdInfo(self.threshold_slider)
        bar.addWidget(self.threshold_info)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.addToolBar(bar)
        self.toolbar = bar

        # Centre: banners and messages above either the welcome page or the grid.
        self.untrained_banner = _Banner(
            "<b>No trained droplet model — scores are meaningless.</b> The app is running an "
            "untrained model head: use the scores only to try the app, and do not quarantine "
            "by them."
        )
        self.untrained_banner.hide()
        self.message_bar = MessageBar(self.notifier)

        self.grid = PhotoGrid()
        self.grid.setModel(self.model)
        self.delegate = PhotoDelegate(self.grid)
        self.grid.setItemDelegate(self.delegate)
        self.grid.open_requested = self.toggle_detail_mode

        self.detail = DetailPanel()
        self.detail.setMinimumWidth(320)
        self.detail.set_map_source(self._droplet_map_of)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        self.welcome = self._build_welcome()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.splitter)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.untrained_banner)
        column.addWidget(self.message_bar)
        column.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # Errors panel, docked below.
        self.errors_panel = ErrorsPanel()
        self.errors_dock = QDockWidget("Unreadable files", self)
        self.errors_dock.setObjectName("errors-dock")
        self.errors_dock.setWidget(self.errors_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.errors_dock)
        self.errors_dock.hide()
        self.errors_action = self.errors_dock.toggleViewAction()
        self.errors_action.setText("&Unreadable Files")

        # Status bar: summary on the left; scan progress, errors and stop on the right.
        status = self.statusBar()
        self.summary_label = QLabel()
        status.addWidget(self.summary_label, 1)
        self.scan_label = QLabel()
        self.scan_bar = QProgressBar()
        self.scan_bar.setFixedWidth(220)
        self.scan_bar.setTextVisible(False)
        self.stop_button = QToolButton()
        self.stop_button.setDefaultAction(self.stop_action)
        self.stop_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.errors_button = QToolButton()
        self.errors_button.setAutoRaise(True)
        self.errors_button.setIcon(self._std_icon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.errors_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.errors_button.clicked.connect(lambda: self.errors_dock.setVisible(True))
        self.errors_button.hide()
        for w in (self.scan_label, self.scan_bar, self.stop_button):
            status.addPermanentWidget(w)
            w.hide()
        status.addPermanentWidget(self.errors_button)

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.addStretch(2)
        icon = QLabel()
        icon.setPixmap(self.windowIcon().pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_icon = icon
        title = QLabel("Find the photos water on the lens spoiled")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "Open a folder of photos. DropletCleaner scans it on this computer, scores every "
            "photo for rain, spray or condensation on the lens, and shows the worst first.<br>"
            "Review with the keyboard — <b>D</b> droplet, <b>C</b> clean, <b>Q</b> quarantine, "
            "<b>Ctrl+Z</b> undo. Quarantined photos are moved aside, never deleted."
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(560)  # a fixed width lets the wrapped text get its full height
        text.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        button = QPushButton(self.open_action.icon(), "Open Folder…")
        button.setDefault(True)
        button.clicked.connect(self.choose_folder)
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(2)
        col = QVBoxLayout()
        col.setSpacing(12)
        col.addWidget(icon)
        col.addWidget(title)
        # Centred by stretches, not by an alignment flag, so the wrapped text keeps its height.
        text_row = QHBoxLayout()
        text_row.addStretch(1)
        text_row.addWidget(text)
        text_row.addStretch(1)
        col.addLayout(text_row)
        col.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addLayout(self.recent_box)
        outer.addLayout(col)
        outer.addStretch(3)
        return page

    def _build_menus(self) -> None:
        self.large_view = LargeView(self)  # filmstrip, "n of N", Left/Right, Z/Space loupe
        self.compare = CompareMode(self)  # N: the selected photos side by side
        self.thumb_size = ThumbSize(self)  # the size slider, Ctrl+plus / Ctrl+minus
        self.xmp = XmpActions(self)  # tag flagged photos' XMP sidecars, now or after scans
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.rescan_action)
        file_menu.addAction(self.stop_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quarantine_window_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit = menu.addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self.select_all_action)

        photo = menu.addMenu("&Photo")
        photo.addAction(self.droplet_action)
        photo.addAction(self.clean_action)
        photo.addAction(self.clear_label_action)
        photo.addSeparator()
        photo.addAction(self.quarantine_action)
        photo.addSeparator()
        for act in (self.xmp.tag_action, self.xmp.undo_action, self.xmp.auto_action):
            photo.addAction(act)
        photo.addSeparator()
        photo.addAction(self.details_action)
        photo.addAction(self.large_view.zoom_action)
        photo.addAction(self.compare.action)
        self.details_action.setShortcutVisibleInContextMenu(True)

        view = menu.addMenu("&View")
        sort_menu = view.addMenu("&Sort By")
        self.sort_group = QActionGroup(self)
        for sort_key in SortKey:
            act = sort_menu.addAction(SORT_TITLES[sort_key])
            act.setCheckable(True)
            act.setData(sort_key.value)
            self.sort_group.addAction(act)
        filter_menu = view.addMenu("&Show")
        self.filter_group = QActionGroup(self)
        for kind in Filter:
            act = filter_menu.addAction(FILTER_TITLES[kind])
            act.setCheckable(True)
            act.setData(kind.value)
            self.filter_group.addAction(act)
        view.addSeparator()
        view.addAction(self.thumb_size.larger_action)
        view.addAction(self.thumb_size.smaller_action)
        view.addAction(self.panel_action)
        view.addAction(self.errors_action)

        model_menu = menu.addMenu("&Model")
        model_menu.addAction(self.retrain_action)

        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.keys_action)
        help_menu.addAction(self.about_action)

        self.photo_menu = PhotoMenu(self)  # right-click: reveal, open, copy path, label, …
        self.folder_drop = FolderDrop(self)  # a folder dropped on the window opens

    def _connect(self) -> None:
        self.filter_combo.currentIndexChanged.connect(self._filter_chosen)
        self.sort_combo.currentIndexChanged.connect(self._sort_chosen)
        self.sort_group.triggered.connect(
            lambda act: self.sort_combo.setCurrentIndex(self.sort_combo.findData(act.data()))
        )
        self.filter_group.triggered.connect(
            lambda act: self.filter_combo.setCurrentIndex(self.filter_combo.findData(act.data()))
        )
        self.threshold_slider.valueChanged.connect(self._threshold_moved)
        self._refilter_timer = QTimer(self)
        self._refilter_timer.setSingleShot(True)
        self._refilter_timer.setInterval(250)
        self._refilter_timer.timeout.connect(self._threshold_settled)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._counts_timer.timeout.connect(self._update_counts)
        self.model.countsChanged.connect(self._counts_timer.start)
        self.model.layoutChanged.connect(self._update_actions)
        self.model.rowsInserted.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(60)  # holding an arrow key does not flood the panel
        self._detail_timer.timeout.connect(self._show_current_in_detail)
        self.grid.selectionModel().currentChanged.connect(lambda *_: self._detail_timer.start())
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.grid.doubleClicked.connect(lambda _index: self.toggle_detail_mode())
        self.errors_panel.photoActivated.connect(self.select_path)

        self.scans.snapshot.connect(self._on_scan_snapshot)
        self.scans.rows.connect(self._on_scan_rows)
        self.scans.progress.connect(self._on_scan_progress)
        self.scans.finished.connect(self._on_scan_finished)
        self.scans.failed.connect(self._on_scan_failed)
        self.scans.runningChanged.connect(lambda _running: self._update_actions())
        self.file_ops.finished.connect(self._on_file_op)
        self.file_ops.progress.connect(self._on_file_progress)
        self.file_ops.busyChanged.connect(lambda _busy: self._update_actions())

    def _restore_settings(self) -> None:
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.splitter_state()
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([820, 460])
        self.panel_action.setChecked(self.settings.detail_visible())
        self._set_panel_visible(self.settings.detail_visible())
        sort_value = self.settings.sort_key() or SortKey.CONFIDENCE.value
        idx = self.sort_combo.findData(sort_value)
        self.sort_combo.setCurrentIndex(max(0, idx))
        self._sort_chosen()
        self._filter_chosen()
        threshold = self.settings.threshold()
        if threshold is not None:
            self._set_slider(threshold)
        self._slider_by_app = True
        self._threshold_moved(self.threshold_slider.value())
        self._slider_by_app = False
        self._rebuild_recent()

    # -- opening and scanning ----------------------------------------------------------------
    def choose_folder(self) -> None:
        start = self.root or self.settings.last_folder() or os.path.expanduser("~")
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos", start)
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str | os.PathLike[str], scan: bool = True) -> bool:
        """Show ``folder`` (what the catalog knows at once) and scan it."""
        path = os.path.abspath(os.fspath(folder))
        if not os.path.isdir(path):
            self.notifier.error("Cannot open folder", f"{path} is not a folder or does not exist.")
            return False
        self.leave_detail_mode()
        self.root = path
        self.settings.add_recent_folder(path)
        self._rebuild_recent()
        self.setWindowTitle(f"{os.path.basename(path) or path} — {APP_NAME}")
        self.thumbnails.forget_pending()
        self.model.clear()
        self.history.clear()
        self._folder_errors = []
        self._refresh_errors()
        self.detail.show_photo(None)
        self.stack.setCurrentWidget(self.splitter)
        self.grid.empty_text = "Reading the folder…"
        self._update_counts()
        self._scan_finished_text = ""
        if scan:
            self.scans.start(path, self.model_handle)
        self._update_actions()
        self.grid.setFocus()
        return True

    def rescan(self) -> None:
        if self.root is not None:
            self.scans.start(self.root, self.model_handle)
            self._update_actions()

    def stop_scan(self) -> None:
        if self.scans.is_running():
            self.scans.stop()
            self.scan_label.setText("Stopping after the current batch…")
            self._update_actions()

    def _on_model_loaded(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        loaded = bundle.loaded
        self.untrained_banner.setVisible(not loaded.trained)
        self.threshold_info.set_metrics(loaded.card.metrics)
        if self.settings.threshold() is None:
            self._set_slider(loaded.threshold)
        self._update_counts()
        try:
            self.detail.set_model(loaded)
        except Exception as exc:
            self.notifier.error("The detail view could not use the model", str(exc))
        self._update_actions()

    def _on_model_failed(self, reason: str) -> None:
        self.notifier.error(
            "The droplet model could not be loaded",
            f"{reason}. Photos cannot be scored until this is fixed; labels and quarantine "
            "still work.",
        )

    def _on_scan_snapshot(self, root: str, records: list[PhotoRecord]) -> None:
        if root != self.root:
            return
        self.model.replace_all(records)
        self.grid.empty_text = "Looking for photos…"
        self._select_first_if_none()
        self._refresh_errors()

    def _on_scan_rows(self, root: str, records: list[PhotoRecord]) -> None:
        if root != self.root:
            return
        # A label set here after the scanner read its row must not be undone by that row.
        stale = [r.path for r in records if r.path in self._session_labels]
        if stale:
            catalog = self.catalog()
            fresh = {p: catalog.get(p) for p in stale} if catalog is not None else {}
            records = [
                fresh.get(r.path) or r if r.path in self._session_labels else r for r in records
            ]
        self.model.upsert(records, resort=True)
        self._select_first_if_none()

    def _on_scan_progress(self, root: str, status: ScanStatus) -> None:
        if root != self.root:
            return
        for w in (self.scan_label, self.scan_bar, self.stop_button):
            w.show()
        if self.scans.stopping():
            self.scan_label.setText("Stopping after the current batch…")
            return
        self.scan_label.setText(scan_status_text(status))
        if status.phase == "scanning" and status.total:
            self.scan_bar.setRange(0, status.total)
            self.scan_bar.setValue(status.done)
        else:
            self.scan_bar.setRange(0, 0)  # busy: the total is not known yet

    def _on_scan_finished(self, outcome: ScanOutcome) -> None:
        if outcome.root != self.root:
            return
        self._hide_scan_progress()
        self.model.replace_all(outcome.records)
        s = outcome.summary
        self._folder_errors = [(e.path, e.reason) for e in s.folder_errors]
        self._refresh_errors()
        found = len(s.found)
        if s.cancelled:
            text = f"Scan stopped: {plural(s.scored, 'photo')} scored this time."
        elif found == 0:
            text = "No photos found in this folder."
        else:
            rate = f" ({s.scored / s.seconds:.1f}/s)" if s.scored and s.seconds > 0 else ""
            text = (
                f"Scanned {plural(found, 'photo')} in {_duration(s.seconds)}: "
                f"{s.scored:,} scored now{rate}, {s.unchanged:,} unchanged."
            )
        if s.missing:
            gone = "is" if s.missing == 1 else "are"
            text += f" {plural(s.missing, 'photo')} {gone} gone since the last scan."
        self._scan_finished_text = text
        self.grid.empty_text = (
            "No photos in this folder. DropletCleaner reads JPEG, PNG, WebP, TIFF, BMP, HEIC, "
            "AVIF, JPEG XL and camera RAW files. Open another folder with Ctrl+O."
            if self.model.counts().total == 0 and self.model.filter is Filter.ALL
            else ""
        )
        self._update_empty_text()
        self._select_first_if_none()
        self._update_counts()  # now, not on the next event-loop turn: the scan is over
        self._update_actions()
        self.xmp.after_scan(s.cancelled)

    def _on_scan_failed(self, root: str, reason: str) -> None:
        if root != self.root:
            return
        self._hide_scan_progress()
        self.grid.empty_text = "The scan could not run. See the message above."
        self.grid.viewport().update()
        self.notifier.error("The scan failed", reason)
        self._update_actions()

    def _hide_scan_progress(self) -> None:
        for w in (self.scan_label, self.scan_bar, self.stop_button):
            w.hide()

    # -- review --------------------------------------------------------------------------------
    def catalog(self) -> Catalog | None:
        """The GUI thread's own catalog connection (labels); ``None`` after reporting why."""
        if self._catalog is None:
            try:
                self._catalog = Catalog(self.ctx.catalog_path)
            except Exception as exc:
                self.notifier.error("The catalog cannot be opened", str(exc))
                return None
        return self._catalog

    def _droplet_map_of(self, record: PhotoRecord) -> np.ndarray | None:
        """The photo's stored droplet map, for the detail panel (a small point query)."""
        catalog = self.catalog()
        reader = getattr(catalog, "droplet_map", None)  # catalogs before the map have none
        return None if reader is None else reader(record.path)

    def selected_paths(self) -> list[str]:
        """What D, C, U and Q act on: the selection, else the photo the panel shows."""
        rows = sorted(i.row() for i in self.grid.selectionModel().selectedIndexes())
        if not rows:
            # Nothing highlighted: the focused photo is the one on show in the panel.
            current = self.grid.currentIndex()
            if current.isValid():
                rows = [current.row()]
        return [self.model.record_at(r).path for r in rows]

    def select_path(self, path: str) -> None:
        index = self.model.index_of(path)
        if index.isValid():
            self._select_index(index)

    def select_paths(self, paths: Sequence[str]) -> None:
        sel = self.grid.selectionModel()
        sel.clearSelection()
        first = None
        for p in paths:
            index = self.model.index_of(p)
            if index.isValid():
                sel.select(index, QItemSelectionModel.SelectionFlag.Select)
                first = first or index
        if first is not None:
            sel.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.grid.scrollTo(first)

    def _select_index(self, index: QModelIndex) -> None:
        self.grid.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.grid.scrollTo(index)

    def _select_first_if_none(self) -> None:
        if not self.grid.currentIndex().isValid() and self.model.rowCount() > 0:
            self._select_index(self.model.index(0))

    def set_label(self, label: str | None) -> None:
        """Label the selection (``None`` clears it) and save it to the catalog at once."""
        paths = self.selected_paths()
        if not paths:
            return
        catalog = self.catalog()
        if catalog is None:
            return
        previous = {p: rec.label for p in paths if (rec := self.model.record(p)) is not None}
        try:
            catalog.set_label(paths, label)
        except Exception as exc:
            self.notifier.error("The label could not be saved", str(exc))
            return
        self._session_labels.update(paths)
        self.model.upsert(self.model.with_label(paths, label), resort=False)
        self._push_undo(LabelUndo(previous, label))
        what = {"droplet": "droplet", "clean": "clean", None: "unlabelled"}[label]
        n = len(paths)
        self.statusBar().showMessage(f"Marked {n:,} photo{'s' if n != 1 else ''} as {what}.", 4000)
        if n == 1:
            self._advance()
        self._show_current_in_detail()

    def _advance(self) -> None:
        current = self.grid.currentIndex()
        if current.isValid() and current.row() + 1 < self.model.rowCount():
            self._select_index(self.model.index(current.row() + 1))

    def quarantine_selection(self) -> None:
        if self.root is None:
            return
        paths = [
            p
            for p in self.selected_paths()
            if (rec := self.model.record(p)) is not None and rec.state == STATE_PRESENT
        ]
        if not paths:
            return
        dest = str(quarantine.default_quarantine_dir(Path(self.root)))
        if self.settings.confirm_quarantine():
            size = sum(rec.size for p in paths if (rec := self.model.record(p)) is not None)
            go, dont_ask = self.ask_quarantine(paths, size, dest)
            if not go:
                return
            if dont_ask:
                self.settings.set_confirm_quarantine(False)
        rows = [self.model.row_of(p) for p in paths]
        anchor = min(r for r in rows if r is not None) if any(r is not None for r in rows) else 0
        self.file_ops.quarantine(paths, self.root, tag=QuarantineTag(tuple(paths), anchor))
        n = len(paths)
        self.statusBar().showMessage(f"Moving {n:,} photo{'s' if n != 1 else ''} aside…")

    def _ask_quarantine(self, paths: list[str], size: int, dest: str) -> tuple[bool, bool]:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Quarantine photos" if len(paths) != 1 else "Quarantine photo")
        text, informative = quarantine_question(paths, human_size(size), dest)
        box.setText(text)
        box.setInformativeText(informative)
        if len(paths) == 1:
            # One photo: show it, so the user sees exactly what is about to move.
            record = self.model.record(paths[0])
            thumb = self.thumbnails.pixmap(record) if record is not None else None
            if thumb is not None and not thumb.isNull():
                box.setIconPixmap(
                    thumb.scaled(
                        160,
                        120,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
        check = QCheckBox("Don't ask again")
        box.setCheckBox(check)
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        move = box.addButton("Quarantine", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(move)
        box.exec()
        return box.clickedButton() is move, check.isChecked()

    # -- file operation results ----------------------------------------------------------------
    def _on_file_op(self, result: FileOpResult) -> None:
        if result.op in ("batches", "files"):
            if result.error is not None:
                self.notifier.error(
                    "The quarantine could not be read", result.error, result.details
                )
            return
        if result.error is not None:
            title = {
                "quarantine": "The photos were not quarantined",
                "restore": "The photos were not restored",
                "undo": "Undo failed",
                "empty": "The quarantine was not emptied",
                "recover": "Interrupted file moves could not be finished",
            }.get(result.op, "A file operation failed")
            self.notifier.error(title, result.error, result.details)
            self.statusBar().clearMessage()
            return
        self.model.remove_paths(result.gone)
        self._apply_touched(result.records)
        self._report_outcomes(result)
        tag = result.tag
        if result.op == "quarantine" and isinstance(tag, QuarantineTag):
            report = result.report
            if report is not None and report.batch_id and report.moved:
                self._push_undo(QuarantineUndo(report.batch_id, tag.paths), from_redo=tag.redo)
            if self.model.rowCount():
                row = min(tag.anchor_row, self.model.rowCount() - 1)
                self._select_index(self.model.index(row))
        elif result.op == "restore" and isinstance(tag, UndoTag):
            self.history.push_redo(tag.entry)
            self.select_paths([r.path for r in result.records])
        self._refresh_errors()
        self._update_actions()

    def _apply_touched(self, records: list[PhotoRecord]) -> None:
        if self.root is None:
            return
        inside = [r for r in records if _is_inside(r.path, self.root)]
        self.model.upsert(inside, resort=True)

    def _report_outcomes(self, result: FileOpResult) -> None:
        report = result.report
        if report is None:
            if result.op == "undo":
                self.statusBar().showMessage("Nothing in the quarantine to undo.", 4000)
            return
        outcomes = list(report) if result.op == "recover" else list(report.outcomes)
        problems = [o for o in outcomes if o.status in ("failed", "skipped")]
        done = [o for o in outcomes if o.status in ("moved", "restored", "trashed")]
        verb = {
            "quarantine": "Quarantined",
            "restore": "Restored",
            "undo": "Restored",
            "empty": "Moved to the trash:",
            "recover": "Finished interrupted moves:",
        }[result.op]
        if done or result.op != "recover":
            n = len(done)
            self.statusBar().showMessage(f"{verb} {n:,} photo{'s' if n != 1 else ''}.", 6000)
        if result.op == "recover" and done:
            self.notifier.info(
                "Interrupted file moves were finished",
                f"{len(done):,} photo moves from an earlier session were completed.",
            )
        if problems:
            details = "\n".join(f"{o.source}: {o.status} — {o.reason}" for o in problems)
            n = len(problems)
            reasons = sorted({o.reason for o in problems if o.reason})
            self.notifier.warning(
                f"{n:,} photo{'s were' if n != 1 else ' was'} not handled",
                "; ".join(reasons[:3]) or "see the details",
                details,
            )

    def _on_file_progress(self, p: Progress) -> None:
        if p.total:
            self.statusBar().showMessage(
                f"{p.message or 'Moving photos'}: {p.done:,} of {p.total:,}"
            )

    # -- view controls -------------------------------------------------------------------------
    def _filter_chosen(self, *_args: object) -> None:
        kind = Filter(self.filter_combo.currentData() or Filter.ALL.value)
        self.model.set_filter(kind)
        for act in self.filter_group.actions():
            act.setChecked(act.data() == kind.value)
        self._update_empty_text()
        self._select_first_if_none()
        self._update_actions()

    def _sort_chosen(self, *_args: object) -> None:
        key = SortKey(self.sort_combo.currentData() or SortKey.CONFIDENCE.value)
        self.model.set_sort_key(key)
        self.settings.set_sort_key(key.value)
        for act in self.sort_group.actions():
            act.setChecked(act.data() == key.value)
        current = self.grid.currentIndex()
        if current.isValid():
            self.grid.scrollTo(current)

    def _set_slider(self, threshold: float) -> None:
        # Set by the app (saved setting, model default): not a choice to remember.
        self._slider_by_app = True
        try:
            self.threshold_slider.setValue(round(threshold * 100))
        finally:
            self._slider_by_app = False

    def threshold(self) -> float:
        return self.threshold_slider.value() / 100.0

    def _threshold_moved(self, value: int) -> None:
        if not self._slider_by_app:
            self._threshold_chosen = True
        self.threshold_label.setText(threshold_text(value / 100.0))
        self.detail.set_threshold(value / 100.0)
        # Counts and badges follow the slider live; the grid re-filters once it settles.
        self.model.set_threshold(value / 100.0, refilter=False)
        self._update_counts()
        self._refilter_timer.start()

    def _threshold_settled(self) -> None:
        # Only a threshold the user picked is remembered; otherwise the model's default rules.
        if self._threshold_chosen:
            self.settings.set_threshold(self.threshold())
        self.model.refresh()
        self._update_empty_text()
        self._select_first_if_none()

    def _update_counts(self) -> None:
        c = self.model.counts()
        self.counts_label.setText(
            f"  {c.flagged:,} flagged of {c.total:,}" if self.root is not None else ""
        )
        for i in range(self.filter_combo.count()):
            kind = Filter(self.filter_combo.itemData(i))
            self.filter_combo.setItemText(i, f"{FILTER_TITLES[kind]} ({c.for_filter(kind):,})")
        self.threshold_info.update_for(self.threshold(), c.total if self.root is not None else 0)
        for act in self.filter_group.actions():
            kind = Filter(act.data())
            act.setText(f"{FILTER_TITLES[kind]} ({c.for_filter(kind):,})")
        if c.errors:
            self.errors_button.setText(f"{c.errors:,} unreadable")
            self.errors_button.show()
        else:
            self.errors_button.hide()
        self._update_summary()
        self._refresh_errors_soon()

    def _update_summary(self) -> None:
        if self.root is None:
            self.summary_label.setText("")
            return
        c = self.model.counts()
        shown = self.model.rowCount()
        parts = [f"{shown:,} shown"]
        if self._scan_finished_text:
            parts.append(self._scan_finished_text)
        self.summary_label.setText("  ·  ".join(parts) if c.total or shown else "")

    def _update_empty_text(self) -> None:
        if (
            self.model.rowCount() == 0
            and self.model.counts().total + self.model.counts().quarantined
        ):
            self.grid.empty_text = {
                Filter.FLAGGED: "Nothing is flagged at this threshold. Lower the threshold to "
                "see borderline photos, or choose “All photos”.",
                Filter.UNCERTAIN: "No photos are near the threshold.",
                Filter.CLEAN: "No photos are below the threshold.",
                Filter.LABELLED: "You have not labelled any photos yet. Press D (droplet) or "
                "C (clean) on a photo.",
                Filter.QUARANTINED: "Nothing from this folder is in the quarantine.",
                Filter.ERRORS: "Every photo could be read.",
                Filter.ALL: "",
            }[self.model.filter]
        self.grid.viewport().update()

    def _set_panel_visible(self, visible: bool) -> None:
        self.detail.setVisible(visible or self._detail_mode)
        self.settings.set_detail_visible(visible)

    # -- detail view ---------------------------------------------------------------------------
    def toggle_detail_mode(self) -> None:
        if self._detail_mode:
            self.leave_detail_mode()
        elif self.grid.currentIndex().isValid():
            self._detail_mode = True
            self.detail.show()
            self.grid.hide()
            self._show_current_in_detail()
            self.detail.setFocus()
            self.detailModeChanged.emit(True)

    def leave_detail_mode(self) -> None:
        if not self._detail_mode:
            return
        self._detail_mode = False
        self.detailModeChanged.emit(False)
        self.grid.show()
        self.detail.setVisible(self.panel_action.isChecked())
        self.grid.setFocus()
        current = self.grid.currentIndex()
        if current.isValid():
            self.grid.scrollTo(current)

    @property
    def in_detail_mode(self) -> bool:
        return self._detail_mode

    def _show_current_in_detail(self) -> None:
        if not self.detail.isVisible():
            return
        current = self.grid.currentIndex()
        record = self.model.record_at(current.row()) if current.isValid() else None
        try:
            self.detail.show_photo(record)
        except Exception as exc:
            self.notifier.error("The photo cannot be shown", str(exc))

    # -- other windows -------------------------------------------------------------------------
    def show_quarantine_window(self) -> QuarantineWindow | None:
        if self._quarantine_window is None:
            self._quarantine_window = QuarantineWindow(self.file_ops, self)
        self._quarantine_window.show()
        self._quarantine_window.raise_()
        self._quarantine_window.activateWindow()
        return self._quarantine_window

    def _rebuild_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_folders()
        for folder in recent:
            act = self.recent_menu.addAction(folder)
            act.triggered.connect(lambda _c=False, f=folder: self.open_folder(f))
        self.recent_menu.setEnabled(bool(recent))
        if recent:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent Folders")
            clear.triggered.connect(self._clear_recent)
        while self.recent_box.count():
            item = self.recent_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if recent:
            heading = QLabel("Recent folders")
            heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
            heading.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            self.recent_box.addWidget(heading)
            for folder in recent[:5]:
                link = QPushButton(folder)
                link.setFlat(True)
                link.setCursor(Qt.CursorShape.PointingHandCursor)
                link.clicked.connect(lambda _c=False, f=folder: self.open_folder(f))
                self.recent_box.addWidget(link, 0, Qt.AlignmentFlag.AlignHCenter)

    def _clear_recent(self) -> None:
        self.settings.clear_recent_folders()
        self._rebuild_recent()

    def _about(self) -> None:
        from dropletcleaner import __version__

        bundle = self.bundle
        model = "loading…" if bundle is None else bundle.loaded.version
        if bundle is not None and not bundle.loaded.trained:
            model += " (untrained)"
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Finds photos spoiled by water drops on the lens, explains why with heat maps, "
            "and moves them aside safely. Everything runs on this computer.</p>"
            f"<p>Model: {model}</p>",
        )

    def _show_keys(self) -> None:
        show_shortcuts(self)  # every action with a shortcut, read from the actions

    # -- state ---------------------------------------------------------------------------------
    def _update_actions(self, *_args: object) -> None:
        has_folder = self.root is not None
        has_selection = bool(self.grid.selectionModel().hasSelection()) or (
            self.grid.currentIndex().isValid()
        )
        scanning = self.scans.is_running()
        self.rescan_action.setEnabled(has_folder and not scanning)
        self.stop_action.setEnabled(scanning and not self.scans.stopping())
        for act in (self.droplet_action, self.clean_action, self.clear_label_action):
            act.setEnabled(has_selection)
        self.quarantine_action.setEnabled(has_selection)
        self.xmp.update_enabled(scanning)
        self._update_history_actions()
        self.details_action.setEnabled(self.grid.currentIndex().isValid())
        # `self.bundle`, not the handle the loader thread fills: what the window shows must not
        # depend on how far that thread got (test_starts_on_the_welcome_page raced on it).
        self.retrain_action.setEnabled(not scanning and self.bundle is not None)
        for w in (self.filter_combo, self.sort_combo, self.threshold_slider):
            w.setEnabled(has_folder)
        self._update_summary()

    def _refresh_errors_soon(self) -> None:
        if not hasattr(self, "_errors_timer"):
            self._errors_timer = QTimer(self)
            self._errors_timer.setSingleShot(True)
            self._errors_timer.setInterval(500)
            self._errors_timer.timeout.connect(self._refresh_errors)
        self._errors_timer.start()

    def _refresh_errors(self) -> None:
        entries = [
            (r.path, r.error) for r in self.model.records() if r.error and r.state == STATE_PRESENT
        ]
        self.errors_panel.set_errors([(p, str(e)) for p, e in entries] + self._folder_errors)

    # -- closing -------------------------------------------------------------------------------
    # -- retraining ------------------------------------------------------------------------------
    def open_retrain_dialog(self) -> None:
        """Show the Retrain dialog; an accepted model is loaded and the grid re-sorted."""
        catalog = self.catalog()
        if catalog is None:
            return
        if self.retrain_dialog is not None:
            self.retrain_dialog.raise_()
            return
        from dropletcleaner.gui.retrain_dialog import RetrainDialog  # torch: only when asked

        dialog = RetrainDialog(catalog, self)
        dialog.modelAccepted.connect(self._on_model_retrained)
        dialog.finished.connect(self._on_retrain_dialog_closed)
        self.retrain_dialog = dialog
        dialog.open()  # window-modal, without a nested event loop

    def _on_retrain_dialog_closed(self) -> None:
        if self.retrain_dialog is not None:
            self.retrain_dialog.deleteLater()
        self.retrain_dialog = None

    def _on_model_retrained(self, version: str) -> None:
        # The dialog re-scored the catalog; reload the scorer for later scans and re-sort now.
        self._old_loaders.append(self._loader)
        self.model_handle = ModelHandle()
        self.bundle = None
        self._loader = ModelLoader(self.ctx.model_factory, self.model_handle)
        self._loader.loaded.connect(self._on_model_loaded)
        self._loader.failed.connect(self._on_model_failed)
        self._loader.start()
        self.reload_from_catalog()
        self._show_current_in_detail()  # the panel's score line is the new model's
        dialog = self.retrain_dialog
        note = dialog.threshold_note(self.settings.threshold()) if dialog else ""
        self.notifier.info(
            "Retrained model in use",
            f"Model {version} re-scored your photos; the grid is re-sorted.{note}",
        )
        self._update_actions()

    def reload_from_catalog(self) -> None:
        """Re-read this folder's rows (scores, labels, states) from the catalog and re-sort."""
        catalog = self.catalog()
        if catalog is None or self.root is None:
            return
        self.model.replace_all(catalog.photos(self.root))
        self._select_first_if_none()
        self._update_summary()

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
        if self.ends_process:
            self.file_ops.shutdown()
            # SQLite rolls back a transaction cut short, so a scan need not finish.
            self.scans.shutdown(timeout_ms=EXIT_GRACE_MS)
            if self._catalog is not None:
                self._catalog.close()
                self._catalog = None
            return
        self.scans.shutdown()
        self.file_ops.shutdown()
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


def quarantine_question(paths: Sequence[str], size: str, dest: str) -> tuple[str, str]:
    """The confirmation's question and its details; one photo is named, a few are listed."""
    names = [os.path.basename(p) for p in paths]
    if len(names) == 1:
        text = f"Move “{names[0]}” ({size}) to the quarantine?"
    else:
        text = f"Move {len(names):,} photos ({size}) to the quarantine?"
    listed = ""
    if 1 < len(names) <= 5:
        listed = "\n".join(names) + "\n\n"
    elif len(names) > 5:
        listed = "\n".join(names[:4]) + f"\n… and {len(names) - 4:,} more\n\n"
    them = "it" if len(names) == 1 else "them"
    informative = (
        f"{listed}Moved to:\n{dest}\n\nNothing is deleted. Undo with Ctrl+Z, or restore "
        f"{them} any time from File ▸ Quarantine Window."
    )
    return text, informative


def scan_status_text(status: ScanStatus) -> str:
    """The status-bar line for a scan in progress."""
    if status.phase == "loading":
        return "Loading the droplet model…"
    if status.phase == "discovering":
        return f"Looking for photos… {status.done:,} found"
    if not status.total:
        return "Checking what changed…"
    text = f"Scanning {status.done:,} of {status.total:,}"
    if status.rate:
        text += f" · {status.rate:.1f} photos/s"
    if status.eta_s is not None and status.done < status.total:
        text += f" · about {_duration(status.eta_s)} left"
    if status.errors:
        text += f" · {status.errors:,} unreadable"
    return text


def _duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def _is_inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/\\") + os.sep)
