"""The notifier (non-modal messages from any thread) and the global exception hooks."""

from __future__ import annotations

import sys
import threading

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from dropletcleaner.gui import excepthook
from dropletcleaner.gui.notifier import ERROR, INFO, MessageBar, Notifier


def test_messages_from_a_worker_thread_arrive_on_the_gui(qtbot) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier()
    bar = MessageBar(notifier)
    qtbot.addWidget(bar)
    bar.show()
    worker = threading.Thread(target=lambda: notifier.error("Disk full", "cannot write"))
    with qtbot.waitSignal(notifier.posted, timeout=5000):
        worker.start()
        worker.join()
    assert [n.title for n in notifier.history] == ["Disk full"]
    assert [n.title for n in bar.visible_notices()] == ["Disk full"]
    assert bar.isVisible()
    assert QApplication.activeModalWidget() is None  # never a modal dialog


def test_message_bar_stacks_dedupes_and_dismisses(qtbot) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier()
    bar = MessageBar(notifier)
    qtbot.addWidget(bar)
    for i in range(6):
        notifier.warning(f"w{i}", "text")
    notifier.warning("w5", "text")  # the same again: shown once
    qtbot.waitUntil(lambda: len(notifier.history) == 7)
    assert [n.title for n in bar.visible_notices()] == ["w2", "w3", "w4", "w5"]
    bar.dismiss_all()
    assert bar.visible_notices() == [] and not bar.isVisible()


def test_uncaught_exceptions_go_to_the_notifier(qtbot, capsys) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier()
    uninstall = excepthook.install(notifier)
    try:
        try:
            raise ValueError("bad pixel")
        except ValueError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]

        def boom() -> None:
            raise RuntimeError("worker broke")

        t = threading.Thread(target=boom, name="thumbnail helper")
        t.start()
        t.join()
        qtbot.waitUntil(lambda: len(notifier.history) == 2)
    finally:
        uninstall()
    first, second = notifier.history
    assert first.level == ERROR and first.text == "ValueError: bad pixel"
    assert "Traceback" in first.details
    assert second.title == "Unexpected error in thumbnail helper"
    assert "worker broke" in capsys.readouterr().err  # also on stderr


def test_info_messages_are_info(qtbot) -> None:  # type: ignore[no-untyped-def]
    notifier = Notifier()
    notifier.info("Done", "all good")
    qtbot.waitUntil(lambda: len(notifier.history) == 1)
    assert notifier.history[0].level == INFO


def _fits(label: QLabel) -> bool:
    """Whether the label is as tall as its text needs at its width: no line cut off."""
    return label.height() >= label.heightForWidth(label.width())


def test_a_message_that_wraps_shows_every_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    # The bar sits above the grid in a column, as in the main window, narrow enough to wrap.
    notifier = Notifier()
    window = QWidget()
    column = QVBoxLayout(window)
    column.setContentsMargins(0, 0, 0, 0)
    bar = MessageBar(notifier)
    column.addWidget(bar)
    column.addWidget(QWidget(), 1)
    qtbot.addWidget(window)
    window.resize(360, 400)
    window.show()
    qtbot.waitExposed(window)
    notifier.warning(
        "1 photo was not handled",
        "could not move it to the trash: the system trash refused it (this disk may have no "
        "trash). Nothing was deleted: it stays in the quarantine.",
        "details",
    )
    qtbot.waitUntil(lambda: bar.labels() != [])
    (label,) = bar.labels()
    three_lines = 3 * label.fontMetrics().lineSpacing()
    qtbot.waitUntil(lambda: _fits(label) and label.height() >= three_lines, timeout=2000)

    # Wider, it needs fewer lines, and the banner gives the room back to the grid.
    tall = bar.height()
    window.resize(1400, 400)
    qtbot.waitUntil(lambda: _fits(label) and bar.height() < tall, timeout=2000)
