"""The Unreadable files list: its rows are in the order its header's sort indicator says."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from dropletcleaner.gui.errors_panel import FOLDER, NAME, REASON, ErrorsPanel

ENTRIES = [
    ("/photos/trip/trunc.png", "truncated"),
    ("/photos/broken.jpg", "not a recognised image format"),
    ("/photos/trip/IMG_10.jpg", "Permission denied"),
    ("/photos/trip/img_2.jpg", "empty file (0 bytes)"),
]


def _names(panel: ErrorsPanel) -> list[str]:
    tree = panel._tree
    return [tree.topLevelItem(i).text(NAME) for i in range(tree.topLevelItemCount())]


def _click_header(qtbot, panel: ErrorsPanel, column: int) -> None:  # type: ignore[no-untyped-def]
    header = panel._tree.header()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def _panel(qtbot) -> ErrorsPanel:  # type: ignore[no-untyped-def]
    panel = ErrorsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_errors(ENTRIES)
    return panel


def test_rows_open_sorted_by_name_as_the_indicator_says(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot)
    header = panel._tree.header()
    assert header.isSortIndicatorShown()
    assert header.sortIndicatorSection() == NAME
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    # Natural and ignoring case: img_2 before IMG_10, broken before trunc.
    assert _names(panel) == ["broken.jpg", "img_2.jpg", "IMG_10.jpg", "trunc.png"]


def test_clicking_a_header_sorts_by_it_then_the_other_way(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot)
    _click_header(qtbot, panel, NAME)  # the sorted column: flips to descending
    assert panel._tree.header().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert _names(panel) == ["trunc.png", "IMG_10.jpg", "img_2.jpg", "broken.jpg"]
    _click_header(qtbot, panel, REASON)  # a new column starts ascending
    assert panel._tree.header().sortIndicatorSection() == REASON
    assert panel._tree.header().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert _names(panel) == ["img_2.jpg", "broken.jpg", "IMG_10.jpg", "trunc.png"]
    _click_header(qtbot, panel, FOLDER)  # by folder, then by name within it
    assert panel.shown_paths() == [
        "/photos/broken.jpg",
        "/photos/trip/img_2.jpg",
        "/photos/trip/IMG_10.jpg",
        "/photos/trip/trunc.png",
    ]


def test_new_errors_keep_the_chosen_order_and_copy_as_shown(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = _panel(qtbot)
    _click_header(qtbot, panel, NAME)
    panel.set_errors([*ENTRIES, ("/photos/a.jpg", "truncated")])  # a rescan found one more
    assert panel._tree.header().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert _names(panel) == ["trunc.png", "IMG_10.jpg", "img_2.jpg", "broken.jpg", "a.jpg"]
    panel.copy_to_clipboard()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0] == "/photos/trip/trunc.png\ttruncated"
    assert lines[-1] == "/photos/a.jpg\ttruncated"
