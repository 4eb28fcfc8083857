"""Scan reports: one row per file, as CSV or JSON, with coverage and where from the map."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from dropletcleaner.core.catalog.photos import Catalog, ScanResult
from dropletcleaner.core.library.report import (
    REPORT_COLUMNS,
    SCHEMA_VERSION,
    ReportHeader,
    ReportRow,
    build_rows,
    render_report,
    write_report,
)

HEADER = ReportHeader("droplet-test", 0.5, "2026-01-02T03:04:05+00:00")
ODD_NAME = '/photos/a, "quoted"\nline é.jpg'


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.db") as cat:
        yield cat


def _top_left_map() -> np.ndarray:
    grid = np.zeros((9, 9), np.uint8)
    grid[:3, :3] = 255
    return grid


def _scan(catalog: Catalog) -> None:
    catalog.record_scans(
        [
            ScanResult(
                "/p/wet.jpg",
                10,
                1,
                "fp-wet",
                640,
                480,
                score=0.9,
                model_version="m",
                droplet_map=_top_left_map(),
            ),
            ScanResult("/p/dry.jpg", 11, 2, "fp-dry", 320, 200, score=0.1, model_version="m"),
            ScanResult("/p/bad.jpg", 12, 3, error="cannot decode: truncated"),
        ]
    )
    catalog.set_label(["/p/wet.jpg"], "droplet")


def test_rows_follow_the_given_order_one_per_file(catalog: Catalog) -> None:
    _scan(catalog)
    paths = ["/p/dry.jpg", "/p/bad.jpg", "/p/never.jpg", "/p/wet.jpg"]
    rows = build_rows(catalog, paths, threshold=0.5)
    assert [r.path for r in rows] == paths
    dry, bad, never, wet = rows
    assert (wet.flagged, wet.label, wet.state, wet.width, wet.height) == (
        True,
        "droplet",
        "present",
        640,
        480,
    )
    assert wet.coverage == round(9 / 81, 4) and wet.where == "top-left"
    # Scored by a model without a map: coverage and where stay empty.
    assert (dry.flagged, dry.coverage, dry.where, dry.label) == (False, None, "", "")
    assert (bad.droplet_score, bad.flagged, bad.error) == (None, False, "cannot decode: truncated")
    assert never.error == "not scanned (scan was cancelled)" and never.droplet_score is None


def test_the_threshold_decides_flagged(catalog: Catalog) -> None:
    _scan(catalog)
    (row,) = build_rows(catalog, ["/p/wet.jpg"], threshold=0.95)
    assert not row.flagged
    (row,) = build_rows(catalog, ["/p/wet.jpg"], threshold=0.9)
    assert row.flagged  # a score at the threshold is flagged


def test_csv_has_the_columns_and_one_line_per_row() -> None:
    rows = [
        ReportRow(
            "/p/a.jpg", 0.123456789, True, "", 0.11111, "top-left", "droplet", "present", 640, 480
        ),
        ReportRow("/p/b.jpg", None, False, "unreadable"),
    ]
    text = render_report(rows, HEADER, as_json=False)
    lines = text.splitlines()
    assert lines[0] == ",".join(REPORT_COLUMNS)
    assert lines[1] == "/p/a.jpg,0.123457,true,0.1111,top-left,droplet,present,640,480,"
    assert lines[2] == "/p/b.jpg,,false,,,,,,,unreadable"
    assert len(lines) == 3


def test_json_carries_its_header_and_rows() -> None:
    rows = [ReportRow("/p/a.jpg", 0.7, True, "", 0.25, "centre", width=10, height=20)]
    doc = json.loads(render_report(rows, HEADER, as_json=True))
    assert doc["schema_version"] == SCHEMA_VERSION
    assert (doc["model_version"], doc["threshold"], doc["created"]) == (
        "droplet-test",
        0.5,
        "2026-01-02T03:04:05+00:00",
    )
    (row,) = doc["rows"]
    assert list(row) == list(REPORT_COLUMNS)
    assert row["droplet_score"] == 0.7 and row["coverage"] == 0.25 and row["where"] == "centre"
    assert row["flagged"] is True and row["label"] == ""


def test_odd_file_names_survive_both_formats() -> None:
    rows = [ReportRow(ODD_NAME, 0.5, True, "")]
    parsed = list(csv.reader(io.StringIO(render_report(rows, HEADER, as_json=False))))
    assert [r[0] for r in parsed] == ["path", ODD_NAME]
    assert json.loads(render_report(rows, HEADER, as_json=True))["rows"][0]["path"] == ODD_NAME


def test_write_report_picks_the_format_by_suffix_unless_told(tmp_path: Path) -> None:
    rows = [ReportRow("/p/a.jpg", 0.5, True, "")]
    write_report(tmp_path / "r.JSON", rows, HEADER)
    assert json.loads((tmp_path / "r.JSON").read_text())["rows"][0]["path"] == "/p/a.jpg"
    write_report(tmp_path / "r.csv", rows, HEADER)
    assert (tmp_path / "r.csv").read_text().startswith("path,droplet_score,")
    write_report(tmp_path / "r.txt", rows, HEADER, as_json=True)
    assert json.loads((tmp_path / "r.txt").read_text())["schema_version"] == SCHEMA_VERSION
    # Written atomically: nothing but the reports is left in the folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.JSON", "r.csv", "r.txt"]


def test_a_dash_writes_to_stdout_as_csv_unless_json(tmp_path: Path) -> None:
    rows = [ReportRow("/p/a.jpg", 0.5, True, "")]
    out = io.StringIO()
    write_report("-", rows, HEADER, stdout=out)
    assert out.getvalue() == render_report(rows, HEADER, as_json=False)
    out = io.StringIO()
    write_report("-", rows, HEADER, as_json=True, stdout=out)
    assert json.loads(out.getvalue())["rows"][0]["path"] == "/p/a.jpg"
    assert not (tmp_path / "-").exists()


def test_header_now_is_utc_to_the_second() -> None:
    header = ReportHeader.now("m", 0.4)
    assert (header.model_version, header.threshold) == ("m", 0.4)
    assert header.created.endswith("+00:00") and "." not in header.created
