"""Counts in words, shared by the command line and the desktop app: "1 photo", "2 photos"."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 photo"``, ``"2 photos"``, ``"1,204 photos"``; ``plural_form`` for irregular words."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"
