"""The Retrain… dialog: teach the droplet model from the photos the user labelled.

It shows how many photos carry each label (and what is missing before retraining can
start), offers a fast or a deep retrain, runs it on a worker thread with a progress bar
and Cancel, then shows the current and the new model side by side on the held-out labels
in plain words ("catches 6 of your 6 drop photos, wrongly flags 1 of your 30 clean
ones"), with a verdict that agrees with those figures (:mod:`retrain_words`), a threshold
change when there is one, and the photos that would change flag, by name. Accept (enabled
only when the new model is no worse) installs the new version, re-scores the catalog on
the worker thread and emits :attr:`RetrainDialog.modelAccepted` with the new version, so
the main window can reload its model, re-sort the grid and refresh the detail panel.
Discard keeps the current model.

Workers open their own catalog connection on the same file; closing the dialog cancels a
running retrain and waits for its thread.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, QThread, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import Cancelled, CancelToken, Progress
from dropletcleaner.core.training.retrain import (
    MIN_PER_CLASS,
    RetrainResult,
    accept_result,
    deep_retrain,
    fast_retrain,
    label_counts,
    synth_available,
)
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.quarantine_view import THUMB_SIDE, thumbnail
from dropletcleaner.gui.retrain_words import (
    ChangedPhoto,
    caught,
    changed_photos,
    false_alarms,
    in_words,
    threshold_change_text,
    verdict_text,
)

ROWS = ["Drop photos caught", "Clean photos wrongly flagged", "Right overall", "Ranking (AUROC)"]

MAX_THUMBS = 50

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


class JobThread(QThread):
    """Runs ``work(cancel, report)`` on its own thread and reports back through signals.

    ``work`` returns the job's result; ``report`` forwards a :class:`Progress`. Exactly one
    of ``succeeded``, ``failed`` or ``cancelled`` is emitted at the end.
    """

    progress = Signal(object)  # Progress
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self,
        work: Callable[[CancelToken, Callable[[Progress], None]], object],
        name: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.cancel_token = CancelToken()
        self._work = work

    def run(self) -> None:
        try:
            result = self._work(self.cancel_token, self.progress.emit)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # the user must see every failure, not a silent thread
            self.failed.emit(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        else:
            self.succeeded.emit(result)


def _retrain_work(
    catalog_path: Path, deep: bool
) -> Callable[[CancelToken, Callable[[Progress], None]], object]:
    def work(cancel: CancelToken, report: Callable[[Progress], None]) -> object:
        from dropletcleaner.core.ml.store import load_default_model

        report(Progress("reading labels", total=1, message="loading the current model"))
        base = load_default_model()
        trainer = deep_retrain if deep else fast_retrain
        with Catalog(catalog_path) as catalog:
            job = trainer(catalog, base, cancel=cancel)
            while True:
                try:
                    report(next(job))
                except StopIteration as stop:
                    result: RetrainResult = stop.value
                    break
            return result, changed_photos(catalog, result, base)

    return work


def _accept_work(
    catalog_path: Path, result: RetrainResult
) -> Callable[[CancelToken, Callable[[Progress], None]], object]:
    def work(cancel: CancelToken, report: Callable[[Progress], None]) -> object:
        report(Progress("accepting", total=None, message="installing the new model"))
        with Catalog(catalog_path) as catalog:
            return accept_result(catalog, result)

    return work


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.1f} %"


def _decimal(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f}"


class RetrainDialog(QDialog):
    """Retrain the droplet model from the user's labels; see the module docstring."""

    modelAccepted = Signal(str)  # the new active version
    resultReady = Signal(object)  # RetrainResult, when a retrain finished

    def __init__(self, catalog: Catalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Retrain the droplet model")
        self.setModal(True)
        self.setMinimumWidth(520)
        self._catalog = catalog
        self._catalog_path = catalog.path
        self.worker: JobThread | None = None
        self.retrain_result: RetrainResult | None = None
        self.changed: list[ChangedPhoto] = []

        intro = QLabel(
            "The model learns from the photos you labelled as droplet or clean, on this "
            "computer only. The new model is kept only if it is no worse than the current "
            "one on labels it did not train on."
        )
        intro.setWordWrap(True)

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

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)

        self.table = QTableWidget(4, 2)
        self.table.setVerticalHeaderLabels(ROWS)
        self.table.setHorizontalHeaderLabels(["Current model", "New model"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.comparison_label = QLabel()
        self.comparison_label.setWordWrap(True)
        self.changed_label = QLabel()
        self.changed_label.setWordWrap(True)
        self.changed_list = QListWidget()
        self.changed_list.setMaximumHeight(160)
        self.changed_list.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.changed_list.setVisible(False)
        self.threshold_label = QLabel()
        self.threshold_label.setWordWrap(True)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.decision_label = QLabel()
        self.decision_label.setWordWrap(True)
        self.results_box = QGroupBox("Before and after, on held-out labels")
        rb = QVBoxLayout(self.results_box)
        rb.addWidget(self.comparison_label)
        rb.addWidget(self.summary_label)
        rb.addWidget(self.table)
        rb.addWidget(self.decision_label)
        rb.addWidget(self.threshold_label)
        rb.addWidget(self.changed_label)
        rb.addWidget(self.changed_list)
        self.results_box.setVisible(False)

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

        layout = self._layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(labels_box)
        layout.addWidget(mode_box)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results_box)
        layout.addLayout(buttons)
        self.refresh_counts()
        self._set_state("idle")

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

    def _start_worker(self, worker: JobThread) -> None:
        worker.progress.connect(self._on_progress)
        worker.failed.connect(self._on_failed)
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
        worker = JobThread(_retrain_work(self._catalog_path, deep), "retrain", self)
        worker.succeeded.connect(self._on_result)
        self._set_state("running")
        self._start_worker(worker)

    def accept_new_model(self) -> None:
        if self.retrain_result is None or not self.retrain_result.accepted or self.running:
            return
        worker = JobThread(
            _accept_work(self._catalog_path, self.retrain_result), "retrain-accept", self
        )
        worker.succeeded.connect(self._on_accepted)
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
            self.worker.cancel_token.cancel()
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

    def _on_result(self, outcome: tuple[RetrainResult, list[ChangedPhoto]]) -> None:
        result, self.changed = outcome
        self.retrain_result = result
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(100)
        self.status_label.setText(f"Finished in {result.seconds:.1f} s.")
        self._show_result(result)
        self._set_state("finished")
        self.resultReady.emit(result)

    def _show_result(self, result: RetrainResult) -> None:
        old, new = result.old.metrics, result.new.metrics
        rows = [
            (caught(old), caught(new)),
            (false_alarms(old), false_alarms(new)),
            (_percent(old.accuracy), _percent(new.accuracy)),
            (_decimal(old.auroc), _decimal(new.auroc)),
        ]
        self.table.setHorizontalHeaderLabels(
            [f"Current ({result.base_version})", f"New ({result.version})"]
        )
        for r, pair in enumerate(rows):
            for c, text in enumerate(pair):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        rows_height = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(rows_height + header + 2 * self.table.frameWidth())
        self.comparison_label.setText(
            "Each of your labelled photos is judged by a model that did not learn from it."
        )
        self.comparison_label.setToolTip(f"Measured on {result.comparison}.")
        self.summary_label.setText(f"Current model {in_words(old)}.\nNew model {in_words(new)}.")
        self.threshold_label.setText(threshold_change_text(old.threshold, new.threshold))
        self.threshold_label.setVisible(bool(self.threshold_label.text()))
        verb = "changes" if result.changed_flags == 1 else "change"
        changed = f"If you accept, {plural(result.changed_flags, 'photo')} {verb} flag"
        changed += ":" if self.changed else "."
        if result.needs_rescan:
            changed += (
                f" {plural(result.needs_rescan, 'photo')} will be re-scored at the next scan."
            )
        for note in result.notes:
            changed += f"\nNote: {note}."
        self.changed_label.setText(changed)
        self.changed_list.clear()
        for photo in self.changed:
            self.changed_list.addItem(photo.describe())
            entry = self.changed_list.item(self.changed_list.count() - 1)
            entry.setToolTip(photo.path)
            if self.changed_list.count() <= MAX_THUMBS:  # small decodes; a long list is named
                entry.setIcon(thumbnail(Path(photo.path)))
        self.changed_list.setVisible(bool(self.changed))
        self.decision_label.setText(verdict_text(result))
        self.decision_label.setToolTip(f"The accept rule: {result.decision.reason}.")
        self.results_box.setVisible(True)
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
            worker.cancel_token.cancel()
            worker.wait()
        self.worker = None

    def done(self, code: int) -> None:
        self.stop_worker()
        super().done(code)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop_worker()
        super().closeEvent(event)
