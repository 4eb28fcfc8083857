"""Attribution heat maps of files: cached on disk per photo, model version and method."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.core.ml.attribution import cache, methods
from dropletcleaner.core.ml.attribution.cache import explain_file
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.network import DropletNet, build_imagenet_model
from dropletcleaner.core.photos.decode import DecodeError
from dropletcleaner.core.photos.preprocess import PREPROCESS
from tests.helpers import write_jpeg


@pytest.fixture(scope="module")
def base_model() -> DropletNet:
    return build_imagenet_model().eval()


@pytest.fixture
def model(base_model: DropletNet) -> DropletNet:
    return copy.deepcopy(base_model)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("DROPLETCLEANER_CACHE", str(home))
    return home


def _loaded(model: DropletNet, version: str = "test-v1") -> LoadedModel:
    return LoadedModel(model=model, card=ModelCard(version=version))


def test_explain_file_caches_on_disk(
    model: DropletNet, tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = write_jpeg(tmp_path / "photo.jpg", seed=5)
    calls: list[str] = []
    real = methods._METHOD_FUNCS["gradcam"]

    def counting(m: DropletNet, x: torch.Tensor, black: torch.Tensor) -> torch.Tensor:
        calls.append("gradcam")
        return real(m, x, black)

    monkeypatch.setitem(methods._METHOD_FUNCS, "gradcam", counting)
    loaded = _loaded(model)

    first = explain_file(loaded, photo, "gradcam")
    assert not first.from_cache
    assert first.heatmap.shape == (PREPROCESS.input_size, PREPROCESS.input_size)
    assert first.model_version == "test-v1"
    assert len(calls) == 1
    files = list((cache_home / "attributions").rglob("*.npy"))
    assert len(files) == 1

    second = explain_file(loaded, photo, "gradcam")
    assert second.from_cache
    assert len(calls) == 1
    np.testing.assert_array_equal(second.heatmap, first.heatmap)
    assert second.score == pytest.approx(first.score, abs=1e-6)
    assert second.fingerprint == first.fingerprint

    # Another model version misses; so does a changed photo.
    explain_file(_loaded(model, "test-v2"), photo, "gradcam")
    assert len(calls) == 2
    write_jpeg(photo, seed=6)
    changed = explain_file(loaded, photo, "gradcam")
    assert not changed.from_cache
    assert changed.fingerprint != first.fingerprint
    assert len(calls) == 3


def test_corrupt_cache_entry_is_recomputed(
    model: DropletNet, tmp_path: Path, cache_home: Path
) -> None:
    photo = write_jpeg(tmp_path / "photo.jpg", seed=7)
    first = explain_file(_loaded(model), photo, "gradcam")
    (entry,) = (cache_home / "attributions").rglob("*.npy")
    entry.write_bytes(b"not a numpy file")
    again = explain_file(_loaded(model), photo, "gradcam")
    assert not again.from_cache
    np.testing.assert_allclose(again.heatmap, first.heatmap, atol=1e-5)
    assert cache.load_cached(first.fingerprint or "", "test-v1", "gradcam") is not None


def test_bare_model_is_never_cached(model: DropletNet, tmp_path: Path, cache_home: Path) -> None:
    photo = write_jpeg(tmp_path / "photo.jpg", seed=8)
    result = explain_file(model, photo, "gradcam")
    assert result.model_version is None
    assert not (cache_home / "attributions").exists()
    with pytest.raises(ValueError, match="fingerprint and model version"):
        cache.store_cached(result)


def test_unreadable_file_raises(model: DropletNet, tmp_path: Path, cache_home: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 this is not a jpeg")
    with pytest.raises(DecodeError):
        explain_file(_loaded(model), broken, "gradcam")
