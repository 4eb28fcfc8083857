"""Opening and scanning folders, the model as it loads, and retraining it."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QFileDialog

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.grid.model import Filter
from dropletcleaner.gui.model_loading import ModelBundle, ModelHandle, ModelLoader
from dropletcleaner.gui.scans import ScanOutcome, ScanStatus
from dropletcleaner.gui.window.context import APP_NAME
from dropletcleaner.gui.window.parts import WindowParts


class ScanningMixin(WindowParts):
    """Opening and scanning folders, the model as it loads, and retraining it."""

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

    def _show_model_state(self) -> None:
        """The threshold's label and the Model menu's line: loading, loaded or failed."""
        self._update_threshold_label()
        self.model_info.refresh()

    def _on_model_loaded(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.model_error = None
        loaded = bundle.loaded
        self.untrained_banner.setVisible(not loaded.trained)
        self.threshold_info.set_metrics(loaded.card.metrics)
        if self.settings.threshold() is None:
            self._set_slider(loaded.threshold)
        # Also when the slider did not move (a saved threshold): it said "loading model…".
        self._show_model_state()
        self._update_counts()
        try:
            self.detail.set_model(loaded)
        except Exception as exc:
            self.notifier.error("The detail view could not use the model", str(exc))
        self._update_actions()

    def _on_model_failed(self, reason: str) -> None:
        self.model_error = reason
        self._show_model_state()
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

    def open_retrain_dialog(self) -> None:
        """Show the Retrain dialog; an accepted model is loaded and the grid re-sorted."""
        catalog = self.catalog()
        if catalog is None:
            return
        if self.retrain_dialog is not None:
            self.retrain_dialog.raise_()
            return
        from dropletcleaner.gui.retrain_dialog import RetrainDialog  # torch: only when asked

        dialog = RetrainDialog(catalog, self, user_threshold=self.settings.threshold())
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
        self.model_error = None
        self._show_model_state()  # until the new model is in, as at the start
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
