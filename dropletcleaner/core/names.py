"""Showing file names that are not valid UTF-8.

Python holds such a name with lone surrogates (``surrogateescape``) so that it still
opens the right file. Qt silently drops those characters, which would show ``caf.jpg``
for ``caf\\xe9.jpg`` and make two names look the same. :func:`printable` writes each
undecodable byte as ``\\xNN`` instead; use it for display only, never to open a file.
"""

from __future__ import annotations


def printable(name: str) -> str:
    """``name`` with each byte that was not valid UTF-8 shown as ``\\xNN``."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name
