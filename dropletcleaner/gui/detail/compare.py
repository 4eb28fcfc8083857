"""Compare: two or more selected photos side by side, zoomed and panned together.

Bursts are where a photographer picks the dry frame, so **N** (Photo ▸ Compare Selected,
as Lightroom's survey view) shows up to :data:`MAX_PANES` selected photos in a grid of
loupes. Zooming (Z, Space, the wheel) or dragging one pane moves every pane to the same
:class:`~dropletcleaner.gui.detail.loupe.ViewState`: the same zoom factor (100 % is 100 % in
each) around the same point, as a fraction of each photo, so the same spot of every frame
is under the eye. Each pane decodes its own preview, and its full resolution once zoomed,
on its own thread. The droplet map is drawn as in the large view: the panel's H action is
attached to the compare page too, so H shows and hides it on every pane.

What the keys act on is always on screen. Entering narrows the selection to the compared
photos (the first :data:`MAX_PANES` of a bigger one); clicking a pane selects that photo
alone, so D, C, U and Q act on the one the user picked; Ctrl+A picks every pane. Any other
change of the selection while comparing (D's move to the next grid photo, Undo, S) is put
back on the picked panes, and a pane whose photo leaves the grid (quarantined, filtered
out) is removed. A highlighted frame shows the pick. Esc goes back to the grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QObject, Qt, QTimer, Signal
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
        # The box is drawn in the frame's foreground role; changing the role, not the
        # palette, keeps the children's text (the name) in the normal text colour.
        role = QPalette.ColorRole.Highlight if selected else QPalette.ColorRole.Window
        self.setForegroundRole(role)
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
        for record in records:
            pane = ComparePane(record, self)
            pane.canvas.viewChanged.connect(self._sync)
            pane.canvas.installEventFilter(self)
            self.panes.append(pane)
        self._lay_out()

    def remove_panes(self, gone: Sequence[ComparePane]) -> None:
        """Drop these panes (their photos left the grid); the rest close up, view kept."""
        for pane in gone:
            pane.shutdown()
            self._layout.removeWidget(pane)
            pane.deleteLater()
        self.panes = [p for p in self.panes if p not in gone]
        self._lay_out()

    def clear(self) -> None:
        self.remove_panes(list(self.panes))

    def _lay_out(self) -> None:
        count = len(self.panes)
        columns = math.ceil(math.sqrt(count)) if count else 1
        if count == 2:
            columns = 2  # side by side, the usual burst comparison
        for pane in self.panes:
            self._layout.removeWidget(pane)
        for i, pane in enumerate(self.panes):
            self._layout.addWidget(pane, i // columns, i % columns)

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
        # The panel (and its H) is hidden while comparing; one action on both pages keeps
        # one overlay setting and one line in the keyboard help, and is never ambiguous.
        self.view.addAction(window.detail.toggle_heatmap_action)
        self._pick: list[str] = []  # the panes' photos the keys act on while comparing
        self._applying = False
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(0)
        self._settle_timer.timeout.connect(self._settle)
        selection = window.grid.selectionModel()
        selection.selectionChanged.connect(self._keep_on_panes)
        selection.selectionChanged.connect(self._on_selection)
        selection.currentChanged.connect(lambda *_: self._settle_timer.start())
        window.model.rowsRemoved.connect(self._prune)
        window.model.modelReset.connect(self._prune)
        window.model.layoutChanged.connect(self._prune)  # a filter can take a pane's photo
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
                f"Comparing the first {MAX_PANES} of {len(paths):,} selected photos; "
                f"only they stay selected.",
                6000,
            )
        w.leave_detail_mode()
        self.view.set_records(records)
        self._load_maps()
        w.stack.setCurrentWidget(self.view)
        # The keys act on what is on screen: the rest of a bigger selection is let go.
        self._pick = [r.path for r in records]
        self._apply_pick()
        self._on_selection()
        # One Esc: while comparing it leaves the comparison, not the large view.
        w.back_action.setEnabled(False)
        self.leave_action.setEnabled(True)
        self.view.setFocus()

    def leave(self) -> None:
        w = self._window
        if not self.active:
            return
        self._settle_timer.stop()
        self.view.clear()
        self._pick = []
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
        if self._window.model.row_of(pane.record.path) is not None:
            self._pick = [pane.record.path]
            self._apply_pick()

    def _compared(self) -> list[str]:
        """The panes' photos that are still in the grid (and so can be selected)."""
        model = self._window.model
        return [p.record.path for p in self.view.panes if model.row_of(p.record.path) is not None]

    def _selected(self) -> set[str]:
        """The grid's selection itself, without the current-photo fallback."""
        w = self._window
        return {w.model.record_at(i.row()).path for i in w.grid.selectionModel().selectedIndexes()}

    def _apply_pick(self) -> None:
        """Select exactly the picked panes' photos, the current one among them."""
        w = self._window
        wanted = {p: i for p in self._pick if (i := w.model.index_of(p)).isValid()}
        if not wanted:
            return
        indexes = list(wanted.values())
        selection = QItemSelection()
        for index in indexes:
            selection.select(index, index)
        model = w.grid.selectionModel()
        flags = QItemSelectionModel.SelectionFlag
        self._applying = True
        try:
            if self._selected() != set(wanted):
                model.select(selection, flags.ClearAndSelect)
            if model.currentIndex() not in indexes:
                model.setCurrentIndex(indexes[0], flags.NoUpdate)
        finally:
            self._applying = False

    def _keep_on_panes(self, *_args: object) -> None:
        """Put the selection back on the picked panes when something else moved it."""
        if self._applying or not self.active:
            return
        compared, selected = self._compared(), self._selected()
        if selected and set(compared) <= selected:
            self._pick = compared  # Ctrl+A (or S with every pane picked): all the panes
        if selected - set(self._pick):
            # Added from outside (D's move to the next photo, Undo, S): undone at once, so
            # a key pressed next can never reach a photo that is not on screen.
            self._apply_pick()
        elif selected != set(self._pick):
            # Only fewer: rows are leaving (see _prune) or a selection is being rebuilt.
            self._settle_timer.start()

    def _settle(self) -> None:
        if self.active and not self._applying:
            self._apply_pick()

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
        compared = set(self._compared())
        if len(compared) < 2:
            self.leave()  # quarantined, or another folder: nothing left to compare
            return
        panes = self.view.panes
        gone = [p for p in panes if p.record.path not in compared]
        kept = [p for p in self._pick if p in compared]
        if not kept and self._pick:
            # The picked photos went (quarantined): pick the pane that came after them,
            # as the grid selects the photo that takes a quarantined one's place.
            first = min(i for i, p in enumerate(panes) if p.record.path in self._pick)
            left = [i for i, p in enumerate(panes) if p.record.path in compared]
            after = [i for i in left if i > first]
            kept = [panes[after[0] if after else left[-1]].record.path]
        self._pick = kept
        if gone:
            self.view.remove_panes(gone)
        self._apply_pick()
        self._on_selection()

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
