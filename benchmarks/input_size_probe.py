"""Input size and a "second look": how the shipped model ranks real photos at other sizes.

No retraining. The droplet map is fully convolutional, so the shipped model can be run at
any input size; tiny drops (windscreen specks) cover few cells at 288 px. This compares,
on the real-dev droplet photos against the held-out real clean photos named in the model
card's data manifest (never trained or calibrated on):

* one look at the card's input size (what scans do today), and at larger sizes;
* a second look: photos whose first-look score is in the top ``--pre`` share of the clean
  photos are scored again at the larger size, which decides for them. Its cost is one more
  pass for that share of photos only;
* two looks averaged: the mean of the first look's margin and the larger size's, for every
  photo (one more pass for every photo).

It prints the recall at 1% and 0.5% false-positive rate (thresholds read off the clean
photos themselves, so these compare rankings, not a shipped threshold) and the AUROC.

    python3 benchmarks/input_size_probe.py --sizes 288 352 416 --pre 0.1
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from dropletcleaner.core.ml.card import Scoring
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.metrics import auroc
from dropletcleaner.core.ml.network import map_pool
from dropletcleaner.core.ml.store import load_default_model
from dropletcleaner.core.photos.decode import draft_request
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.evaluate import recall_at_fpr

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def scan_view(path: Path) -> Image.Image:
    """The photo as a scan decodes it: drafted for the card's input size, upright, RGB.

    Larger looks resize this same image, so they cost no second decode.
    """
    with Image.open(path) as img:
        img.draft("RGB", draft_request(*img.size, PREPROCESS))
        return ImageOps.exif_transpose(img).convert("RGB")


def margins(loaded: LoadedModel, images: list[Image.Image], size: int) -> np.ndarray:
    """Droplet-minus-clean logit of every image seen whole at ``size`` px."""
    model, card = loaded.model, loaded.card
    mean = torch.tensor(card.mean).view(1, 3, 1, 1) * 255.0
    std = torch.tensor(card.std).view(1, 3, 1, 1) * 255.0
    out = []
    with torch.inference_mode():
        for i in range(0, len(images), 16):
            batch = [
                np.asarray(im.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0))
                for im in images[i : i + 16]
            ]
            x = (torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2).float() - mean) / std
            features = model.forward_features(x)
            pooled = map_pool(features, model.droplet_map(features), model.scoring)
            logits = model.head(pooled)
            out.append((logits[:, 1] - logits[:, 0]).numpy())
    return np.concatenate(out)


def report(name: str, wet: np.ndarray, clean: np.ndarray) -> None:
    labels = np.r_[np.ones(len(wet)), np.zeros(len(clean))]
    scores = np.r_[wet, clean]
    print(
        f"{name:<34} recall@1% {recall_at_fpr(labels, scores, 0.01):.3f}  "
        f"recall@0.5% {recall_at_fpr(labels, scores, 0.005):.3f}  "
        f"AUROC {auroc(labels, scores):.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[288, 352, 416])
    parser.add_argument("--pre", type=float, default=0.1, help="share sent to a second look")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    loaded = load_default_model()
    if not isinstance(loaded.model.scoring, Scoring) or loaded.model.scoring.pooling != "map":
        print("the active model has no droplet map", file=sys.stderr)
        return 2
    manifest = loaded.card.data_manifest.get("test", [])
    wet_paths = sorted((args.data / "real-dev" / "droplet").iterdir())
    clean_paths = [args.data / name for name in manifest]
    if not wet_paths or not clean_paths:
        print("needs ../shared/data/real-dev and the card's held-out photos", file=sys.stderr)
        return 2
    wet = [scan_view(p) for p in wet_paths]
    clean = [scan_view(p) for p in clean_paths]
    print(f"{loaded.version}: {len(wet)} real-dev droplet photos, {len(clean)} held-out clean")
    base = args.sizes[0]
    looks = {s: (margins(loaded, wet, s), margins(loaded, clean, s)) for s in args.sizes}
    for size, (w, c) in looks.items():
        report(f"one look at {size} px", w, c)
    first_w, first_c = looks[base]
    cut = np.quantile(first_c, 1.0 - args.pre)
    for size in args.sizes[1:]:
        w2, c2 = looks[size]
        w = np.where(first_w >= cut, w2, -1e9)
        c = np.where(first_c >= cut, c2, -1e9)
        report(f"second look at {size} px (top {args.pre:.0%})", w, c)
        print(f"{'':<34} droplet photos reaching it: {(first_w >= cut).mean():.3f}")
        report(f"mean of {base} and {size} px", (first_w + w2) / 2, (first_c + c2) / 2)
    print(json.dumps({"model": loaded.version, "sizes": args.sizes, "pre": args.pre}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
