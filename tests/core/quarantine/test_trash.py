"""Emptying the quarantine into the system trash, checking that each file really left."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import Progress
from dropletcleaner.core.quarantine import api as q
from tests.quarantine_helpers import (
    _fake_trash,
    _quarantine_all,
)


def test_empty_sends_files_to_the_trash(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    report = _quarantine_all(cat, lib)
    bin_dir = tmp_path / "bin"
    emptied = q.empty_quarantine(cat, trash=_fake_trash(bin_dir))
    assert emptied.kind == "empty" and emptied.moved == 3 and emptied.failed == 0
    assert emptied.bytes_moved == report.bytes_moved
    assert emptied.outcomes[0].sidecars == (lib / ".dropletcleaner-quarantine" / "a.xmp",)
    assert sorted(p.name for p in bin_dir.iterdir()) == ["a.jpg", "a.xmp", "b.jpg", "c.jpg"]
    assert not (lib / ".dropletcleaner-quarantine").exists()
    assert {r.state for r in cat.photos(str(lib), include_missing=True)} == {"missing"}
    assert q.quarantined_files(cat) == [] and q.undo(cat) is None
    assert [b.kind for b in q.list_batches(cat)] == ["empty", "quarantine"]


def test_empty_when_a_sidecar_was_removed_by_hand(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    _quarantine_all(cat, lib)
    (lib / ".dropletcleaner-quarantine" / "a.xmp").unlink()
    emptied = q.empty_quarantine(cat, trash=_fake_trash(tmp_path / "bin"))
    assert emptied.moved == 3 and emptied.outcomes[0].sidecars == ()
    assert q.quarantined_files(cat) == []


def test_empty_by_default_uses_send2trash(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import send2trash

    monkeypatch.setattr(send2trash, "send2trash", _fake_trash(tmp_path / "bin"))
    _quarantine_all(cat, lib)
    seen: list[Progress] = []
    assert q.empty_quarantine(cat, on_progress=seen.append).moved == 3
    assert seen[-1].phase == "empty" and seen[-1].done == 3


def test_empty_verifies_each_file_left(cat: Catalog, lib: Path, tmp_path: Path) -> None:
    report = _quarantine_all(cat, lib)
    qdir = lib / ".dropletcleaner-quarantine"
    fake = _fake_trash(tmp_path / "bin")

    def picky(path: Path) -> None:
        if path.name == "b.jpg":
            raise OSError("the trash is full")
        if path.name == "c.jpg":
            return  # says nothing, does nothing
        if path.name == "a.xmp":
            raise OSError("no")
        fake(path)

    emptied = q.empty_quarantine(cat, batch_id=report.batch_id, trash=picky)
    by_name = {o.source.name: o for o in emptied.outcomes}
    assert by_name["a.jpg"].status == "trashed" and by_name["a.jpg"].sidecars == ()
    assert by_name["b.jpg"].reason == "could not move it to the trash: the trash is full"
    assert by_name["c.jpg"].reason == (
        "could not move it to the trash: it was still in the quarantine folder afterwards"
    )
    assert sorted(f.current.name for f in q.quarantined_files(cat)) == ["a.xmp", "b.jpg", "c.jpg"]
    assert (qdir / "b.jpg").exists() and (qdir / "trip" / "c.jpg").exists()
    # Files removed from the quarantine by hand: reported, not fatal.
    (qdir / "b.jpg").unlink()
    (qdir / "a.xmp").unlink()
    again = q.empty_quarantine(cat, trash=fake)
    assert [(o.source.name, o.status, o.reason) for o in again.outcomes] == [
        ("a.xmp", "failed", "no longer in the quarantine folder"),
        ("b.jpg", "failed", "no longer in the quarantine folder"),
        ("c.jpg", "trashed", ""),
    ]
    assert q.quarantined_files(cat) == []
    assert cat.get(str(lib / "b.jpg")).state == "missing"  # type: ignore[union-attr]
