"""``--json`` output: one document on stdout, everything else on stderr, NaN as null."""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Callable, Iterator
from typing import TextIO


@contextlib.contextmanager
def json_stdout(enabled: bool) -> Iterator[Callable[[object], None]]:
    """With ``enabled``, stdout is kept for the one JSON document the command emits.

    Everything else the command prints meanwhile (settled journal entries, hints) goes to
    stderr, so that ``| jq`` reads valid JSON.
    """
    real = sys.stdout

    def emit(doc: object) -> None:
        emit_json(doc, real)

    if not enabled:
        yield emit
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield emit


def emit_json(doc: object, stream: TextIO | None = None) -> None:
    """Write ``doc`` as indented JSON; NaN and infinities (undefined figures) become null."""
    (stream or sys.stdout).write(json.dumps(_finite(doc), indent=1, allow_nan=False) + "\n")


def _finite(doc: object) -> object:
    if isinstance(doc, float):
        return doc if math.isfinite(doc) else None
    if isinstance(doc, dict):
        return {k: _finite(v) for k, v in doc.items()}
    if isinstance(doc, (list, tuple)):
        return [_finite(v) for v in doc]
    return doc
