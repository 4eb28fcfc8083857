"""Versioned droplet models under ``user_data_dir/models/`` and which one is active.

Retrained models are written there (weights + card + replay set); ``active.json`` names
the one in use. No marker there means the shipped model is active. Versions are named
after the model they were retrained from, ``<root>-r<N>``, with ``N`` counting up across
the folder so a name is never reused.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core import model as droplet_model
from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.config import PREPROCESS, models_dir
from dropletcleaner.core.model import UNTRAINED_VERSION, ModelCard

ACTIVE_FILE = "active.json"
WEIGHTS_SUFFIX = ".safetensors"
_AUX = (".replay", ".checkpoint")  # files beside the weights that are not models
_RETRAIN_SUFFIX = re.compile(r"-r(\d+)$")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    """One model the user can switch to."""

    version: str
    path: Path | None  # None for the untrained fallback
    kind: str  # "shipped", "fast", "deep" or "untrained"
    created: str
    parent: str | None
    active: bool
    summary: str  # one line of held-out figures, when the card has them


def weights_path(version: str) -> Path:
    return models_dir() / f"{version}{WEIGHTS_SUFFIX}"


def active_version() -> str | None:
    """Version named by the marker (even if its files vanished), ``None`` for the shipped one."""
    try:
        version = json.loads((models_dir() / ACTIVE_FILE).read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return version if isinstance(version, str) else None


def active_weights_path() -> Path | None:
    """Weights of the user's active retrained model, or ``None`` for the shipped model."""
    version = active_version()
    if version is None:
        return None
    path = weights_path(version)
    if not path.is_file():
        return None
    card = read_card(path.with_suffix(".json"))
    if card is not None and card.input_size != PREPROCESS.input_size:
        # Made by an earlier release for another input size: its scores would be wrong.
        log.warning(
            "model %s expects %s px input; using the shipped model", version, card.input_size
        )
        return None
    return path  # a broken card is reported when the model is loaded


def set_active(version: str | None) -> None:
    """Make ``version`` active; ``None`` resets to the shipped model."""
    marker = models_dir() / ACTIVE_FILE
    if version is None:
        marker.unlink(missing_ok=True)
        return
    if not weights_path(version).is_file():
        raise FileNotFoundError(f"no model version {version!r} in {models_dir()}")
    atomic_write_text(marker, json.dumps({"version": version}))


def user_versions() -> list[str]:
    """Retrained versions present in the models folder, oldest first."""
    folder = models_dir()
    if not folder.is_dir():
        return []
    names = [
        p.name[: -len(WEIGHTS_SUFFIX)]
        for p in folder.glob(f"*{WEIGHTS_SUFFIX}")
        if not any(p.name[: -len(WEIGHTS_SUFFIX)].endswith(aux) for aux in _AUX)
        and p.with_suffix(".json").is_file()
    ]
    return sorted(names, key=lambda v: (_retrain_number(v), v))


def _retrain_number(version: str) -> int:
    m = _RETRAIN_SUFFIX.search(version)
    return int(m.group(1)) if m else 0


def next_version(parent: str) -> str:
    """A fresh version name for a model retrained from ``parent``."""
    root = _RETRAIN_SUFFIX.sub("", parent)
    used = [_retrain_number(v) for v in user_versions()]
    return f"{root}-r{max(used, default=0) + 1}"


def list_models() -> list[ModelInfo]:
    """The shipped model (or the untrained fallback) followed by every retrained version."""
    active = active_weights_path()
    infos: list[ModelInfo] = []
    shipped = droplet_model.shipped_weights_path()
    if shipped is not None:
        card = read_card(shipped.with_suffix(".json"))
        infos.append(
            ModelInfo(
                version=card.version if card else shipped.stem,
                path=shipped,
                kind="shipped",
                created=card.created if card else "",
                parent=None,
                active=active is None,
                summary=_summary(card),
            )
        )
    else:
        infos.append(ModelInfo(UNTRAINED_VERSION, None, "untrained", "", None, active is None, ""))
    for version in user_versions():
        path = weights_path(version)
        card = read_card(path.with_suffix(".json"))
        infos.append(
            ModelInfo(
                version=version,
                path=path,
                kind=str(card.training.get("kind", "fast")) if card else "?",
                created=card.created if card else "",
                parent=card.parent if card else None,
                active=active == path,
                summary=_summary(card),
            )
        )
    return infos


def use_model(version: str) -> None:
    """Switch to ``version``: a retrained one, or the shipped one by its own name."""
    shipped = [m for m in list_models() if m.kind in ("shipped", "untrained")]
    if shipped and version == shipped[0].version:
        set_active(None)
        return
    known = user_versions()
    if version not in known:
        choices = ", ".join([*(m.version for m in shipped), *known])
        raise KeyError(f"no model version {version!r} (known: {choices})")
    set_active(version)


def reset_model() -> None:
    """Go back to the shipped model; retrained versions stay on disk and can be used again."""
    set_active(None)


def read_card(path: Path) -> ModelCard | None:
    """The card beside a weights file, or ``None`` when it is missing or unreadable."""
    try:
        return ModelCard.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None


def _summary(card: ModelCard | None) -> str:
    held = card.metrics.get("held_out") if card is not None else None
    if not isinstance(held, dict) or "new" not in held:
        return ""
    new = held["new"]
    try:
        return (
            f"held-out accuracy {float(new['accuracy']):.3f}, "
            f"precision {float(new['precision']):.3f}, recall {float(new['recall']):.3f} "
            f"on {int(new['n'])} labels"
        )
    except (KeyError, TypeError, ValueError):
        return ""
