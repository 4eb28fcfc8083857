"""Synthetic models, replay sets and catalogs for the retraining tests (no shipped weights).

Embeddings are random vectors with a class signal along a known direction, so the tests
know what a good head looks like: the base model's head reads direction ``U``; the user's
own photos carry their droplet signal along ``V`` (another camera), which the base head
cannot see until it is retrained.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import LoadedModel, save_model
from dropletcleaner.core.ml.network import EMBEDDING_DIM, DropletNet
from dropletcleaner.core.ml.store import load_default_model
from dropletcleaner.core.training.replay import ReplaySet, replay_path, save_replay

BASE_VERSION = "test-base"

_rng = np.random.default_rng(42)
U = _rng.normal(size=EMBEDDING_DIM)
U /= np.linalg.norm(U)
V = _rng.normal(size=EMBEDDING_DIM)
V -= V.dot(U) * U
V /= np.linalg.norm(V)


def embeddings(labels: np.ndarray, direction: np.ndarray, seed: int, strength: float = 3.0):  # type: ignore[no-untyped-def]
    """float16 embeddings: non-negative noise plus ``±strength`` along ``direction``."""
    rng = np.random.default_rng(seed)
    x = np.abs(rng.normal(0.4, 0.3, size=(len(labels), EMBEDDING_DIM)))
    x += np.where(np.asarray(labels)[:, None] == 1, 1.0, -1.0) * strength * direction / 2
    return x.astype(np.float16)


def make_base_model(folder: Path, *, with_replay: bool = True, seed: int = 0) -> Path:
    """A small model whose head reads direction ``U``; saved with a card (and replay set)."""
    torch.manual_seed(seed)
    model = DropletNet()
    with torch.no_grad():
        w = torch.from_numpy(U.astype(np.float32)) * 2.0
        model.head.weight.copy_(torch.stack([-w, w]))
        centre = float(np.abs(np.random.default_rng(0).normal(0.4, 0.3, 4096)).mean())
        model.head.bias.copy_(torch.tensor([1.0, -1.0]) * 2.0 * centre * float(U.sum()))
    model.eval()
    path = folder / f"{BASE_VERSION}.safetensors"
    folder.mkdir(parents=True, exist_ok=True)
    save_model(model, ModelCard(version=BASE_VERSION, threshold=0.5), path)
    if with_replay:
        labels = np.repeat([0, 1], 128)
        save_replay(ReplaySet(embeddings(labels, U, seed=7), labels), replay_path(path))
    return path


def add_photos(
    catalog: Catalog,
    folder: Path,
    labels: np.ndarray,
    emb: np.ndarray,
    model: LoadedModel,
    *,
    prefix: str = "p",
) -> list[str]:
    """Catalogue fake photos with the given embeddings, scored by ``model``; returns paths."""
    with torch.inference_mode():
        scores = model.model.proba_from_embedding(torch.from_numpy(emb.astype(np.float32)))
    results = []
    for i, (e, s) in enumerate(zip(emb, scores.numpy(), strict=True)):
        path = str(folder / f"{prefix}{i:05d}.jpg")
        results.append(
            ScanResult(
                path=path,
                size=1000 + i,
                mtime_ns=i,
                fingerprint=f"{prefix}-fp-{i}",
                score=float(s),
                model_version=model.version,
                embedding=e,
            )
        )
    catalog.record_scans(results)
    return [r.path for r in results]


def scanned_jpegs(
    catalog: Catalog, folder: Path, scores: Sequence[float | None], version: str | None
) -> list[str]:
    """Small real JPEGs catalogued as scanned, with these scores by ``version``; their paths."""
    from tests.helpers import write_jpeg

    results = []
    for i, score in enumerate(scores):
        path = write_jpeg(folder / f"p{i}.jpg", size=(160, 120), seed=i)
        results.append(
            ScanResult(
                str(path),
                path.stat().st_size,
                i,
                fingerprint=f"{folder.name}-{i}",
                score=score,
                model_version=None if score is None else version,
            )
        )
    catalog.record_scans(results)
    return [r.path for r in results]


def label_photos(catalog: Catalog, paths: list[str], labels: np.ndarray) -> None:
    """Label each path droplet (1) or clean (0)."""
    catalog.set_label([p for p, v in zip(paths, labels, strict=True) if v == 1], "droplet")
    catalog.set_label([p for p, v in zip(paths, labels, strict=True) if v == 0], "clean")


def user_photos(
    catalog: Catalog, model: LoadedModel, folder: Path, n: int = 60, seed: int = 1
) -> tuple[list[str], np.ndarray]:
    """Balanced photos whose droplet signal lies along ``V``; returns paths and true labels."""
    y = np.random.default_rng(seed).permutation(np.arange(n) % 2)
    return add_photos(catalog, folder, y, embeddings(y, V, seed=seed), model), y


def user_photos_with_embeddings(
    catalog: Catalog, model: LoadedModel, folder: Path, n: int = 60, seed: int = 1
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """:func:`user_photos`, also returning their embeddings (the base model cannot see V)."""
    paths, y = user_photos(catalog, model, folder, n, seed)
    return paths, y, embeddings(y, V, seed=seed)


# -- fixtures shared by the core, CLI and GUI retraining tests -------------------------------
# A test module imports them (``base_file_fixture``, ``base_fixture``) and asks for them as
# ``base_file`` and ``base``.
@pytest.fixture(scope="module", name="base_file")
def base_file_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test model and its replay set, written once per test module."""
    return make_base_model(tmp_path_factory.mktemp("shipped"))


@pytest.fixture(name="base")
def base_fixture(base_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LoadedModel:
    """The test model stands in for the shipped one; models go to a fresh data folder."""
    monkeypatch.setenv("DROPLETCLEANER_DATA", str(tmp_path / "data"))
    monkeypatch.setattr("dropletcleaner.core.ml.store.shipped_weights_path", lambda: base_file)
    loaded = load_default_model()
    assert loaded.version == BASE_VERSION
    return loaded
