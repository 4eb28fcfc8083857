"""The ``scan`` sub-command: score every photo of a folder, record it, and report."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command, command_line, plural
from dropletcleaner.cli.loading import load_model_announced, open_catalog
from dropletcleaner.cli.options import (
    add_catalog_option,
    add_quiet_option,
    add_selection_options,
    threshold_value,
)
from dropletcleaner.cli.progressbar import ProgressBar

if TYPE_CHECKING:  # imported when used, so that `--help` stays fast (no torch)
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.library.report import ReportRow
    from dropletcleaner.core.library.scan import Scanner, ScanSummary
    from dropletcleaner.core.ml.checkpoint import LoadedModel
    from dropletcleaner.core.ml.inference.scorer import Scorer

ORDER = 10  # place in --help
STDOUT = "-"  # `--report -` (core.report.STDOUT, not imported here: it pulls in the catalog)


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "scan",
        help="scan a folder and score every photo for lens droplets",
        description="Scan FOLDER recursively, score every photo for water drops on the lens and "
        "record the results in the catalog. Unchanged photos are not scored again.",
        examples=(
            "dropletcleaner scan ~/Pictures/2024",
            "dropletcleaner scan ~/Pictures --report flagged.csv --threshold 0.8",
            "dropletcleaner scan ~/Pictures -q --exclude 'exports/*' --json | jq .rows[0]",
        ),
    )
    p.add_argument(
        "folder", type=Path, metavar="FOLDER", help="photo folder to scan (with its sub-folders)"
    )
    p.add_argument(
        "-o",
        "--report",
        type=Path,
        metavar="FILE",
        help="also write one row per image file to FILE, .csv or .json; `-` writes it to "
        "stdout and the summary to stderr (default: no report)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="the report as JSON with a header (schema, model, threshold, time); without "
        "--report it goes to stdout (default: CSV, or by the report's extension)",
    )
    p.add_argument(
        "-t",
        "--threshold",
        type=threshold_value,
        default=None,
        metavar="T",
        help="flag photos scoring at or above T, between 0 and 1 "
        "(default: the active model's threshold)",
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where to run the model (default: auto, CUDA if present, else CPU)",
    )
    add_quiet_option(p)
    add_selection_options(p)
    add_catalog_option(p)
    p.set_defaults(func=run_scan)


def run_scan(args: argparse.Namespace) -> int:
    folder = Path(os.path.abspath(args.folder))
    if not folder.exists():
        raise UsageError(f"folder does not exist: {folder}")
    if not folder.is_dir():
        raise UsageError(f"not a folder: {folder}")
    if args.json and args.report is None:
        args.report = Path(STDOUT)
    if args.report is not None:
        check_report_path(args.report)
    if str(args.report) != STDOUT:
        return _scan(args, folder, sys.stdout)
    # The report owns stdout, so that `| jq` reads it alone; the summary goes to stderr.
    report_out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        return _scan(args, folder, report_out)


def _scan(args: argparse.Namespace, folder: Path, report_out: TextIO) -> int:
    from dropletcleaner.core.library.report import build_rows
    from dropletcleaner.core.library.scan import Scanner
    from dropletcleaner.core.photos.formats import unsupported_reason
    from dropletcleaner.core.photos.selection import Selection

    catalog, loaded, scorer = _open(args)
    threshold = args.threshold if args.threshold is not None else loaded.threshold

    bar = None if args.quiet else ProgressBar()
    with catalog:
        selection = Selection.of(folder, args.exclude, recursive=args.recursive)
        scanner = Scanner(folder, catalog, scorer, selection=selection)
        _follow(scanner, bar)
        summary = scanner.summary
        rows = build_rows(catalog, summary.found, threshold)
        if args.report is not None:
            _write_report(args, rows, loaded.version, threshold, report_out)
    thumbs_warning = scanner.thumbs.write_warning()
    if thumbs_warning is not None:
        print(f"warning: {thumbs_warning}", file=sys.stderr)

    flagged = sum(r.flagged for r in rows)
    # Files of a format the app does not read are counted apart: they are not broken.
    skipped = {r.path for r in rows if r.error and unsupported_reason(r.path) is not None}
    _print_summary(folder, summary, scorer, loaded, rows, skipped, threshold, flagged)
    if args.report is not None and str(args.report) != STDOUT:
        print(f"Report written to {args.report}")
    if len(summary.found) == len(skipped) and not summary.cancelled:
        print(f"No photos were found in {folder}; there was nothing to score.")
    elif flagged and not summary.cancelled:
        again = ["--threshold", f"{args.threshold:g}"] if args.threshold is not None else []
        again += [w for g in args.exclude for w in ("--exclude", g)]
        again += [] if args.recursive else ["--no-recursive"]
        hint = command_line(["quarantine", folder, *again, "--dry-run"], args.catalog)
        print(f"{plural(flagged, 'photo')} flagged. See what would move: {hint}")
    if summary.cancelled:
        print("Scan was cancelled before it finished.", file=sys.stderr)
        return 1
    return 0


def _open(args: argparse.Namespace) -> tuple[Catalog, LoadedModel, Scorer]:
    """The catalog, then the model: a damaged or locked catalog is reported before it loads."""
    from dropletcleaner.core.ml.inference.protocol import DeviceError
    from dropletcleaner.core.ml.inference.scorer import Scorer

    catalog = open_catalog(args)
    try:
        loaded = load_model_announced()
        scorer = Scorer(loaded, device=args.device)
    except DeviceError as exc:
        catalog.close()
        raise UsageError(str(exc)) from exc
    except BaseException:
        catalog.close()
        raise
    return catalog, loaded, scorer


def _follow(scanner: Scanner, bar: ProgressBar | None) -> None:
    """Run the scan, drawing its progress; the bar ends on the last figure, however fast."""
    last = None
    for progress in scanner.run():
        last = progress
        if bar is not None:
            bar.update(progress)
    if bar is not None:
        if last is not None:
            bar.update(last, force=True)
        bar.close()


def _write_report(
    args: argparse.Namespace,
    rows: list[ReportRow],
    version: str,
    threshold: float,
    report_out: TextIO,
) -> None:
    from dropletcleaner.core.library.report import ReportHeader, write_report

    try:
        header = ReportHeader.now(version, threshold)
        as_json = True if args.json else None
        write_report(args.report, rows, header, as_json=as_json, stdout=report_out)
    except OSError as exc:  # a full disk or a folder removed meanwhile
        raise UsageError(f"cannot write the report {args.report}: {exc.strerror or exc}") from exc


def _print_summary(
    folder: Path,
    summary: ScanSummary,
    scorer: Scorer,
    loaded: LoadedModel,
    rows: list[ReportRow],
    skipped: set[str],
    threshold: float,
    flagged: int,
) -> None:
    """The scan's figures, the model, and every file that could not be read."""
    from dropletcleaner.core.ml.flag_rates import NEAR_BAND, band_share, describe_threshold, one_in
    from dropletcleaner.core.photos.formats import skipped_summary

    unreadable = sum(bool(r.error) for r in rows) - len(skipped)
    rate = summary.scored / summary.seconds if summary.seconds > 0 else 0.0
    print(f"Scanned {folder}")
    print(f"  photos found:      {len(summary.found) - len(skipped):,}")
    backend = f"{scorer.backend_name} on {scorer.device.type}"
    print(f"  scored now:        {summary.scored:,} ({rate:.1f} photos/s, {backend})")
    if scorer.looks:
        sizes = " and ".join(f"{s} px" for s in scorer.looks)
        print(f"  looked at again:   {summary.second_looks:,} (at {sizes}: could be wet)")
    print(f"  unchanged:         {summary.unchanged:,}")
    print(f"  unreadable:        {unreadable:,}")
    skipped_line = skipped_summary(skipped)
    if skipped_line is not None:
        print(f"  not read:          {skipped_line}")
    if summary.missing:
        print(f"  gone since last:   {summary.missing:,} (marked missing in the catalog)")
    print(f"  flagged (>= {threshold:.2f}): {flagged:,}")
    meaning = describe_threshold(loaded.card.metrics, threshold)
    if meaning is not None:
        print(f"  what it means:     {meaning}")
    near = just_under(rows, threshold)
    if near:
        low = max(0.0, threshold - NEAR_BAND)
        band = band_share(loaded.card.metrics, low, threshold)
        where = "" if band is None else f"; {one_in(band)} clean photos score there"
        print(f"  just under it:     {near:,} ({low:.2f}-{threshold:.2f}{where})")
        print("                     not flagged; the app's Uncertain filter lists them for a look")
    untrained = "" if loaded.trained else "  (UNTRAINED: scores mean nothing)"
    print(f"  model:             {loaded.version}{untrained}")
    print(f"  time:              {summary.seconds:.1f} s")
    for err in summary.folder_errors:
        print(f"  could not read folder {err.path}: {err.reason}")
    for row in rows:
        if row.error:
            kind = "skipped" if row.path in skipped else "unreadable"
            print(f"  {kind}: {row.path}: {row.error}")


def just_under(rows: list[ReportRow], threshold: float) -> int:
    """Unlabelled photos scored just under ``threshold``: the misses a look would catch."""
    from dropletcleaner.core.ml.flag_rates import near_threshold

    return sum(
        r.droplet_score is not None
        and not r.flagged
        and not r.error
        and not r.label
        and near_threshold(r.droplet_score, threshold)
        for r in rows
    )


def check_report_path(report: Path) -> None:
    """Refuse a ``--report`` the scan could not write, before scanning, not after."""
    if str(report) == STDOUT:
        return
    if report.suffix.lower() not in (".csv", ".json"):
        raise UsageError("--report must end in .csv or .json")
    if report.is_dir():
        raise UsageError(f"--report is a folder: {report}")
    parent = Path(os.path.abspath(report)).parent
    if not parent.is_dir():
        # Creating it would hide a typo in the path: the report would land somewhere unseen.
        raise UsageError(f"the folder for --report does not exist: {parent}; create it first")
