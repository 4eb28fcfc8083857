"""Sub-commands that build a droplet model: ``train-map``, ``train-base`` and ``calibrate``.

Each needs the user's own clean photos, named with ``--data``: no folder is assumed.
``train-base`` and ``calibrate`` need a GPU for a reasonable run time; ``train-map``
(how droplet-v4 was made) takes about an hour on two CPU cores.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command
from dropletcleaner.cli.options import (
    add_data_option,
    float_between,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from dropletcleaner.cli.progressbar import drive

ORDER = 28  # place in --help: before calibrate-map and evaluate


def register(sub: Any) -> None:
    _add_train_map(sub)
    _add_train_base(sub)
    _add_calibrate(sub)


def _add_train_map(sub: Any) -> None:
    t = add_command(
        sub,
        "train-map",
        help="train a droplet-map model from a starting model and your clean photos",
        description="Train a model that says where water covers the lens: it predicts a "
        "coverage map on a grid and scores each photo from that local evidence. Starts from "
        "--init (its early blocks stay frozen), renders water on your own droplet-free photos, "
        "adds blurred, dark and scene-water copies as negatives, mines the hardest of them, "
        "and chooses the threshold on held-out real photos for --target-fpr. Takes about an "
        "hour on two CPU cores.",
        examples=(
            "dropletcleaner train-map --init droplet-v3.safetensors --data ~/clean "
            "--out droplet-v4.safetensors",
        ),
    )
    add_data_option(t)
    t.add_argument(
        "--init",
        type=Path,
        required=True,
        metavar="FILE.safetensors",
        help="the model to start from (required, no default)",
    )
    t.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.safetensors",
        help="where to write the model, card and replay set beside it (required, no default)",
    )
    t.add_argument(
        "--version", default=None, help="version name in the card (default: the name of --out)"
    )
    t.add_argument(
        "--epochs", type=positive_int, default=8, metavar="N", help="training epochs (default: 8)"
    )
    t.add_argument(
        "--target-fpr",
        type=float_between(0.0, 0.5, open_low=True),
        default=0.01,
        metavar="R",
        help="share of held-out real clean photos the threshold may flag (default: 0.01)",
    )
    _add_render_options(t)
    t.set_defaults(func=run_train_map)


def _add_render_options(t: Any) -> None:
    """What train-map renders: how many degraded twins, which seeds, how many processes."""
    t.add_argument(
        "--degraded",
        type=float_between(0.0, 1.0),
        default=0.5,
        metavar="R",
        help="share of wet/dry training twins that are blurred, dark, foggy or blocky "
        "(default: 0.5)",
    )
    t.add_argument(
        "--seed",
        type=non_negative_int,
        default=7,
        metavar="N",
        help="seed of the training renders; a further round from a map model wants fresh "
        "ones (default: 7)",
    )
    t.add_argument(
        "--workers",
        type=positive_int,
        default=2,
        metavar="N",
        help="rendering processes (default: 2)",
    )


def _add_train_base(sub: Any) -> None:
    t = add_command(
        sub,
        "train-base",
        help="train the base droplet model from clean photos (synthetic droplets + hard negatives)",
        description="Train the base droplet model (from the ImageNet backbone, or from --init) "
        "on your own droplet-free photos: droplets are drawn on them synthetically, and "
        "blurred, dark, foggy and compressed copies teach it what is not a droplet. Needs a "
        "GPU for a reasonable run time.",
        examples=(
            "dropletcleaner train-base --data ~/Pictures/clean --out models/mine.safetensors",
            "dropletcleaner train-base --data a --data b --out m.safetensors --epochs 4",
        ),
    )
    add_data_option(t)
    t.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.safetensors",
        help="where to write the model; its card goes beside it (required, no default)",
    )
    t.add_argument(
        "--version", default=None, help="version name in the card (default: the name of --out)"
    )
    t.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="random seed of the split and the training (default: 0)",
    )
    t.add_argument(
        "--variants",
        type=positive_int,
        default=None,
        metavar="N",
        help="samples rendered per photo (default: 12)",
    )
    _add_train_base_schedule(t)
    _add_train_base_start(t)
    t.set_defaults(func=run_train)


def _add_train_base_schedule(t: argparse.ArgumentParser) -> None:
    """train-base's epochs, adversarial step and rendering processes."""
    t.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help="fine-tuning epochs (default: 10)",
    )
    t.add_argument(
        "--head-epochs",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="epochs training the head alone first (default: 30)",
    )
    t.add_argument(
        "--fgsm",
        type=non_negative_float,
        default=0.0,
        metavar="EPS",
        help="FGSM adversarial training with this step size (default: 0, off)",
    )
    t.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="rendering processes (default: 2)",
    )


def _add_train_base_start(t: argparse.ArgumentParser) -> None:
    """train-base's samples, starting model, learning rate and frames."""
    t.add_argument(
        "--sample-seed",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="render other samples with the same split (default: 0)",
    )
    t.add_argument(
        "--init",
        type=Path,
        metavar="FILE.safetensors",
        help="continue training this model (default: start from the ImageNet backbone)",
    )
    t.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        metavar="RATE",
        help="fine-tuning learning rate (default: 0.0005)",
    )
    t.add_argument(
        "--full-frame",
        action="store_true",
        help="train on whole frames at the scoring size, a fine-tuning round after --init "
        "(default: crops)",
    )


def _add_calibrate(sub: Any) -> None:
    c = add_command(
        sub,
        "calibrate",
        help="re-fit a model's temperature, threshold and replay set on whole-frame renders",
        description="Re-fit a trained model's temperature, threshold and replay set on "
        "whole-frame renders of the validation photos. The weights are unchanged. Name the "
        "clean photos the model was trained on: the split is rebuilt from its card.",
        examples=(
            "dropletcleaner calibrate m.safetensors --out m2.safetensors --version m2 --data clean",
        ),
    )
    c.add_argument("weights", type=Path, metavar="FILE.safetensors", help="model to calibrate")
    c.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.safetensors",
        help="where to write the calibrated model (required, no default)",
    )
    c.add_argument(
        "--version",
        required=True,
        help="version name for the calibrated model (required, no default)",
    )
    add_data_option(c)
    c.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        metavar="N",
        help="rendering processes (default: as recorded in the model's card)",
    )
    c.add_argument(
        "--target-fpr",
        type=float,
        default=None,
        metavar="RATE",
        help="validation false-positive rate the threshold aims for, above 0 and below 0.5 "
        "(default: as trained)",
    )
    c.set_defaults(func=run_calibrate)


def run_train(args: argparse.Namespace) -> int:
    from dropletcleaner.core.training.base import train_base
    from dropletcleaner.core.training.config import TrainConfig

    data = args.data
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
    version = args.version if args.version is not None else args.out.stem
    result = drive(train_base(cfg, args.out, version=version))
    card = result.card
    assert card is not None
    print(f"Model written to {result.weights} in {result.seconds / 60:.1f} min")
    print(f"  threshold {card.threshold:.3f}, temperature {card.temperature:.3f}")
    print(json.dumps(card.metrics, indent=1))
    return 0


def run_calibrate(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.card import ModelLoadError
    from dropletcleaner.core.training.calibrate import recalibrate

    if not args.weights.is_file():
        raise UsageError(f"model file does not exist: {args.weights}")
    if args.target_fpr is not None and not 0.0 < args.target_fpr < 0.5:
        raise UsageError(f"--target-fpr must be between 0 and 0.5, got {args.target_fpr}")
    data = [str(d.resolve()) for d in args.data]
    for d in args.data:
        if not d.is_dir():
            raise UsageError(f"clean photo folder does not exist: {d}")
    try:
        card = drive(
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


def run_train_map(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.card import ModelLoadError
    from dropletcleaner.core.training.map_pipeline import MapRunConfig, train_map_run
    from dropletcleaner.core.training.map_train import MapTrainConfig

    for d in args.data:
        if not d.is_dir():
            raise UsageError(f"clean photo folder does not exist: {d}")
    if not args.init.is_file():
        raise UsageError(f"model file does not exist: {args.init}")
    run = MapRunConfig(
        data=[str(d.resolve()) for d in args.data],
        init_weights=str(args.init.resolve()),
        target_fpr=args.target_fpr,
        workers=args.workers,
        degraded_fraction=args.degraded,
        train_seed=args.seed,
    )
    version = args.version if args.version is not None else args.out.stem
    try:
        card = drive(train_map_run(run, MapTrainConfig(epochs=args.epochs), args.out, version))
    except (ModelLoadError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    rates = card.metrics.get("calibration_fpr", {})
    print(f"Model {card.version} written to {args.out}")
    print(
        f"  threshold {card.threshold:.3f}; false-positive rate on held-out real clean photos: "
        + ", ".join(f"{k} {v:.2%}" for k, v in rates.items())
    )
    return 0
