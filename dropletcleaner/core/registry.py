"""Versioned droplet models under ``user_data_dir/models/`` and which one is active.

Retrained models are written there (weights + card); ``active.json`` names the one in use.
No file there means the shipped model is active.
"""

from __future__ import annotations

import json
from pathlib import Path

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.config import models_dir

ACTIVE_FILE = "active.json"


def active_weights_path() -> Path | None:
    """Weights of the user's active retrained model, or ``None`` for the shipped model."""
    marker = models_dir() / ACTIVE_FILE
    try:
        version = json.loads(marker.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    path = models_dir() / f"{version}.safetensors"
    return path if path.is_file() else None


def set_active(version: str | None) -> None:
    """Make ``version`` active; ``None`` resets to the shipped model."""
    marker = models_dir() / ACTIVE_FILE
    if version is None:
        marker.unlink(missing_ok=True)
        return
    if not (models_dir() / f"{version}.safetensors").is_file():
        raise FileNotFoundError(f"no model version {version!r} in {models_dir()}")
    atomic_write_text(marker, json.dumps({"version": version}))
