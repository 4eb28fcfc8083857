"""Failures become one line and an exit code: usage errors 2, bugs 1 with the details kept."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from dropletcleaner.cli.errors import UsageError, run_command


def _args(func: object) -> argparse.Namespace:
    return argparse.Namespace(command="scan", func=func, catalog=None)


def test_a_usage_error_is_one_line_and_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    def bad(_: argparse.Namespace) -> int:
        raise UsageError("folder not found: /nowhere")

    assert run_command(_args(bad)) == 2
    assert capsys.readouterr().err == "dropletcleaner scan: error: folder not found: /nowhere\n"


def test_a_bug_is_one_line_exit_code_1_and_its_traceback_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROPLETCLEANER_CACHE", str(tmp_path / "cache"))

    def broken(_: argparse.Namespace) -> int:
        raise RuntimeError("unexpected\nstate")

    assert run_command(_args(broken)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("dropletcleaner scan: internal error: RuntimeError: unexpected state")
    kept = tmp_path / "cache" / "last-error.txt"
    assert str(kept) in err
    assert "Traceback" in kept.read_text() and "RuntimeError" in kept.read_text()
