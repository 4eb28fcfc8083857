"""The model commands (``calibrate``, ``evaluate``): results and bad usage."""

from __future__ import annotations

import json
from pathlib import Path

from dropletcleaner.cli import main
from dropletcleaner.core.model import shipped_weights_path
from tests.helpers import write_jpeg


def test_calibrate_refuses_bad_usage(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = str(tmp_path / "m.safetensors")
    data = ["--data", str(tmp_path)]
    missing = str(tmp_path / "none.safetensors")
    assert main(["calibrate", missing, "--out", out, "--version", "x", *data]) == 2
    assert "model file does not exist" in capsys.readouterr().err
    shipped = str(shipped_weights_path())
    args = ["calibrate", shipped, "--out", out, "--version", "x", *data, "--target-fpr", "0.7"]
    assert main(args) == 2
    assert "--target-fpr must be between 0 and 0.5" in capsys.readouterr().err
    assert not Path(out).exists()


def test_evaluate_reports_metrics_and_writes_json(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    for i in range(2):
        write_jpeg(tmp_path / "set" / "droplet" / f"d{i}.jpg", seed=i)
        write_jpeg(tmp_path / "set" / "clean" / f"c{i}.jpg", seed=10 + i)
    report = tmp_path / "r.json"
    assert main(["evaluate", str(tmp_path / "set"), "--json", str(report)]) == 0
    text = capsys.readouterr().out
    for figure in ("accuracy", "precision", "recall", "F1", "AUROC", "confusion matrix"):
        assert figure in text
    data = json.loads(report.read_text())
    assert data["metrics"]["n"] == 4 and len(data["scores"]) == 4
