"""Sub-command ``tag``: write flagged photos' findings into XMP sidecars, or undo that."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command, plural
from dropletcleaner.cli.loading import model_threshold, open_catalog
from dropletcleaner.cli.options import add_catalog_option, threshold_value
from dropletcleaner.cli.score_check import require_active_scores

ORDER = 25  # after scan and quarantine in --help

_LABELS = ("Red", "Yellow", "Green", "Blue", "Purple")


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "tag",
        help="write the flagged photos' keyword and score into XMP sidecars (undoable)",
        description="For each photo of FOLDER that scores at or above the threshold, or is "
        "labelled droplet (never one labelled clean), merge the keyword 'water on lens' "
        "(dc:subject, lr:hierarchicalSubject 'DropletCleaner|water on lens') and the score "
        "into its XMP sidecars NAME.xmp and NAME.EXT.xmp, where digiKam, darktable and "
        "Lightroom read them. Other content of a sidecar is kept; photos are never written. "
        "Every batch is journalled: `tag --undo` restores the sidecars byte for byte.",
        examples=(
            "dropletcleaner tag ~/Pictures/2024 --dry-run",
            "dropletcleaner tag ~/Pictures/2024 --label Red --reject",
            "dropletcleaner tag --undo",
        ),
    )
    p.add_argument(
        "folder",
        type=Path,
        nargs="?",
        metavar="FOLDER",
        help="scanned folder to tag (no default: required unless --undo)",
    )
    p.add_argument(
        "-t",
        "--threshold",
        type=threshold_value,
        default=None,
        metavar="T",
        help="tag photos scoring at or above T (default: the active model's threshold)",
    )
    p.add_argument(
        "--label",
        choices=_LABELS,
        default=None,
        help="also set this colour label (xmp:Label) (default: none)",
    )
    p.add_argument(
        "--reject",
        action="store_true",
        help="also set the reject rating (xmp:Rating = -1) (default: ratings untouched)",
    )
    p.add_argument(
        "-n",
        "--dry-run",
        action="store_true",
        help="print what would change; write nothing (default: write)",
    )
    p.add_argument(
        "--undo",
        action="store_true",
        help="restore the sidecars of the latest tag batch (default: tag)",
    )
    add_catalog_option(p)
    p.set_defaults(func=run_tag)


def run_tag(args: argparse.Namespace) -> int:
    from dropletcleaner.core.library.tagging import journal_dir_for
    from dropletcleaner.core.paths import default_catalog_path

    catalog_path = Path(args.catalog) if args.catalog is not None else default_catalog_path()
    journal_dir = journal_dir_for(catalog_path)
    if args.undo:
        given = [n for n in ("folder", "threshold", "label") if getattr(args, n) is not None]
        given += [n for n in ("reject", "dry_run") if getattr(args, n)]
        if given:
            names = ", ".join("--" + n.replace("_", "-") if n != "folder" else n for n in given)
            raise UsageError(f"{names} cannot be used with --undo")
        return _undo(journal_dir)
    if args.folder is None:
        raise UsageError("name the FOLDER to tag (or use --undo)")
    folder = Path(args.folder).absolute()
    if not folder.is_dir():
        raise UsageError(f"not a folder: {folder}")
    return _tag(args, folder, journal_dir)


def _tag(args: argparse.Namespace, folder: Path, journal_dir: Path) -> int:
    from dropletcleaner.core.library import tagging

    threshold = args.threshold if args.threshold is not None else model_threshold()
    with open_catalog(args) as catalog:
        if args.threshold is None:  # the active threshold fits only the active model's scores
            require_active_scores(catalog, folder, args.catalog)
        tag_plan = tagging.plan(catalog, folder, threshold, label=args.label, reject=args.reject)
    if not tag_plan.photos:
        print(
            f"Nothing to tag: no photo of {folder} scores {threshold:.2f} or more or is "
            "labelled droplet (scan it first?)."
        )
        return 0
    for path, why in tag_plan.problems:
        print(f"  left alone: {path}: {why}")
    if args.dry_run:
        for change in tag_plan.changes:
            verb = "create" if change.before is None else "merge into"
            print(f"  would {verb} {change.sidecar}")
        print(
            f"Dry run: {plural(tag_plan.photos, 'flagged photo')}, "
            f"{plural(len(tag_plan.changes), 'sidecar')} would change, "
            f"{len(tag_plan.unchanged)} already tagged; nothing was written."
        )
        return 0
    written, problems = tagging.apply(tag_plan, journal_dir)
    for path, why in problems:
        print(f"  left alone: {path}: {why}")
    print(
        f"Tagged {plural(tag_plan.photos, 'photo')}: {plural(len(written), 'sidecar')} "
        f"written, {len(tag_plan.unchanged)} already tagged, "
        f"{len(tag_plan.problems) + len(problems)} left alone. Undo: dropletcleaner tag --undo"
    )
    return 0


def _undo(journal_dir: Path) -> int:
    from dropletcleaner.core.library import tagging

    report = tagging.undo(journal_dir)
    if report.batch is None:
        print("Nothing to undo: no tag batch is left.")
        return 1
    for path, why in report.conflicts:
        print(f"  left alone: {path}: {why}")
    print(
        f"Undid tag batch {report.batch}: {plural(len(report.restored), 'sidecar')} restored, "
        f"{len(report.removed)} removed, {len(report.conflicts)} left alone."
    )
    return 0
