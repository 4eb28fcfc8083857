"""The ``dropletcleaner`` command: scan reports, exit codes and bad usage."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from dropletcleaner.cli import main


def test_scan_writes_csv_report_with_one_row_per_file(
    photo_dir: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    (photo_dir / "broken.jpg").write_bytes(b"")
    report = tmp_path / "r.csv"
    code = main(
        [
            "scan",
            str(photo_dir),
            "--report",
            str(report),
            "--catalog",
            str(tmp_path / "c.db"),
            "--threshold",
            "0.5",
        ]
    )
    assert code == 0
    out = capsys.readouterr()
    assert "photos found:      5" in out.out
    with report.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["path"] for r in rows] == sorted(str(p) for p in photo_dir.rglob("*.jpg"))
    assert list(rows[0]) == [
        "path",
        "droplet_score",
        "flagged",
        "coverage",
        "where",
        "label",
        "state",
        "width",
        "height",
        "error",
    ]
    broken = next(r for r in rows if r["path"].endswith("broken.jpg"))
    assert broken["error"] == "empty file (0 bytes)" and broken["droplet_score"] == ""
    for r in rows:
        if not r["error"]:
            score = float(r["droplet_score"])
            assert 0.0 <= score <= 1.0
            assert r["flagged"] == ("true" if score >= 0.5 else "false")


def test_scan_json_report(photo_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    assert (
        main(
            [
                "scan",
                str(photo_dir),
                "--report",
                str(report),
                "--catalog",
                str(tmp_path / "c.db"),
                "--quiet",
            ]
        )
        == 0
    )
    data = json.loads(report.read_text())
    assert data["schema_version"] == 2 and data["model_version"] == "droplet-v6"
    assert isinstance(data["threshold"], float) and data["created"].endswith("+00:00")
    rows = data["rows"]
    assert len(rows) == 4 and all(isinstance(r["flagged"], bool) for r in rows)
    assert all(r["state"] == "present" and r["label"] == "" for r in rows)
    assert all(r["width"] > 0 and r["height"] > 0 for r in rows)
    assert all(0.0 <= r["coverage"] <= 1.0 for r in rows)


def test_report_dash_writes_json_to_stdout_and_the_summary_to_stderr(
    photo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    assert main(["scan", str(photo_dir), "-o", "-", "--json", "-q", "--catalog", cat]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert len(data["rows"]) == 4
    assert "photos found:      4" in err and "Report written" not in err


def test_report_dash_without_json_is_csv_on_stdout(
    photo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    assert main(["scan", str(photo_dir), "--report", "-", "-t", "0.5", "-q", "--catalog", cat]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("path,droplet_score,flagged") and len(lines) == 5


def test_json_alone_prints_the_report(
    photo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(photo_dir), "--json", "-q", "--catalog", str(tmp_path / "c.db")]) == 0
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 4


def test_exclude_and_no_recursive_leave_photos_out_without_marking_them_missing(
    photo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dropletcleaner.core.catalog.photos import Catalog

    cat = tmp_path / "c.db"
    base = ["scan", str(photo_dir), "-q", "--catalog", str(cat), "--json"]
    assert main(base) == 0
    capsys.readouterr()
    assert main([*base, "--exclude", "img1.jpg", "--no-recursive"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert sorted(Path(r["path"]).name for r in rows) == ["img0.jpg", "img2.jpg"]
    assert main([*base, "--exclude", "sub"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert "deep.jpg" not in {Path(r["path"]).name for r in rows}
    with Catalog(cat) as catalog:
        assert {r.state for r in catalog.photos(str(photo_dir))} == {"present"}


def test_missing_folder_exits_2_with_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scan", "/definitely/not/here"]) == 2
    err = capsys.readouterr().err
    assert "folder does not exist" in err and err.count("\n") == 1


def test_bad_threshold_exits_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["scan", str(tmp_path), "--threshold", "7"])
    assert exc.value.code == 2


def test_unknown_command_exits_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_scanning_a_folder_without_photos_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    code = main(["scan", str(tmp_path / "empty"), "--catalog", str(tmp_path / "c.db"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"No photos were found in {tmp_path / 'empty'}; there was nothing to score." in out


def test_flagged_photos_get_a_hint_that_repeats_the_options(
    photo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    assert main(["scan", str(photo_dir), "--catalog", cat, "--threshold", "0", "--quiet"]) == 0
    out = capsys.readouterr().out
    hint = f"dropletcleaner quarantine {photo_dir} --threshold 0 --dry-run --catalog {cat}"
    assert f"photos flagged. See what would move: {hint}\n" in out


def test_unsupported_files_are_counted_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import write_jpeg

    folder = tmp_path / "lib"
    write_jpeg(folder / "a.jpg")
    for name in ("b.psd", "c.psd", "d.PSD"):
        (folder / name).write_bytes(b"8BPS" + b"\0" * 40)
    report = tmp_path / "r.csv"
    args = ["scan", str(folder), "--report", str(report), "--catalog", str(tmp_path / "c.db")]
    assert main([*args, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "photos found:      1\n" in out
    assert "unreadable:        0\n" in out
    assert "not read:          3 skipped: .psd not supported\n" in out
    with report.open() as f:
        rows = {Path(r["path"]).name: r for r in csv.DictReader(f)}
    assert set(rows) == {"a.jpg", "b.psd", "c.psd", "d.PSD"}
    assert rows["d.PSD"]["error"] == "not supported: .psd files (Photoshop document) are not read"


def test_a_folder_of_unsupported_files_only_says_no_photos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "b.psd").write_bytes(b"8BPS")
    assert main(["scan", str(folder), "--catalog", str(tmp_path / "c.db"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "1 skipped: .psd not supported" in out
    assert "No photos were found in" in out


def test_photos_just_under_the_threshold_are_counted_for_a_look(
    photo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    assert main(["scan", str(photo_dir), "--catalog", cat, "--json", "--quiet"]) == 0
    scores = [r["droplet_score"] for r in json.loads(capsys.readouterr().out)["rows"]]
    threshold = round(max(scores) + 0.05, 2)  # every photo below it, the highest within reach
    near = sum(threshold - 0.10 <= s < threshold for s in scores)
    args = ["scan", str(photo_dir), "--catalog", cat, "--threshold", str(threshold), "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"  just under it:     {near} ({threshold - 0.10:.2f}-{threshold:.2f}" in out
    assert "the app's Uncertain filter lists them" in out


def test_labelled_unreadable_and_flagged_photos_are_not_just_under() -> None:
    from dropletcleaner.cli.commands.scan import just_under
    from dropletcleaner.core.library.report import ReportRow

    rows = [
        ReportRow("a.jpg", 0.85, False, ""),  # counted
        ReportRow("b.jpg", 0.86, False, "", label="clean"),  # the user said so
        ReportRow("c.jpg", 0.95, True, ""),  # flagged already
        ReportRow("d.jpg", 0.70, False, ""),  # too far under
        ReportRow("e.jpg", None, False, "empty file (0 bytes)"),
    ]
    assert just_under(rows, 0.9) == 1
