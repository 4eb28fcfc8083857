"""Fixtures of the retraining tests: a fresh catalog, and the synthetic base model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from tests.retrain_helpers import base_file_fixture, base_fixture

# Fixtures these tests ask for by name (base_file, base).
SHARED_FIXTURES = (base_file_fixture, base_fixture)


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.db") as cat:
        yield cat
