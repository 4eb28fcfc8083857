"""Recovery after a crash or a kill -9 at any point: every file once, every group whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import journal, names, recovery, safety, transfer
from tests.quarantine_helpers import (
    Crash,
    _exdev_between_folders,
    _fake_trash,
    _files,
    _journal,
    _quarantine_all,
    _record,
    _snapshot,
)

REPO = Path(__file__).resolve().parents[3]


def _crash_on_call(
    monkeypatch: pytest.MonkeyPatch, name: str, n: int, *, after: bool = False
) -> None:
    """Make the n-th call (1-based) of ``transfer.<name>`` (as a move calls it) die, before or
    after doing its work."""
    real = getattr(transfer, name)
    count = [0]

    def wrapper(*args: object, **kwargs: object) -> object:
        count[0] += 1
        if count[0] == n and not after:
            raise Crash()
        result = real(*args, **kwargs)
        if count[0] == n:
            raise Crash()
        return result

    monkeypatch.setattr(transfer, name, wrapper)


CRASH_POINTS = [
    ("_reserve", 1, False, "stayed"),  # intents written, nothing reserved
    ("_reserve", 1, True, "stayed"),  # placeholders exist, nothing moved
    ("_transfer", 1, False, "stayed"),
    ("_transfer", 1, True, "moved"),  # photo moved, not settled: sidecar finished by recovery
    ("_transfer", 2, False, "moved"),  # photo settled, sidecar not moved
    ("_settle", 2, False, "moved"),
]


@pytest.mark.parametrize(("name", "n", "after", "expect"), CRASH_POINTS)
def test_recover_after_a_crash_keeps_every_group_whole(
    name: str,
    n: int,
    after: bool,
    expect: str,
    cat: Catalog,
    lib: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = lib / "a.jpg"
    _record(cat, [a])
    before = _snapshot(lib)
    with monkeypatch.context() as m:
        _crash_on_call(m, name, n, after=after)
        with pytest.raises(Crash):
            q.quarantine(cat, [a], library_root=lib)
    outcomes = q.recover(cat)
    assert outcomes and all(o.status != "failed" for o in outcomes)
    qdir = lib / ".dropletcleaner-quarantine"
    if expect == "stayed":
        assert _snapshot(lib) == before  # placeholders gone too
        assert cat.get(str(a)).state == "present"  # type: ignore[union-attr]
        assert {s for _, s in _journal(cat)} == {"rolled-back"}
    else:
        assert _files(qdir) == ["a.jpg", "a.xmp"] and not (lib / "a.xmp").exists()
        assert cat.get(str(a)).state == "quarantined"  # type: ignore[union-attr]
        assert {s for _, s in _journal(cat)} == {"done"}
        assert [f.current for f in q.quarantined_files(cat)] == [qdir / "a.jpg"]
        q.restore(cat, all_batches=True)
        assert _snapshot(lib) == before
    assert q.recover(cat) == []


def test_recover_after_a_crash_during_restore(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(lib)
    _quarantine_all(cat, lib)
    with monkeypatch.context() as m:
        _crash_on_call(m, "_transfer", 1, after=True)
        with pytest.raises(Crash):
            q.restore(cat, all_batches=True)
    outcomes = q.recover(cat)
    # The photo that moved, then its sidecar; the journalled groups not yet begun roll back.
    assert [o.status for o in outcomes] == ["restored", "restored", "skipped", "skipped"]
    q.restore(cat, all_batches=True)
    assert _snapshot(lib) == before


def test_recover_after_a_crash_in_a_cross_device_copy(
    cat: Catalog, lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(lib)
    dest = tmp_path / "other-disk"
    b = lib / "b.jpg"
    _record(cat, [b])
    with monkeypatch.context() as m:
        _exdev_between_folders(m)
        # Die after the verified copy is in place, before the source is removed.
        real_unlink = os.unlink
        m.setattr(
            os,
            "unlink",
            lambda p: (_ for _ in ()).throw(Crash()) if Path(p) == b else real_unlink(p),
        )
        with pytest.raises(Crash):
            q.quarantine(cat, [b], library_root=lib, dest=dest)
    assert (dest / "b.jpg").read_bytes() == b.read_bytes()  # two copies for a moment
    [o] = q.recover(cat)
    assert o.status == "skipped" and "rolled back" in o.reason
    assert _snapshot(lib) == before and _files(dest) == []


def test_recover_removes_a_partial_copy(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    b = lib / "b.jpg"
    _record(cat, [b])
    dest = tmp_path / "other-disk"
    report = q.quarantine(cat, [b], library_root=lib, dest=dest, dry_run=True)
    target = report.outcomes[0].destination
    assert target is not None
    # Rebuild by hand the state a kill during a cross-device copy leaves.
    _write_intent(cat, b, target)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")  # placeholder
    names._temp_for(target).write_bytes(b.read_bytes()[:100])  # partial copy
    [o] = q.recover(cat)
    assert o.status == "skipped"
    assert _files(dest) == [] and b.exists()


def _write_intent(cat: Catalog, src: Path, dst: Path, role: str = "photo") -> None:
    """An intent exactly as the quarantine writes it before a move."""
    journal._ensure_schema(cat)
    batch = journal._Batch("quarantine", src.parent, dst.parent)
    item = journal._Item(role, src, dst, str(src), src)
    safety._identify(item)
    assert journal._begin(cat, batch, "out", [[item]]) == [0] and item.destination == dst


def test_recover_keeps_both_when_they_differ(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    b = lib / "b.jpg"
    _record(cat, [b])
    dst = tmp_path / "q" / "b.jpg"
    _write_intent(cat, b, dst)
    dst.parent.mkdir()
    dst.write_bytes(b"something else entirely")
    [o] = q.recover(cat)
    assert o.status == "failed" and "nothing was removed" in o.reason
    assert b.exists() and dst.read_bytes() == b"something else entirely"
    assert cat.get(str(b)).state == "present"  # type: ignore[union-attr]


def test_recover_reports_a_file_found_nowhere(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    b = lib / "b.jpg"
    _record(cat, [b])
    dst = tmp_path / "q" / "b.jpg"
    _write_intent(cat, b, dst)
    dst.parent.mkdir()
    dst.write_bytes(b"")  # our placeholder
    b.unlink()  # someone removed the photo meanwhile
    [o] = q.recover(cat)
    assert o.status == "failed" and "neither" in o.reason
    assert not dst.exists()  # the empty placeholder is not left behind
    assert cat.get(str(b)).state == "missing"  # type: ignore[union-attr]
    assert _journal(cat) == [("out", "failed")]


@pytest.mark.parametrize("how", ["taken", "denied"])
def test_recover_cannot_finish_a_sidecar(
    how: str, cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = lib / "a.jpg"
    _record(cat, [a])
    with monkeypatch.context() as m:
        _crash_on_call(m, "_transfer", 2)  # photo moved and settled, sidecar not moved
        with pytest.raises(Crash):
            q.quarantine(cat, [a], library_root=lib)
    qdir = lib / ".dropletcleaner-quarantine"
    (qdir / "a.xmp").unlink()  # the crash left our placeholder
    if how == "taken":  # someone takes the name just before recovery reserves it
        monkeypatch.setattr(recovery, "_reserve", lambda names: False)
    else:
        monkeypatch.setattr(
            os, "replace", lambda s, d: (_ for _ in ()).throw(PermissionError(13, "denied"))
        )
    [o] = q.recover(cat)
    assert o.status == "failed" and "sidecar stayed" in o.reason
    assert (lib / "a.xmp").exists()
    if how == "denied":
        assert not (qdir / "a.xmp").exists()  # placeholder removed again


def test_recover_after_a_crash_while_emptying(
    cat: Catalog, lib: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _quarantine_all(cat, lib)
    fake = _fake_trash(tmp_path / "bin")
    calls = [0]

    def dying(path: Path) -> None:
        calls[0] += 1
        if calls[0] == 1:
            fake(path)  # trashed, then the process died
        raise Crash()

    with pytest.raises(Crash):
        q.empty_quarantine(cat, trash=dying)
    # The photo went before the crash: recovery sends its sidecar after it (issue 10, case 14).
    outcomes = q.recover(cat, trash=fake)
    assert {o.source.name: o.status for o in outcomes} == {"a.jpg": "trashed", "a.xmp": "trashed"}
    assert cat.get(str(lib / "a.jpg")).state == "missing"  # type: ignore[union-attr]
    assert not (lib / ".dropletcleaner-quarantine" / "a.xmp").exists()
    with pytest.raises(Crash):
        q.empty_quarantine(cat, trash=dying)
    [o] = q.recover(cat, trash=fake)
    assert o.status == "skipped"
    assert (lib / ".dropletcleaner-quarantine" / "b.jpg").exists()


_KILL_SCRIPT = """
import sys
import time
from pathlib import Path
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import transfer
from dropletcleaner.core.catalog.photos import Catalog

# A short pause per move keeps the batch running long enough to be killed mid-way.
real_transfer = transfer._transfer
def slow_transfer(*args):
    time.sleep(0.002)
    real_transfer(*args)
transfer._transfer = slow_transfer
catalog = Catalog(sys.argv[1])
root = Path(sys.argv[2])
if sys.argv[3] == "out":
    paths = [Path(r.path) for r in catalog.photos(str(root))]
    q.quarantine(catalog, paths, library_root=root)
else:
    q.restore(catalog, all_batches=True)
"""


def _run_and_kill(cat_path: Path, root: Path, op: str, started: Callable[[], bool]) -> None:
    """Run a batch in a child process and SIGKILL it once ``started()`` says it is under way."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(cat_path), str(root), op], env=env
    )
    deadline = time.monotonic() + 120
    try:
        while not started() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_sigkill_in_the_middle_of_a_large_batch_loses_nothing(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    qdir = root / ".dropletcleaner-quarantine"
    rng = np.random.default_rng(0)
    expected: dict[str, bytes] = {}
    for i in range(2000):
        folder = root / f"f{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        data = rng.bytes(64 + i % 50)
        (folder / f"p{i:04d}.jpg").write_bytes(data)
        expected[f"f{i % 7}/p{i:04d}.jpg"] = data
        if i % 10 == 0:
            (folder / f"p{i:04d}.xmp").write_bytes(b"x%d" % i)
            expected[f"f{i % 7}/p{i:04d}.xmp"] = b"x%d" % i
    cat_path = tmp_path / "catalog.db"
    with Catalog(cat_path) as cat:
        _record(cat, sorted(root.rglob("*.jpg")))

    def check(cat: Catalog) -> tuple[int, int]:
        """Every file exactly once, byte-identical, groups whole, journal and catalog agreeing."""
        out = back = 0
        for rel, data in expected.items():
            here, there = root / rel, qdir / rel
            assert here.exists() != there.exists(), rel
            assert (here if here.exists() else there).read_bytes() == data
            photo = rel.replace(".xmp", ".jpg")
            assert here.exists() == (root / photo).exists(), f"{rel} split from its photo"
            if rel.endswith(".jpg"):
                row = cat.get(str(root / rel))
                assert row is not None
                assert row.state == ("present" if here.exists() else "quarantined")
                out += there.exists()
                back += here.exists()
        assert not list(root.rglob("*partial*"))
        assert not [p for p in qdir.rglob("*") if p.is_file() and p.stat().st_size == 0]
        open_intents = cat.connection.execute(
            "SELECT COUNT(*) FROM quarantine_journal WHERE status = 'intent'"
        ).fetchone()[0]
        assert open_intents == 0
        assert len(q.quarantined_files(cat)) == out
        return out, back

    # Photos go out folder by folder (f0, f1, ...): kill once the fourth folder is reached.
    _run_and_kill(cat_path, root, "out", lambda: (qdir / "f3").is_dir())
    with Catalog(cat_path) as cat:
        q.recover(cat)
        out, back = check(cat)
    assert 0 < out < 2000 and back == 2000 - out  # killed mid-batch

    # They come back in the same order: kill once the second folder gets photos back.
    _run_and_kill(cat_path, root, "back", lambda: any(os.scandir(root / "f1")))
    with Catalog(cat_path) as cat:
        q.recover(cat)
        out2, _ = check(cat)
        assert 0 < out2 < out  # killed mid-batch
        q.restore(cat, all_batches=True)
        assert check(cat) == (0, 2000)
