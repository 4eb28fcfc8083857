"""Counts in words: "1 photo", "2 photos", thousands separated."""

from __future__ import annotations

import pytest

from dropletcleaner.core.wording import plural


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 photos"), (1, "1 photo"), (2, "2 photos"), (1204, "1,204 photos"), (-1, "-1 photos")],
)
def test_plural_counts_photos(count: int, expected: str) -> None:
    assert plural(count, "photo") == expected


def test_irregular_words_give_their_plural() -> None:
    assert plural(1, "copy", "copies") == "1 copy"
    assert plural(3, "copy", "copies") == "3 copies"
