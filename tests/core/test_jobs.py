"""Long jobs: progress records, cancellation tokens, and run_job driving a job to its result."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest

from dropletcleaner.core.jobs import Cancelled, CancelToken, Progress, run_job


def _count(n: int, token: CancelToken | None = None) -> Generator[Progress, None, str]:
    for i in range(n):
        if token is not None:
            token.raise_if_cancelled()
        yield Progress("counting", done=i + 1, total=n, current=f"item {i}")
    return f"counted {n}"


def test_run_job_returns_the_generator_value_and_reports_each_record() -> None:
    seen: list[Progress] = []
    assert run_job(_count(3), seen.append) == "counted 3"
    assert [(p.phase, p.done, p.total, p.current) for p in seen] == [
        ("counting", 1, 3, "item 0"),
        ("counting", 2, 3, "item 1"),
        ("counting", 3, 3, "item 2"),
    ]


def test_run_job_without_a_listener_still_runs_to_the_end() -> None:
    assert run_job(_count(2)) == "counted 2"
    assert run_job(_count(0)) == "counted 0"


def test_a_cancelled_token_stops_the_job_at_its_next_step() -> None:
    token = CancelToken()
    seen: list[Progress] = []

    def cancel_after_first(p: Progress) -> None:
        seen.append(p)
        token.cancel()

    with pytest.raises(Cancelled):
        run_job(_count(5, token), cancel_after_first)
    assert len(seen) == 1


def test_the_job_s_own_errors_come_through_run_job() -> None:
    def failing() -> Generator[Progress, None, None]:
        yield Progress("start")
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        run_job(failing())


def test_a_token_starts_clear_and_stays_cancelled() -> None:
    token = CancelToken()
    assert not token.cancelled
    token.raise_if_cancelled()  # nothing to raise yet
    token.cancel()
    token.cancel()
    assert token.cancelled
    with pytest.raises(Cancelled):
        token.raise_if_cancelled()


def test_a_token_cancelled_from_another_thread_is_seen() -> None:
    token = CancelToken()
    worker = threading.Thread(target=token.cancel)
    worker.start()
    worker.join()
    assert token.cancelled


@pytest.mark.parametrize(
    ("done", "total", "fraction"),
    [(0, None, None), (5, 0, None), (0, 4, 0.0), (1, 4, 0.25), (4, 4, 1.0), (9, 4, 1.0)],
)
def test_progress_fraction_is_unknown_without_a_total_and_capped_at_one(
    done: int, total: int | None, fraction: float | None
) -> None:
    assert Progress("p", done=done, total=total).fraction == fraction


def test_progress_defaults_and_extras_are_per_record() -> None:
    a, b = Progress("scan"), Progress("scan")
    assert (a.done, a.total, a.current, a.errors, a.message, a.extra) == (0, None, "", 0, "", {})
    a.extra["loss"] = 0.5
    assert b.extra == {}
