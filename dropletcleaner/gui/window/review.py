"""Reviewing: what is selected, labels, quarantine and the file operations' results."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QCheckBox, QMessageBox

from dropletcleaner.core.catalog.photos import STATE_PRESENT, Catalog, PhotoRecord
from dropletcleaner.core.jobs import Progress
from dropletcleaner.core.quarantine.names import default_quarantine_dir
from dropletcleaner.core.quarantine.trash import TRASH_REFUSED
from dropletcleaner.gui.history import LabelUndo, QuarantineUndo
from dropletcleaner.gui.quarantine.queue import FileOpResult
from dropletcleaner.gui.quarantine.window import human_size
from dropletcleaner.gui.undo_redo import QuarantineTag, UndoTag
from dropletcleaner.gui.window.parts import WindowParts


class ReviewMixin(WindowParts):
    """Reviewing: what is selected, labels, quarantine and the file operations' results."""

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
        if n == 1 and not self.compare.active:  # Compare stays on the pane labelled
            self._advance()
        self._show_current_in_detail()
        if label == "clean":  # a false alarm rarely comes alone: offer the rest of its shot
            self.same_shot.offer_after_marking_clean(paths)

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
        dest = str(default_quarantine_dir(Path(self.root)))
        if self.settings.confirm_quarantine():
            size = sum(rec.size for p in paths if (rec := self.model.record(p)) is not None)
            go, dont_ask = self.ask_quarantine(paths, size, dest)
            if not go:
                return
            if dont_ask:
                self.settings.set_confirm_quarantine(False)
        rows = [self.model.row_of(p) for p in paths]
        anchor = min(r for r in rows if r is not None) if any(r is not None for r in rows) else 0
        self.quarantine_queue.quarantine(paths, self.root, tag=QuarantineTag(tuple(paths), anchor))
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
            text = "; ".join(reasons[:3]) or "see the details"
            kept = sum(o.reason.startswith(TRASH_REFUSED) for o in problems)
            if result.op == "empty" and kept:
                text = text.rstrip(".") + ". " + trash_refused_next_step(kept)
            self.notifier.warning(
                f"{n:,} photo{'s were' if n != 1 else ' was'} not handled", text, details
            )

    def _on_file_progress(self, p: Progress) -> None:
        if p.total:
            self.statusBar().showMessage(
                f"{p.message or 'Moving photos'}: {p.done:,} of {p.total:,}"
            )


def trash_refused_next_step(n: int) -> str:
    """What to do with ``n`` photos the system trash did not take: they are still safe."""
    it, stays = ("it", "it stays") if n == 1 else ("them", "they stay")
    return (
        f"Nothing was deleted: {stays} in the quarantine. Restore {it}, or delete {it} "
        "yourself from the folder under “Kept in” in the Quarantine window (Ctrl+Shift+Q)."
    )


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


def _is_inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/\\") + os.sep)
