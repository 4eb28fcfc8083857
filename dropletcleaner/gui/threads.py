"""The app's threads: one generator worker for every job, each registered against leaks.

A *job* is the shape of every long operation in the core (scan, retrain, accept): a
generator that yields progress and returns its result, handed a :class:`CancelToken` to
stop at its next step. The command line drives one with :func:`run_job`; the app drives
it on a :class:`GeneratorWorker`, much as superqt's ``thread_worker`` does: what the job
yields arrives on the GUI thread as ``yielded``, then exactly one of ``returned``,
``errored`` or ``cancelled``, then QThread's own ``finished``.

superqt itself is not used: its workers run on the shared ``QThreadPool``, sized to the
cores (two here), where a scan and a model still loading would hold back a retrain; and
its ``quit`` stops a job only at its next yield, where the core's jobs take a
``CancelToken`` and decide themselves how to stop (a scan still reports how far it got).
A QThread per job and the token do both, in a page of code and no new dependency.

Every thread of the app is a :class:`ManagedThread`, registered, so the app and the tests
can check that none outlives its window (:func:`running_threads`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from dropletcleaner.core.jobs import Cancelled, CancelToken

_LIVE_THREADS: weakref.WeakSet[ManagedThread] = weakref.WeakSet()

Job = Callable[[CancelToken], Generator[Any, None, Any]]


class ManagedThread(QThread):
    """A QThread that registers itself, so leaks are detectable (see :func:`running_threads`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        _LIVE_THREADS.add(self)


def running_threads() -> list[ManagedThread]:
    return [t for t in list(_LIVE_THREADS) if t.isRunning()]


def describe_error(exc: BaseException) -> str:
    """One line for the user: the kind of failure and its message."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class GeneratorWorker(ManagedThread):
    """Runs ``job(cancel_token)`` on its own thread and reports through queued signals.

    ``describe`` turns a failure into the one line ``errored`` carries (a scan says which
    catalog failed, say). A job that raises :class:`Cancelled` ends with ``cancelled``;
    the generator is closed however it ends, so its ``finally`` blocks (closing a catalog
    connection) run on this thread.
    """

    yielded = Signal(object)  # what the job yielded: a Progress, or the job's own events
    returned = Signal(object)  # the job's result
    errored = Signal(str)  # describe(exc)
    cancelled = Signal()

    def __init__(
        self,
        job: Job,
        name: str,
        parent: QObject | None = None,
        describe: Callable[[Exception], str] = describe_error,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.cancel_token = CancelToken()
        self._job = job
        self._describe = describe

    def cancel(self) -> None:
        """Ask the job to stop at its next step; returns at once."""
        self.cancel_token.cancel()

    def run(self) -> None:
        try:
            result = self._drive(self._job(self.cancel_token))
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # the user must see every failure, not a silent thread
            self.errored.emit(self._describe(exc))
        else:
            self.returned.emit(result)

    def _drive(self, job: Generator[Any, None, Any]) -> Any:
        try:
            while True:
                try:
                    item = next(job)
                except StopIteration as stop:
                    return stop.value
                self.yielded.emit(item)
        finally:
            job.close()
