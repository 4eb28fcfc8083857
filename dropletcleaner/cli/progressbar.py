"""A small throttled progress bar on stderr for long CLI jobs, and a driver for core jobs."""

from __future__ import annotations

import sys
import time
from collections.abc import Generator
from typing import TextIO, TypeVar

from dropletcleaner.core.progress import Progress, run_job

_T = TypeVar("_T")


class ProgressBar:
    """Redraws at most every ``interval`` seconds; plain lines when stderr is not a terminal."""

    def __init__(self, stream: TextIO | None = None, interval: float = 0.2) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if self.tty else 2.0
        self._last = 0.0
        self._start = time.perf_counter()
        self._drawn = False

    def update(self, p: Progress, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        line = self.render(p, now - self._start)
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    @staticmethod
    def render(p: Progress, elapsed: float) -> str:
        if p.total is None:
            return f"{p.phase}: {p.done:,} files…"
        frac = p.fraction or 0.0
        width = 30
        filled = round(frac * width)
        rate = p.done / elapsed if elapsed > 0 else 0.0
        eta = (p.total - p.done) / rate if rate > 0 else 0.0
        errors = f", {p.errors} unreadable" if p.errors else ""
        return (
            f"{p.phase} [{'#' * filled}{'.' * (width - filled)}] {p.done:,}/{p.total:,} "
            f"{rate:5.1f}/s ETA {eta:4.0f}s{errors}"
        )

    def close(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def drive(gen: Generator[Progress, None, _T]) -> _T:
    """Run a long core job, drawing its progress and printing its figures; returns its result."""
    bar = ProgressBar()
    phase = [""]

    def show(p: Progress) -> None:
        if p.phase != phase[0]:
            bar.close()
            phase[0] = p.phase
        bar.update(p, force=bool(p.extra))
        if p.extra and p.phase != "done":
            figures = ", ".join(f"{k}={v:.4f}" for k, v in p.extra.items())
            print(f"  {p.phase} {p.done}/{p.total}: {figures}")

    try:
        return run_job(gen, show)
    finally:
        bar.close()
