"""Issue 10, case 14: kill -9 during ``quarantine empty`` never splits a sidecar group.

A child process empties the quarantine with a trash function that kills the process with
SIGKILL at a chosen point (before or after each file goes). Recovery then finishes or
rolls back each group whole: a photo's ``.xmp``, ``.DNG`` and ``.mov`` go to the trash with
it or stay in quarantine with it, and no file is lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.quarantine import api as q
from tests.hostile import corpus

ROOT = Path(__file__).resolve().parents[2]
SIDECARS = (".xmp", ".DNG", ".mov")

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from dropletcleaner.core.quarantine import api as q
    from dropletcleaner.core.catalog.photos import Catalog

    db, trash_dir, kill_at, when = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    calls = 0

    def trash(path):
        global calls
        calls += 1
        if calls == kill_at and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        os.rename(path, trash_dir / path.name)
        if calls == kill_at and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    with Catalog(db) as cat:
        q.empty_quarantine(cat, trash=trash)
    """
)


def _library(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    lib = tmp_path / "lib"
    lib.mkdir()
    names = []
    for i in range(2):
        photo = lib / f"IMG_{i}.jpg"
        photo.write_bytes(corpus.good_jpeg(i))
        names.append(photo.name)
        for ext in SIDECARS:
            (lib / f"IMG_{i}{ext}").write_bytes(f"sidecar {ext} of {i}".encode())
            names.append(f"IMG_{i}{ext}")
    db = tmp_path / "c.db"
    photos = sorted(lib.glob("*.jpg"))
    with Catalog(db) as cat:
        cat.record_scans(
            [
                ScanResult(
                    str(p),
                    p.stat().st_size,
                    p.stat().st_mtime_ns,
                    quick_fingerprint(p),
                    score=0.99,
                    model_version="test",
                )
                for p in photos
            ]
        )
        report = q.quarantine(cat, photos, library_root=lib, dest=tmp_path / "aside")
        assert report.moved == 2 and all(len(o.sidecars) == 3 for o in report.outcomes)
    return lib, db, names


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("when", ["before", "after"])
def test_case14_kill_during_empty_keeps_groups_whole(
    tmp_path: Path, kill_at: int, when: str
) -> None:
    lib, db, names = _library(tmp_path)
    fake_trash = tmp_path / "fake-trash"
    fake_trash.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(fake_trash), str(kill_at), when],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=120,
        check=False,
        capture_output=True,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    # Recovery at the next start-up uses the system trash; here, the same folder.
    with Catalog(db) as cat:
        q.recover(cat, trash=lambda p: os.rename(p, fake_trash / p.name))
    aside = {p.name for p in (tmp_path / "aside").rglob("*") if p.is_file()}
    trashed = {p.name for p in fake_trash.iterdir()}
    assert sorted(aside | trashed) == sorted(names)  # nothing lost
    assert not aside & trashed  # nothing duplicated
    assert not [p for p in lib.rglob("*") if p.is_file()]
    for i in range(2):
        group = {f"IMG_{i}.jpg", *(f"IMG_{i}{ext}" for ext in SIDECARS)}
        assert group <= aside or group <= trashed, (sorted(aside), sorted(trashed))
