"""The ``train-map`` sub-command: train a droplet-map model (how droplet-v4 was made)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dropletcleaner.cli.argtypes import add_data_option, float_between, positive_int
from dropletcleaner.cli.helptext import add_command
from dropletcleaner.cli.progressbar import drive

ORDER = 29  # place in --help: beside train-base


def register(sub: Any) -> None:
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
    t.add_argument(
        "--workers",
        type=positive_int,
        default=2,
        metavar="N",
        help="rendering processes (default: 2)",
    )
    t.set_defaults(func=run_train_map)


def run_train_map(args: argparse.Namespace) -> int:
    from dropletcleaner.cli import UsageError
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
