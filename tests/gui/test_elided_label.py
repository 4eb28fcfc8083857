"""The elided label: whole text when it fits, else its start and "…" with the whole in the tip."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.gui.elided_label import ElidedLabel
from dropletcleaner.gui.window import MainWindow

LINE = "Scanned 108 photos in 7 s: 106 scored now (16.3/s), 0 unchanged."


def _label(qtbot, width: int) -> ElidedLabel:  # type: ignore[no-untyped-def]
    label = ElidedLabel(LINE)
    qtbot.addWidget(label)
    label.resize(width, label.sizeHint().height())
    label.show()
    return label


def test_a_line_that_fits_is_shown_whole_with_no_tip(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = _label(qtbot, 2_000)
    assert label.shown_text() == LINE
    assert label.toolTip() == ""


def test_a_line_too_long_ends_in_an_ellipsis_and_the_tip_has_it_all(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = _label(qtbot, 150)
    shown = label.shown_text()
    assert shown.endswith("…")
    assert LINE.startswith(shown[:-1])
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.text() == LINE  # the text itself is whole: callers read it
    assert label.toolTip() == LINE

    label.resize(2_000, label.height())  # room again: no tip repeating what is shown
    assert label.shown_text() == LINE
    assert label.toolTip() == ""


def test_a_tip_of_its_own_stays(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = _label(qtbot, 150)
    label.setToolTip("What the scan did")
    label.setText(LINE + " More.")
    assert label.toolTip() == "What the scan did"


def test_it_can_be_narrower_than_its_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = _label(qtbot, 150)
    assert label.minimumSizeHint().width() < label.fontMetrics().horizontalAdvance(LINE)


def test_the_status_bars_summary_is_elided_in_a_narrow_window(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)  # "9 shown  ·  Scanned 9 photos in 0 s: 8 scored now (…)"
    window.resize(640, 700)
    qtbot.waitUntil(lambda: window.width() <= 700, timeout=2_000)
    qtbot.wait(50)
    label = window.summary_label
    room = label.contentsRect().width()
    assert label.fontMetrics().horizontalAdvance(label.text()) > room  # too narrow for it
    # What is drawn is the start of the line and "…", and the tip has the whole line.
    assert label.toolTip() == label.text()
    assert label.fontMetrics().horizontalAdvance(label.shown_text()) <= room
