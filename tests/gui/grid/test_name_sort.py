"""Sort by Name: natural (2 before 10), case-insensitive, stable, and fast on 50,000 rows."""

from __future__ import annotations

import random
import re

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.gui.grid.model import PhotoModel, SortKey
from dropletcleaner.gui.grid.rows import SORT_KEYS, natural_key
from tests.gui.grid.test_model import names, rec

# Names as cameras, phones and people write them; in natural, case-insensitive order.
NATURAL_ORDER = [
    "1.jpg",
    "1_rain.jpg",
    "2.jpg",
    "10.jpg",
    "11.jpg",
    "12.jpg",
    "183_inp.jpg",
    "A.jpg",  # differs from the next only in case: always this way round
    "a.jpg",
    "IMG_02.jpg",  # the same number as IMG_2: the plain name decides, so always first
    "IMG_2.jpg",
    "img_2.jpg",
    "IMG_10.JPG",
    "img_10b.jpg",
    "IMG_10c.jpg",
    "IMG_100.jpg",
    "photo (2).jpg",
    "photo (10).jpg",
    "photo.jpg",  # punctuation before digits, as in plain text: the unnumbered one first
    "photo1.jpg",
    "photo2.jpg",
    "photo10.jpg",
]


def test_sort_by_name_is_natural_case_insensitive_and_stable() -> None:
    rng = random.Random(3)
    for _ in range(5):  # whatever order the scan delivered them in
        shuffled = rng.sample(NATURAL_ORDER, len(NATURAL_ORDER))
        model = PhotoModel()
        model.replace_all([rec(n, 0.5) for n in shuffled])
        model.set_sort_key(SortKey.NAME)
        assert names(model) == NATURAL_ORDER

    # Rows added one by one land where a full sort puts them (the rows are bisected).
    model = PhotoModel()
    model.set_sort_key(SortKey.NAME)
    for n in rng.sample(NATURAL_ORDER, len(NATURAL_ORDER)):
        model.upsert([rec(n, 0.5)])
    assert names(model) == NATURAL_ORDER
    model.remove_paths(["/lib/IMG_10.JPG"])
    assert names(model) == [n for n in NATURAL_ORDER if n != "IMG_10.JPG"]

    # Within a folder, the folder sort uses the same order.
    model.replace_all([rec(n, 0.5, folder="/lib/x") for n in reversed(NATURAL_ORDER)])
    model.set_sort_key(SortKey.FOLDER)
    assert names(model) == NATURAL_ORDER


def test_natural_name_sort_of_fifty_thousand_rows_matches_the_textbook_order() -> None:
    rows = [
        rec(f"{('IMG_', 'img_', 'DSC')[i % 3]}{i * 7919 % 50_000}{'_rain' * (i % 2)}.jpg", 0.5)
        for i in range(50_000)
    ]
    natural_key.cache_clear()  # the first sort computes every key
    ordered = sorted(rows, key=SORT_KEYS[SortKey.NAME])

    # The textbook key (a tuple of text and number parts) orders these names (where a number
    # never meets punctuation at the same place) the same way, only more slowly.
    def textbook(r: PhotoRecord) -> tuple[object, ...]:
        parts = re.split(r"([0-9]+)", r.name.casefold())
        return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), r.name, r.path

    assert [r.path for r in ordered] == [r.path for r in sorted(rows, key=textbook)]
