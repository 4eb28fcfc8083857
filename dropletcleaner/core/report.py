"""Scan reports: one row per image file found, as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.catalog import Catalog

REPORT_COLUMNS = ("path", "droplet_score", "flagged", "error")


@dataclass(frozen=True)
class ReportRow:
    path: str
    droplet_score: float | None
    flagged: bool
    error: str

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "droplet_score": self.droplet_score,
            "flagged": self.flagged,
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
        rows.append(ReportRow(path, score, score is not None and score >= threshold, ""))
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
        writer.writerow([r.path, score, "true" if r.flagged else "false", r.error])
    atomic_write_text(path, buf.getvalue())
