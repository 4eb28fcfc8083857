"""Scan reports: one row per image file found, as CSV or JSON.

``coverage`` (share of the frame covered by water, 0-1) and ``where`` (``top-left``,
``whole frame``...) come from the photo's droplet map; they are empty for photos scored by
a model without one. ``label`` is the user's label (``droplet``, ``clean`` or empty),
``state`` the catalog state (``present``, ``missing``, ``quarantined``), ``width`` and
``height`` the decoded size in pixels.

A JSON report is an object: a header (:data:`SCHEMA_VERSION`, model version, threshold,
time) and ``rows``, so that a script can tell which model and threshold made it.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml.droplet_map import coverage, where

# Bumped when a field changes meaning or goes away; new fields do not bump it.
SCHEMA_VERSION = 2

REPORT_COLUMNS = (
    "path",
    "droplet_score",
    "flagged",
    "coverage",
    "where",
    "label",
    "state",
    "width",
    "height",
    "error",
)

STDOUT = "-"  # ``--report -``: the report goes to standard output


@dataclass(frozen=True)
class ReportRow:
    path: str
    droplet_score: float | None
    flagged: bool
    error: str
    coverage: float | None = None
    where: str = ""
    label: str = ""
    state: str = ""
    width: int | None = None
    height: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in REPORT_COLUMNS}


@dataclass(frozen=True)
class ReportHeader:
    model_version: str
    threshold: float
    created: str  # ISO 8601, UTC

    @classmethod
    def now(cls, model_version: str, threshold: float) -> ReportHeader:
        stamp = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        return cls(model_version, threshold, stamp)

    def as_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "model_version": self.model_version,
            "threshold": self.threshold,
            "created": self.created,
        }


def build_rows(catalog: Catalog, paths: Iterable[str], threshold: float) -> list[ReportRow]:
    """Rows for ``paths`` from the catalog, in the given order."""
    rows: list[ReportRow] = []
    for path in paths:
        rec = catalog.get(path)
        if rec is None:
            rows.append(ReportRow(path, None, False, "not scanned (scan was cancelled)"))
            continue
        if rec.error:
            rows.append(
                ReportRow(path, None, False, rec.error, label=rec.label or "", state=rec.state)
            )
            continue
        score = rec.score
        flagged = score is not None and score >= threshold
        grid = catalog.droplet_map(path)
        share = None if grid is None else round(coverage(grid), 4)
        place = "" if grid is None else where(grid)
        rows.append(
            ReportRow(
                path,
                score,
                flagged,
                "",
                share,
                place,
                label=rec.label or "",
                state=rec.state,
                width=rec.width,
                height=rec.height,
            )
        )
    return rows


def render_report(rows: list[ReportRow], header: ReportHeader, *, as_json: bool) -> str:
    """The report's text: a JSON object with its header, or CSV with a header line."""
    if as_json:
        doc = {**header.as_dict(), "rows": [r.as_dict() for r in rows]}
        return json.dumps(doc, indent=1) + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for r in rows:
        score = "" if r.droplet_score is None else f"{r.droplet_score:.6f}"
        share = "" if r.coverage is None else f"{r.coverage:.4f}"
        flag = "true" if r.flagged else "false"
        size = ["" if v is None else str(v) for v in (r.width, r.height)]
        writer.writerow([r.path, score, flag, share, r.where, r.label, r.state, *size, r.error])
    return buf.getvalue()


def write_report(
    path: Path | str,
    rows: list[ReportRow],
    header: ReportHeader,
    *,
    as_json: bool | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Write ``rows`` as JSON (``.json``) or CSV (anything else), atomically.

    ``path`` ``"-"`` writes to ``stdout`` instead, as CSV unless ``as_json``.
    """
    if str(path) == STDOUT:
        (stdout or sys.stdout).write(render_report(rows, header, as_json=bool(as_json)))
        return
    path = Path(path)
    json_wanted = path.suffix.lower() == ".json" if as_json is None else as_json
    atomic_write_text(path, render_report(rows, header, as_json=json_wanted))
