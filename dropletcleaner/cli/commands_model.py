"""Droplet-model sub-commands: ``train-base``, ``calibrate``, ``evaluate``, ``hard-negatives``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dropletcleaner.cli.common import load_model_announced, threshold_value
from dropletcleaner.cli.progressbar import ProgressBar

if TYPE_CHECKING:
    from dropletcleaner.core.progress import Progress

_T = TypeVar("_T")

DEFAULT_DATA = Path("../shared/data/clean")
DEFAULT_OUT = Path("resources/models/droplet-v3.safetensors")


ORDER = 30  # place in --help


def register(sub: Any) -> None:
    t = sub.add_parser(
        "train-base",
        help="train the base droplet model from clean photos (synthetic droplets + hard negatives)",
    )
    t.add_argument(
        "--data",
        type=Path,
        action="append",
        metavar="CLEAN_DIR",
        help="folder of droplet-free photos (repeatable; default ../shared/data/clean)",
    )
    t.add_argument("--out", type=Path, default=DEFAULT_OUT)
    t.add_argument("--version", default=DEFAULT_OUT.stem, help="version name in the card")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--variants", type=int, default=None, help="samples rendered per photo")
    t.add_argument("--epochs", type=int, default=None, help="fine-tuning epochs")
    t.add_argument("--head-epochs", type=int, default=None)
    t.add_argument(
        "--fgsm", type=float, default=0.0, metavar="EPS", help="FGSM adversarial training"
    )
    t.add_argument("--workers", type=int, default=None, help="rendering processes")
    t.add_argument(
        "--sample-seed", type=int, default=0, help="render other samples with the same split"
    )
    t.add_argument(
        "--init", type=Path, metavar="FILE.safetensors", help="continue training this model"
    )
    t.add_argument("--lr", type=float, default=None, help="fine-tuning learning rate")
    t.add_argument(
        "--full-frame",
        action="store_true",
        help="train on whole frames at the scoring size (a fine-tuning round after --init)",
    )
    t.set_defaults(func=run_train)

    c = sub.add_parser(
        "calibrate",
        help="re-fit a model's temperature, threshold and replay set on whole-frame renders",
    )
    c.add_argument("weights", type=Path, metavar="FILE.safetensors")
    c.add_argument("--out", type=Path, required=True, metavar="FILE.safetensors")
    c.add_argument("--version", required=True, help="version name for the calibrated model")
    c.add_argument("--data", type=Path, action="append", metavar="CLEAN_DIR")
    c.add_argument("--workers", type=int, default=None, help="rendering processes")
    c.add_argument(
        "--target-fpr",
        type=float,
        default=None,
        metavar="RATE",
        help="validation false-positive rate the threshold aims for (default: as trained)",
    )
    c.set_defaults(func=run_calibrate)

    e = sub.add_parser(
        "evaluate",
        help="measure the model on a folder with droplet/ and clean/ sub-folders",
    )
    e.add_argument("folder", type=Path)
    e.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    e.add_argument("--threshold", type=threshold_value, default=None)
    e.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    e.add_argument("--worst", type=int, default=5, help="how many worst mistakes to list")
    e.add_argument(
        "--weights",
        type=Path,
        metavar="FILE.safetensors",
        help="evaluate this model file instead of the active model",
    )
    e.set_defaults(func=run_evaluate)

    h = sub.add_parser(
        "hard-negatives",
        help="write blurred/dark/foggy/compressed copies of clean photos (a hard-negative set)",
    )
    h.add_argument("dest", type=Path)
    h.add_argument("--data", type=Path, action="append", metavar="CLEAN_DIR")
    h.add_argument(
        "--held-out",
        action="store_true",
        help="only photos a base training run with --seed never saw (its test split)",
    )
    h.add_argument("--seed", type=int, default=0)
    h.add_argument("--variants", type=int, default=1)
    h.set_defaults(func=run_hard_negatives)


def run_train(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.train import TrainConfig, train_base

    data = args.data or [DEFAULT_DATA]
    for d in data:
        if not d.is_dir():
            raise UsageError(f"clean photo folder does not exist: {d}")
    cfg = TrainConfig(data=[str(d.resolve()) for d in data], seed=args.seed, fgsm_epsilon=args.fgsm)
    if args.variants is not None:
        cfg.variants_per_image = args.variants
    if args.epochs is not None:
        cfg.finetune_epochs = args.epochs
    if args.head_epochs is not None:
        cfg.head_epochs = args.head_epochs
    if args.workers is not None:
        cfg.workers = args.workers
    cfg.sample_seed = args.sample_seed
    if args.init is not None:
        if not args.init.is_file():
            raise UsageError(f"model file does not exist: {args.init}")
        cfg.init_weights = str(args.init.resolve())
    if args.lr is not None:
        cfg.lr_finetune = args.lr
    cfg.full_frame = args.full_frame
    result = _drive(train_base(cfg, args.out, version=args.version))
    card = result.card
    assert card is not None
    print(f"Model written to {result.weights} in {result.seconds / 60:.1f} min")
    print(f"  threshold {card.threshold:.3f}, temperature {card.temperature:.3f}")
    print(json.dumps(card.metrics, indent=1))
    return 0


def _drive(gen: Generator[Progress, None, _T]) -> _T:
    """Run a long core job, drawing its progress and printing its figures; returns its result."""
    from dropletcleaner.core.progress import run_job

    bar = ProgressBar()
    phase = [""]

    def show(p: Progress) -> None:
        if p.phase != phase[0]:
            bar.close()
            phase[0] = p.phase
        bar.update(p, force=bool(p.extra))
        if p.extra and p.phase != "done":
            figures = ", ".join(f"{k}={v:.4f}" for k, v in p.extra.items())
            print(f"  {p.phase} {p.done}/{p.total}: {figures}")

    try:
        return run_job(gen, show)
    finally:
        bar.close()


def run_calibrate(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.model import ModelLoadError
    from dropletcleaner.core.train import recalibrate

    if not args.weights.is_file():
        raise UsageError(f"model file does not exist: {args.weights}")
    if args.target_fpr is not None and not 0.0 < args.target_fpr < 0.5:
        raise UsageError(f"--target-fpr must be between 0 and 0.5, got {args.target_fpr}")
    data = [str(d.resolve()) for d in args.data] if args.data else None
    for d in args.data or []:
        if not d.is_dir():
            raise UsageError(f"clean photo folder does not exist: {d}")
    try:
        card = _drive(
            recalibrate(
                args.weights,
                args.out,
                args.version,
                data=data,
                workers=args.workers,
                target_fpr=args.target_fpr,
            )
        )
    except (ModelLoadError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    print(f"Calibrated model written to {args.out} (version {card.version})")
    print(f"  threshold {card.threshold:.3f}, temperature {card.temperature:.3f}")
    for key in ("validation", "validation_plain", "validation_vs_hard_negatives"):
        m = card.metrics[key]
        print(f"  {key}: AUROC {m['auroc']:.3f}, recall {m['recall']:.3f}, FPR {m['fpr']:.3f}")
    by_kind = card.metrics.get("validation_recall_by_kind", {})
    if by_kind:
        print("  recall by kind of water: " + ", ".join(f"{k} {v:.2f}" for k, v in by_kind.items()))
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.atomic import atomic_write_text
    from dropletcleaner.core.evaluate import EvaluationError, evaluate_folder
    from dropletcleaner.core.inference import DeviceError, Scorer

    if not args.folder.is_dir():
        raise UsageError(f"folder does not exist: {args.folder}")
    loaded = load_model_announced(args.weights)
    try:
        scorer = Scorer(loaded, device=args.device)
    except DeviceError as exc:
        raise UsageError(str(exc)) from exc
    try:
        report = _drive(evaluate_folder(args.folder, scorer, args.threshold, worst=args.worst))
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
    print(f"  FPR        {m.fpr:.3f}")
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
    if args.json is not None:
        atomic_write_text(args.json, json.dumps(report.as_dict(), indent=1) + "\n")
        print(f"Results written to {args.json}")
    return 0


def run_hard_negatives(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
    from dropletcleaner.core.evaluate import held_out_photos, make_hard_negative_set
    from dropletcleaner.core.train import TrainConfig, collect_images

    data = args.data or [DEFAULT_DATA]
    for d in data:
        if not d.is_dir():
            raise UsageError(f"clean photo folder does not exist: {d}")
    if args.held_out:
        cfg = TrainConfig()
        sources = held_out_photos(
            [d.resolve() for d in data], args.seed, cfg.val_fraction, cfg.test_fraction
        )
    else:
        sources = collect_images(data)
    written = make_hard_negative_set(sources, args.dest, seed=args.seed, variants=args.variants)
    print(f"Wrote {len(written)} hard negatives from {len(sources)} photos to {args.dest}")
    return 0
