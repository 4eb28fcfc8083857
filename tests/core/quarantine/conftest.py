"""Fixtures of the quarantine tests: a small library with a sidecar, and a catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from tests.helpers import write_jpeg


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    write_jpeg(root / "a.jpg", size=(64, 48), seed=1)
    write_jpeg(root / "b.jpg", size=(64, 48), seed=2)
    write_jpeg(root / "trip" / "c.jpg", size=(64, 48), seed=3)
    (root / "a.xmp").write_text("<xmp>a</xmp>")
    return root


@pytest.fixture
def cat(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.db") as catalog:
        yield catalog
