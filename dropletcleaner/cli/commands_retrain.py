"""Sub-commands for teaching the model: ``label``, ``retrain`` and ``model list|use|reset``."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dropletcleaner.cli.argtypes import positive_int
from dropletcleaner.cli.common import (
    add_catalog_option,
    add_json_option,
    add_quiet_option,
    emit_json,
    json_stdout,
    load_model_announced,
    open_catalog,
)
from dropletcleaner.cli.helptext import add_command, command_line, plural
from dropletcleaner.cli.progressbar import ProgressBar

if TYPE_CHECKING:  # the core retrain module pulls in torch: imported only when used
    from dropletcleaner.core.training.retrain import LabelCounts, RetrainResult

ORDER = 40  # place in --help

LABEL_CHOICES = ("droplet", "clean", "none")


def register(sub: Any) -> None:
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

    m = add_command(
        sub,
        "model",
        help="list the droplet models, switch between them, or reset",
        description="List the shipped droplet model and your retrained versions, switch to "
        "one of them, or go back to the shipped one. Switching re-scores the catalog from "
        "stored embeddings.",
        examples=(
            "dropletcleaner model list",
            "dropletcleaner model use VERSION",
            "dropletcleaner model reset",
        ),
    )
    msub = m.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    ls = add_command(
        msub,
        "list",
        help="list the shipped model and your retrained versions",
        description="List the droplet models; * marks the active one.",
    )
    add_json_option(ls, "the models")
    add_catalog_option(ls)
    ls.set_defaults(func=run_model_list)
    use = add_command(
        msub,
        "use",
        help="switch to VERSION and re-score the catalog",
        description="Make VERSION the active droplet model and re-score the catalog.",
    )
    use.add_argument("version", metavar="VERSION", help="a version that `model list` shows")
    add_catalog_option(use)
    use.set_defaults(func=run_model_use)
    reset = add_command(
        msub,
        "reset",
        help="go back to the shipped model and re-score the catalog",
        description="Make the shipped droplet model active again and re-score the catalog. "
        "Your retrained versions are kept.",
    )
    add_catalog_option(reset)
    reset.set_defaults(func=run_model_reset)


# -- label --------------------------------------------------------------------------------------
def run_label(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.training.retrain import label_counts

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
    if label is None:
        print(f"Cleared the label of {plural(changed, 'photo')}")
    else:
        print(f"Labelled {plural(changed, 'photo')} as {label}")
    _print_counts(counts)
    if counts.enough:
        print(f"Retrain with: {command_line(['retrain'], args.catalog)}")
    return 1 if unknown else 0


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
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.jobs import run_job
    from dropletcleaner.core.training.retrain import (
        RetrainError,
        accept_result,
        deep_retrain,
        fast_retrain,
        label_counts,
    )

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
    print(f"Model {result.version} is now active; {_changed(changed)}.")
    if result.needs_rescan:
        print(f"{_later(result.needs_rescan)}.")
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
        rows.append(("base recall", old.replay.recall, new.replay.recall))
        rows.append(("base FPR", old.replay.fpr, new.replay.fpr))
    left = f"current ({result.base_version})"
    right = f"new ({result.version})"
    width = max(len(left), 10)
    lines = [f"  {'':<14}{left:>{width}}  {right}"]
    lines += [f"  {name:<14}{a:>{width}.3f}  {b:.3f}" for name, a, b in rows]
    return "\n".join(lines)


# -- model list | use | reset -------------------------------------------------------------------
def run_model_list(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.store import list_models

    scored: dict[str, int] = {}
    with open_catalog(args) as catalog:
        for version, n in catalog.connection.execute(
            "SELECT model_version, COUNT(*) FROM photos WHERE model_version IS NOT NULL GROUP BY 1"
        ):
            scored[version] = int(n)
    models = list_models()
    if args.json:
        emit_json(
            [
                {
                    "version": info.version,
                    "active": info.active,
                    "kind": info.kind,
                    "parent": info.parent,
                    "created": info.created or None,
                    "path": None if info.path is None else str(info.path),
                    "scored_photos": scored.get(info.version, 0),
                    "summary": info.summary or None,
                    "broken": info.problem,  # why it cannot be used; null when it can
                }
                for info in models
            ]
        )
        return 0
    for info in models:
        mark = "*" if info.active else " "
        extra = [info.kind]
        if info.parent:
            extra.append(f"from {info.parent}")
        if info.created:
            extra.append(info.created)
        if scored.get(info.version):
            extra.append(f"scored {plural(scored[info.version], 'photo')} in the catalog")
        if info.problem is not None:
            extra.insert(0, "BROKEN")
        print(f"{mark} {info.version}  ({', '.join(extra)})")
        if info.problem is not None:
            print(f"    broken: {info.problem}: {info.path}")
        if info.summary:
            print(f"    {info.summary}")
    return 0


def run_model_use(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.ml.store import BadVersionName, BrokenModel, use_model

    try:
        use_model(args.version)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from exc
    except (BrokenModel, BadVersionName) as exc:
        raise UsageError(str(exc)) from exc
    return _rescore(args)


def run_model_reset(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.store import reset_model

    reset_model()
    return _rescore(args)


def _rescore(args: argparse.Namespace) -> int:
    from dropletcleaner.core.training.retrain import apply_rescore, plan_rescore

    loaded = load_model_announced()
    with open_catalog(args) as catalog:
        plan = plan_rescore(catalog, loaded)
        apply_rescore(catalog, plan)
    print(f"Model {loaded.version} is now active.")
    print(
        f"Re-scored {plural(len(plan.ids), 'photo')} from stored embeddings; "
        f"{_changed(plan.changed)}."
    )
    if plan.skipped:
        print(f"{_later(plan.skipped)}.")
    return 0


def _changed(n: int) -> str:
    """``"no photo changed flag"``, ``"1 photo changed flag"``, ``"3 photos changed flag"``."""
    return f"{plural(n, 'photo') if n else 'no photo'} changed flag"


def _later(n: int) -> str:
    whose = "its" if n == 1 else "their"
    return f"{plural(n, 'photo')} will be re-scored when {whose} folder is next scanned"
