"""The large view: the loupe keys, the filmstrip's "n of N", Left and Right in filter order."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from dropletcleaner.gui.context_menu import shortcuts_html
from dropletcleaner.gui.detail.loupe import FIT
from dropletcleaner.gui.grid.model import Filter, SortKey
from dropletcleaner.gui.window import MainWindow
from tests.gui.gui_helpers import select_rows
from tests.helpers import write_jpeg


def shown(win: MainWindow) -> str | None:
    record = win.detail.record
    return None if record is None else record.path


def open_large_view(qtbot, win: MainWindow) -> None:
    select_rows(win, 0)
    win.grid.setFocus()
    qtbot.keyClick(win.grid, Qt.Key.Key_Return)
    assert win.in_detail_mode
    qtbot.waitUntil(lambda: win.detail.canvas.has_photo, timeout=10_000)


def test_filmstrip_counts_and_right_left_follow_the_sort_and_filter(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:
    scan_folder(window, library)
    window.sort_combo.setCurrentIndex(window.sort_combo.findData(SortKey.NAME.value))
    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.ALL.value))
    names = [window.model.record_at(r).path for r in range(window.model.rowCount())]
    total = len(names)
    bar = window.large_view.filmstrip
    assert not bar.isVisible()

    open_large_view(qtbot, window)
    assert bar.isVisible() and bar.strip.isVisible()
    assert bar.position_label.text() == f"1 of {total}"
    assert bar.filter_label.text() == "All photos"

    qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    assert bar.position_label.text() == f"2 of {total}"
    assert shown(window) == names[1] and window.selected_paths() == [names[1]]
    qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    qtbot.keyClick(window.detail, Qt.Key.Key_Left)
    assert bar.position_label.text() == f"2 of {total}" and shown(window) == names[1]
    qtbot.keyClick(window.detail, Qt.Key.Key_Left)
    qtbot.keyClick(window.detail, Qt.Key.Key_Left)  # the first photo: Left stays there
    assert bar.position_label.text() == f"1 of {total}"

    # Another filter: "n of N" counts in it, and Right steps through its photos only.
    qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    qtbot.keyClick(window.detail, Qt.Key.Key_D)  # labels names[1], moves on to names[2]
    qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    qtbot.keyClick(window.detail, Qt.Key.Key_C)  # labels names[4]
    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.LABELLED.value))
    assert [window.model.record_at(r).path for r in range(2)] == [names[1], names[4]]
    window._select_index(window.model.index(0))
    window._show_current_in_detail()
    assert bar.position_label.text() == "1 of 2" and bar.filter_label.text() == "Labelled by me"
    qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    assert shown(window) == names[4] and bar.position_label.text() == "2 of 2"
    qtbot.keyClick(window.detail, Qt.Key.Key_Right)  # the last one: Right stays there
    assert shown(window) == names[4]

    qtbot.keyClick(window.detail, Qt.Key.Key_Escape)
    assert not window.in_detail_mode and not bar.isVisible()


def test_home_and_end_show_the_first_and_last_photo(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    names = [window.model.record_at(r).path for r in range(window.model.rowCount())]
    bar = window.large_view.filmstrip
    open_large_view(qtbot, window)
    qtbot.keyClick(window.detail, Qt.Key.Key_End)
    assert (
        shown(window) == names[-1] and bar.position_label.text() == f"{len(names)} of {len(names)}"
    )
    assert window.selected_paths() == [names[-1]]
    qtbot.keyClick(window.detail, Qt.Key.Key_Home)
    assert shown(window) == names[0] and bar.position_label.text() == f"1 of {len(names)}"


def test_clicking_the_filmstrip_shows_that_photo(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:
    scan_folder(window, library)
    open_large_view(qtbot, window)
    strip = window.large_view.filmstrip.strip
    rect = strip.visualRect(window.model.index(3))
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    third = window.model.record_at(3).path
    assert window.selected_paths() == [third]  # one selection for the grid and the strip
    qtbot.waitUntil(lambda: shown(window) == third, timeout=5000)
    assert window.large_view.filmstrip.position_text().startswith("4 of ")


@pytest.fixture
def burst(tmp_path: Path) -> Path:
    """Three photos larger than the preview: 100 % needs their full decode."""
    folder = tmp_path / "burst"
    for i in range(3):
        write_jpeg(folder / f"burst{i}.jpg", size=(2400, 1800), seed=i)
    return folder


@pytest.mark.parametrize("key", [Qt.Key.Key_Z, Qt.Key.Key_Space])
def test_z_and_space_toggle_the_loupe_between_fit_and_100_percent(
    qtbot, window: MainWindow, burst: Path, scan_folder, key: Qt.Key
) -> None:
    scan_folder(window, burst)
    open_large_view(qtbot, window)
    canvas = window.detail.canvas
    assert canvas.view == FIT and not canvas.has_full_resolution  # a scaled preview
    with qtbot.waitSignal(window.detail.fullResolutionReady, timeout=20_000):
        qtbot.keyClick(window.detail, key)
        assert canvas.zoom_factor() == pytest.approx(1.0)  # at once, on the preview
    assert canvas.has_full_resolution
    record = window.detail.record
    assert record is not None
    assert canvas.source_size().width() == record.width  # the file's own pixels
    qtbot.keyClick(window.detail, key)
    assert canvas.view == FIT

    # The zoom is kept while stepping through a burst, with real pixels for the next one.
    qtbot.keyClick(window.detail, key)
    with qtbot.waitSignal(window.detail.fullResolutionReady, timeout=20_000):
        qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    assert canvas.zoomed and canvas.zoom_factor() == pytest.approx(1.0)
    # Leaving the large view fits the side panel again.
    qtbot.keyClick(window.detail, Qt.Key.Key_Escape)
    assert canvas.view == FIT


def test_z_in_the_grid_opens_the_large_view_at_100_percent(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:
    scan_folder(window, library)
    window.grid.setFocus()
    qtbot.keyClick(window.grid, Qt.Key.Key_Z)
    assert window.in_detail_mode
    assert window.detail.canvas.zoomed
    assert window.detail.canvas.zoom_factor() == pytest.approx(1.0)


def test_keyboard_help_lists_the_new_keys(window: MainWindow) -> None:
    html = shortcuts_html(window)
    for text in ("Zoom 100 % / Fit", "Compare Selected", "Larger Thumbnails", "Ctrl++"):
        assert text in html
    for text in ("Z / Space", "<b>N</b>", "Ctrl+-", "wheel", "drag"):
        assert text in html
