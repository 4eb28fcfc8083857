"""Toolbar layout: the "Show" combo keeps its width, and a name overflows with its control."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from dropletcleaner.gui.window import MainWindow


def test_filter_combo_keeps_its_width_as_counts_grow(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    before = window.filter_combo.sizeHint().width()
    scan_folder(window, library)  # the counts appear: "All photos (8)"
    after_scan = window.filter_combo.sizeHint().width()
    for i in range(window.filter_combo.count()):
        window.filter_combo.setItemText(i, window.filter_combo.itemText(i) + " (123,456)")
    assert before == after_scan == window.filter_combo.sizeHint().width()


def test_quarantine_button_stays_on_the_toolbar_at_1024_wide(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    window.resize(1024, 700)
    scan_folder(window, library)
    qtbot.wait(50)
    button = window.toolbar.widgetForAction(window.quarantine_action)
    assert button is not None
    qtbot.waitUntil(button.isVisible, timeout=2_000)  # not in the toolbar's overflow


def _name_of(window: MainWindow, text: str) -> QLabel:
    return next(w for w in window.toolbar.findChildren(QLabel) if w.text().strip() == text)


def test_sort_by_and_its_menu_overflow_together_at_1024_wide(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    window.resize(1024, 700)
    scan_folder(window, library)
    qtbot.wait(50)
    bar = window.toolbar
    # The toolbar is too short for all of it: the sort menu is in its overflow, out of sight.
    qtbot.waitUntil(lambda: not window.sort_combo.isVisibleTo(bar), timeout=2_000)
    # Its name went with it: no "Sort by" is left naming nothing.
    assert not _name_of(window, "Sort by").isVisibleTo(bar)
    # What stayed keeps its name beside it.
    for text, control in (("Show", window.filter_combo), ("Threshold", window.threshold_slider)):
        assert control.isVisibleTo(bar) and _name_of(window, text).isVisibleTo(bar)
