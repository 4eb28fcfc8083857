"""The model card: scoring settings are read from it and checked before use."""

from __future__ import annotations

import pytest

from dropletcleaner.core.ml.card import ModelLoadError, Scoring


def test_scoring_settings_are_checked() -> None:
    assert Scoring.from_card({}) == Scoring()
    assert Scoring.from_card(Scoring("map", 0.2, 0.3).to_card()) == Scoring("map", 0.2, 0.3)
    with pytest.raises(ModelLoadError, match="pooling"):
        Scoring.from_card({"pooling": "max"})
    with pytest.raises(ModelLoadError, match="out of range"):
        Scoring.from_card({"pooling": "map", "top_fraction": 0})


def test_second_looks_are_read_from_the_card_and_checked() -> None:
    looked = Scoring("map", 0.1, 0.5, looks=(416,), look_above=0.2)
    assert Scoring.from_card(looked.to_card()) == looked
    assert "looks" not in Scoring("map").to_card()  # one-look cards stay as they were
    with pytest.raises(ModelLoadError, match="pixel sizes"):
        Scoring.from_card({"pooling": "map", "looks": [8]})
    with pytest.raises(ModelLoadError, match="pixel sizes"):
        Scoring.from_card({"pooling": "map", "looks": "416"})
    with pytest.raises(ModelLoadError, match="look_above"):
        Scoring.from_card({"pooling": "map", "looks": [416], "look_above": 2})
