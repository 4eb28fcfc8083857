"""The batch runner: a cancelled batch stops before the next group."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken
from dropletcleaner.core.quarantine import api as q
from dropletcleaner.core.quarantine import runner
from tests.quarantine_helpers import (
    _photos,
    _record,
)


def test_cancel_stops_before_the_next_group(
    cat: Catalog, lib: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner._Run, "CHUNK", 1)  # journal and move one group at a time
    token = CancelToken()
    paths = _photos(lib)
    _record(cat, paths)
    report = q.quarantine(
        cat, paths, library_root=lib, cancel=token, on_progress=lambda p: token.cancel()
    )
    assert report.cancelled and report.moved == 1 and len(report.outcomes) == 1
    back = q.restore(cat, all_batches=True, cancel=token)
    assert back.cancelled and back.moved == 0 and back.batch_id is None
