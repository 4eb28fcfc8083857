"""Evaluation sets: the held-out photos a model's card lists, found in the user's folders."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.core.training.evaluate import model_held_out_photos
from tests.helpers import write_jpeg


def test_card_listed_photos_are_found_under_the_folder_of_that_name_in_card_order(
    tmp_path: Path,
) -> None:
    for rel in ("clean/a.jpg", "clean/sub/b.jpg", "more/c.jpg", "other/a.jpg"):
        write_jpeg(tmp_path / rel, size=(32, 24))
    listed = ["more/c.jpg", "clean/sub/b.jpg", "clean/missing.jpg", "other/a.jpg", "a.jpg"]
    found = model_held_out_photos(listed, [tmp_path / "clean", tmp_path / "more"])
    # "other" is not one of the data folders, and a bare name names no folder.
    assert found == [tmp_path / "more" / "c.jpg", tmp_path / "clean" / "sub" / "b.jpg"]
