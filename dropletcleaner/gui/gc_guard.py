"""Garbage collection on the GUI thread only.

Python's cyclic garbage collector runs in whichever thread happens to allocate when a
threshold is crossed. If that is a worker thread (a scan, a decode pool) and the garbage
holds Qt objects made on the GUI thread, Qt destroys them from the wrong thread and the
process can crash (seen as a segmentation fault while "Garbage-collecting" in a scan
worker). So automatic collection is turned off and the GUI thread collects on a timer.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

# Often enough that cyclic garbage never piles up; a collection takes milliseconds.
COLLECT_EVERY_MS = 1000


def collect_on_gui_thread(parent: QObject, interval_ms: int = COLLECT_EVERY_MS) -> QTimer:
    """Disable automatic collection; collect from a timer owned by ``parent``'s thread."""
    gc.disable()
    timer = QTimer(parent)
    timer.setInterval(interval_ms)
    timer.timeout.connect(lambda: gc.collect())
    timer.start()
    return timer
