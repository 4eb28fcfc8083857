"""The ``calibrate-map`` sub-command: re-choose a map model's scoring and threshold.

The weights stay as trained; the split is rebuilt from the model's card, so the threshold is
chosen on the model's own calibration photos (how droplet-v4.1 was made from droplet-v4).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command
from dropletcleaner.cli.options import add_data_option, float_between, positive_int
from dropletcleaner.cli.progressbar import drive

ORDER = 29  # place in --help: after the training commands, before evaluate


def register(sub: Any) -> None:
    c = add_command(
        sub,
        "calibrate-map",
        help="re-choose a droplet-map model's second look and threshold on real photos",
        description="Write a trained droplet-map model again under a new version, with its "
        "threshold re-chosen on the real clean photos it was calibrated on. With --looks, "
        "photos whose first score is among the highest --look-share of clean photos are seen "
        "again at those sizes and scored from the mean of the looks. Name the clean photo "
        "folders the model was trained on: its split is rebuilt from its card.",
        examples=(
            "dropletcleaner calibrate-map m.safetensors --data pics --looks 416 "
            "--out n.safetensors --version n",
        ),
    )
    c.add_argument("weights", type=Path, metavar="FILE.safetensors", help="model to calibrate")
    c.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.safetensors",
        help="where to write the model (required, no default)",
    )
    c.add_argument("--version", required=True, help="its version name (required, no default)")
    add_data_option(c)
    c.add_argument(
        "--looks",
        type=positive_int,
        nargs="*",
        default=[],
        metavar="PX",
        help="input sizes of a second look, e.g. 416 (default: none, one look)",
    )
    c.add_argument(
        "--look-share",
        type=float_between(0.0, 1.0, open_low=True),
        default=0.1,
        metavar="SHARE",
        help="share of clean photos that get the second look (default: 0.1)",
    )
    c.add_argument(
        "--target-fpr",
        type=float_between(0.0, 0.5, open_low=True),
        default=None,
        metavar="RATE",
        help="false-positive rate the threshold keeps on each group (default: as trained)",
    )
    c.set_defaults(func=run_calibrate_map)


def run_calibrate_map(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.card import ModelLoadError, valid_version
    from dropletcleaner.core.training.map_recalibrate import recalibrate_map

    if not args.weights.is_file():
        raise UsageError(f"model file does not exist: {args.weights}")
    for d in args.data:
        if not d.is_dir():
            raise UsageError(f"clean photo folder does not exist: {d}")
    _check_looks(args.looks)
    if not valid_version(args.version):
        raise UsageError(f"--version {args.version!r} is not a plain name (letters, digits, ._+-)")
    if args.out.resolve() == args.weights.resolve():
        raise UsageError("--out names the model being calibrated: write it to a new file")
    data = [str(d.resolve()) for d in args.data]
    try:
        card = drive(
            recalibrate_map(
                args.weights,
                args.out,
                args.version,
                data,
                looks=args.looks,
                look_share=args.look_share,
                target_fpr=args.target_fpr,
            )
        )
    except (ModelLoadError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
    rates = card.metrics.get("calibration_fpr", {})
    print(
        f"Model {card.version} written to {args.out}: threshold {card.threshold:.3f}; "
        "false-positive rate on its calibration photos: "
        + ", ".join(f"{k} {v:.2%}" for k, v in rates.items())
    )
    return 0


def _check_looks(looks: list[int]) -> None:
    """Second-look sizes: distinct, larger than the first look, within the scan's decode."""
    from dropletcleaner.core.photos.preprocess import PREPROCESS

    low, high = PREPROCESS.input_size, PREPROCESS.decode_size
    if len(set(looks)) != len(looks):
        raise UsageError(f"--looks names a size twice: {looks}")
    # A scan decodes to about decode_size px: a larger look would only upsample.
    bad = [size for size in looks if not low < size <= high]
    if bad:
        raise UsageError(f"--looks must be sizes above {low} and up to {high} px, got {bad[0]}")
