"""The map run's split: the starting model's held-out photos stay unseen by every round."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.training.data import split_of
from dropletcleaner.core.training.map_data import content_split
from dropletcleaner.core.training.map_pipeline import inherited_split, split_photos
from tests.helpers import write_jpeg

RULE = {"folders": ["own"], "seed": 3, "val_fraction": 0.3, "test_fraction": 0.3}


def _photos(root: Path, n: int) -> list[Path]:
    root.mkdir(parents=True)
    return [write_jpeg(root / f"p{i}.jpg", size=(64, 48), seed=i) for i in range(n)]


def test_a_map_models_recorded_rule_wins_over_its_config() -> None:
    card = ModelCard(version="m", training={"split": RULE, "config": {"epochs": 5}})
    assert inherited_split(card) == RULE


def test_a_base_models_rule_comes_from_its_config() -> None:
    config = {"data": ["/somewhere/own"], "seed": 3, "val_fraction": 0.3, "test_fraction": 0.3}
    assert inherited_split(ModelCard(version="b", training={"config": config})) == RULE


def test_own_folders_keep_the_name_seeded_split_and_others_split_by_content(
    tmp_path: Path,
) -> None:
    own = _photos(tmp_path / "own", 12)
    other = _photos(tmp_path / "other", 12)
    card = ModelCard(version="m", training={"split": RULE})
    splits = split_photos([*own, *other], card, [str(tmp_path / "own"), str(tmp_path / "other")])
    names = {"train": "train", "val": "calib", "test": "test"}
    for p in own:
        assert p in splits[names[split_of(p, 3, 0.3, 0.3)]]
    assert sum(len(v) for v in splits.values()) == 24


def test_a_held_out_photo_that_would_be_trained_on_stops_the_run(tmp_path: Path) -> None:
    photos = _photos(tmp_path / "own", 12)
    # A card whose rule was lost: it names a test photo the content split would train on.
    trained = next(p for p in photos if content_split(p) == "train")
    card = ModelCard(version="m", data_manifest={"test": [f"own/{trained.name}"]})
    with pytest.raises(ValueError, match="holds out would be trained"):
        split_photos(photos, card, [str(tmp_path / "own")])


def test_the_shipped_models_split_is_reproduced() -> None:
    from dropletcleaner.core.ml.store import default_model_card
    from dropletcleaner.core.training.data import collect_images
    from dropletcleaner.core.training.map_pipeline import _relative
    from tests.conftest import SHARED_DATA

    roots = [str(SHARED_DATA / "clean"), str(SHARED_DATA / "clean-more")]
    if not all(Path(r).is_dir() for r in roots):
        pytest.skip("needs ../shared/data")
    card = default_model_card()
    splits = split_photos([p for r in roots for p in collect_images([r])], card, roots)
    assert {_relative(p, roots) for p in splits["test"]} == set(card.data_manifest["test"])
