"""``quarantine --json`` (list, dry run, a real run), short flags and --exclude / --no-recursive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from tests.helpers import write_jpeg


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    """A scanned library: drop.jpg 0.9, sub/wet.jpg 0.8, clean.jpg 0.1."""
    root = tmp_path / "lib"
    scores = {"drop.jpg": 0.9, "sub/wet.jpg": 0.8, "clean.jpg": 0.1}
    for i, name in enumerate(scores):
        write_jpeg(root / name, size=(48, 32), seed=i)
    (root / "drop.xmp").write_text("<xmp/>")
    with Catalog(tmp_path / "c.db") as cat:
        cat.record_scans(
            [
                ScanResult(
                    str(root / name),
                    (root / name).stat().st_size,
                    (root / name).stat().st_mtime_ns,
                    fingerprint=quick_fingerprint(root / name),
                    score=score,
                    model_version="test",
                )
                for name, score in scores.items()
            ]
        )
    return root


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, object]:
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_dry_run_json_lists_each_photo_and_changes_nothing(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    code, doc = _json(capsys, "quarantine", str(lib), "-n", "-t", "0.5", "--json", "--catalog", cat)
    assert code == 0 and isinstance(doc, dict)
    assert doc["dry_run"] is True and doc["would_move"] == 2 and doc["threshold"] == 0.5
    drop = next(p for p in doc["photos"] if p["source"].endswith("drop.jpg"))
    assert drop["status"] == "would-move"
    assert [Path(s).name for s in drop["sidecars"]] == ["drop.xmp"]
    assert (lib / "drop.jpg").exists()


def test_exclude_and_no_recursive_narrow_what_moves(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    base = ["quarantine", str(lib), "-n", "-t", "0.5", "--json", "--catalog", cat]
    _, doc = _json(capsys, *base, "--no-recursive")
    assert [Path(p["source"]).name for p in doc["photos"]] == ["drop.jpg"]  # type: ignore[index]
    _, doc = _json(capsys, *base, "--exclude", "drop.*")
    assert [Path(p["source"]).name for p in doc["photos"]] == ["wet.jpg"]  # type: ignore[index]


def test_quarantine_then_list_as_json(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    code, doc = _json(capsys, "quarantine", str(lib), "-t", "0.5", "-q", "--json", "--catalog", cat)
    assert code == 0 and doc["moved"] == 2 and doc["batch_id"]  # type: ignore[index]
    code, listing = _json(capsys, "quarantine", "list", "--json", "--catalog", cat)
    assert code == 0 and isinstance(listing, dict)
    (batch,) = listing["batches"]
    assert batch["batch_id"] == doc["batch_id"] and batch["photos"] == 2  # type: ignore[index]
    assert batch["in_quarantine"] == 2 and batch["created"].endswith("+00:00")
    assert listing["in_quarantine"]["photos"] == 2


def test_options_that_do_not_apply_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    assert main(["quarantine", "list", "--no-recursive", "--catalog", cat]) == 2
    assert "--no-recursive cannot be used with `quarantine list`" in capsys.readouterr().err
    assert main(["quarantine", "empty", "--json", "-y", "--catalog", cat]) == 2
