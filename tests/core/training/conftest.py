"""Fixtures of the training tests: a folder of small generated clean photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write_jpeg


@pytest.fixture
def clean_dir(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    for i in range(8):
        write_jpeg(root / f"p{i}.jpg", size=(320, 240), seed=i)
    return root
