"""The main window's Undo and Redo (Edit menu, Ctrl+Z / Ctrl+Shift+Z), as a mixin.

Labels are put back in the catalog at once; a quarantine is undone by restoring its batch
and redone by quarantining the same photos again, both on the file-operations thread.
The menu items say what they will do ("Undo Mark as Droplet (1 photo)"), and an entry that
would change nothing is skipped (see :mod:`dropletcleaner.gui.history`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from dropletcleaner.core.catalog.photos import STATE_PRESENT, STATE_QUARANTINED, Catalog
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.history import Entry, History, LabelUndo, QuarantineUndo

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtWidgets import QStatusBar

    from dropletcleaner.gui.grid.model import PhotoModel
    from dropletcleaner.gui.notifier import Notifier
    from dropletcleaner.gui.quarantine.queue import QuarantineQueue


@dataclass(frozen=True)
class QuarantineTag:
    paths: tuple[str, ...]
    anchor_row: int  # where the selection was, to select the next photo afterwards
    redo: bool = False  # a redo: the undo history keeps what can still be redone


@dataclass(frozen=True)
class UndoTag:
    entry: QuarantineUndo  # restored for an undo: redo quarantines it again


class UndoRedoMixin:
    """Undo/redo for :class:`~dropletcleaner.gui.window.MainWindow`."""

    history: History
    undo_action: QAction
    redo_action: QAction
    model: PhotoModel
    quarantine_queue: QuarantineQueue
    notifier: Notifier
    root: str | None

    if TYPE_CHECKING:  # provided by MainWindow

        def catalog(self) -> Catalog | None: ...
        def select_paths(self, paths: Sequence[str]) -> None: ...
        def statusBar(self) -> QStatusBar: ...
        def _show_current_in_detail(self) -> None: ...
        def _update_actions(self, *_args: object) -> None: ...

    def _history_noop(self, entry: Entry, undoing: bool) -> bool:
        """Whether undoing (or redoing) ``entry`` would change nothing now."""
        if isinstance(entry, LabelUndo):
            wanted = entry.previous if undoing else dict.fromkeys(entry.previous, entry.label)
            return all(
                (rec := self.model.record(p)) is None or rec.label == label
                for p, label in wanted.items()
            )
        state = STATE_QUARANTINED if undoing else STATE_PRESENT
        return not any(
            (rec := self.model.record(p)) is not None and rec.state == state for p in entry.paths
        )

    def _push_undo(self, entry: Entry, *, from_redo: bool = False) -> None:
        self.history.push(entry, from_redo=from_redo)
        self._update_actions()

    def _update_history_actions(self) -> None:
        self.undo_action.setText(self.history.undo_text())
        self.redo_action.setText(self.history.redo_text())
        self.undo_action.setEnabled(self.history.next_undo() is not None)
        self.redo_action.setEnabled(self.history.next_redo() is not None)

    def _relabel(self, labels: dict[str, str | None]) -> bool:
        catalog = self.catalog()
        if catalog is None:
            return False
        by_label: dict[str | None, list[str]] = {}
        for path, label in labels.items():
            by_label.setdefault(label, []).append(path)
        try:
            for label, paths in by_label.items():
                catalog.set_label(paths, label)
        except Exception as exc:
            self.notifier.error("The label could not be changed", str(exc))
            return False
        for label, paths in by_label.items():
            self.model.upsert(self.model.with_label(paths, label), resort=False)
        self.select_paths(list(labels))
        self._show_current_in_detail()
        return True

    def undo(self) -> None:
        entry = self.history.pop_undo()
        if entry is None:
            self.statusBar().showMessage("Nothing to undo.", 3000)
        elif isinstance(entry, LabelUndo):
            if self._relabel(entry.previous):
                self.history.push_redo(entry)
                n = plural(len(entry.previous), "photo")
                self.statusBar().showMessage(f"Label undone on {n}.", 4000)
            else:
                self.history.push(entry, from_redo=True)  # still there to undo
        else:
            self.quarantine_queue.restore(batch_id=entry.batch_id, tag=UndoTag(entry))
            self.statusBar().showMessage("Putting the photos back…")
        self._update_actions()

    def redo(self) -> None:
        entry = self.history.pop_redo()
        if entry is None:
            self.statusBar().showMessage("Nothing to redo.", 3000)
        elif isinstance(entry, LabelUndo):
            if self._relabel(dict.fromkeys(entry.previous, entry.label)):
                self.history.push(entry, from_redo=True)
                n = plural(len(entry.previous), "photo")
                self.statusBar().showMessage(f"Label redone on {n}.", 4000)
            else:
                self.history.push_redo(entry)
        elif self.root is not None:
            present = [
                p
                for p in entry.paths
                if (rec := self.model.record(p)) is not None and rec.state == STATE_PRESENT
            ]
            rows = [r for p in present if (r := self.model.row_of(p)) is not None]
            tag = QuarantineTag(tuple(present), min(rows, default=0), redo=True)
            self.quarantine_queue.quarantine(present, self.root, tag=tag)
            self.statusBar().showMessage(f"Moving {plural(len(present), 'photo')} aside again…")
        self._update_actions()
