"""Single source of truth for how a photo becomes a model input, and for decode limits.

Every place that turns pixels into a model input (scanning, training, attribution,
evaluation, retraining) reads :data:`PREPROCESS` or the model card's own values; nothing else
hard-codes sizes or normalisation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PreprocessConfig:
    """How a photo becomes a model input tensor."""

    # Whole frames are scored at 288 px although training renders 224 px crops: a crop of
    # 45-100 % of the frame magnifies its content, so a full frame needs more pixels to show
    # drops at the size training saw them. 288 scored best of 224/256/288/320 on full-frame
    # renders of the validation photos.
    input_size: int = 288
    train_input_size: int = 224
    # One decode serves the 256 px thumbnail and the 288 px model input.
    decode_size: int = 448
    thumbnail_size: int = 256
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    # Pillow's decompression-bomb guard, in pixels (about 180 megapixels).
    max_pixels: int = 180_000_000

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


PREPROCESS = PreprocessConfig()
