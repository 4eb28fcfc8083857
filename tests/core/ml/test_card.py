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
