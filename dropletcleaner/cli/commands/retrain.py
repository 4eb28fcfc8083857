"""Sub-commands for teaching the model: ``label`` and ``retrain``."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import (
    add_command,
    changed_flag,
    command_line,
    plural,
    rescored_later,
)
from dropletcleaner.cli.json_output import json_stdout
from dropletcleaner.cli.loading import load_model_announced, open_catalog
from dropletcleaner.cli.options import (
    add_catalog_option,
    add_json_option,
    add_quiet_option,
    positive_int,
)
from dropletcleaner.cli.progressbar import ProgressBar

if TYPE_CHECKING:  # the core retrain module pulls in torch: imported only when used
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.training.retrain.labels import LabelCounts
    from dropletcleaner.core.training.retrain.result import RetrainResult

ORDER = 40  # place in --help

LABEL_CHOICES = ("droplet", "clean", "none")


def register(sub: Any) -> None:
    _add_label(sub)
    _add_retrain(sub)


def _add_label(sub: Any) -> None:
    lab = add_command(
        sub,
        "label",
        help="label catalogued photos as droplet or clean (or clear their label)",
        description="Label photos for retraining. A folder labels every catalogued photo in "
        "it. Photos must have been scanned first. Labels also decide quarantine: a photo "
        "labelled droplet is always quarantined, one labelled clean never is.",
        examples=(
            "dropletcleaner label ~/Pictures/2024/IMG_0042.jpg --as droplet",
            "dropletcleaner label ~/Pictures/2024/sunny --as clean",
            "dropletcleaner label ~/Pictures/2024/IMG_0042.jpg --as none",
        ),
    )
    lab.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="photo or folder")
    lab.add_argument(
        "--as",
        dest="label",
        choices=LABEL_CHOICES,
        required=True,
        help="the label to set; `none` clears it (required, no default)",
    )
    add_catalog_option(lab)
    lab.set_defaults(func=run_label)


def _add_retrain(sub: Any) -> None:
    r = add_command(
        sub,
        "retrain",
        help="retrain the droplet model on your labels; keep it only if it is no worse",
        description="Train a new model on your labelled photos, compare it with the current "
        "one on held-out labels, and switch to it only if it is no worse. Fast retraining "
        "takes seconds and reuses the stored embeddings; --deep fine-tunes on the photos. "
        "Exit code 0: the new model is active; 1: it was not accepted; 2: usage.",
        examples=(
            "dropletcleaner retrain",
            "dropletcleaner retrain --deep --epochs 4",
        ),
    )
    r.add_argument(
        "--deep",
        action="store_true",
        help="fine-tune the backbone on the photos, slower (default: fast retraining)",
    )
    r.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help="training epochs, 1 or more (default: 200 for fast retraining, 3 with --deep)",
    )
    add_json_option(r, "the held-out figures and the decision")
    add_quiet_option(r)
    add_catalog_option(r)
    r.set_defaults(func=run_retrain)


_SHOWN = 10  # same-shot photos named one by one; the rest are counted


# -- label --------------------------------------------------------------------------------------
def run_label(args: argparse.Namespace) -> int:
    from dropletcleaner.core.training.retrain.labels import label_counts

    label = None if args.label == "none" else args.label
    with open_catalog(args) as catalog:
        targets: list[str] = []
        unknown: list[str] = []
        for raw in args.paths:
            path = os.path.abspath(raw)
            if catalog.get(path) is not None:
                targets.append(path)
                continue
            # Not a photo: a folder, labelling every catalogued photo inside it.
            inside = [p.path for p in catalog.photos(path, include_missing=True)]
            if inside:
                targets.extend(inside)
            else:
                unknown.append(path)
        for path in unknown:
            folder = path if os.path.isdir(path) else os.path.dirname(path)
            scan = command_line(["scan", folder], args.catalog)
            print(f"Not in the catalog: {path}. Scan its folder first: {scan}", file=sys.stderr)
        if not targets:
            raise UsageError("none of the given paths is a catalogued photo")
        changed = catalog.set_label(list(dict.fromkeys(targets)), label)
        counts = label_counts(catalog)
        offered = _same_shot(catalog, targets) if label == "clean" else []
    if label is None:
        print(f"Cleared the label of {plural(changed, 'photo')}")
    else:
        print(f"Labelled {plural(changed, 'photo')} as {label}")
    _print_same_shot(offered, args.catalog)
    _print_counts(counts)
    if counts.enough:
        print(f"Retrain with: {command_line(['retrain'], args.catalog)}")
    return 1 if unknown else 0


def _same_shot(catalog: Catalog, marked: list[str]) -> list[str]:
    """Flagged, unlabelled photos of the same shot as the false alarms just labelled clean."""
    from dropletcleaner.core.library.same_shot import ShotHashes, offer_pool, same_shot
    from dropletcleaner.core.library.thumbnails import ThumbnailCache
    from dropletcleaner.core.ml.card import ModelLoadError
    from dropletcleaner.core.ml.store import default_model_card

    try:
        card = default_model_card()
    except ModelLoadError:
        return []  # no threshold to say what is flagged: nothing to offer
    records = [r for p in dict.fromkeys(marked) if (r := catalog.get(p)) is not None]
    anchors, candidates = offer_pool(records, catalog.photos(), card.threshold, card.version)
    if not anchors:
        return []
    return [s.path for s in same_shot(anchors, candidates, ShotHashes(ThumbnailCache()))]


def _print_same_shot(paths: list[str], catalog: Path | None) -> None:
    """Name them and the command that labels them: the user looks first, nothing is implied."""
    if not paths:
        return
    n = len(paths)
    print(
        f"{plural(n, 'more flagged photo')} {'looks' if n == 1 else 'look'} like the same shot "
        "(a copy, a burst frame, a blurred take); look at them, and if they are dry too:"
    )
    for path in paths[:_SHOWN]:
        print(f"  {path}")
    if n > _SHOWN:
        print(f"  … and {n - _SHOWN} more")
    print(f"  {command_line(['label', *paths[:_SHOWN], '--as', 'clean'], catalog)}")


def _print_counts(counts: LabelCounts) -> None:
    print(f"Labels: {counts.droplet} droplet, {counts.clean} clean")
    if counts.unusable:
        verb = "is" if counts.unusable == 1 else "are"
        print(
            f"  {plural(counts.unusable, 'labelled photo')} could not be read when scanned "
            f"and {verb} not used"
        )
    print(f"  {counts.shortfall}" if counts.shortfall else "  Enough labels to retrain.")


# -- retrain ------------------------------------------------------------------------------------
def run_retrain(args: argparse.Namespace) -> int:
    """Exit code 1 when the new model was not accepted: nothing changed."""
    with json_stdout(args.json) as emit:
        return _retrain(args, emit)


def _retrain(args: argparse.Namespace, emit: Callable[[object], None]) -> int:
    from dropletcleaner.core.jobs import run_job
    from dropletcleaner.core.training.retrain.deep import deep_retrain
    from dropletcleaner.core.training.retrain.fast import fast_retrain
    from dropletcleaner.core.training.retrain.labels import RetrainError, label_counts
    from dropletcleaner.core.training.retrain.result import accept_result

    with open_catalog(args) as catalog:
        counts = label_counts(catalog)
        _print_counts(counts)
        if not counts.enough:
            raise UsageError(counts.shortfall)
        base = load_model_announced()
        trainer = deep_retrain if args.deep else fast_retrain
        bar = ProgressBar(io.StringIO() if args.quiet else None)  # -q: a bar nobody sees
        try:
            result = run_job(trainer(catalog, base, epochs=args.epochs), bar.update)
        except RetrainError as exc:
            raise UsageError(str(exc)) from exc
        finally:
            bar.close()
        print(f"{'Deep' if args.deep else 'Fast'} retrain in {result.seconds:.1f} s")
        print(f"Held-out figures on {result.comparison}:")
        print(format_comparison(result))
        for note in result.notes:
            print(f"Note: {note}")
        if not result.accepted:
            print(f"Not accepted: {result.decision.reason}.")
            print(f"The current model {base.version} stays active.")
            if args.json:
                emit(retrain_doc(result, result.changed_flags))
            return 1
        changed = accept_result(catalog, result)
    if args.json:
        emit(retrain_doc(result, changed))
    print(f"Accepted: {result.decision.reason}.")
    print(f"Model {result.version} is now active; {changed_flag(changed)}.")
    if result.needs_rescan:
        print(f"{rescored_later(result.needs_rescan)}.")
    return 0


def retrain_doc(result: RetrainResult, changed: int) -> dict[str, object]:
    """``retrain --json``: the decision and both models' held-out figures."""
    return {
        "kind": result.kind,
        "accepted": result.accepted,
        "reason": result.decision.reason,
        "base_version": result.base_version,
        "version": result.version,
        "active_version": result.version if result.accepted else result.base_version,
        "seconds": round(result.seconds, 3),
        "held_out_on": result.comparison,
        "old": result.old.as_dict(),
        "new": result.new.as_dict(),
        "labels": {"droplet": result.labels.droplet, "clean": result.labels.clean},
        "changed_flags": changed,
        "needs_rescan": result.needs_rescan,
        "notes": list(result.notes),
    }


def format_comparison(result: RetrainResult) -> str:
    """The before/after table printed by ``retrain``."""
    old, new = result.old, result.new
    rows = [
        ("accuracy", old.metrics.accuracy, new.metrics.accuracy),
        ("precision", old.metrics.precision, new.metrics.precision),
        ("recall", old.metrics.recall, new.metrics.recall),
        ("AUROC", old.metrics.auroc, new.metrics.auroc),
    ]
    if old.replay is not None and new.replay is not None:
        # Base examples replayed, or (deep retrain) the user's own photos with water drawn on.
        where = "base" if new.replay_set == "base" else "check"
        rows.append((f"{where} recall", old.replay.recall, new.replay.recall))
        rows.append((f"{where} FPR", old.replay.fpr, new.replay.fpr))
    left = f"current ({result.base_version})"
    right = f"new ({result.version})"
    width = max(len(left), 10)
    lines = [f"  {'':<14}{left:>{width}}  {right}"]
    lines += [f"  {name:<14}{a:>{width}.3f}  {b:.3f}" for name, a, b in rows]
    return "\n".join(lines)
