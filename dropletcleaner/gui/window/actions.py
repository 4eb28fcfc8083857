"""The main window's actions and menus, and which of them are enabled."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QStyle

from dropletcleaner.gui.context_menu import FolderDrop, PhotoMenu, show_shortcuts
from dropletcleaner.gui.detail.compare import CompareMode
from dropletcleaner.gui.detail.large_view import LargeView
from dropletcleaner.gui.grid.model import FILTER_TITLES, SORT_TITLES, Filter, SortKey
from dropletcleaner.gui.grid.thumb_size import ThumbSize
from dropletcleaner.gui.model_info import ModelInfo
from dropletcleaner.gui.quarantine.window import QuarantineWindow
from dropletcleaner.gui.same_shot_actions import SameShotActions
from dropletcleaner.gui.shortcuts_dialog import HELP_NAME
from dropletcleaner.gui.window.context import APP_NAME
from dropletcleaner.gui.window.parts import WindowParts
from dropletcleaner.gui.xmp_actions import XmpActions


class ActionsMixin(WindowParts):
    """The main window's actions and menus, and which of them are enabled."""

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
        # Their texts say what they would do ("Undo Quarantine (2 photos)"); the keyboard help
        # names them as they always are.
        self.undo_action.setProperty(HELP_NAME, "Undo")
        self.redo_action.setProperty(HELP_NAME, "Redo")
        self.select_all_action = self._action(
            "Select &All", lambda: self.grid.selectAll(), [QKeySequence.StandardKey.SelectAll]
        )
        self._build_photo_actions()

    def _build_photo_actions(self) -> None:
        """Label, quarantine, views of the photos, retraining and help."""
        sp = QStyle.StandardPixmap
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

    def _build_menus(self) -> None:
        self.large_view = LargeView(self)  # filmstrip, "n of N", Left/Right, Z/Space loupe
        self.compare = CompareMode(self)  # N: the selected photos side by side
        self.thumb_size = ThumbSize(self)  # the size slider, Ctrl+plus / Ctrl+minus
        self.xmp = XmpActions(self)  # tag flagged photos' XMP sidecars, now or after scans
        self.same_shot = SameShotActions(self)  # S / Shift+S: the other frames of a shot
        self.model_info = ModelInfo(self)  # the Model menu's line and About the Model…
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
        self._build_photo_menu(menu.addMenu("&Photo"))
        self._build_view_menu(menu.addMenu("&View"))

        model_menu = menu.addMenu("&Model")
        model_menu.addAction(self.model_info.line_action)  # which model, before what to do
        model_menu.addAction(self.model_info.about_action)
        model_menu.addSeparator()
        model_menu.addAction(self.retrain_action)

        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.keys_action)
        help_menu.addAction(self.about_action)

        self.photo_menu = PhotoMenu(self)  # right-click: reveal, open, copy path, label, …
        self.folder_drop = FolderDrop(self)  # a folder dropped on the window opens

    def _build_photo_menu(self, photo: QMenu) -> None:
        photo.addAction(self.droplet_action)
        photo.addAction(self.clean_action)
        photo.addAction(self.clear_label_action)
        photo.addAction(self.same_shot.select_action)
        photo.addAction(self.same_shot.offer_action)
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

    def _build_view_menu(self, view: QMenu) -> None:
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
        self.detail.shown.connect(self._show_current_in_detail)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.grid.doubleClicked.connect(lambda _index: self.toggle_detail_mode())
        self.errors_panel.photoActivated.connect(self.select_path)

        self.scans.snapshot.connect(self._on_scan_snapshot)
        self.scans.rows.connect(self._on_scan_rows)
        self.scans.progress.connect(self._on_scan_progress)
        self.scans.finished.connect(self._on_scan_finished)
        self.scans.failed.connect(self._on_scan_failed)
        self.scans.runningChanged.connect(lambda _running: self._update_actions())
        self.quarantine_queue.finished.connect(self._on_file_op)
        self.quarantine_queue.progress.connect(self._on_file_progress)
        self.quarantine_queue.busyChanged.connect(lambda _busy: self._update_actions())

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
        self.same_shot.select_action.setEnabled(has_selection)
        self.xmp.update_enabled(scanning)
        self._update_history_actions()
        self.details_action.setEnabled(self.grid.currentIndex().isValid())
        # `self.bundle`, not the handle the loader thread fills: what the window shows must not
        # depend on how far that thread got (test_starts_on_the_welcome_page raced on it).
        self.retrain_action.setEnabled(not scanning and self.bundle is not None)
        for w in (self.filter_combo, self.sort_combo):
            w.setEnabled(has_folder)
        # Not before the model is in: the slider's value until then is not its threshold.
        self.threshold_slider.setEnabled(has_folder and self.bundle is not None)
        self._update_summary()

    def show_quarantine_window(self) -> QuarantineWindow | None:
        if self._quarantine_window is None:
            self._quarantine_window = QuarantineWindow(self.quarantine_queue, self)
        self._quarantine_window.show()
        self._quarantine_window.raise_()
        self._quarantine_window.activateWindow()
        return self._quarantine_window

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
