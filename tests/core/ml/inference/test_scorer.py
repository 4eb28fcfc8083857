"""The real scorer: every CPU backend gives the same embeddings, maps and scores."""

from __future__ import annotations

import numpy as np
import pytest

from dropletcleaner.core.ml.inference.scorer import Scorer
from dropletcleaner.core.ml.store import load_default_model


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (2, 288, 288, 3), dtype=np.uint8)


def test_backends_agree_on_the_shipped_model(pixels: np.ndarray) -> None:
    loaded = load_default_model()
    eager = Scorer(loaded, device="cpu", backend="eager")
    onnx = Scorer(loaded, device="cpu", backend="onnxruntime")
    assert (eager.backend_name, onnx.backend_name) == ("eager", "onnxruntime")
    e_emb, e_map = eager.embed_and_map(pixels)
    o_emb, o_map = onnx.embed_and_map(pixels)
    assert e_map.shape == (2, 9, 9) and e_emb.shape == (2, 1280)
    assert np.allclose(e_emb, o_emb, atol=1e-3) and np.allclose(e_map, o_map, atol=1e-3)
    assert np.allclose(eager.score(pixels)[1], onnx.score(pixels)[1], atol=1e-4)
    assert eager.version == loaded.version and eager.threshold == loaded.threshold


def test_unknown_backends_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        Scorer(load_default_model(), device="cpu", backend="tensorrt")
