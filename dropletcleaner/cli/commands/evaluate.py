"""Sub-commands that measure the droplet model: ``evaluate`` and ``hard-negatives``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command, plural
from dropletcleaner.cli.json_output import emit_json
from dropletcleaner.cli.loading import load_model_announced
from dropletcleaner.cli.options import (
    add_data_option,
    float_between,
    non_negative_int,
    positive_int,
    threshold_value,
)
from dropletcleaner.cli.progressbar import drive

ORDER = 30  # place in --help
STDOUT = "-"  # `--json` without a FILE


def register(sub: Any) -> None:
    _add_evaluate(sub)
    _add_hard_negatives(sub)


def _add_evaluate(sub: Any) -> None:
    e = add_command(
        sub,
        "evaluate",
        help="measure the model on a folder with droplet/ and clean/ sub-folders",
        description="Score every photo of FOLDER/droplet and FOLDER/clean (and of every --clean "
        "folder) and print accuracy, precision, recall, F1, AUROC, the confusion matrix, the "
        "recall at 1 %% and 0.5 %% false-positive rates, the precision in a library where "
        "--prevalence of the photos are wet, and the worst mistakes.",
        examples=(
            "dropletcleaner evaluate ~/testset",
            "dropletcleaner evaluate ~/testset --clean ~/more-clean --clean ~/indoor",
            "dropletcleaner evaluate ~/testset --threshold 0.8 --worst 10 --json results.json",
            "dropletcleaner evaluate ~/testset --json | jq .metrics.recall",
        ),
    )
    e.add_argument(
        "folder",
        type=Path,
        metavar="FOLDER",
        help="folder with droplet/ and clean/ sub-folders of photos",
    )
    e.add_argument(
        "--clean",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="another folder of clean photos to count as negatives (repeatable; default: none)",
    )
    e.add_argument(
        "--prevalence",
        type=float_between(0.0001, 0.5),
        default=0.01,
        metavar="P",
        help="share of wet photos in a real library, for the precision figure (default: 0.01)",
    )
    e.add_argument(
        "--json",
        nargs="?",
        const=STDOUT,
        default=None,
        metavar="FILE",
        help="also write the results as JSON to FILE; --json alone (after FOLDER) prints "
        "them on stdout and the text on stderr (default: text only)",
    )
    _add_scoring_options(e)
    e.set_defaults(func=run_evaluate)


def _add_scoring_options(e: argparse.ArgumentParser) -> None:
    """evaluate's threshold, device, mistakes listed and model file."""
    e.add_argument(
        "-t",
        "--threshold",
        type=threshold_value,
        default=None,
        metavar="T",
        help="count photos scoring at or above T as droplet, between 0 and 1 "
        "(default: the model's threshold)",
    )
    e.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where to run the model (default: auto, CUDA if present, else CPU)",
    )
    e.add_argument(
        "--worst",
        type=non_negative_int,
        default=5,
        metavar="N",
        help="how many worst mistakes of each kind to list, 0 or more (default: 5)",
    )
    e.add_argument(
        "--weights",
        type=Path,
        metavar="FILE.safetensors",
        help="evaluate this model file instead (default: the active model)",
    )


def _add_hard_negatives(sub: Any) -> None:
    h = add_command(
        sub,
        "hard-negatives",
        help="write blurred/dark/foggy/compressed copies of clean photos (a hard-negative set)",
        description="Write degraded copies of clean photos into DEST: blurred, dark, foggy, "
        "compressed, upscaled. None has a droplet, so a good model flags none of them; use "
        "DEST as the clean/ folder of an `evaluate` set.",
        examples=(
            "dropletcleaner hard-negatives ~/testset/clean --data ~/Pictures/clean",
            "dropletcleaner hard-negatives hn --data ~/Pictures/clean --held-out --seed 0",
        ),
    )
    h.add_argument("dest", type=Path, metavar="DEST", help="folder to write the copies into")
    add_data_option(h)
    h.add_argument(
        "--held-out",
        action="store_true",
        help="only the photos the model never trained or calibrated on, as its card lists "
        "them (a card without that list: the test split of a base training run with --seed) "
        "(default: every photo)",
    )
    h.add_argument(
        "--weights",
        type=Path,
        metavar="FILE.safetensors",
        help="with --held-out, the model whose held-out photos to use (default: the active model)",
    )
    h.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="random seed of the degradations (and of a base run's split) (default: 0)",
    )
    h.add_argument(
        "--variants",
        type=positive_int,
        default=1,
        metavar="N",
        help="copies written per photo, 1 or more (default: 1)",
    )
    h.set_defaults(func=run_hard_negatives)


def run_evaluate(args: argparse.Namespace) -> int:
    if args.json != STDOUT:
        return _evaluate(args, sys.stdout)
    # The JSON owns stdout, so that `| jq` reads it alone; the text goes to stderr.
    real = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        return _evaluate(args, real)


def _evaluate(args: argparse.Namespace, json_out: TextIO) -> int:
    from dropletcleaner.core.atomic import atomic_write_text
    from dropletcleaner.core.ml.inference.protocol import DeviceError
    from dropletcleaner.core.ml.inference.scorer import Scorer
    from dropletcleaner.core.training.evaluate import EvaluationError, evaluate_folder

    if not args.folder.is_dir():
        raise UsageError(f"folder does not exist: {args.folder}")
    loaded = load_model_announced(args.weights)
    try:
        scorer = Scorer(loaded, device=args.device)
    except DeviceError as exc:
        raise UsageError(str(exc)) from exc
    try:
        job = evaluate_folder(
            args.folder,
            scorer,
            args.threshold,
            worst=args.worst,
            extra_clean=args.clean,
            prevalence=args.prevalence,
        )
        report = drive(job)
    except EvaluationError as exc:
        raise UsageError(str(exc)) from exc
    m = report.metrics
    print(f"Evaluated {report.folder} with model {report.model_version}")
    print(f"  threshold  {m.threshold:.3f}")
    print(f"  photos     {m.n} ({m.tp + m.fn} droplet, {m.tn + m.fp} clean)")
    print(f"  accuracy   {m.accuracy:.3f}")
    print(f"  precision  {m.precision:.3f}")
    print(f"  recall     {m.recall:.3f}")
    print(f"  F1         {m.f1:.3f}")
    print(f"  AUROC      {m.auroc:.3f}")
    print(f"  FPR        {m.fpr:.4f}")
    for rate, recall in report.recall_at_fpr.items():
        print(f"  recall at {float(rate):.1%} FPR  {recall:.3f}")
    print(
        f"  precision at {report.prevalence:.1%} prevalence  {report.precision_at_prevalence:.3f}"
        "  (in a library where that share of photos is wet)"
    )
    print("  confusion matrix (rows: true, columns: predicted)")
    print("               clean  droplet")
    print(f"    clean    {m.tn:6d}  {m.fp:7d}")
    print(f"    droplet  {m.fn:6d}  {m.tp:7d}")
    print("  worst false positives:" + ("  none" if not report.worst_false_positives else ""))
    for path, score in report.worst_false_positives:
        print(f"    {score:.3f}  {path}")
    print("  worst false negatives:" + ("  none" if not report.worst_false_negatives else ""))
    for path, score in report.worst_false_negatives:
        print(f"    {score:.3f}  {path}")
    for path, reason in report.unreadable.items():
        print(f"  unreadable: {path}: {reason}")
    if args.json == STDOUT:
        emit_json(report.as_dict(), json_out)
    elif args.json is not None:
        atomic_write_text(Path(args.json), json.dumps(report.as_dict(), indent=1) + "\n")
        print(f"Results written to {args.json}")
    return 0


def run_hard_negatives(args: argparse.Namespace) -> int:
    from dropletcleaner.core.training.config import TrainConfig
    from dropletcleaner.core.training.data import collect_images
    from dropletcleaner.core.training.evaluate import (
        held_out_photos,
        make_hard_negative_set,
        model_held_out_photos,
    )

    data = args.data
    for d in data:
        if not d.is_dir():
            raise UsageError(f"clean photo folder does not exist: {d}")
    if args.held_out:
        roots = [d.resolve() for d in data]
        listed = load_model_announced(args.weights).card.data_manifest.get("test", [])
        if listed:
            sources = model_held_out_photos(listed, roots)
        else:
            cfg = TrainConfig()
            sources = held_out_photos(roots, args.seed, cfg.val_fraction, cfg.test_fraction)
            print(
                f"The model's card lists no held-out photos; using the test split of a base "
                f"training run with --seed {args.seed}.",
                file=sys.stderr,
            )
    else:
        sources = collect_images(data)
    folders = ", ".join(str(d) for d in data)
    if not sources:
        which = "held out by the model " if args.held_out else ""
        print(
            f"No photos {which}were found in {folders}; no hard negatives were written.",
            file=sys.stderr,
        )
        return 1
    written = make_hard_negative_set(sources, args.dest, seed=args.seed, variants=args.variants)
    if not written:
        print(
            f"None of the {plural(len(sources), 'photo')} in {folders} could be read; "
            "no hard negatives were written.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Wrote {plural(len(written), 'hard negative')} from {plural(len(sources), 'photo')} "
        f"to {args.dest}"
    )
    return 0
