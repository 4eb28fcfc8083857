"""Counts and sizes in words, shared by the command line and the desktop app.

"1 photo", "2 photos"; "157.9 kB".
"""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 photo"``, ``"2 photos"``, ``"1,204 photos"``; ``plural_form`` for irregular words."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def file_size(n: float) -> str:
    """``157877`` as ``"157.9 kB"``: SI units (1 kB = 1,000 bytes), as Finder and Lightroom."""
    if round(n) < 1000:
        return "1 byte" if round(n) == 1 else f"{n:,.0f} bytes"
    for unit in ("kB", "MB", "GB"):
        n /= 1000
        # Compared as shown, so 999,960 bytes is "1.0 MB", never "1,000.0 kB".
        if round(n, 1) < 1000:
            return f"{n:,.1f} {unit}"
    return f"{n / 1000:,.1f} TB"
