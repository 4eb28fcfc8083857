"""The ``calibrate`` command refuses bad usage before any work (training itself: tests/core)."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.cli import main


def test_calibrate_refuses_bad_usage(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = str(tmp_path / "m.safetensors")
    data = ["--data", str(tmp_path)]
    missing = str(tmp_path / "none.safetensors")
    assert main(["calibrate", missing, "--out", out, "--version", "x", *data]) == 2
    assert "model file does not exist" in capsys.readouterr().err
    weights = tmp_path / "w.safetensors"
    weights.write_bytes(b"checked after --target-fpr")
    args = ["calibrate", str(weights), "--out", out, "--version", "x", *data, "--target-fpr", "0.7"]
    assert main(args) == 2
    assert "--target-fpr must be between 0 and 0.5" in capsys.readouterr().err
    assert not Path(out).exists()
