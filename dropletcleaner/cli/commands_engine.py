"""Sub-commands over the scanning engine: ``scan`` and ``demo``."""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    """Filled in by the engine work."""
