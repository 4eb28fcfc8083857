"""Training photos: near-duplicates dropped, a deterministic split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dropletcleaner.core.training.data import dedupe_by_phash, split_of


def _blocky_photo(path: Path, seed: int, size: tuple[int, int] = (640, 480)) -> Path:
    """Low-frequency random content: distinct per seed, stable under resizing."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    cells = Image.fromarray(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8))
    cells.resize(size, Image.Resampling.BICUBIC).save(path, "JPEG", quality=92)
    return path


def test_dedupe_drops_near_duplicates(tmp_path: Path) -> None:
    from PIL import Image

    a = _blocky_photo(tmp_path / "a.jpg", seed=1)
    _blocky_photo(tmp_path / "b.jpg", seed=1)  # same content again
    Image.open(a).resize((400, 300)).save(tmp_path / "c.jpg")  # resized copy
    _blocky_photo(tmp_path / "d.jpg", seed=5, size=(500, 500))
    kept, dropped = dedupe_by_phash(sorted(tmp_path.glob("*.jpg")))
    assert [p.name for p in kept] == ["a.jpg", "d.jpg"]
    assert sorted(p.name for p in dropped) == ["b.jpg", "c.jpg"]


def test_split_is_deterministic_and_roughly_proportional(tmp_path: Path) -> None:
    paths = [tmp_path / f"{i}.jpg" for i in range(2000)]
    splits = [split_of(p, 0, 0.15, 0.10) for p in paths]
    assert splits == [split_of(p, 0, 0.15, 0.10) for p in paths]
    assert 0.07 < splits.count("test") / 2000 < 0.13
    assert 0.12 < splits.count("val") / 2000 < 0.18
