"""Model files: float16 safetensors weights beside a JSON card, saved atomically, loaded verified.

Loading checks the card's checksum, architecture and tensor names before any weight is used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from dropletcleaner.core.atomic import atomic_write_bytes, atomic_write_text
from dropletcleaner.core.ml.card import (
    ARCHITECTURE,
    ModelCard,
    ModelLoadError,
    Scoring,
)
from dropletcleaner.core.ml.network import DropletNet


@dataclass
class LoadedModel:
    """A ready-to-use model together with its card."""

    model: DropletNet
    card: ModelCard

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def threshold(self) -> float:
        return self.card.threshold

    @property
    def trained(self) -> bool:
        return self.card.trained


def save_model(model: DropletNet, card: ModelCard, weights_path: Path) -> Path:
    """Write float16 safetensors and the JSON card atomically; returns the card path."""
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    state["temperature"] = torch.tensor(float(card.temperature), dtype=torch.float16)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = weights_path.with_suffix(".tmp-save")
    save_file(state, str(tmp))
    data = tmp.read_bytes()
    tmp.unlink()
    card.sha256 = hashlib.sha256(data).hexdigest()
    atomic_write_bytes(weights_path, data)
    card_path = weights_path.with_suffix(".json")
    atomic_write_text(card_path, card.to_json())
    return card_path


def load_model(weights_path: Path) -> LoadedModel:
    """Load weights and card, verifying the checksum recorded in the card."""
    card_path = weights_path.with_suffix(".json")
    try:
        card = ModelCard.from_json(card_path.read_text(encoding="utf-8"))
        data = weights_path.read_bytes()
    except (OSError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"cannot read model {weights_path}: {exc}") from exc
    if not card.sha256:
        # An empty checksum would turn verification off: such a card is broken, not trusted.
        raise ModelLoadError(f"the card of {weights_path.name} records no sha256 checksum")
    if hashlib.sha256(data).hexdigest() != card.sha256:
        raise ModelLoadError(f"checksum mismatch for {weights_path.name}: file is corrupt")
    if card.architecture != ARCHITECTURE:
        raise ModelLoadError(f"unsupported architecture {card.architecture!r}")
    try:
        state = {k: v.float() for k, v in load_file(str(weights_path)).items()}
    except Exception as exc:  # safetensors raises its own error type for a bad header
        raise ModelLoadError(f"{weights_path.name} is not a readable weights file: {exc}") from exc
    model = DropletNet(scoring=Scoring.from_card(card.scoring))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelLoadError(
            f"{weights_path.name} does not hold the tensors its card names"
        ) from exc
    model.eval()
    return LoadedModel(model=model, card=card)
