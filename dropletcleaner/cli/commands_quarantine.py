"""Sub-commands that move photos aside safely: ``quarantine`` (and ``quarantine list`` /
``quarantine empty``), ``restore`` and ``undo``.

Every command first settles whatever an interrupted run left in the journal.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import Any

from dropletcleaner.cli.common import add_catalog_option, open_catalog, threshold_value
from dropletcleaner.cli.progressbar import ProgressBar
from dropletcleaner.core.catalog import Catalog
from dropletcleaner.core.quarantine import BatchReport, MoveOutcome

ORDER = 20  # place in --help


def register(sub: Any) -> None:
    q = sub.add_parser(
        "quarantine",
        help="move flagged photos and their sidecars into quarantine (also: list, empty)",
        description="Move the photos of FOLDER that score at or above the threshold, or that "
        "you labelled droplet, into a quarantine folder, with their sidecars (.xmp, .aae, "
        "RAW beside a JPEG, live-photo .mov). Each run is one batch that `undo` or `restore` "
        "puts back. `quarantine list` shows the batches; `quarantine empty --yes` sends "
        "quarantined files to the system trash. Scan the folder first.",
    )
    q.add_argument(
        "folder",
        metavar="FOLDER|list|empty",
        help="library folder to quarantine from, or `list`, or `empty` "
        "(write ./list for a folder named list)",
    )
    q.add_argument(
        "--threshold",
        type=threshold_value,
        default=None,
        metavar="T",
        help="quarantine photos scoring at or above T (default: the active model's threshold)",
    )
    q.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        default=None,
        help="quarantine folder outside the library (default: FOLDER/.dropletcleaner-quarantine)",
    )
    q.add_argument("--dry-run", action="store_true", help="print what would move; change nothing")
    q.add_argument("--batch", metavar="ID", help="with `empty`: only this batch")
    q.add_argument(
        "--yes", action="store_true", help="with `empty`: confirm sending files to the trash"
    )
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    add_catalog_option(q)
    q.set_defaults(func=run_quarantine)

    r = sub.add_parser(
        "restore",
        help="put quarantined photos back where they were",
        description="Put quarantined photos (with their sidecars) back where they were. An "
        "occupied original path is never overwritten: the photo comes back beside it with a "
        '" (1)" suffix.',
    )
    r.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="original or quarantine path of a photo to restore",
    )
    which = r.add_mutually_exclusive_group()
    which.add_argument("--batch", metavar="ID", help="restore one batch")
    which.add_argument("--all", action="store_true", help="restore everything in quarantine")
    add_catalog_option(r)
    r.set_defaults(func=run_restore)

    u = sub.add_parser("undo", help="restore the latest quarantine batch")
    add_catalog_option(u)
    u.set_defaults(func=run_undo)


def run_quarantine(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError

    if args.folder == "list":
        _refuse_options(args, "list", ("threshold", "to", "dry_run", "batch", "yes"))
        with open_catalog(args) as catalog:
            _recover(catalog)
            return _print_batches(catalog)
    if args.folder == "empty":
        _refuse_options(args, "empty", ("threshold", "to", "dry_run"))
        return _empty(args)
    _refuse_options(args, "FOLDER", ("batch", "yes"))

    from dropletcleaner.core import quarantine as q

    folder = Path(os.path.abspath(args.folder))
    if not folder.is_dir():
        raise UsageError(f"not a folder: {folder}")
    threshold = args.threshold if args.threshold is not None else _model_threshold()
    with open_catalog(args) as catalog:
        _recover(catalog)
        if not catalog.photos(str(folder)):
            print(
                f"No photos of {folder} are in the catalog. Scan it first: "
                f"dropletcleaner scan {folder}",
                file=sys.stderr,
            )
            return 1
        paths = q.flagged_paths(catalog, folder, threshold)
        if not paths:
            print(
                f"Nothing to quarantine: no photo scores >= {threshold:.2f} or is labelled droplet."
            )
            return 0
        bar = None if args.quiet or args.dry_run else ProgressBar()
        try:
            report = q.quarantine(
                catalog,
                paths,
                library_root=folder,
                dest=args.to,
                dry_run=args.dry_run,
                on_progress=None if bar is None else bar.update,
            )
        except q.QuarantineError as exc:
            raise UsageError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
    _print_outcomes(report)
    dest = (
        Path(os.path.abspath(args.to)) if args.to is not None else q.default_quarantine_dir(folder)
    )
    if args.dry_run:
        size = sum(o.size for o in report.outcomes if o.status == "would-move")
        print(
            f"Dry run: {report.would_move} photos ({_size(size)}) would move to {dest}; "
            f"{report.skipped} would be skipped. Nothing was changed."
        )
        return 0
    print(
        f"Batch {report.batch_id or '-'}: {report.moved} photos ({_size(report.bytes_moved)}) "
        f"moved to {dest}; {report.skipped} skipped, {report.failed} failed."
    )
    if report.moved:
        print("Undo with: dropletcleaner undo")
    return 1 if report.failed else 0


def run_restore(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core import quarantine as q

    if args.paths and (args.batch or args.all):
        raise UsageError("give PATHs, --batch ID or --all, not several")
    if not (args.paths or args.batch or args.all):
        raise UsageError("say what to restore: PATH..., --batch ID or --all")
    with open_catalog(args) as catalog:
        _recover(catalog)
        try:
            report = q.restore(catalog, batch_id=args.batch, paths=args.paths, all_batches=args.all)
        except q.QuarantineError as exc:
            raise UsageError(str(exc)) from exc
    return _print_restored(report)


def run_undo(args: argparse.Namespace) -> int:
    from dropletcleaner.core import quarantine as q

    with open_catalog(args) as catalog:
        _recover(catalog)
        report = q.undo(catalog)
    if report is None:
        print("Nothing to undo: no batch has photos in quarantine.")
        return 0
    return _print_restored(report)


# -- helpers ------------------------------------------------------------------------------


def _refuse_options(args: argparse.Namespace, mode: str, names: tuple[str, ...]) -> None:
    from dropletcleaner.cli import UsageError

    given = [n for n in names if getattr(args, n) not in (None, False)]
    if given:
        flags = ", ".join("--" + n.replace("_", "-") for n in given)
        raise UsageError(f"{flags} cannot be used with `quarantine {mode}`")


def _model_threshold() -> float:
    """The active model's threshold, read from its card (the weights are not loaded)."""
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.model import ModelLoadError, default_model_card

    try:
        card = default_model_card()
    except ModelLoadError as exc:
        raise UsageError(f"{exc}; pass --threshold") from exc
    if not card.trained:
        print(
            "WARNING: no trained droplet model is installed; scores mean nothing. Only act on "
            "photos you labelled droplet, or check the dry run (--dry-run) first.",
            file=sys.stderr,
        )
    return card.threshold


def _recover(catalog: Catalog) -> None:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core import quarantine as q

    try:
        outcomes = q.recover(catalog)
    except q.QuarantineError as exc:
        raise UsageError(str(exc)) from exc
    if outcomes:
        print(f"Settled {len(outcomes)} moves an interrupted run left unfinished:")
        _print_outcomes(BatchReport(None, "recover", outcomes))


def _print_outcomes(report: BatchReport) -> None:
    for o in report.outcomes:
        print(_outcome_line(o))


def _outcome_line(o: MoveOutcome) -> str:
    if o.destination is not None:
        line = f"  {o.status:<10} {o.source} -> {o.destination}"
    else:
        line = f"  {o.status:<10} {o.source}"
    if o.sidecars:
        line += " (with " + ", ".join(p.name for p in o.sidecars) + ")"
    if o.reason:
        line += f": {o.reason}"
    return line


def _print_restored(report: BatchReport) -> int:
    _print_outcomes(report)
    print(
        f"Batch {report.batch_id or '-'}: {report.moved} photos ({_size(report.bytes_moved)}) "
        f"restored; {report.skipped} skipped, {report.failed} failed."
    )
    return 1 if report.failed else 0


def _print_batches(catalog: Catalog) -> int:
    from dropletcleaner.core import quarantine as q

    batches = q.list_batches(catalog)
    if not batches:
        print("No batches yet.")
        return 0
    print(f"{'BATCH':<23} {'WHEN':<19} {'KIND':<10} {'PHOTOS':>6} {'IN Q.':>6} {'SIZE':>9}  WHERE")
    for b in batches:
        when = datetime.datetime.fromtimestamp(b.created_at).strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{b.batch_id:<23} {when:<19} {b.kind:<10} {b.count:>6} {b.open_count:>6} "
            f"{_size(b.size_bytes):>9}  {b.destination_root}"
        )
    files = q.quarantined_files(catalog)
    print(f"In quarantine now: {len(files)} photos ({_size(sum(f.size for f in files))}).")
    return 0


def _empty(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core import quarantine as q

    with open_catalog(args) as catalog:
        _recover(catalog)
        files = q.quarantined_files(catalog, args.batch)
        if not files:
            print("The quarantine is empty." if args.batch is None else "That batch is empty.")
            return 0
        if not args.yes:
            raise UsageError(
                f"this sends {len(files)} quarantined photos ({_size(sum(f.size for f in files))}) "
                "and their sidecars to the system trash; add --yes to confirm"
            )
        try:
            report = q.empty_quarantine(catalog, batch_id=args.batch)
        except q.QuarantineError as exc:
            raise UsageError(str(exc)) from exc
    _print_outcomes(report)
    print(
        f"{report.moved} photos ({_size(report.bytes_moved)}) moved to the system trash; "
        f"{report.failed} failed."
    )
    return 1 if report.failed else 0


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover
