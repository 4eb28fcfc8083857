"""The ``evaluate`` and ``hard-negatives`` commands: results and bad usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from tests.helpers import write_jpeg


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


def test_evaluate_json_alone_prints_json_on_stdout(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    for i in range(2):
        write_jpeg(tmp_path / "set" / "droplet" / f"d{i}.jpg", seed=i)
        write_jpeg(tmp_path / "set" / "clean" / f"c{i}.jpg", seed=10 + i)
    assert main(["evaluate", str(tmp_path / "set"), "-t", "0.5", "--json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["metrics"]["n"] == 4 and data["metrics"]["threshold"] == 0.5
    assert "confusion matrix" in err and "Results written" not in err


def test_hard_negatives_from_an_empty_folder_says_nothing_was_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "clean").mkdir()
    code = main(["hard-negatives", str(tmp_path / "out"), "--data", str(tmp_path / "clean")])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert captured.err == (
        f"No photos were found in {tmp_path / 'clean'}; no hard negatives were written.\n"
    )


def test_hard_negatives_counts_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_jpeg(tmp_path / "clean" / "a.jpg", size=(64, 48))
    dest = tmp_path / "out"
    assert main(["hard-negatives", str(dest), "--data", str(tmp_path / "clean")]) == 0
    assert capsys.readouterr().out == f"Wrote 1 hard negative from 1 photo to {dest}\n"
    assert len(list(dest.iterdir())) == 1


def test_held_out_hard_negatives_are_made_from_the_photos_the_models_card_holds_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from dropletcleaner.cli.commands import evaluate as command

    for name in ("seen.jpg", "unseen.jpg"):
        write_jpeg(tmp_path / "clean" / name, size=(64, 48))
    card = SimpleNamespace(data_manifest={"test": ["clean/unseen.jpg", "clean/gone.jpg"]})
    monkeypatch.setattr(command, "load_model_announced", lambda w: SimpleNamespace(card=card))
    dest = tmp_path / "out"
    args = ["hard-negatives", str(dest), "--data", str(tmp_path / "clean"), "--held-out"]
    assert main(args) == 0
    assert capsys.readouterr().out == f"Wrote 1 hard negative from 1 photo to {dest}\n"
    assert [p.name.split("_")[1] for p in dest.iterdir()] == ["unseen"]
