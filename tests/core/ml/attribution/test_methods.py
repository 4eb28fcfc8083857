"""Attribution heat maps: shapes, ranges, determinism, faithfulness and cancelling."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from dropletcleaner.core.jobs import Cancelled, CancelToken
from dropletcleaner.core.ml.attribution import methods
from dropletcleaner.core.ml.attribution.methods import METHOD_LABELS, METHODS, Attribution, explain
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.network import DropletNet, build_imagenet_model

TINY = 64


@pytest.fixture(scope="module")
def base_model() -> DropletNet:
    return build_imagenet_model().eval()


@pytest.fixture
def model(base_model: DropletNet) -> DropletNet:
    return copy.deepcopy(base_model)


@pytest.fixture
def tiny_pixels() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.integers(0, 256, (TINY, TINY, 3), dtype=np.uint8)


def test_every_method_has_a_label() -> None:
    assert set(METHOD_LABELS) == set(METHODS)
    assert methods.method_label("gradcam") == "Grad-CAM"
    with pytest.raises(ValueError, match="unknown attribution method"):
        methods.method_label("lime")


@pytest.mark.parametrize("method", METHODS)
def test_heatmap_shape_range_score_and_determinism(
    model: DropletNet, tiny_pixels: np.ndarray, method: str
) -> None:
    result = explain(model, tiny_pixels, method)
    assert result.method == method
    assert result.heatmap.shape == (TINY, TINY)
    assert result.heatmap.dtype == np.float32
    assert np.isfinite(result.heatmap).all()
    assert result.heatmap.min() >= 0.0
    assert result.heatmap.max() <= 1.0
    assert result.heatmap.max() > 0.0  # random pixels always hold some droplet evidence
    with torch.no_grad():
        expected = float(model.predict_proba(to_model_tensor(tiny_pixels[None]))[0])
    assert result.score == pytest.approx(expected, abs=1e-5)

    again = explain(model, tiny_pixels, method)
    np.testing.assert_allclose(again.heatmap, result.heatmap, atol=1e-5)


def test_normalised_tensor_input_matches_pixels(model: DropletNet, tiny_pixels: np.ndarray) -> None:
    from_pixels = explain(model, tiny_pixels, "gradcam")
    from_tensor = explain(model, to_model_tensor(tiny_pixels[None])[0], "gradcam")
    np.testing.assert_allclose(from_pixels.heatmap, from_tensor.heatmap, atol=1e-5)
    assert from_pixels.score == pytest.approx(from_tensor.score)


def test_rejects_bad_inputs(model: DropletNet) -> None:
    with pytest.raises(ValueError, match="unknown attribution method"):
        explain(model, np.zeros((TINY, TINY, 3), np.uint8), "saliency")
    with pytest.raises(ValueError, match="RGB"):
        explain(model, np.zeros((TINY, TINY), np.uint8))


def test_gradcam_top_region_matters_more_than_random_regions(base_model: DropletNet) -> None:
    """A fixed model whose droplet logit reads a textured patch on a flat grey frame."""
    size, patch, box = 224, 64, 48
    flat = np.full((size, size, 3), 128, np.uint8)
    image = flat.copy()
    image[32 : 32 + patch, 128 : 128 + patch] = np.random.default_rng(0).integers(
        0, 256, (patch, patch, 3), dtype=np.uint8
    )
    model = copy.deepcopy(base_model)
    with torch.no_grad():
        direction = (
            model.embed(to_model_tensor(image[None])) - model.embed(to_model_tensor(flat[None]))
        )[0]
        model.head.weight.zero_()
        model.head.bias.zero_()
        model.head.weight[1] = direction / direction.norm()

    def droplet_logits(images: list[np.ndarray]) -> np.ndarray:
        with torch.no_grad():
            return model(to_model_tensor(np.stack(images)))[:, 1].numpy()

    def greyed(row: int, col: int) -> np.ndarray:
        out = image.copy()
        out[row : row + box, col : col + box] = 128
        return out

    heat = explain(model, image, "gradcam").heatmap
    # The box x box window holding the most heat, via an integral image.
    integral = np.pad(heat.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    sums = (
        integral[box:, box:]
        - integral[:-box, box:]
        - integral[box:, :-box]
        + integral[:-box, :-box]
    )
    top_row, top_col = np.unravel_index(int(np.argmax(sums)), sums.shape)
    corners = np.random.default_rng(1).integers(0, size - box + 1, (32, 2))

    base = droplet_logits([image])[0]
    top_drop = base - droplet_logits([greyed(int(top_row), int(top_col))])[0]
    random_drops = base - droplet_logits([greyed(int(r), int(c)) for r, c in corners])
    assert top_drop > 3 * random_drops.mean()
    assert (top_drop > random_drops).mean() >= 0.8


def test_cancelled_before_start(model: DropletNet, tiny_pixels: np.ndarray) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        explain(model, tiny_pixels, "gradcam", cancel=token)


class _CancelAfter(CancelToken):
    """Cancels itself at its n-th check (one check at the start, then one per forward pass)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.checks = 0
        self.n = n

    def raise_if_cancelled(self) -> None:
        self.checks += 1
        if self.checks >= self.n:
            self.cancel()
        super().raise_if_cancelled()


def test_cancel_stops_between_forward_passes(model: DropletNet, tiny_pixels: np.ndarray) -> None:
    forwards = 0

    def count(_module: torch.nn.Module, _inputs: object) -> None:
        nonlocal forwards
        forwards += 1

    handle = model.register_forward_pre_hook(count)
    try:
        with pytest.raises(Cancelled):
            explain(model, tiny_pixels, "occlusion", cancel=_CancelAfter(4))
    finally:
        handle.remove()
    # Occlusion needs 7 x 7 windows in batches of 8 (9 passes); it stopped at the third.
    assert forwards == 3
    # The temporary hooks are gone and the model still works.
    assert not model._forward_pre_hooks
    assert explain(model, tiny_pixels, "gradcam").heatmap.shape == (TINY, TINY)


def test_attribution_dataclass_defaults() -> None:
    result = Attribution(heatmap=np.zeros((2, 2), np.float32), score=0.5, method="gradcam")
    assert result.model_version is None and not result.from_cache
