"""Counts and sizes in words: "1 photo", "2 photos", thousands separated; "157.9 kB"."""

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


def test_file_sizes_are_said_in_si_units() -> None:
    from dropletcleaner.core.wording import file_size

    assert file_size(157_877) == "157.9 kB"
    assert file_size(1) == "1 byte" and file_size(12_300_000) == "12.3 MB"
