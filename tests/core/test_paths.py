"""The app's folders: overrides by environment, and shipped resources found without an install."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core import paths
from dropletcleaner.core.ml.store import SHIPPED_MODEL_NAME, shipped_weights_path

REPO = Path(__file__).resolve().parents[2]


def test_folders_follow_their_environment_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DROPLETCLEANER_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DROPLETCLEANER_CACHE", str(tmp_path / "cache"))
    assert paths.default_catalog_path() == tmp_path / "data" / "catalog.sqlite3"
    assert paths.models_dir() == tmp_path / "data" / "models"
    assert paths.thumbnails_dir() == tmp_path / "cache" / "thumbnails"


def test_a_plain_checkout_finds_the_shipped_model_beside_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def not_installed(package: str) -> None:
        raise ModuleNotFoundError(f"No module named {package!r}")

    monkeypatch.setattr(paths.resources, "files", not_installed)
    assert paths.resource_folders("models") == [REPO / "resources" / "models"]
    found = shipped_weights_path()
    assert found == REPO / "resources" / "models" / f"{SHIPPED_MODEL_NAME}.safetensors"
