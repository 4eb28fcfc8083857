"""The CUDA backend against the CPU one: same embeddings, maps, scores and scan results.

These tests need a CUDA GPU and are skipped without one (CI has none); the device check
(``benchmarks/device_check.sh``) runs them where a GPU is lent. Half precision on the GPU
moves the numbers a little, so the comparisons allow for it; a flag that differs between the
two devices is only tolerated for a photo scored within that margin of the threshold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.library.scan import Scanner
from dropletcleaner.core.ml.inference.scorer import Scorer
from dropletcleaner.core.ml.store import load_default_model
from tests.helpers import write_jpeg

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

SCORE_MARGIN = 0.02  # calibrated-probability difference allowed between fp16 GPU and fp32 CPU


@pytest.fixture(scope="module")
def scorers() -> tuple[Scorer, Scorer]:
    loaded = load_default_model()
    return Scorer(loaded, device="cpu", backend="eager"), Scorer(loaded, device="cuda")


def test_cuda_scorer_reports_its_backend_and_device(scorers: tuple[Scorer, Scorer]) -> None:
    _, gpu = scorers
    assert gpu.device.type == "cuda" and gpu.backend_name == "cuda-fp16"


def test_cuda_embeddings_maps_and_scores_match_the_cpu(scorers: tuple[Scorer, Scorer]) -> None:
    cpu, gpu = scorers
    pixels = np.random.default_rng(3).integers(0, 256, (4, 288, 288, 3), dtype=np.uint8)
    c_emb, c_map = cpu.embed_and_map(pixels)
    g_emb, g_map = gpu.embed_and_map(pixels)
    assert g_emb.shape == c_emb.shape and g_map.shape == c_map.shape
    cos = (c_emb * g_emb).sum(1) / np.linalg.norm(c_emb, axis=1) / np.linalg.norm(g_emb, axis=1)
    assert cos.min() > 0.999
    assert np.abs(c_map - g_map).max() < 0.1
    assert np.abs(cpu.score(pixels)[1] - gpu.score(pixels)[1]).max() < SCORE_MARGIN


def test_every_look_size_runs_on_cuda(scorers: tuple[Scorer, Scorer]) -> None:
    cpu, gpu = scorers
    for size in gpu.looks:
        pixels = np.random.default_rng(size).integers(0, 256, (2, size, size, 3), dtype=np.uint8)
        c_emb, _ = cpu.embed_and_map(pixels)
        g_emb, _ = gpu.embed_and_map(pixels)
        assert np.allclose(c_emb, g_emb, atol=0.05 * float(np.abs(c_emb).max()))


def test_a_scan_on_cuda_scores_like_a_scan_on_the_cpu(
    scorers: tuple[Scorer, Scorer], tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    for i in range(6):
        write_jpeg(folder / f"img{i}.jpg", seed=i)
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    results = []
    for name, scorer in zip(("cpu", "cuda"), scorers, strict=True):
        with Catalog(tmp_path / f"{name}.sqlite3") as catalog:
            for _ in Scanner(folder, catalog, scorer).run():
                pass
            results.append({Path(r.path).name: (r.score, r.error) for r in catalog.photos()})
    cpu_rows, gpu_rows = results
    assert cpu_rows.keys() == gpu_rows.keys()
    assert gpu_rows["broken.jpg"][0] is None and gpu_rows["broken.jpg"][1]
    threshold = scorers[1].threshold
    for name, (score, _) in cpu_rows.items():
        if score is None:
            continue
        other = gpu_rows[name][0]
        assert other is not None and abs(score - other) < SCORE_MARGIN
        if abs(score - threshold) > SCORE_MARGIN:
            assert (score >= threshold) == (other >= threshold)
