"""The threshold in the user's numbers, and scores that do not read as certainty (issue 15)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtWidgets import QSlider

from dropletcleaner.core.ml.flag_rates import fpr_curve
from dropletcleaner.gui.model_loading import ModelBundle
from dropletcleaner.gui.scores import score_line, score_text
from dropletcleaner.gui.threshold_info import SLIDER_TIP, ThresholdInfo
from dropletcleaner.gui.window import MainWindow

# 1,000 clean photos: 5 score at or above 0.93, 50 at or above 0.5.
CLEAN_SCORES = [0.95] * 5 + [0.6] * 45 + [0.1] * 950
METRICS = {"fpr_curve": fpr_curve(CLEAN_SCORES, [0.05, 0.5, 0.93, 0.99])}


def test_the_label_counts_false_alarms_in_the_users_photos(qtbot) -> None:  # type: ignore[no-untyped-def]
    slider = QSlider()
    info = ThresholdInfo(slider)
    qtbot.addWidget(info)
    info.update_for(0.93, 1200)
    assert info.isHidden() and slider.toolTip() == SLIDER_TIP  # no card yet: no claim

    info.set_metrics(METRICS)
    info.update_for(0.93, 1200)
    assert info.text().strip() == "≈ 6 false alarms expected in your 1,200 photos"
    assert "at 0.93, about 1 in 200 clean photos is flagged" in slider.toolTip()
    assert "about 1 in 200 clean photos is flagged" in info.toolTip()
    info.update_for(0.93, 0)
    assert info.isHidden()  # an empty folder expects nothing


def test_the_status_bar_says_it_once_the_model_card_has_a_curve(
    qtbot, make_context, bundle, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    card = dataclasses.replace(bundle.loaded.card, metrics=METRICS, threshold=0.93)
    loaded = dataclasses.replace(bundle.loaded, card=card)
    context = make_context(lambda: ModelBundle(loaded=loaded, scorer=bundle.scorer))
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.show()
    try:
        scan_folder(win, library)
        assert win.threshold_label.text() == "0.93"
        total = win.model.counts().total
        assert win.threshold_info.text().strip() == (
            f"fewer than 1 false alarm expected in your {total} photos"
        )
        # In the status bar, laid out where it can be seen (a full toolbar would hide it).
        info = win.threshold_info
        assert win.statusBar().isAncestorOf(info)
        qtbot.waitUntil(lambda: info.isVisible() and info.width() < win.width(), timeout=2000)
        # A passing message has the line to itself, even when the figure is re-worded then
        # (it was drawn over "Marked 1 photo as droplet."), and the figure comes back after.
        win.statusBar().showMessage("Marked 1 photo as droplet.", 60_000)
        info.update_for(0.93, total, 1)
        assert not info.isVisible()
        win.statusBar().clearMessage()
        qtbot.waitUntil(info.isVisible, timeout=2000)
    finally:
        win.close()


def test_scores_are_numbers_rounded_down_with_words() -> None:
    assert score_text(0.945) == "0.94"  # never shows the 0.95 threshold's number
    assert score_text(0.95) == "0.95"
    assert score_text(0.03) == "0.03"
    assert score_line(0.03, 0.5) == "Droplet score 0.03 · below threshold (threshold 0.50)"
    assert score_line(0.97, 0.5) == "Droplet score 0.97 · flagged (threshold 0.50)"
    assert score_line(None, 0.5) == "Not scored yet"
