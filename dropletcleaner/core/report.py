"""Scan reports: one row per image file found, as CSV or JSON.

``coverage`` (share of the frame covered by water, 0-1) and ``where`` (``top-left``,
``whole frame``...) come from the photo's droplet map; they are empty for photos scored by
a model without one.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.catalog import Catalog
from dropletcleaner.core.droplet_map import coverage, where

REPORT_COLUMNS = ("path", "droplet_score", "flagged", "coverage", "where", "error")


@dataclass(frozen=True)
class ReportRow:
    path: str
    droplet_score: float | None
    flagged: bool
    error: str
    coverage: float | None = None
    where: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "droplet_score": self.droplet_score,
            "flagged": self.flagged,
            "coverage": self.coverage,
            "where": self.where,
            "error": self.error,
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
            rows.append(ReportRow(path, None, False, rec.error))
            continue
        score = rec.score
        flagged = score is not None and score >= threshold
        grid = catalog.droplet_map(path)
        share = None if grid is None else round(coverage(grid), 4)
        place = "" if grid is None else where(grid)
        rows.append(ReportRow(path, score, flagged, "", share, place))
    return rows


def write_report(path: Path, rows: list[ReportRow]) -> None:
    """Write ``rows`` as JSON (``.json``) or CSV (anything else), atomically."""
    if path.suffix.lower() == ".json":
        atomic_write_text(path, json.dumps([r.as_dict() for r in rows], indent=1) + "\n")
        return
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for r in rows:
        score = "" if r.droplet_score is None else f"{r.droplet_score:.6f}"
        share = "" if r.coverage is None else f"{r.coverage:.4f}"
        flag = "true" if r.flagged else "false"
        writer.writerow([r.path, score, flag, share, r.where, r.error])
    atomic_write_text(path, buf.getvalue())
