"""The Quarantine window: batches of moved photos, with Restore and Empty (to the system trash).

It only asks the shared :class:`~dropletcleaner.gui.quarantine.queue.QuarantineQueue`
worker for lists and operations; the main window applies every result to the grid, so
both stay in step.
Emptying always asks first: it is the one step that leaves the library for good.

Each batch says whether it is still in quarantine, restored or emptied (a batch undone and
then redone is listed once, as the redo's batch); the files of the selected one show
thumbnails, and **Restore photo** (or a double-click) puts back only the selected photos.
Esc or Ctrl+W closes the window.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.core.wording import file_size
from dropletcleaner.gui.quarantine.queue import FileOpResult, QuarantineQueue
from dropletcleaner.gui.quarantine.view import (
    MAX_THUMBS,
    THUMB_SIDE,
    state_text,
    thumbnail,
)

_TAG = "quarantine-window"


@dataclass(frozen=True)
class _FilesTag:
    """Tags a files request with its batch, so a late answer for another batch is dropped."""

    batch_id: str


# The app and the command line say sizes the same way.
human_size = file_size


class QuarantineWindow(QWidget):
    """A separate, non-modal window listing quarantine batches."""

    confirmEmpty = Signal(int, int)  # files, bytes (emitted before asking; for tests)

    def __init__(self, quarantine_queue: QuarantineQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Quarantine — DropletCleaner")
        self.resize(820, 520)
        self._ops = quarantine_queue
        self._batches: list[Any] = []
        # Replaced in tests; returns whether the user agreed to empty.
        self.ask_empty = self._ask_empty

        intro = QLabel(
            "Quarantined photos were <b>moved, not deleted</b>. Restore puts them back exactly "
            "where they were. Empty moves them to the system trash."
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._build_lists(), 1)
        self.status = QLabel()
        layout.addWidget(self.status)
        layout.addLayout(self._build_buttons())

        for keys in ("Esc", "Ctrl+W"):
            QShortcut(QKeySequence(keys), self, self.close)
        quarantine_queue.finished.connect(self._on_result)
        self._update_buttons()

    def _build_lists(self) -> QSplitter:
        """The batches above, the files of the selected one below."""
        self.batches = QTreeWidget()
        self.batches.setHeaderLabels(["When", "Photos", "Size", "Still here", "State", "Kept in"])
        self.batches.setRootIsDecorated(False)
        self.batches.setUniformRowHeights(True)
        self.batches.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.batches.header().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.batches.currentItemChanged.connect(self._batch_selected)

        self.files = QTreeWidget()
        self.files.setHeaderLabels(["Original location", "Now at"])
        self.files.setRootIsDecorated(False)
        self.files.setUniformRowHeights(True)
        self.files.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.files.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.files.itemSelectionChanged.connect(self._update_buttons)
        self.files.itemDoubleClicked.connect(lambda *_: self.restore_photos())
        self.files.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.batches)
        split.addWidget(self.files)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        return split

    def _build_buttons(self) -> QHBoxLayout:
        style = self.style()
        self.restore_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Restore batch"
        )
        self.restore_button.setToolTip("Put the photos of the selected batch back where they were")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_photo_button = QPushButton("Restore photo")
        self.restore_photo_button.setToolTip("Put only the selected photos back (double-click)")
        self.restore_photo_button.clicked.connect(self.restore_photos)
        self.restore_all_button = QPushButton("Restore all")
        self.restore_all_button.clicked.connect(self.restore_all)
        self.empty_button = QPushButton(
            style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon), "Empty batch…"
        )
        self.empty_button.setToolTip("Move the selected batch's photos to the system trash")
        self.empty_button.clicked.connect(self.empty_selected)
        self.empty_all_button = QPushButton("Empty all…")
        self.empty_all_button.clicked.connect(self.empty_all)
        refresh = QPushButton(style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "Refresh")
        refresh.clicked.connect(self.refresh)

        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.restore_photo_button)
        buttons.addWidget(self.restore_all_button)
        buttons.addSpacing(16)
        buttons.addWidget(self.empty_button)
        buttons.addWidget(self.empty_all_button)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        return buttons

    # -- actions -------------------------------------------------------------------------------
    def refresh(self) -> None:
        self.status.setText("Reading the quarantine…")
        self._ops.list_batches(tag=_TAG)

    def photos_in_quarantine(self) -> int:
        """Photos still in quarantine, as last listed."""
        return sum(b.open_count for b in self._batches)

    def selected_batch(self) -> Any | None:
        item = self.batches.currentItem()
        if item is None:
            return None
        row = self.batches.indexOfTopLevelItem(item)
        return self._batches[row] if 0 <= row < len(self._batches) else None

    def restore_selected(self) -> None:
        batch = self.selected_batch()
        if batch is not None:
            self.status.setText("Restoring…")
            self._ops.restore(batch_id=batch.batch_id, tag=_TAG)

    def selected_files(self) -> list[str]:
        """Original paths of the photos selected in the files list."""
        return [item.text(0) for item in self.files.selectedItems()]

    def restore_photos(self) -> None:
        """Put back only the photos selected in the files list."""
        paths = self.selected_files()
        if paths:
            self.status.setText("Restoring…")
            self._ops.restore(paths=paths, tag=_TAG)

    def restore_all(self) -> None:
        if self._batches:
            self.status.setText("Restoring everything…")
            self._ops.restore(all_batches=True, tag=_TAG)

    def empty_selected(self) -> None:
        batch = self.selected_batch()
        if batch is None:
            return
        size = batch.size_bytes * batch.open_count // max(1, batch.count)
        if self.ask_empty(batch.open_count, size, str(batch.destination_root)):
            self.status.setText("Moving to the trash…")
            self._ops.empty(batch_id=batch.batch_id, tag=_TAG)

    def empty_all(self) -> None:
        files = self.photos_in_quarantine()
        if not files:
            return
        size = sum(b.size_bytes * b.open_count // max(1, b.count) for b in self._batches)
        if self.ask_empty(files, size, "every quarantine folder"):
            self.status.setText("Moving to the trash…")
            self._ops.empty(tag=_TAG)

    def _ask_empty(self, files: int, size: int, where: str) -> bool:
        self.confirmEmpty.emit(files, size)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Empty quarantine")
        box.setText(
            f"Move {files:,} photo{'s' if files != 1 else ''} ({human_size(size)}) "
            "to the system trash?"
        )
        box.setInformativeText(
            f"From {where}. They leave your library; you can still get them back from the "
            "system trash until it is emptied."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        trash = box.addButton("Move to Trash", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is trash

    # -- results -------------------------------------------------------------------------------
    def _on_result(self, result: FileOpResult) -> None:
        if result.op == "batches" and result.tag == _TAG:
            self._show_batches(result)
            return
        if result.op == "files" and isinstance(result.tag, _FilesTag):
            batch = self.selected_batch()
            if batch is not None and batch.batch_id == result.tag.batch_id:
                self._show_files(result.files)
            return
        if result.op in ("quarantine", "restore", "undo", "empty", "recover"):
            if result.tag == _TAG and result.error is None and result.report is not None:
                self.status.setText(_describe(result))
            elif result.tag == _TAG:
                self.status.setText("")
            if self.isVisible():
                self.refresh()

    def _show_batches(self, result: FileOpResult) -> None:
        if result.error is not None:
            self.status.setText("")
            return  # the main window's notifier already shows the error
        previous = self.selected_batch()
        # Restore and empty batches are history; only quarantine batches hold photos. A
        # batch undone then redone shows once: the redo's batch holds the same photos, and
        # the undone one beneath it read as a second move.
        self._batches = [b for b in result.batches if b.kind == "quarantine" and not b.moved_again]
        # Rebuilt silently, then the files asked for once, below.
        blocker = QSignalBlocker(self.batches)
        self.batches.clear()
        select = None
        for b in self._batches:
            when = datetime.datetime.fromtimestamp(b.created_at).strftime("%Y-%m-%d %H:%M")
            item = QTreeWidgetItem(
                [
                    when,
                    f"{b.count:,}",
                    human_size(b.size_bytes),
                    f"{b.open_count:,}",
                    state_text(result.states.get(b.batch_id, {}), b.open_count, b.count),
                    str(b.destination_root),
                ]
            )
            item.setToolTip(5, str(b.destination_root))
            for col in (1, 2, 3):
                item.setTextAlignment(
                    col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
            if b.open_count == 0:
                item.setDisabled(True)  # fully restored or emptied: history only
            self.batches.addTopLevelItem(item)
            if previous is not None and b.batch_id == previous.batch_id and b.open_count:
                select = item
        for col in range(5):
            self.batches.resizeColumnToContents(col)
        # A disabled row never becomes current, so fall back on the first batch that still
        # holds photos; with none, the files list must empty rather than keep stale rows.
        if select is None:
            select = next(
                (self.batches.topLevelItem(i) for i, b in enumerate(self._batches) if b.open_count),
                None,
            )
        if select is not None:
            self.batches.setCurrentItem(select)
        blocker.unblock()
        self._batch_selected()
        open_files = self.photos_in_quarantine()
        self.status.setText(
            "The quarantine is empty."
            if not open_files
            else f"{open_files:,} photo{'s' if open_files != 1 else ''} in quarantine."
        )
        self._update_buttons()

    def _show_files(self, files: list[Any]) -> None:
        self.files.clear()
        for n, f in enumerate(files):
            item = QTreeWidgetItem([str(f.original), str(f.current)])
            if n < MAX_THUMBS:
                item.setIcon(0, thumbnail(f.current))
            item.setToolTip(0, str(f.original))
            item.setToolTip(1, str(f.current))
            self.files.addTopLevelItem(item)

    def _batch_selected(self, *_args: object) -> None:
        batch = self.selected_batch()
        self._update_buttons()
        if batch is None:
            self.files.clear()
        else:
            # The list is re-read after every operation: where each file is now, from the
            # journal; restored photos leave it.
            self._ops.list_files(batch.batch_id, tag=_FilesTag(batch.batch_id))

    def _update_buttons(self) -> None:
        batch = self.selected_batch()
        has_open = batch is not None and batch.open_count > 0
        self.restore_button.setEnabled(has_open)
        self.empty_button.setEnabled(has_open)
        self.restore_photo_button.setEnabled(has_open and bool(self.files.selectedItems()))
        anything = any(b.open_count for b in self._batches)
        self.restore_all_button.setEnabled(anything)
        self.empty_all_button.setEnabled(anything)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()


def _describe(result: FileOpResult) -> str:
    report = result.report
    verb = {"restore": "Restored", "undo": "Restored", "empty": "Moved to the trash"}.get(
        result.op, "Moved"
    )
    done = sum(1 for o in report.outcomes if o.status in ("moved", "restored", "trashed"))
    text = f"{verb}: {done:,}."
    failed = sum(1 for o in report.outcomes if o.status in ("failed", "skipped"))
    if failed:
        text += f" {failed:,} could not be handled (see the messages above the grid)."
    return text
