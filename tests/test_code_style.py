"""The house style is enforced, not hoped for: ruff (lint and format) and mypy stay clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    "command", [("ruff", "check", "."), ("ruff", "format", "--check", ".")], ids=str
)
def test_ruff_is_clean(command: tuple[str, ...]) -> None:
    result = _run(*command)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def test_mypy_is_clean() -> None:
    result = _run("mypy")  # settings and packages from pyproject.toml
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
