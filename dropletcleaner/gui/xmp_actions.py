"""Photo ▸ Tag Flagged Photos in XMP Sidecars, its undo, and the option to tag after every scan.

The same merge as ``dropletcleaner tag FOLDER`` (:mod:`dropletcleaner.core.library.tagging`): the
flagged photos of the open folder, at the slider's threshold, get the keyword and score in
their sidecars; one journalled batch, which Undo XMP Tagging (and ``tag --undo``) restores
byte for byte. Sidecars are small and the plan reads only flagged photos' sidecars, so the
work runs on the GUI thread behind a busy cursor rather than on a worker.

Undo XMP Tagging is enabled only while the journal holds a batch that undo would restore
(one from an earlier session or from ``tag`` counts: undo restores it too), so it starts
disabled on a fresh catalog and goes grey again once the last batch is undone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication

from dropletcleaner.core.wording import plural

if TYPE_CHECKING:
    from dropletcleaner.gui.window.parts import WindowParts


class XmpActions(QObject):
    """The three actions, acting on the window's open folder, catalog and threshold."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        self.tag_action = QAction("Tag Flagged Photos in &XMP Sidecars", window)
        self.tag_action.setStatusTip(
            "Write the keyword 'water on lens' and the score into the flagged photos' XMP "
            "sidecars, for digiKam, darktable and Lightroom"
        )
        self.tag_action.triggered.connect(lambda: self.tag_now())
        self.undo_action = QAction("Undo XMP Ta&gging", window)
        self.undo_action.setStatusTip("Restore the sidecars of the latest tag batch")
        self.undo_action.triggered.connect(self.undo)
        self.auto_action = QAction("Tag XMP Sidecars After Every Sc&an", window)
        self.auto_action.setCheckable(True)
        self.auto_action.setChecked(window.settings.tag_after_scan())
        self.auto_action.toggled.connect(window.settings.set_tag_after_scan)
        self._scanning: bool | None = None
        self.refresh_undo()

    def _journal_dir(self) -> Path:
        from dropletcleaner.core.library.tagging import journal_dir_for
        from dropletcleaner.core.paths import default_catalog_path

        path = self._window.ctx.catalog_path
        return journal_dir_for(Path(path) if path is not None else default_catalog_path())

    def update_enabled(self, scanning: bool) -> None:
        self.tag_action.setEnabled(self._window.root is not None and not scanning)
        if scanning != self._scanning:  # not on every selection change: it lists a folder
            self._scanning = scanning
            self.refresh_undo()

    def refresh_undo(self) -> None:
        """Enable Undo XMP Tagging only when ``tagging.undo`` has a batch to restore.

        A journal holds every sidecar's original bytes, so this runs at a few moments (the
        window opening, a scan starting or ending, tagging, undo), not on every selection.
        """
        self.undo_action.setEnabled(self._has_batch_to_undo())

    def _has_batch_to_undo(self) -> bool:
        from dropletcleaner.core.library.tagging import can_undo

        return can_undo(self._journal_dir())

    def after_scan(self, cancelled: bool) -> None:
        """Tag now when the option is on and the scan ran to its end."""
        if self.auto_action.isChecked() and not cancelled:
            self.tag_now(after_scan=True)

    def tag_now(self, after_scan: bool = False) -> str | None:
        """Tag the open folder's flagged photos; returns the sentence shown, or ``None``."""
        from dropletcleaner.core.library import tagging

        w = self._window
        catalog = w.catalog()
        if w.root is None or catalog is None:
            return None
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            tag_plan = tagging.plan(catalog, Path(w.root), w.threshold())
            written, problems = (
                tagging.apply(tag_plan, self._journal_dir()) if tag_plan.changes else ([], [])
            )
        except OSError as exc:  # the journal's folder cannot be written: nothing was changed
            w.notifier.error("The XMP sidecars were not tagged", str(exc))
            return None
        finally:
            QGuiApplication.restoreOverrideCursor()
            self.refresh_undo()  # a journal may be written even when applying failed
        left = tag_plan.problems + problems
        text = (
            f"{plural(tag_plan.photos, 'flagged photo')}: {plural(len(written), 'sidecar')} "
            f"written, {len(tag_plan.unchanged)} already tagged, {len(left)} left alone."
        )
        details = "\n".join(f"{path}: {why}" for path, why in left)
        if left:
            w.notifier.warning("Some XMP sidecars were left alone", text, details)
        elif written or not after_scan:  # a rescan that changes nothing stays quiet
            w.notifier.info("XMP sidecars tagged", text)
        return text

    def undo(self) -> str:
        from dropletcleaner.core.library import tagging

        try:
            report = tagging.undo(self._journal_dir())
        finally:
            self.refresh_undo()  # the next batch back, if any, is what undo offers now
        if report.batch is None:
            text = "Nothing to undo: no tag batch is left."
        else:
            text = (
                f"{plural(len(report.restored), 'sidecar')} restored, {len(report.removed)} "
                f"removed, {len(report.conflicts)} left alone (changed since)."
            )
        self._window.notifier.info("XMP tagging undone", text)
        return text
