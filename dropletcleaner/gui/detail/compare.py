"""Compare: two or more selected photos side by side, zoomed and panned together.

Bursts are where a photographer picks the dry frame, so **N** (Photo ▸ Compare Selected,
as Lightroom's survey view) shows up to :data:`MAX_PANES` selected photos in a grid of
loupes. Zooming (Z, Space, the wheel) or dragging one pane moves every pane to the same
:class:`~dropletcleaner.gui.detail.loupe.ViewState`: the same zoom factor (100 % is 100 % in
each) around the same point, as a fraction of each photo, so the same spot of every frame
is under the eye. Each pane decodes its own preview, and its full resolution once zoomed,
on its own thread. The droplet map is drawn as in the large view (H hides it).

Clicking a pane selects that photo alone, so D, C, U and Q act on the one the user picked;
a highlighted frame shows which photos are selected. Esc goes back to the grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence, QPalette
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.names import printable
from dropletcleaner.gui.detail import overlay
from dropletcleaner.gui.detail.full_res import FullResolution
from dropletcleaner.gui.detail.loupe import FIT, LoupeCanvas, ViewState
from dropletcleaner.gui.detail.preview import PreviewKey, PreviewLoader
from dropletcleaner.gui.scores import score_line

if TYPE_CHECKING:
    from dropletcleaner.gui.window.parts import WindowParts

MAX_PANES = 6  # beyond six, panes are too small to judge drops on
PREVIEW_SIDE = 2048


class ComparePane(QFrame):
    """One photo of the comparison: its loupe, name and score."""

    def __init__(self, record: PhotoRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = record
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(3)
        self.canvas = LoupeCanvas(self)
        self.canvas.set_message("Loading…")
        self.canvas.set_size_hint(record.width, record.height)
        self.name_label = QLabel(printable(record.name), self)
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.score_label = QLabel(self)
        self.score_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.score_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(2)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.name_label)
        column.addWidget(self.score_label)
        self.previews = PreviewLoader(1, self)
        self.previews.loaded.connect(self._on_preview)
        self.previews.failed.connect(lambda _g, _p, reason: self.canvas.set_message(reason))
        self.full_resolution = FullResolution(self.canvas, self)
        self.full_resolution.set_photo(record.path, record.fingerprint)
        if record.error:
            self.canvas.set_message("This photo could not be read.")
        else:
            self.previews.request(0, (record.path, record.fingerprint or "", PREVIEW_SIDE))
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        role = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Window
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.WindowText, pal.color(role))
        self.setPalette(pal)
        self.selected = selected

    @property
    def has_photo(self) -> bool:
        return self.canvas.has_photo

    def active_workers(self) -> int:
        return self.previews.active_workers() + self.full_resolution.active_workers()

    def shutdown(self) -> None:
        self.previews.shutdown()
        self.full_resolution.shutdown()

    def _on_preview(self, _generation: int, _key: PreviewKey, image: QImage) -> None:
        self.canvas.set_photo(image)


class CompareView(QWidget):
    """Panes in a near-square grid, one view state for all of them."""

    paneClicked = Signal(object)  # ComparePane

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panes: list[ComparePane] = []
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        self._layout.setSpacing(6)
        self._syncing = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def set_records(self, records: Sequence[PhotoRecord]) -> None:
        self.clear()
        columns = math.ceil(math.sqrt(len(records))) if records else 1
        if len(records) == 2:
            columns = 2  # side by side, the usual burst comparison
        for i, record in enumerate(records):
            pane = ComparePane(record, self)
            pane.canvas.viewChanged.connect(self._sync)
            pane.canvas.installEventFilter(self)
            self._layout.addWidget(pane, i // columns, i % columns)
            self.panes.append(pane)

    def clear(self) -> None:
        for pane in self.panes:
            pane.shutdown()
            self._layout.removeWidget(pane)
            pane.deleteLater()
        self.panes = []

    @property
    def view(self) -> ViewState:
        return self.panes[0].canvas.view if self.panes else FIT

    def toggle_zoom(self) -> None:
        if self.panes:
            self.panes[0].canvas.toggle_zoom()  # the others follow through _sync

    def _sync(self, view: ViewState) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            for pane in self.panes:
                pane.canvas.set_view(view)
        finally:
            self._syncing = False

    def active_workers(self) -> int:
        return sum(p.active_workers() for p in self.panes)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            for pane in self.panes:
                if pane.canvas is watched:
                    self.paneClicked.emit(pane)
        return False


class CompareMode(QObject):
    """The Compare action (N), the compare page of the window's stack, and Esc to leave."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        self.view = CompareView()
        self.view.paneClicked.connect(self._select_pane)
        window.stack.addWidget(self.view)
        self.action = QAction("Co&mpare Selected", window)
        self.action.setShortcut(QKeySequence(Qt.Key.Key_N))
        tip = "Two or more selected photos side by side, zoomed and panned together"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.triggered.connect(self.enter)
        window.addAction(self.action)
        self.leave_action = QAction("Leave Compare", window)
        self.leave_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.leave_action.setEnabled(False)  # Esc is "Back to Grid" until compare opens
        self.leave_action.triggered.connect(self.leave)
        window.addAction(self.leave_action)
        selection = window.grid.selectionModel()
        selection.selectionChanged.connect(self._on_selection)
        window.model.rowsRemoved.connect(self._prune)
        window.model.modelReset.connect(self._prune)
        window.detail.toggle_heatmap_action.toggled.connect(self._show_maps)
        window.detail.opacity_slider.valueChanged.connect(lambda _v: self._show_maps())
        self._on_selection()

    @property
    def active(self) -> bool:
        return self._window.stack.currentWidget() is self.view

    def enter(self) -> None:
        w = self._window
        paths = w.selected_paths()
        if len(paths) < 2:
            w.statusBar().showMessage("Select two or more photos to compare them.", 4000)
            return
        records = [r for p in paths[:MAX_PANES] if (r := w.model.record(p)) is not None]
        if len(paths) > MAX_PANES:
            w.statusBar().showMessage(
                f"Comparing the first {MAX_PANES} of {len(paths):,} selected photos.", 6000
            )
        w.leave_detail_mode()
        self.view.set_records(records)
        self._load_maps()
        self._on_selection()
        w.stack.setCurrentWidget(self.view)
        # One Esc: while comparing it leaves the comparison, not the large view.
        w.back_action.setEnabled(False)
        self.leave_action.setEnabled(True)
        self.view.setFocus()

    def leave(self) -> None:
        w = self._window
        if not self.active:
            return
        self.view.clear()
        w.stack.setCurrentWidget(w.splitter)
        self.leave_action.setEnabled(False)
        w.back_action.setEnabled(True)
        w.grid.setFocus()
        current = w.grid.currentIndex()
        if current.isValid():
            w.grid.scrollTo(current)

    def toggle_zoom(self) -> None:
        self.view.toggle_zoom()

    def shutdown(self) -> None:
        self.view.clear()

    def active_workers(self) -> int:
        return self.view.active_workers()

    # -- internals -------------------------------------------------------------------------
    def _select_pane(self, pane: ComparePane) -> None:
        self._window.select_path(pane.record.path)

    def _on_selection(self, *_args: object) -> None:
        selected = set(self._window.selected_paths())
        self.action.setEnabled(len(selected) >= 2)
        for pane in self.view.panes:
            pane.set_selected(pane.record.path in selected)
            record = self._window.model.record(pane.record.path)
            if record is not None:
                pane.score_label.setText(score_line(record.score, self._window.threshold()))

    def _prune(self, *_args: object) -> None:
        if not self.active:
            return
        model = self._window.model
        if sum(model.row_of(p.record.path) is not None for p in self.view.panes) < 2:
            self.leave()  # quarantined, or another folder: nothing left to compare

    def _load_maps(self) -> None:
        for pane in self.view.panes:
            record = pane.record
            grid = None if record.error else self._window._droplet_map_of(record)
            aspect = record.width / record.height if record.width and record.height else 1.5
            pane.canvas.set_heat(overlay.map_layer(grid, aspect) if grid is not None else None)
        self._show_maps()

    def _show_maps(self, *_args: object) -> None:
        # The large view's H and opacity apply here too: one overlay setting for the app.
        detail = self._window.detail
        for pane in self.view.panes:
            pane.canvas.set_heat_visible(detail.heatmap_visible)
            pane.canvas.set_opacity(detail.opacity)
