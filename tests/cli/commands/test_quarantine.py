"""The quarantine, restore and undo commands on a temporary library."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import transfer
from tests.helpers import write_jpeg


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    """A library whose photos were scanned: drop.jpg 0.9, maybe.jpg 0.7, clean.jpg 0.1."""
    root = tmp_path / "lib"
    scores = {"drop.jpg": 0.9, "maybe.jpg": 0.7, "sub/clean.jpg": 0.1}
    for i, name in enumerate(scores):
        write_jpeg(root / name, size=(48, 32), seed=i)
    (root / "drop.XMP").write_text("<xmp/>")
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


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_quarantine_list_undo_round_trip(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    before = _snapshot(lib)
    code, out, _ = _run(
        capsys, "quarantine", str(lib), "--threshold", "0.5", "--dry-run", "--catalog", cat
    )
    assert code == 0
    qdir = lib / ".dropletcleaner-quarantine"
    assert f"would-move {lib / 'drop.jpg'} -> {qdir / 'drop.jpg'} (with drop.XMP)" in out
    assert f"would-move {lib / 'maybe.jpg'} -> {qdir / 'maybe.jpg'}" in out
    assert "clean.jpg" not in out
    assert "Dry run: 2 photos" in out and "Nothing was changed." in out
    assert (
        f"Move them with: dropletcleaner quarantine {lib} --threshold 0.5 --catalog {cat}\n" in out
    )
    assert _snapshot(lib) == before

    code, out, _ = _run(
        capsys, "quarantine", str(lib), "--threshold", "0.5", "--catalog", cat, "--quiet"
    )
    assert code == 0
    batch = re.search(r"Batch (\S+): 2 photos", out)
    assert batch is not None and f"Undo with: dropletcleaner undo --catalog {cat}\n" in out
    assert sorted(p.name for p in qdir.iterdir()) == ["drop.XMP", "drop.jpg", "maybe.jpg"]

    code, out, _ = _run(capsys, "quarantine", "list", "--catalog", cat)
    assert code == 0
    assert re.search(rf"{batch.group(1)} .* quarantine +2 +2 .* {re.escape(str(qdir))}", out)
    assert "In quarantine now: 2 photos" in out

    code, out, _ = _run(capsys, "undo", "--catalog", cat)
    assert code == 0 and "2 photos" in out and "restored" in out
    assert _snapshot(lib) == before
    code, out, _ = _run(capsys, "undo", "--catalog", cat)
    assert code == 0 and "Nothing to undo" in out


def test_restore_by_batch_path_and_all(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    dest = tmp_path / "aside"
    before = _snapshot(lib)
    assert (
        main(["quarantine", str(lib), "--threshold", "0.8", "--to", str(dest), "--catalog", cat])
        == 0
    )
    assert (
        main(["quarantine", str(lib), "--threshold", "0.5", "--to", str(dest), "--catalog", cat])
        == 0
    )
    capsys.readouterr()
    first = q.list_batches(Catalog(tmp_path / "c.db"))[-1].batch_id

    code, out, _ = _run(capsys, "restore", "--batch", first, "--catalog", cat)
    assert code == 0 and ": 1 photo (" in out and (lib / "drop.jpg").exists()
    code, out, _ = _run(capsys, "restore", "--batch", first, "--catalog", cat)
    assert code == 0 and f"Nothing to restore: batch {first} has no photos in quarantine." in out
    (lib / "maybe.jpg").write_bytes(b"a new photo with that name")
    code, out, err = _run(
        capsys, "restore", str(lib / "maybe.jpg"), str(lib / "nope.jpg"), "--catalog", cat
    )
    assert code == 1  # one of the photos asked for could not be restored
    assert "occupied; restored beside it as maybe (1).jpg" in out
    assert f"{lib / 'nope.jpg'} is not in quarantine, so it was not restored." in err
    assert (lib / "maybe.jpg").read_bytes() == b"a new photo with that name"
    assert _snapshot(lib)["maybe (1).jpg"] == before["maybe.jpg"]
    code, out, _ = _run(capsys, "restore", "--all", "--catalog", cat)
    assert code == 0 and out == "Nothing to restore: there are no photos in quarantine.\n"


def test_restoring_a_photo_not_in_quarantine_says_so_and_exits_1(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    code, out, err = _run(capsys, "restore", str(lib / "drop.jpg"), "--catalog", cat)
    assert code == 1 and out == ""
    assert err == f"{lib / 'drop.jpg'} is not in quarantine, so it was not restored.\n"
    assert "Batch -" not in out + err and "0 photos" not in out + err


def test_empty_needs_yes_and_uses_the_system_trash(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # conftest points send2trash's Linux trash at the session's folder before it is imported.
    trash = Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files"
    before = set(os.listdir(trash)) if trash.is_dir() else set()
    cat = str(tmp_path / "c.db")
    code, out, _ = _run(capsys, "quarantine", "empty", "--yes", "--catalog", cat)
    assert code == 0 and "The quarantine is empty: there is nothing to send to the trash." in out
    assert main(["quarantine", str(lib), "--threshold", "0.5", "--catalog", cat]) == 0
    code, _, err = _run(capsys, "quarantine", "empty", "--catalog", cat)
    assert code == 2 and "add --yes to confirm" in err and "2 quarantined photos" in err
    assert (lib / ".dropletcleaner-quarantine" / "drop.jpg").exists()
    code, out, _ = _run(capsys, "quarantine", "empty", "--yes", "--catalog", cat)
    assert code == 0 and "2 photos" in out and "moved to the system trash" in out
    trashed = sorted(set(os.listdir(trash)) - before)
    assert trashed == ["drop.XMP", "drop.jpg", "maybe.jpg"]
    assert not (lib / ".dropletcleaner-quarantine").exists()
    assert (lib / "sub" / "clean.jpg").exists()


def test_default_threshold_is_the_active_models(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.ml.card import ModelCard
    from dropletcleaner.core.ml.checkpoint import save_model
    from dropletcleaner.core.ml.network import DropletNet
    from dropletcleaner.core.ml.store import default_model_card, load_default_model
    from dropletcleaner.core.paths import models_dir

    monkeypatch.setenv("DROPLETCLEANER_DATA", str(tmp_path / "data"))
    models_dir().mkdir(parents=True)
    save_model(
        DropletNet(), ModelCard(version="mine", threshold=0.8), models_dir() / "mine.safetensors"
    )
    registry.set_active("mine")
    assert default_model_card().threshold == load_default_model().threshold == 0.8
    with Catalog(tmp_path / "c.db") as cat:  # scored by "mine": its threshold fits its scores
        cat.connection.execute("UPDATE photos SET model_version = 'mine'")
        cat.connection.commit()
    code, out, err = _run(
        capsys, "quarantine", str(lib), "--dry-run", "--catalog", str(tmp_path / "c.db")
    )
    assert code == 0 and "drop.jpg" in out and "maybe.jpg" not in out and "WARNING" not in err


def test_untrained_model_warns(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dropletcleaner.core.ml.store import default_model_card

    monkeypatch.setenv("DROPLETCLEANER_DATA", str(tmp_path / "empty-data"))
    with Catalog(tmp_path / "c.db") as cat:  # scored by the model in use, as a scan would
        cat.connection.execute(
            "UPDATE photos SET model_version = ?", (default_model_card().version,)
        )
        cat.connection.commit()
    code, out, err = _run(
        capsys, "quarantine", str(lib), "--dry-run", "--catalog", str(tmp_path / "c.db")
    )
    if "UNTRAINED" in err or "no trained droplet model" in err:
        assert "maybe.jpg" in out  # the untrained card's threshold is 0.5
    else:  # a shipped model is installed: its threshold applies
        assert default_model_card().trained
    assert code == 0


def test_usage_errors_and_refusals(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    for args, words in [
        (["quarantine", "list", "--dry-run"], "--dry-run cannot be used with `quarantine list`"),
        (["quarantine", "empty", "--to", "x"], "--to cannot be used with `quarantine empty`"),
        (["quarantine", str(lib), "--yes"], "--yes cannot be used"),
        (["quarantine", str(tmp_path / "nope")], "not a folder"),
        (
            ["quarantine", str(lib), "--threshold", "0.5", "--to", str(lib / "x")],
            "inside the library",
        ),
        (["restore"], "say what to restore"),
        (["restore", str(lib), "--all"], "not several"),
        (["restore", "--batch", "nope"], "no quarantine batch"),
    ]:
        code, _, err = _run(capsys, *args, "--catalog", cat)
        assert code == 2 and words in err, (args, err)
    assert (lib / "drop.jpg").exists()


def test_unscanned_folder_and_nothing_flagged(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cat = str(tmp_path / "c.db")
    other = tmp_path / "other"
    write_jpeg(other / "x.jpg", size=(16, 16))
    code, _, err = _run(capsys, "quarantine", str(other), "--threshold", "0.5", "--catalog", cat)
    assert code == 1 and f"Scan it first: dropletcleaner scan {other} --catalog {cat}" in err
    code, out, _ = _run(capsys, "quarantine", str(lib), "--threshold", "0.95", "--catalog", cat)
    assert code == 0 and "Nothing to quarantine" in out
    code, out, _ = _run(capsys, "quarantine", "list", "--catalog", cat)
    assert code == 0 and "No batches yet." in out


def test_commands_settle_an_interrupted_run_first(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Crash(BaseException):
        pass

    real = transfer._transfer
    calls = [0]

    def dying(*args: object) -> None:
        calls[0] += 1
        real(*args)  # type: ignore[arg-type]
        if calls[0] == 1:
            raise Crash()

    with monkeypatch.context() as m:
        m.setattr(transfer, "_transfer", dying)
        with pytest.raises(Crash):
            main(
                ["quarantine", str(lib), "--threshold", "0.5", "--catalog", str(tmp_path / "c.db")]
            )
    capsys.readouterr()
    code, out, _ = _run(capsys, "quarantine", "list", "--catalog", str(tmp_path / "c.db"))
    assert code == 0 and "Settled 3 moves an interrupted run left unfinished:" in out
    assert "finished after an interruption" in out and "rolled back" in out
    assert "In quarantine now: 1 photo (" in out


def test_a_second_operation_at_once_is_refused(
    lib: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fcntl

    with open(tmp_path / "c.db.quarantine-lock", "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        code, _, err = _run(capsys, "undo", "--catalog", str(tmp_path / "c.db"))
    assert code == 2 and "another quarantine" in err


def test_scan_then_quarantine_then_undo(
    photo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole path a user takes, with the real scanner."""
    cat = str(tmp_path / "scan.db")
    before = _snapshot(photo_dir)
    assert main(["scan", str(photo_dir), "--catalog", cat, "--quiet"]) == 0
    code, out, _ = _run(capsys, "quarantine", str(photo_dir), "--threshold", "0", "--catalog", cat)
    assert code == 0 and "4 photos" in out
    assert (
        sorted(
            p.name for p in photo_dir.rglob("*.jpg") if ".dropletcleaner-quarantine" not in p.parts
        )
        == []
    )
    # A rescan neither finds the quarantined photos nor forgets them.
    assert main(["scan", str(photo_dir), "--catalog", cat, "--quiet"]) == 0
    with Catalog(tmp_path / "scan.db") as c:
        assert {r.state for r in c.photos(str(photo_dir), include_missing=True)} == {"quarantined"}
    assert main(["undo", "--catalog", cat]) == 0
    assert _snapshot(photo_dir) == before
