"""Toolbar layout: the "Show" combo keeps its width as the photo counts change."""

from __future__ import annotations

from pathlib import Path

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
