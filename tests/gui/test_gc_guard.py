"""Garbage is collected by the GUI thread's timer, never automatically in a worker."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject

from dropletcleaner.gui.gc_guard import collect_on_gui_thread


def test_collection_moves_to_a_gui_thread_timer(qtbot) -> None:  # type: ignore[no-untyped-def]
    owner = QObject()
    was_enabled = gc.isenabled()
    try:
        timer = collect_on_gui_thread(owner, interval_ms=10)
        assert not gc.isenabled() and timer.isActive()
        before = gc.get_stats()[2]["collections"]
        qtbot.waitUntil(lambda: gc.get_stats()[2]["collections"] > before, timeout=2000)
        timer.stop()
    finally:
        if was_enabled:
            gc.enable()
