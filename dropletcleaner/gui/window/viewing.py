"""What the grid shows: filter, sort, threshold, counts, and the large view."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from dropletcleaner.core.catalog.photos import STATE_PRESENT
from dropletcleaner.gui.grid.model import FILTER_TITLES, Filter, SortKey
from dropletcleaner.gui.scores import threshold_text
from dropletcleaner.gui.window.parts import WindowParts

# The slider's number is the model's threshold (or the user's saved one): until the model
# is in, the toolbar says why there is none rather than show the slider's 0.50.
THRESHOLD_LOADING = "loading model…"
THRESHOLD_LOADING_TIP = "The droplet model is loading; its threshold is shown once it is ready"
THRESHOLD_NO_MODEL = "no model"
THRESHOLD_NO_MODEL_TIP = "The droplet model could not be loaded: there is no threshold to set"


class ViewMixin(WindowParts):
    """What the grid shows: filter, sort, threshold, counts, and the large view."""

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
        self._update_threshold_label()
        self.detail.set_threshold(value / 100.0)
        # Counts and badges follow the slider live; the grid re-filters once it settles.
        self.model.set_threshold(value / 100.0, refilter=False)
        self._update_counts()
        self._refilter_timer.start()

    def _update_threshold_label(self) -> None:
        """The number beside the slider, or why there is none yet (the model is not in)."""
        if self.bundle is not None:
            text, tip = threshold_text(self.threshold()), ""
        elif self.model_error is not None:
            text, tip = THRESHOLD_NO_MODEL, THRESHOLD_NO_MODEL_TIP
        else:
            text, tip = THRESHOLD_LOADING, THRESHOLD_LOADING_TIP
        self.threshold_label.setText(text)
        self.threshold_label.setToolTip(tip)

    def _threshold_settled(self) -> None:
        # Only a threshold the user picked is remembered; otherwise the model's default rules.
        if self._threshold_chosen:
            self.settings.set_threshold(self.threshold())
        self.model.refresh()
        self._update_empty_text()
        self._select_first_if_none()

    def _update_counts(self) -> None:
        c = self.model.counts()
        under = f" · {c.just_under:,} just under" if c.just_under else ""
        self.counts_label.setText(
            f"  {c.flagged:,} flagged of {c.total:,}{under}" if self.root is not None else ""
        )
        for i in range(self.filter_combo.count()):
            kind = Filter(self.filter_combo.itemData(i))
            self.filter_combo.setItemText(i, f"{FILTER_TITLES[kind]} ({c.for_filter(kind):,})")
        photos = c.total if self.root is not None else 0
        self.threshold_info.update_for(self.threshold(), photos, c.flagged)
        for act in self.filter_group.actions():
            kind = Filter(act.data())
            act.setText(f"{FILTER_TITLES[kind]} ({c.for_filter(kind):,})")
        if c.errors:
            self.errors_button.setText(f"{c.errors:,} unreadable")
            self.errors_button.show()
        else:
            self.errors_button.hide()
        self._update_summary()
        self._update_empty_text()  # a filter emptied by an undo or a restore says so
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
