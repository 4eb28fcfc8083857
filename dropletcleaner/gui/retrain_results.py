"""The Retrain dialog's "before and after" box: the current and the new model in plain words.

It shows, for labels each model did not learn from, "catches 6 of your 6 drop photos,
wrongly flags 1 of your 30 clean ones" for both models, a table with those figures and
overall accuracy and AUROC, the verdict of the accept rule (:mod:`retrain_words`), a
threshold change when there is one, and the photos that would change flag, by name and
thumbnail. The dialog (:mod:`retrain_dialog`) owns the run; this box only shows a result.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dropletcleaner.core.training.retrain.result import RetrainResult
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.quarantine.view import THUMB_SIDE, thumbnail
from dropletcleaner.gui.retrain_words import (
    ChangedPhoto,
    caught,
    false_alarms,
    in_words,
    threshold_change_text,
    verdict_text,
)
from dropletcleaner.gui.scores import threshold_text

ROWS = ["Drop photos caught", "Clean photos wrongly flagged", "Right overall", "Ranking (AUROC)"]

MAX_THUMBS = 50


def _percent(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.1f} %"


def _decimal(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f}"


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    return label


class RetrainResults(QGroupBox):
    """Before and after, on held-out labels; hidden until :meth:`show_result`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Before and after, on held-out labels", parent)
        self.table = QTableWidget(4, 2)
        self.table.setVerticalHeaderLabels(ROWS)
        self.table.setHorizontalHeaderLabels(["Current model", "New model"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.comparison_label = _label()
        self.changed_label = _label()
        self.changed_list = QListWidget()
        self.changed_list.setMaximumHeight(160)
        self.changed_list.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.changed_list.setVisible(False)
        self.threshold_label = _label()
        self.summary_label = _label()
        self.decision_label = _label()
        rb = QVBoxLayout(self)
        rb.addWidget(self.comparison_label)
        rb.addWidget(self.summary_label)
        rb.addWidget(self.table)
        rb.addWidget(self.decision_label)
        rb.addWidget(self.threshold_label)
        rb.addWidget(self.changed_label)
        rb.addWidget(self.changed_list)
        self.setVisible(False)

    def show_result(
        self,
        result: RetrainResult,
        changed: list[ChangedPhoto],
        user_threshold: float | None = None,
    ) -> None:
        """Fill the box; ``user_threshold``: the one the user chose, if any (it stays)."""
        old, new = result.old.metrics, result.new.metrics
        self._fill_table(result)
        judged = "Each of your labelled photos is judged by a model that did not learn from it"
        if user_threshold is not None:
            # The grid flags at the user's threshold; these figures are at the models' own.
            judged += (
                f", at that model's own threshold ({threshold_text(old.threshold)} now, "
                f"{threshold_text(new.threshold)} new), not your {threshold_text(user_threshold)}"
            )
        self.comparison_label.setText(judged + ".")
        self.comparison_label.setToolTip(f"Measured on {result.comparison}.")
        self.summary_label.setText(f"Current model {in_words(old)}.\nNew model {in_words(new)}.")
        self.threshold_label.setText(threshold_change_text(old.threshold, new.threshold))
        self.threshold_label.setVisible(bool(self.threshold_label.text()))
        self._list_changed(result, changed, user_threshold)
        self.decision_label.setText(verdict_text(result))
        self.decision_label.setToolTip(f"The accept rule: {result.decision.reason}.")
        self.setVisible(True)

    def _fill_table(self, result: RetrainResult) -> None:
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

    def _list_changed(
        self, result: RetrainResult, changed: list[ChangedPhoto], user_threshold: float | None
    ) -> None:
        # At the user's own threshold the list is the count; at the model's, the catalog's.
        count = result.changed_flags if user_threshold is None else len(changed)
        verb = "changes" if count == 1 else "change"
        text = f"If you accept, {plural(count, 'photo')} {verb} flag"
        if user_threshold is not None:
            text += f" at your threshold {threshold_text(user_threshold)}"
        text += ":" if changed else "."
        if result.needs_rescan:
            text += f" {plural(result.needs_rescan, 'photo')} will be re-scored at the next scan."
        for note in result.notes:
            text += f"\nNote: {note}."
        self.changed_label.setText(text)
        self.changed_list.clear()
        for photo in changed:
            self.changed_list.addItem(photo.describe())
            entry = self.changed_list.item(self.changed_list.count() - 1)
            entry.setToolTip(photo.path)
            if self.changed_list.count() <= MAX_THUMBS:  # small decodes; a long list is named
                entry.setIcon(thumbnail(Path(photo.path)))
        self.changed_list.setVisible(bool(changed))
