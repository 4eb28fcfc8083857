"""Checks on a model card's fields and on version names, before either is trusted.

A card is JSON that a user, a crash or an older release may have written. Its threshold is
applied to every score and its version becomes a file name, so a card with a threshold of
``"abc"`` or a version that climbs out with ``..`` is refused here, before anything uses it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from dropletcleaner.core.config import PREPROCESS

# Version names become file names in the models folder: no separators, no leading dot.
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
    if not isinstance(size, int) or isinstance(size, bool) or not 32 <= size <= 4096:
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
