"""The CLI progress bar: fits the terminal, no ETA before a rate, the last frame once."""

from __future__ import annotations

import io

import pytest

from dropletcleaner.cli import progressbar
from dropletcleaner.cli.progressbar import ProgressBar
from dropletcleaner.core.jobs import Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_frame_fits_the_width_it_is_given() -> None:
    p = Progress("scanning", done=500, total=10_000, errors=3)
    for width in (40, 60, 80, 200):
        line = ProgressBar.render(p, 10.0, width)
        assert len(line) <= width and line.startswith("scanning")
    assert "[" in ProgressBar.render(p, 10.0, 80)  # room for a bar
    assert "[" not in ProgressBar.render(p, 10.0, 40)  # too narrow: figures only


def test_no_rate_or_eta_until_there_is_a_rate() -> None:
    p = Progress("scanning", done=0, total=100)
    assert "ETA" not in ProgressBar.render(p, 5.0) and "/s" not in ProgressBar.render(p, 5.0)
    early = Progress("scanning", done=3, total=100)
    assert "ETA" not in ProgressBar.render(early, 0.01)
    assert "ETA   10s" in ProgressBar.render(Progress("scanning", done=50, total=100), 10.0)
    done = ProgressBar.render(Progress("scanning", done=100, total=100), 10.0)
    assert "ETA" not in done and "10.0/s" in done


def test_the_bar_follows_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _Tty()
    monkeypatch.setattr(progressbar, "_columns", lambda s: 50)
    bar = ProgressBar(stream, interval=0.0)
    bar.update(Progress("scanning", done=1, total=10_000))
    frame = stream.getvalue()
    assert frame.startswith("\r") and len(frame) == 1 + 49


def test_the_last_frame_is_drawn_once() -> None:
    stream = _Tty()
    bar = ProgressBar(stream, interval=0.0)
    bar.update(Progress("scanning", done=1, total=2))
    final = Progress("scanning", done=2, total=2)
    bar.update(final)
    bar.update(final, force=True)
    bar.close()
    bar.close()
    text = stream.getvalue()
    assert text.count("2/2") == 1 and text.endswith("\n") and text.count("\n") == 1


def test_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream)
    final = Progress("scanning", done=2, total=2)
    bar.update(final, force=True)
    bar.update(final, force=True)
    bar.close()
    assert stream.getvalue().count("\n") == 1 and "\r" not in stream.getvalue()
