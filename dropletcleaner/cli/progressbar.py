"""A small throttled progress bar on stderr for long CLI jobs, and a driver for core jobs."""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from collections.abc import Generator
from typing import TextIO, TypeVar

from dropletcleaner.core.jobs import Progress, run_job

_T = TypeVar("_T")


class ProgressBar:
    """Redraws at most every ``interval`` seconds; plain lines when stderr is not a terminal.

    On a terminal the line fits its width (read at each frame, so a resize is followed);
    the rate and ETA appear once the phase has a rate to go by, and the final frame of a
    phase (done == total) is drawn once, however often it is reported.
    """

    def __init__(self, stream: TextIO | None = None, interval: float = 0.2) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if self.tty else 2.0
        self._last = 0.0
        self._phase = ""
        self._start = time.perf_counter()
        self._drawn = False
        self._finished: tuple[str, int, int | None, int] | None = None

    def update(self, p: Progress, force: bool = False) -> None:
        now = time.perf_counter()
        if p.phase != self._phase:
            self._phase, self._start = p.phase, now  # each phase has its own rate
        key = (p.phase, p.done, p.total, p.errors)
        final = p.total is not None and p.done >= p.total
        if final and key == self._finished:
            return
        if not force and not final and now - self._last < self.interval:
            return
        self._last = now
        self._finished = key if final else None
        width = _columns(self.stream) - 1 if self.tty else 1000  # -1: never wrap the line
        line = self.render(p, now - self._start, width)
        if self.tty:
            self.stream.write("\r" + line.ljust(width))
            self._drawn = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    @staticmethod
    def render(p: Progress, elapsed: float, width: int = 1000) -> str:
        """One frame, at most ``width`` characters; the bar takes the room that is left."""
        if p.total is None:
            return f"{p.phase}: {p.done:,} files…"[:width]
        frac = p.fraction or 0.0
        errors = f", {p.errors} unreadable" if p.errors else ""
        figures = f" {p.done:,}/{p.total:,}"
        rate = p.done / elapsed if elapsed >= _MIN_RATE_SECONDS and p.done > 0 else 0.0
        if rate > 0:
            figures += f" {rate:5.1f}/s"
            if p.done < p.total:
                figures += f" ETA {(p.total - p.done) / rate:4.0f}s"
        tail = figures + errors
        room = width - len(p.phase) - len(tail) - 3  # " [" and "]"
        if room < _MIN_BAR:
            return (p.phase + tail)[:width]
        bar = min(room, _MAX_BAR)
        filled = round(frac * bar)
        return f"{p.phase} [{'#' * filled}{'.' * (bar - filled)}]{tail}"

    def close(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False


_MIN_RATE_SECONDS = 0.5  # a rate over less time than this is noise, and so is its ETA
_MIN_BAR, _MAX_BAR = 10, 30


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return shutil.get_terminal_size().columns


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
