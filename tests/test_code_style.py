"""The house style is enforced, not hoped for: ruff (lint and format) and mypy stay clean,
every module has a docstring, and modules and functions stay small."""

from __future__ import annotations

import ast
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


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
SOURCES = sorted((ROOT / "dropletcleaner").rglob("*.py"))


def test_modules_and_functions_stay_small() -> None:
    """A module over 400 lines or a function over 60 hides more than one idea."""
    too_big: list[str] = []
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        if source.count("\n") > MAX_MODULE_LINES:
            too_big.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_big.append(f"{name}:{node.lineno} {node.name}() is {length} lines")
    assert not too_big, "\n".join(too_big)


def test_every_module_says_what_it_is_for() -> None:
    missing = [
        str(p.relative_to(ROOT)) for p in SOURCES if not ast.get_docstring(ast.parse(p.read_text()))
    ]
    assert not missing, f"modules without a docstring: {missing}"
