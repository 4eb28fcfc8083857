"""Second looks: only photos reaching the gate are seen again, scored from the mean of looks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.library.scan import Scanner
from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.core.ml.inference.fake import FakeScorer
from dropletcleaner.core.ml.inference.looks import score_photos
from dropletcleaner.core.photos.decode import DecodedPhoto


def _photo(blue_share: float, look_blue_share: float, look: int = 64) -> DecodedPhoto:
    """A decoded photo whose first look and further look show different shares of water."""

    def frame(size: int, share: float) -> np.ndarray:
        px = np.full((size, size, 3), 120, np.uint8)
        px[: round(size * share)] = (0, 0, 255)  # whole rows: the share is exact
        return px

    return DecodedPhoto(
        pixels=frame(288, blue_share),
        thumbnail=Image.new("RGB", (8, 8)),
        width=288,
        height=288,
        taken_at=None,
        fingerprint="f",
        size=1,
        looks={look: frame(look, look_blue_share)},
    )


def test_only_photos_reaching_the_gate_get_the_further_look() -> None:
    scorer = FakeScorer(looks=(64,), look_above=0.3)
    dry, wet = _photo(0.0, 0.5), _photo(0.25, 0.0)  # the dry photo's look would read wet
    out = score_photos(scorer, [dry, wet])
    assert out.looked_again.tolist() == [False, True]
    assert scorer.sizes_seen == [288, 64]  # the second pass held the wet photo alone
    # The dry photo keeps its first look; the wet one gets the mean of 0.25 and 0.0.
    assert out.embeddings[0, 0] == 0.0
    assert out.embeddings[1, 0] == pytest.approx(0.125, abs=1e-3)
    assert out.scores[0] < 0.1
    assert out.scores[1] == pytest.approx(scorer.scores_from_embeddings(out.embeddings[1:])[0])
    assert out.scores[1] < scorer.scores_from_embeddings(np.eye(1, 1280) * 0.25)[0]
    assert out.cells.shape == (2, 9, 9)  # the map stays the first look's


def test_one_look_models_never_make_a_second_pass() -> None:
    scorer = FakeScorer()
    out = score_photos(scorer, [_photo(0.5, 0.0), _photo(0.0, 0.0)])
    assert scorer.sizes_seen == [288] and not out.looked_again.any()
    assert out.embeddings.dtype == np.float16


def test_a_photo_decoded_without_the_look_is_an_error_not_a_wrong_score() -> None:
    photo = _photo(0.5, 0.0, look=96)
    with pytest.raises(ValueError, match="64 px look"):
        score_photos(FakeScorer(looks=(64,), look_above=0.0), [photo])


def test_scan_decodes_the_looks_and_stores_the_mean_embedding(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    px = np.full((300, 400, 3), 120, np.uint8)
    px[:150] = (0, 0, 255)
    Image.fromarray(px).save(root / "wet.png")
    scorer = FakeScorer(looks=(64,), look_above=0.0)
    with Catalog(tmp_path / "catalog.sqlite") as cat:
        scanner = Scanner(root, cat, scorer, ThumbnailCache(tmp_path / "thumbs"))
        list(scanner.run())
        _, emb, _ = cat.embeddings()
    assert scorer.sizes_seen == [288, 64] and scanner.summary.second_looks == 1
    assert emb.shape == (1, 1280)
    assert float(emb[0, 0]) == pytest.approx(0.5, abs=0.02)  # both looks see half the frame blue
