"""Destination names: the mirrored quarantine folder, " (n)" suffixes, reservations."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import transfer
from dropletcleaner.core.quarantine.names import default_quarantine_dir
from tests.helpers import write_jpeg
from tests.quarantine_helpers import (
    _files,
    _quarantine_all,
    _record,
    _snapshot,
)


def test_default_quarantine_dir_sits_inside_the_library(tmp_path: Path) -> None:
    assert default_quarantine_dir(tmp_path) == tmp_path / ".dropletcleaner-quarantine"


def test_collision_in_quarantine_gets_a_suffix_for_the_whole_group(cat: Catalog, lib: Path) -> None:
    qdir = lib / ".dropletcleaner-quarantine"
    qdir.mkdir()
    (qdir / "a.jpg").write_bytes(b"an older quarantined photo")
    (qdir / "a (1).xmp").write_bytes(b"and a sidecar")
    before = _snapshot(lib)
    report = _quarantine_all(cat, lib)
    first = report.outcomes[0]
    assert first.destination == qdir / "a (2).jpg" and first.sidecars == (qdir / "a (2).xmp",)
    assert "stored as a (2).jpg" in first.reason
    assert (qdir / "a.jpg").read_bytes() == b"an older quarantined photo"
    q.restore(cat, all_batches=True)
    assert _snapshot(lib) == before


def test_collision_on_restore_restores_beside_and_reports(cat: Catalog, lib: Path) -> None:
    original = (lib / "a.jpg").read_bytes()
    report = _quarantine_all(cat, lib)
    (lib / "a.jpg").write_bytes(b"a new photo took the name")
    back = q.restore(cat, paths=[lib / "a.jpg"])
    [o] = back.outcomes
    assert o.status == "restored" and o.destination == lib / "a (1).jpg"
    assert o.sidecars == (lib / "a (1).xmp",)
    assert "occupied" in o.reason and "a (1).jpg" in o.reason
    assert (lib / "a.jpg").read_bytes() == b"a new photo took the name"
    assert (lib / "a (1).jpg").read_bytes() == original
    # The catalog row follows the photo to its new name.
    row = cat.get(str(lib / "a (1).jpg"))
    assert row is not None and row.state == "present" and row.score == 0.9
    assert cat.get(str(lib / "a.jpg")) is None
    assert [b.open_count for b in q.list_batches(cat) if b.batch_id == report.batch_id] == [2]


def test_two_quarantined_photos_of_one_path_come_back_side_by_side(
    cat: Catalog, lib: Path, tmp_path: Path
) -> None:
    a = lib / "a.jpg"
    first = a.read_bytes()
    _record(cat, [a])
    q.quarantine(cat, [a], library_root=lib, dest=tmp_path / "aside")
    write_jpeg(a, size=(40, 30), seed=7)  # a new photo under the same name, quarantined too
    second = a.read_bytes()
    _record(cat, [a])
    q.quarantine(cat, [a], library_root=lib, dest=tmp_path / "aside")
    assert sorted(p.name for p in (tmp_path / "aside").iterdir()) == [
        "a (1).jpg",
        "a.jpg",
        "a.xmp",
    ]
    back = q.restore(cat, all_batches=True)
    assert [o.destination for o in back.outcomes] == [a, lib / "a (1).jpg"]
    assert a.read_bytes() == first and (lib / "a (1).jpg").read_bytes() == second
    # Both restores were planned apart in one journal chunk: no destination was renamed.
    rows = cat.connection.execute(
        "SELECT destination FROM quarantine_journal WHERE op = 'back' ORDER BY id"
    )
    assert [r[0] for r in rows] == [str(a), str(lib / "a.xmp"), str(lib / "a (1).jpg")]


@pytest.mark.parametrize("which", [0, 1])
def test_name_taken_between_check_and_reservation(
    which: int, cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = transfer._reserve
    raced: list[Path] = []

    def racing(names: list[Path]) -> bool:
        if not raced:  # another program creates one of the files right after our check
            raced.append(names[which])
            names[which].write_bytes(b"someone else's")
        return real(names)

    monkeypatch.setattr(transfer, "_reserve", racing)
    _record(cat, [lib / "a.jpg"])
    report = q.quarantine(cat, [lib / "a.jpg"], library_root=lib)
    [o] = report.outcomes
    qdir = lib / ".dropletcleaner-quarantine"
    assert o.status == "moved" and o.destination == qdir / "a (1).jpg"
    assert o.sidecars == (qdir / "a (1).xmp",)
    assert raced[0].read_bytes() == b"someone else's"
    assert _files(qdir) == sorted(["a (1).jpg", "a (1).xmp", raced[0].name])  # no placeholder
    rows = cat.connection.execute("SELECT destination FROM quarantine_journal ORDER BY id")
    assert [r[0] for r in rows] == [str(qdir / "a (1).jpg"), str(qdir / "a (1).xmp")]
