"""``calibrate-map`` refuses bad usage before any work, and its help example parses."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.cli.parser import build_parser


def test_the_help_example_parses() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    example = commands.choices["calibrate-map"].epilog.splitlines()[1].strip()
    args = parser.parse_args(shlex.split(example)[1:])
    assert args.looks == [416] and [d.name for d in args.data] == ["pics"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--looks", "416", "416"], "names a size twice"),
        (["--looks", "288"], "must be sizes above 288"),
        (["--looks", "1024"], "up to 448"),
        (["--version", "my v4"], "is not a plain name"),
    ],
)
def test_bad_usage_is_refused_before_any_work(  # type: ignore[no-untyped-def]
    tmp_path: Path, capsys, extra: list[str], message: str
) -> None:
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"never read: usage is checked first")
    out = tmp_path / "out.safetensors"
    args = ["calibrate-map", str(weights), "--out", str(out), "--data", str(tmp_path)]
    version = [] if "--version" in extra else ["--version", "v2"]
    assert main([*args, *version, *extra]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_it_never_writes_over_the_model_it_reads(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"kept")
    args = ["calibrate-map", str(weights), "--out", str(weights), "--version", "v2"]
    assert main([*args, "--data", str(tmp_path)]) == 2
    assert "names the model being calibrated" in capsys.readouterr().err
    assert weights.read_bytes() == b"kept"
