"""Sub-commands that move photos aside safely: ``quarantine`` (and ``quarantine list`` /
``quarantine empty``), ``restore`` and ``undo``.

Every command first settles whatever an interrupted run left in the journal.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command, command_line, plural
from dropletcleaner.cli.json_output import json_stdout
from dropletcleaner.cli.loading import model_threshold, open_catalog
from dropletcleaner.cli.options import (
    add_catalog_option,
    add_json_option,
    add_quiet_option,
    add_selection_options,
    threshold_value,
)
from dropletcleaner.cli.progressbar import ProgressBar
from dropletcleaner.cli.quarantine_views import (
    list_batches_json,
    outcome_doc,
    print_batches,
    print_outcomes,
    size_text,
)
from dropletcleaner.cli.score_check import require_active_scores

if TYPE_CHECKING:  # imported when used, so that `--help` stays fast
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.quarantine.outcomes import BatchReport

ORDER = 20  # place in --help

NOT_IN_QUARANTINE = "not in quarantine"  # the reason core.quarantine.api.restore gives


def register(sub: Any) -> None:
    _add_quarantine(sub)
    _add_restore(sub)
    _add_undo(sub)


def _add_quarantine(sub: Any) -> None:
    q = add_command(
        sub,
        "quarantine",
        help="move flagged photos and their sidecars into quarantine (also: list, empty)",
        description="Move the photos of FOLDER that score at or above the threshold, or that "
        "you labelled droplet, into a quarantine folder, with their sidecars (.xmp, .aae, "
        "RAW beside a JPEG, live-photo .mov). Each run is one batch that `undo` or `restore` "
        "puts back. `quarantine list` shows the batches; `quarantine empty --yes` sends "
        "quarantined files to the system trash. Scan the folder first.",
        examples=(
            "dropletcleaner quarantine ~/Pictures/2024 --dry-run",
            "dropletcleaner quarantine ~/Pictures/2024 --threshold 0.9",
            "dropletcleaner quarantine list",
            "dropletcleaner quarantine empty --batch ID --yes",
        ),
    )
    q.add_argument(
        "folder",
        metavar="FOLDER|list|empty",
        help="library folder to quarantine from, or `list`, or `empty` "
        "(write ./list for a folder named list)",
    )
    q.add_argument(
        "-t",
        "--threshold",
        type=threshold_value,
        default=None,
        metavar="T",
        help="quarantine photos scoring at or above T, between 0 and 1 "
        "(default: the active model's threshold)",
    )
    q.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        default=None,
        help="quarantine folder outside the library (default: FOLDER/.dropletcleaner-quarantine)",
    )
    q.add_argument(
        "-n",
        "--dry-run",
        action="store_true",
        help="print what would move and change nothing (default: move the photos)",
    )
    q.add_argument(
        "--batch", metavar="ID", help="with `empty`: only this batch (default: every batch)"
    )
    q.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="with `empty`: confirm sending files to the trash (default: ask for --yes)",
    )
    add_quiet_option(q)
    add_selection_options(q)
    add_json_option(q, "the outcome (or, with `list`, the batches)")
    add_catalog_option(q)
    q.set_defaults(func=run_quarantine)


def _add_restore(sub: Any) -> None:
    r = add_command(
        sub,
        "restore",
        help="put quarantined photos back where they were",
        description="Put quarantined photos (with their sidecars) back where they were. An "
        "occupied original path is never overwritten: the photo comes back beside it, with "
        '"(1)" added to its name. Name the photos, one batch, or everything.',
        examples=(
            "dropletcleaner restore ~/Pictures/2024/IMG_0042.jpg",
            "dropletcleaner restore --batch ID",
            "dropletcleaner restore --all",
        ),
    )
    r.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="original or quarantine path of a photo to restore (default: none; "
        "give PATHs, --batch or --all)",
    )
    which = r.add_mutually_exclusive_group()
    which.add_argument(
        "--batch",
        metavar="ID",
        help="restore one batch, by the ID `quarantine list` shows (default: none)",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="restore everything in quarantine (default: only what is named)",
    )
    add_catalog_option(r)
    r.set_defaults(func=run_restore)


def _add_undo(sub: Any) -> None:
    u = add_command(
        sub,
        "undo",
        help="restore the latest quarantine batch",
        description="Put back every photo of the latest batch that still has photos in "
        "quarantine, as `restore --batch ID` would. Run it again to undo the batch before.",
        examples=("dropletcleaner undo",),
    )
    add_catalog_option(u)
    u.set_defaults(func=run_undo)


def run_quarantine(args: argparse.Namespace) -> int:

    if args.folder == "list":
        _refuse_options(args, "list", ("threshold", "to", "dry_run", "batch", "yes", *_SELECT))
        with json_stdout(args.json) as emit, open_catalog(args) as catalog:
            _recover(catalog)
            return list_batches_json(catalog, emit) if args.json else print_batches(catalog)
    if args.folder == "empty":
        _refuse_options(args, "empty", ("threshold", "to", "dry_run", "json", *_SELECT))
        return _empty(args)
    _refuse_options(args, "FOLDER", ("batch", "yes"))
    with json_stdout(args.json) as emit:
        return _quarantine_folder(args, emit)


def _quarantine_folder(args: argparse.Namespace, emit: Callable[[object], None]) -> int:
    from dropletcleaner.core.photos.selection import Selection
    from dropletcleaner.core.quarantine import api as q
    from dropletcleaner.core.quarantine.names import default_quarantine_dir
    from dropletcleaner.core.quarantine.outcomes import QuarantineError

    folder = Path(os.path.abspath(args.folder))
    if not folder.is_dir():
        raise UsageError(f"not a folder: {folder}")
    threshold = args.threshold if args.threshold is not None else model_threshold()
    with open_catalog(args) as catalog:
        _recover(catalog)
        if args.threshold is None:  # the active threshold fits only the active model's scores
            require_active_scores(catalog, folder, args.catalog)
        if not catalog.photos(str(folder)):
            print(
                f"No photos of {folder} are in the catalog. Scan it first: "
                f"{command_line(['scan', folder], args.catalog)}",
                file=sys.stderr,
            )
            return 1
        paths = q.flagged_paths(catalog, folder, threshold)
        selection = Selection.of(folder, args.exclude, recursive=args.recursive)
        if not selection.everything:
            paths = [p for p in paths if selection.covers(str(p))]
        if not paths:
            if args.json:
                emit(outcome_doc(folder, None, threshold, args.dry_run, None))
            print(
                f"Nothing to quarantine: no photo of {folder} scores {threshold:.2f} or more "
                "or is labelled droplet."
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
        except QuarantineError as exc:
            raise UsageError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
    dest = Path(os.path.abspath(args.to)) if args.to is not None else default_quarantine_dir(folder)
    if args.json:
        emit(outcome_doc(folder, dest, threshold, args.dry_run, report))
        return 1 if report.failed else 0
    return _print_quarantined(args, folder, dest, report)


def _print_quarantined(
    args: argparse.Namespace, folder: Path, dest: Path, report: BatchReport
) -> int:
    """What ``quarantine FOLDER`` moved (or, with ``--dry-run``, would) and what to type next."""
    print_outcomes(report.outcomes)
    if args.dry_run:
        size = sum(o.size for o in report.outcomes if o.status == "would-move")
        print(
            f"Dry run: {plural(report.would_move, 'photo')} ({size_text(size)}) would move to "
            f"{dest}; {report.skipped} would be skipped. Nothing was changed."
        )
        if report.would_move:
            again: list[str | Path] = [folder, *_given(args, "threshold"), *_given(args, "to")]
            again += [w for g in args.exclude for w in ("--exclude", g)]
            again += [] if args.recursive else ["--no-recursive"]
            print(f"Move them with: {command_line(['quarantine', *again], args.catalog)}")
        return 0
    if not report.moved and not report.failed:
        print(f"Nothing was moved: {_skipped(report.skipped)}, as listed above.")
        return 0
    print(f"Batch {report.batch_id or '-'}: {_tally(report, 'moved', f' to {dest}')}.")
    if report.moved:
        print(f"Undo with: {command_line(['undo'], args.catalog)}")
    return 1 if report.failed else 0


def run_restore(args: argparse.Namespace) -> int:
    from dropletcleaner.core.quarantine import api as q
    from dropletcleaner.core.quarantine.outcomes import QuarantineError

    if args.paths and (args.batch or args.all):
        raise UsageError("give PATHs, --batch ID or --all, not several")
    if not (args.paths or args.batch or args.all):
        raise UsageError("say what to restore: PATH..., --batch ID or --all")
    with open_catalog(args) as catalog:
        _recover(catalog)
        try:
            report = q.restore(catalog, batch_id=args.batch, paths=args.paths, all_batches=args.all)
        except QuarantineError as exc:
            raise UsageError(str(exc)) from exc
    return _print_restored(report, named=bool(args.paths), batch=args.batch)


def run_undo(args: argparse.Namespace) -> int:
    from dropletcleaner.core.quarantine import api as q

    with open_catalog(args) as catalog:
        _recover(catalog)
        report = q.undo(catalog)
    if report is None:
        print("Nothing to undo: no batch has photos in quarantine.")
        return 0
    return _print_restored(report, named=False)


# -- helpers ------------------------------------------------------------------------------

_SELECT = ("exclude", "recursive_off")  # refused where no folder is walked


def _given(args: argparse.Namespace, name: str) -> list[str]:
    """``["--name", value]`` when the option was given, to repeat it in a hint."""
    value = getattr(args, name)
    if value is None:
        return []
    return [f"--{name}", f"{value:g}" if isinstance(value, float) else str(value)]


def _refuse_options(args: argparse.Namespace, mode: str, names: tuple[str, ...]) -> None:
    given = [n for n in names if _given_option(args, n)]
    if given:
        flags = ", ".join(
            "--" + n.replace("_", "-").replace("recursive-off", "no-recursive") for n in given
        )
        raise UsageError(f"{flags} cannot be used with `quarantine {mode}`")


def _given_option(args: argparse.Namespace, name: str) -> bool:
    if name == "recursive_off":
        return not args.recursive
    return getattr(args, name) not in (None, False, [])


def _recover(catalog: Catalog) -> None:
    from dropletcleaner.core.quarantine import api as q
    from dropletcleaner.core.quarantine.outcomes import QuarantineError

    try:
        outcomes = q.recover(catalog)
    except QuarantineError as exc:
        raise UsageError(str(exc)) from exc
    if outcomes:
        print(f"Settled {plural(len(outcomes), 'move')} an interrupted run left unfinished:")
        print_outcomes(outcomes)


def _print_restored(report: BatchReport, *, named: bool, batch: str | None = None) -> int:
    """The outcome of ``restore`` or ``undo``; exit code 1 when a named photo was not restored."""
    absent = [o.source for o in report.outcomes if o.reason == NOT_IN_QUARANTINE]
    shown = [o for o in report.outcomes if o.reason != NOT_IN_QUARANTINE]
    print_outcomes(shown)
    for path in absent:
        print(f"{path} is not in quarantine, so it was not restored.", file=sys.stderr)
    if not report.outcomes:
        where = f"batch {batch} has" if batch is not None else "there are"
        print(f"Nothing to restore: {where} no photos in quarantine.")
    elif report.moved or report.failed:
        print(f"Batch {report.batch_id or '-'}: {_tally(report, 'restored')}.")
    elif shown:
        print(f"Nothing was restored: {_skipped(len(shown))}, as listed above.")
    return 1 if report.failed or (named and report.skipped) else 0


def _tally(report: BatchReport, verb: str, where: str = "") -> str:
    """``"2 photos (3.1 MB) restored; 1 skipped, 1 failed"``: the zero counts left out."""
    text = f"{plural(report.moved, 'photo')} ({size_text(report.bytes_moved)}) {verb}{where}"
    others = [
        f"{n} {word}" for n, word in ((report.skipped, "skipped"), (report.failed, "failed")) if n
    ]
    return text + ("; " + ", ".join(others) if others else "")


def _skipped(n: int) -> str:
    return f"{plural(n, 'photo')} skipped"


def _empty(args: argparse.Namespace) -> int:
    from dropletcleaner.core.quarantine import api as q
    from dropletcleaner.core.quarantine.outcomes import QuarantineError

    with open_catalog(args) as catalog:
        _recover(catalog)
        files = q.quarantined_files(catalog, args.batch)
        if not files:
            empty = f"Batch {args.batch} has no photos in quarantine."
            whole = "The quarantine is empty: there is nothing to send to the trash."
            print(whole if args.batch is None else empty)
            return 0
        if not args.yes:
            raise UsageError(
                f"this sends {plural(len(files), 'quarantined photo')} "
                f"({size_text(sum(f.size for f in files))}) and their sidecars to the system "
                "trash; add --yes to confirm"
            )
        try:
            report = q.empty_quarantine(catalog, batch_id=args.batch)
        except QuarantineError as exc:
            raise UsageError(str(exc)) from exc
    print_outcomes(report.outcomes)
    print(
        f"{plural(report.moved, 'photo')} ({size_text(report.bytes_moved)}) moved to the system "
        f"trash; {report.failed} failed."
    )
    return 1 if report.failed else 0
