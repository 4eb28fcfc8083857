"""The model card: what a weights file is, how to feed it and score with it, how well it did.

A card is JSON that a user, a crash or an older release may have written. Its threshold is
applied to every score and its version becomes a file name, so a card with a threshold of
``"abc"`` or a version that climbs out with ``..`` is refused here, before anything uses it.
Preprocessing (input size, mean, std) and scoring (:class:`Scoring`) are read from it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from dropletcleaner.core.photos.preprocess import PREPROCESS

ARCHITECTURE = "efficientnet_lite0"

VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")


def valid_version(name: object) -> bool:
    """Whether ``name`` is a version name that is safe as a file name."""
    return isinstance(name, str) and VERSION_PATTERN.fullmatch(name) is not None


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_card_fields(data: dict[str, Any]) -> None:
    """Refuse a card whose fields would mislead or crash scoring (a threshold of "abc")."""
    if not valid_version(data.get("version")):
        raise ValueError(f"bad version name {data.get('version')!r} in the card")
    threshold = data.get("threshold", 0.5)
    if not _number(threshold) or not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold {threshold!r} in the card is not a number from 0 to 1")
    temperature = data.get("temperature", 1.0)
    if not _number(temperature) or temperature <= 0:
        raise ValueError(f"temperature {temperature!r} in the card is not a positive number")
    size = data.get("input_size", PREPROCESS.input_size)
    if not _pixel_size(size):
        raise ValueError(f"input_size {size!r} in the card is not a pixel size")
    for key in ("mean", "std"):
        value = data.get(key, [0.5] * 3)
        if not (isinstance(value, list) and len(value) == 3 and all(map(_number, value))):
            raise ValueError(f"{key} {value!r} in the card is not three numbers")
    for key in ("architecture", "sha256", "created"):
        if not isinstance(data.get(key, ""), str):
            raise ValueError(f"{key} in the card is not text")
    for key in ("scoring", "training", "metrics", "data_manifest"):
        if not isinstance(data.get(key, {}), dict):
            raise ValueError(f"{key} in the card is not a JSON object")
    if not isinstance(data.get("trained", True), bool):
        raise ValueError("trained in the card is not true or false")
    if data.get("parent") is not None and not isinstance(data["parent"], str):
        raise ValueError("parent in the card is not text")


def _pixel_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 32 <= value <= 4096


class ModelLoadError(RuntimeError):
    """A model file is missing, corrupt, or does not match its card."""


@dataclass(frozen=True)
class Scoring:
    """How a photo becomes its embedding and score; read from the model card.

    ``pooling`` is ``"mean"`` (global average, droplet-v3 and before) or ``"map"``: a mix of
    the frame mean (weight ``mix``) and the mean of the ``top_fraction`` of cells that the
    droplet map scores highest.

    ``looks`` are further input sizes (for example ``[416]``) at which a photo is seen again
    when its first look, at the card's input size, scores at least ``look_above``. Its
    embedding is then the mean of the looks' pooled embeddings; the head is linear, so its
    margin is the mean of the looks' margins. The gate sits far below the threshold: only
    photos that could be flagged pay for the larger passes.
    """

    pooling: str = "mean"
    top_fraction: float = 0.1
    mix: float = 0.5
    looks: tuple[int, ...] = ()
    look_above: float = 1.0

    @classmethod
    def from_card(cls, data: dict[str, Any]) -> Scoring:
        pooling = data.get("pooling", "mean")
        if pooling not in ("mean", "map"):
            raise ModelLoadError(f"unknown pooling {pooling!r} in the model card")
        top, mix = float(data.get("top_fraction", 0.1)), float(data.get("mix", 0.5))
        if not (0.0 < top <= 1.0 and 0.0 <= mix <= 1.0):
            raise ModelLoadError(f"scoring settings out of range in the model card: {data}")
        looks = data.get("looks", [])
        if not isinstance(looks, list) or not all(_pixel_size(v) for v in looks):
            raise ModelLoadError(f"looks {looks!r} in the model card are not pixel sizes")
        above = data.get("look_above", 1.0)
        if not _number(above) or not 0.0 <= above <= 1.0:
            raise ModelLoadError(f"look_above {above!r} in the model card is not 0-1")
        return cls(pooling, top, mix, tuple(looks), float(above))

    def to_card(self) -> dict[str, Any]:
        card: dict[str, Any] = {
            "pooling": self.pooling,
            "top_fraction": self.top_fraction,
            "mix": self.mix,
        }
        if self.looks:
            card.update(looks=list(self.looks), look_above=self.look_above)
        return card


@dataclass
class ModelCard:
    """What a weights file is, how to feed it, and how well it did. Stored as JSON beside it."""

    version: str
    architecture: str = ARCHITECTURE
    input_size: int = PREPROCESS.input_size
    mean: list[float] = field(default_factory=lambda: list(PREPROCESS.mean))
    std: list[float] = field(default_factory=lambda: list(PREPROCESS.std))
    threshold: float = 0.5
    temperature: float = 1.0
    # Pooling of the feature map (see :class:`Scoring`); empty for global-mean models.
    scoring: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    trained: bool = True
    parent: str | None = None
    created: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    data_manifest: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        """Parse and check a card; ``ValueError`` names the first bad field."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the card is not a JSON object")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        _check_card_fields(known)
        return cls(**known)


def _check_card_fields(data: dict[str, Any]) -> None:
    check_card_fields(data)
    try:
        Scoring.from_card(data.get("scoring", {}))
    except (ModelLoadError, TypeError, ValueError) as exc:
        raise ValueError(f"bad scoring in the card: {exc}") from exc
