"""Showing file names that are not valid UTF-8: each undecodable byte as ``\\xNN``."""

from __future__ import annotations

import os

from dropletcleaner.core.names import printable


def test_valid_names_are_shown_as_they_are() -> None:
    for name in ("/photos/a.jpg", "/photos/café.jpg", "/фото/日本.jpg", ""):
        assert printable(name) == name


def test_each_undecodable_byte_is_written_as_an_escape() -> None:
    name = os.fsdecode(b"/photos/caf\xe9 \xff.jpg")
    assert printable(name) == "/photos/caf\\xe9 \\xff.jpg"


def test_two_names_that_differ_only_in_such_bytes_still_look_different() -> None:
    a, b = os.fsdecode(b"caf\xe9.jpg"), os.fsdecode(b"caf\xe8.jpg")
    assert printable(a) != printable(b)
    assert "caf.jpg" not in (printable(a), printable(b))


def test_valid_characters_beside_a_bad_byte_are_kept() -> None:
    name = os.fsdecode("é".encode() + b"\xe9")
    assert printable(name) == "é\\xe9"
