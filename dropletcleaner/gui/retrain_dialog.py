"""The Retrain… dialog: teach the droplet model from the photos the user labelled.

It shows how many photos carry each label (and what is missing before retraining can
start), offers a fast or a deep retrain, runs it on a worker thread with a progress bar
and Cancel, then shows the current and the new model side by side on the held-out labels
in plain words ("catches 6 of your 6 drop photos, wrongly flags 1 of your 30 clean
ones"), with a verdict that agrees with those figures (:mod:`retrain_words`), a threshold
change when there is one, and the photos that would change flag, by name and thumbnail
(the box of :mod:`retrain_results`). Accept (enabled only when the new model is no worse)
installs the new version, re-scores the catalog on the worker thread and emits
:attr:`RetrainDialog.modelAccepted` with the new version, so the main window can reload
its model, re-sort the grid and refresh the detail panel. Discard keeps the current model.

The retrain and the accept are core jobs run by the app's one generator worker
(:mod:`~dropletcleaner.gui.threads`); each opens its own catalog connection on the same
file. Closing the dialog cancels a running retrain and waits for its thread.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.training.retrain.deep import deep_retrain, synth_available
from dropletcleaner.core.training.retrain.fast import fast_retrain
from dropletcleaner.core.training.retrain.labels import MIN_PER_CLASS, label_counts
from dropletcleaner.core.training.retrain.result import RetrainResult, accept_result
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.retrain_results import RetrainResults
from dropletcleaner.gui.retrain_words import ChangedPhoto, changed_photos, threshold_change_text
from dropletcleaner.gui.threads import GeneratorWorker, Job

PHASE_TEXT = {
    "reading labels": "Reading your labels…",
    "training": "Training…",
    "calibrating": "Calibrating…",
    "checking the catalog": "Checking which photos would change…",
    "preparing photos": "Preparing photos…",
    "fine-tuning": "Fine-tuning…",
    "evaluating": "Comparing with the current model…",
    "done": "Done.",
}

Outcome = tuple[RetrainResult, list[ChangedPhoto]]


def _retrain_job(catalog_path: Path, deep: bool, user_threshold: float | None) -> Job:
    def job(cancel: CancelToken) -> Generator[Progress, None, Outcome]:
        from dropletcleaner.core.ml.store import load_default_model

        yield Progress("reading labels", total=1, message="loading the current model")
        base = load_default_model()
        trainer = deep_retrain if deep else fast_retrain
        with Catalog(catalog_path) as catalog:
            result = yield from trainer(catalog, base, cancel=cancel)
            return result, changed_photos(catalog, result, base, user_threshold)

    return job


def _accept_job(catalog_path: Path, result: RetrainResult) -> Job:
    def job(cancel: CancelToken) -> Generator[Progress, None, int]:
        yield Progress("accepting", total=None, message="installing the new model")
        with Catalog(catalog_path) as catalog:
            return accept_result(catalog, result)

    return job


class RetrainDialog(QDialog):
    """Retrain the droplet model from the user's labels; see the module docstring."""

    modelAccepted = Signal(str)  # the new active version
    resultReady = Signal(object)  # RetrainResult, when a retrain finished

    def __init__(
        self,
        catalog: Catalog,
        parent: QWidget | None = None,
        user_threshold: float | None = None,
    ) -> None:
        super().__init__(parent)
        # The threshold the user chose on the slider (None: the model's own). It stays after
        # an Accept, so the photos that would change flag are counted at it.
        self.user_threshold = user_threshold
        self.setWindowTitle("Retrain the droplet model")
        self.setModal(True)
        self.setMinimumWidth(520)
        self._catalog = catalog
        self._catalog_path = catalog.path
        self.worker: GeneratorWorker | None = None
        self.retrain_result: RetrainResult | None = None
        self.changed: list[ChangedPhoto] = []

        intro = QLabel(
            "The model learns from the photos you labelled as droplet or clean, on this "
            "computer only. The new model is kept only if it is no worse than the current "
            "one on labels it did not train on."
        )
        intro.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.results_box = RetrainResults()
        # The box's parts, by the names the window and the tests read.
        box = self.results_box
        self.table, self.summary_label = box.table, box.summary_label
        self.comparison_label, self.decision_label = box.comparison_label, box.decision_label
        self.threshold_label, self.changed_label = box.threshold_label, box.changed_label
        self.changed_list = box.changed_list

        layout = self._layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self._build_labels_box())
        layout.addWidget(self._build_mode_box())
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results_box)
        layout.addLayout(self._build_buttons())
        self.refresh_counts()
        self._set_state("idle")

    def _build_labels_box(self) -> QGroupBox:
        self.counts_label = QLabel()
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        font = self.warning_label.font()
        font.setBold(True)
        self.warning_label.setFont(font)
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.warning_icon = QLabel()
        self.warning_icon.setPixmap(icon.pixmap(20, 20))
        self.warning_row = QWidget()
        wr = QHBoxLayout(self.warning_row)
        wr.setContentsMargins(0, 0, 0, 0)
        wr.addWidget(self.warning_icon)
        wr.addWidget(self.warning_label, 1)
        labels_box = QGroupBox("Your labels")
        lb = QVBoxLayout(labels_box)
        lb.addWidget(self.counts_label)
        lb.addWidget(self.warning_row)
        return labels_box

    def _build_mode_box(self) -> QGroupBox:
        self.fast_button = QRadioButton("Fast: a new final layer from stored scans (seconds)")
        self.deep_button = QRadioButton(
            "Deep: fine-tune on the photos themselves, with synthetic drops (minutes)"
        )
        self.fast_button.setChecked(True)
        if not synth_available():
            self.deep_button.setEnabled(False)
            self.deep_button.setToolTip("Deep retraining needs the droplet synthesiser.")
        self._mode = QButtonGroup(self)
        self._mode.addButton(self.fast_button)
        self._mode.addButton(self.deep_button)
        mode_box = QGroupBox("Kind of retraining")
        mb = QVBoxLayout(mode_box)
        mb.addWidget(self.fast_button)
        mb.addWidget(self.deep_button)
        return mode_box

    def _build_buttons(self) -> QHBoxLayout:
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton("Close")
        self.accept_button = QPushButton("Accept")
        self.discard_button = QPushButton("Discard")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.accept_button.clicked.connect(self.accept_new_model)
        self.discard_button.clicked.connect(self.discard)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.discard_button, self.accept_button, self.start_button, self.cancel_button):
            buttons.addWidget(b)
        return buttons

    # -- state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def refresh_counts(self) -> None:
        counts = label_counts(self._catalog)
        self._enough = counts.enough
        text = f"Droplet: {counts.droplet}    Clean: {counts.clean}"
        if counts.unusable:
            text += f"    (not usable, never read: {counts.unusable})"
        self.counts_label.setText(text)
        self.warning_label.setText(counts.shortfall)
        self.warning_row.setVisible(bool(counts.shortfall))
        self.counts_label.setToolTip(f"At least {MIN_PER_CLASS} of each kind are needed.")
        if hasattr(self, "_state"):
            self._set_state(self._state)

    def _set_state(self, state: str) -> None:
        self._state = state
        busy = state in ("running", "accepting")
        finished = state == "finished"
        self.start_button.setVisible(not finished)
        self.start_button.setEnabled(state == "idle" and self._enough)
        self.fast_button.setEnabled(not busy and not finished)
        self.deep_button.setEnabled(not busy and not finished and synth_available())
        self.accept_button.setVisible(finished)
        self.accept_button.setDefault(finished)
        self.start_button.setDefault(not finished)
        self.discard_button.setVisible(finished)
        self.accept_button.setEnabled(
            finished and self.retrain_result is not None and self.retrain_result.accepted
        )
        self.cancel_button.setText("Cancel" if state == "running" else "Close")
        self.cancel_button.setEnabled(state != "accepting")

    def _start_worker(self, worker: GeneratorWorker) -> None:
        worker.yielded.connect(self._on_progress)
        worker.errored.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        self.worker = worker
        worker.start()

    # -- actions ---------------------------------------------------------------------------
    def start(self) -> None:
        if self.running or not self._enough:
            return
        self.retrain_result = None
        self.results_box.setVisible(False)
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label.setText("Starting…")
        deep = self.deep_button.isChecked()
        worker = GeneratorWorker(
            _retrain_job(self._catalog_path, deep, self.user_threshold), "retrain", self
        )
        worker.returned.connect(self._on_result)
        self._set_state("running")
        self._start_worker(worker)

    def accept_new_model(self) -> None:
        if self.retrain_result is None or not self.retrain_result.accepted or self.running:
            return
        worker = GeneratorWorker(
            _accept_job(self._catalog_path, self.retrain_result), "retrain-accept", self
        )
        worker.returned.connect(self._on_accepted)
        self.progress_bar.setRange(0, 0)  # busy: re-scoring has no useful fraction
        self.status_label.setText("Installing the new model and re-scoring your photos…")
        self._set_state("accepting")
        self._start_worker(worker)

    def discard(self) -> None:
        self.retrain_result = None
        self.results_box.setVisible(False)
        self.progress_bar.setValue(0)
        self.status_label.setText("Discarded: the current model stays.")
        self._set_state("idle")

    def threshold_note(self, user_threshold: float | None) -> str:
        """After Accept, how the flag threshold changes, for the main window to announce.

        ``user_threshold`` is the threshold the user chose (it stays), or ``None`` when the
        app follows the model's own threshold.
        """
        result = self.retrain_result
        if result is None:
            return ""
        old, new = result.old.metrics.threshold, result.new.metrics.threshold
        if user_threshold is not None:
            if threshold_change_text(user_threshold, new):
                return (
                    f" Your threshold stays at {user_threshold:.2f}; "
                    f"the new model's own is {new:.2f}."
                )
            return ""
        change = threshold_change_text(old, new)
        return f" {change}" if change else ""

    def _cancel_or_close(self) -> None:
        if self._state == "running" and self.worker is not None:
            self.worker.cancel()
            self.status_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    # -- worker signals --------------------------------------------------------------------
    def _on_progress(self, p: Progress) -> None:
        if p.fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(round(100 * p.fraction))
        self.status_label.setText(PHASE_TEXT.get(p.phase, p.message or p.phase))

    def _on_result(self, outcome: Outcome) -> None:
        result, self.changed = outcome
        self.retrain_result = result
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(100)
        self.status_label.setText(f"Finished in {result.seconds:.1f} s.")
        self._show_result(result)
        self._set_state("finished")
        self.resultReady.emit(result)

    def _show_result(self, result: RetrainResult) -> None:
        self.results_box.show_result(result, self.changed, self.user_threshold)
        self._layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _on_accepted(self, changed: int) -> None:
        assert self.retrain_result is not None
        version = self.retrain_result.version
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(100)
        self.status_label.setText(
            f"Model {version} is now active; {plural(changed, 'photo')} changed flag."
        )
        self._set_state("done")
        self.modelAccepted.emit(version)
        self.accept()

    def _on_failed(self, reason: str) -> None:
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label.setText(f"Retraining failed: {reason}")
        self._set_state("idle")

    def _on_cancelled(self) -> None:
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label.setText("Cancelled: the current model stays.")
        self._set_state("idle")

    # -- shutdown --------------------------------------------------------------------------
    def stop_worker(self) -> None:
        """Cancel a running retrain and wait for its thread (an accept is let finish)."""
        worker = self.worker
        if worker is None:
            return
        if worker.isRunning():
            worker.cancel()
            worker.wait()
        self.worker = None

    def done(self, code: int) -> None:
        self.stop_worker()
        super().done(code)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_worker()
        super().closeEvent(event)
