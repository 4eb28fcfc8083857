"""Progress records and cancellation shared by every long job (scan, training, retrain)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")


class Cancelled(Exception):
    """Raised inside a job when its :class:`CancelToken` was set."""


class CancelToken:
    """Thread-safe flag a front end sets to ask a running job to stop at its next step."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass
class Progress:
    """One progress record yielded by a long job.

    ``total`` may be ``None`` while the job does not know it yet (discovery still running).
    ``errors`` counts files that could not be processed so far; ``message`` is a short
    human-readable phase description; ``extra`` carries job-specific figures (loss, metrics).
    """

    phase: str
    done: int = 0
    total: int | None = None
    current: str = ""
    errors: int = 0
    message: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


def run_job(job: Generator[P, None, T], on_progress: Callable[[P], None] | None = None) -> T:
    """Drive a progress generator to its end and return its result."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(p)
