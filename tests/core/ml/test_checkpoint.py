"""Model files: weights and card round-trip; a card that does not match its tensors is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.ml.card import ModelCard, ModelLoadError, Scoring
from dropletcleaner.core.ml.checkpoint import load_model, save_model
from dropletcleaner.core.ml.network import DropletNet


def test_map_model_round_trips_through_safetensors_and_card(tmp_path: Path) -> None:
    model = DropletNet(scoring=Scoring("map", 0.2, 0.4)).eval()
    card = ModelCard(version="m1", scoring=model.scoring.to_card(), threshold=0.9)
    path = tmp_path / "m1.safetensors"
    save_model(model, card, path)
    loaded = load_model(path)
    assert loaded.model.has_map and loaded.model.scoring == Scoring("map", 0.2, 0.4)
    assert loaded.threshold == 0.9


def test_a_card_that_does_not_match_its_tensors_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "m2.safetensors"
    save_model(DropletNet(scoring=Scoring("map")), ModelCard(version="m2"), path)
    card_path = path.with_suffix(".json")
    broken = ModelCard.from_json(card_path.read_text())
    broken.scoring = {}  # says global pooling, but the weights hold a map head
    card_path.write_text(broken.to_json())
    with pytest.raises(ModelLoadError, match="tensors"):
        load_model(path)
