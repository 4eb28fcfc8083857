"""Model inputs are normalised as the model card says; devices are checked, not guessed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.inference.protocol import (
    DeviceError,
    normalize_batch,
    resolve_device,
    to_model_tensor,
)


def test_normalisation_uses_the_given_mean_and_std() -> None:
    pixels = np.full((1, 2, 2, 3), 255, dtype=np.uint8)
    x = normalize_batch(pixels, mean=(0.5, 0.5, 0.5), std=(0.25, 0.5, 0.5))
    assert x.shape == (1, 3, 2, 2) and x.dtype == np.float32
    assert np.allclose(x[0, 0], 2.0) and np.allclose(x[0, 1], 1.0)


def test_a_card_with_its_own_mean_and_std_is_honoured() -> None:
    pixels = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    imagenet = ModelCard(version="m", mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
    t = to_model_tensor(pixels, card=imagenet)
    assert torch.allclose(
        t[0, :, 0, 0], torch.tensor([-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225])
    )
    assert torch.allclose(to_model_tensor(pixels), torch.full((1, 3, 2, 2), -1.0))


def test_cuda_is_refused_where_there_is_none_and_unknown_devices_are_errors() -> None:
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA"):
            resolve_device("cuda")
        assert resolve_device("auto").type == "cpu"
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")
