"""The user's labels as retraining counts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.training.retrain.labels import MIN_PER_CLASS, label_counts
from tests.retrain_helpers import (
    user_photos_with_embeddings,
)


def test_labels_round_trip_and_counts(catalog: Catalog, base: LoadedModel, tmp_path: Path) -> None:
    paths, _, _ = user_photos_with_embeddings(catalog, base, tmp_path, n=8)
    assert catalog.set_label(paths[:3], "droplet") == 3
    catalog.set_label(paths[3:5], "clean")
    assert catalog.labels() == {
        **dict.fromkeys(paths[:3], "droplet"),
        **dict.fromkeys(paths[3:5], "clean"),
    }
    assert catalog.get(paths[0]).label == "droplet"  # type: ignore[union-attr]
    catalog.set_label(paths[:1], None)
    assert paths[0] not in catalog.labels()
    counts = label_counts(catalog)
    assert (counts.droplet, counts.clean, counts.unusable) == (2, 2, 0)
    assert not counts.enough
    assert f"at least {MIN_PER_CLASS}" in counts.shortfall
    with pytest.raises(ValueError):
        catalog.set_label(paths[:1], "maybe")


def test_labelled_photo_without_embedding_is_counted_unusable(catalog: Catalog) -> None:
    from dropletcleaner.core.catalog.photos import ScanResult

    catalog.record_scans([ScanResult(path="/x/broken.jpg", size=0, mtime_ns=0, error="empty")])
    catalog.set_label(["/x/broken.jpg"], "clean")
    assert label_counts(catalog).unusable == 1 and label_counts(catalog).clean == 0
