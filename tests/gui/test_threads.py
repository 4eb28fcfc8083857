"""The one generator worker: a job's progress, result, failure and cancellation, in order."""

from __future__ import annotations

import threading
from collections.abc import Generator

from PySide6.QtCore import QThread

from dropletcleaner.core.jobs import Cancelled, CancelToken, Progress
from dropletcleaner.gui.threads import GeneratorWorker, describe_error, running_threads


def test_a_job_reports_its_progress_then_its_result_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    closed_on: list[threading.Thread] = []
    # The job waits until the test has seen it running: on a loaded machine a job this
    # short could otherwise end before the leak-guard assertion below looks for it.
    seen_running = threading.Event()

    def job(cancel: CancelToken) -> Generator[Progress, None, str]:
        try:
            seen_running.wait(10)
            for i in range(3):
                yield Progress("counting", done=i + 1, total=3)
            return "done"
        finally:
            closed_on.append(threading.current_thread())  # e.g. a catalog connection closing

    worker = GeneratorWorker(job, "count")
    seen: list[object] = []
    delivered_on: list[bool] = []
    worker.yielded.connect(lambda p: seen.append(p.done))

    def on_returned(value: object) -> None:
        delivered_on.append(QThread.currentThread() is worker.thread())
        seen.append(value)

    worker.returned.connect(on_returned)
    worker.errored.connect(lambda reason: seen.append(("errored", reason)))
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start()
        assert worker in running_threads()  # the leak guard sees it
        seen_running.set()
    # ``finished`` comes from the thread just before it ends: wait for the end, or the
    # QThread could be destroyed while still running when the test lets go of it.
    worker.wait()
    qtbot.waitUntil(lambda: "done" in seen, timeout=10_000)
    assert seen == [1, 2, 3, "done"]
    assert delivered_on == [True]  # the result arrives on the GUI thread
    assert closed_on and closed_on[0] is not threading.main_thread()
    assert worker not in running_threads()


def test_a_failure_is_one_line_and_a_cancel_is_its_own_ending(qtbot) -> None:  # type: ignore[no-untyped-def]
    def broken(cancel: CancelToken) -> Generator[Progress, None, None]:
        yield Progress("starting")
        raise OSError("disk on fire")

    worker = GeneratorWorker(broken, "broken")
    with qtbot.waitSignal(worker.errored, timeout=10_000) as failed:
        worker.start()
    worker.wait()
    assert failed.args == ["OSError: disk on fire"]

    gate = threading.Event()

    def waits_for_cancel(cancel: CancelToken) -> Generator[Progress, None, str]:
        yield Progress("waiting")
        gate.wait(10)
        cancel.raise_if_cancelled()
        return "not cancelled"

    worker = GeneratorWorker(waits_for_cancel, "cancellable")
    results: list[object] = []
    worker.returned.connect(results.append)
    with qtbot.waitSignal(worker.cancelled, timeout=10_000):
        worker.start()
        worker.cancel()
        gate.set()
    worker.wait()
    qtbot.wait(10)
    assert results == []


def test_describe_error_names_the_kind_of_failure() -> None:
    assert describe_error(ValueError("bad value")) == "ValueError: bad value"
    assert describe_error(Cancelled()) == "Cancelled"
