"""Which kinds of lens water does the model miss? Recall on rendered water, kind by kind.

real-dev holds drops on glass and windscreen specks only; the photos users care most about
(a phone lens with soft blobs, haze or a wiped smear) exist here only as renders. So this
renders each kind of lens water (`core/synthetic/lens_water`) on the active model's
held-out clean photos (never trained or calibrated on), writes them as JPEGs, decodes and
scores them exactly as a scan does, and reports for each kind the share flagged at the
model's threshold, overall and by quartile of the frame covered. In the same run it scores
the same photos without water, the baseline every kind is read against: a kind is only
"caught" as far as its wet copies score above what the dry ones score.

    python3 benchmarks/render_recall.py --data ../shared/data [--photos 80] [--seed 7]

Renders are a proxy: their strength is drawn at random, and some are faint enough that a
photographer would not notice them either. Read a kind's recall next to its coverage.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--photos", type=int, default=80, help="held-out photos per kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from PIL import Image

    from dropletcleaner.core.ml.store import load_default_model
    from dropletcleaner.core.photos.decode import DecodeError, load_rgb
    from dropletcleaner.core.synthetic.lens_water.kinds import KINDS
    from dropletcleaner.core.synthetic.lens_water.render import render_droplets
    from dropletcleaner.core.training.evaluate import model_held_out_photos
    from dropletcleaner.core.training.map_calibrate import scan_photos, scan_scores

    loaded = load_default_model()
    model, card = loaded.model, loaded.card
    roots = [args.data / "clean", args.data / "clean-more"]
    held = model_held_out_photos(card.data_manifest.get("test", []), roots)
    if not held:
        print("the active model's card lists no held-out photos under --data", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    chosen = [held[int(i)] for i in rng.choice(len(held), min(args.photos, len(held)), False)]
    sources: list[np.ndarray] = []
    for path in chosen:
        try:
            sources.append(np.asarray(load_rgb(path, max_side=1024)))
        except (DecodeError, OSError):
            continue
    threshold = card.threshold
    results: dict[str, dict[str, object]] = {}
    spreads: dict[str, str] = {}  # "coverage:flagged" per quartile, for the summary
    with tempfile.TemporaryDirectory(prefix="dropletcleaner-render-recall-") as tmp:
        dry = []
        for i, img in enumerate(sources):
            dry.append(Path(tmp) / f"dry_{i}.jpg")
            Image.fromarray(img).save(dry[-1], "JPEG", quality=92)
        dry_scores = scan_scores(model, scan_photos(dry, model.scoring.looks))
        results["none (the same photos, dry)"] = {
            "flagged": float((dry_scores >= threshold).mean()),
            "median_score": float(np.median(dry_scores)),
        }
        for kind in KINDS:
            paths, cover = [], []
            for i, img in enumerate(sources):
                rendered = render_droplets(img, np.random.default_rng([args.seed, i]), kind=kind)
                paths.append(Path(tmp) / f"{kind}_{i}.jpg")
                Image.fromarray(rendered.image).save(paths[-1], "JPEG", quality=92)
                cover.append(float(rendered.mask.mean()))
            scores = scan_scores(model, scan_photos(paths, model.scoring.looks))
            coverage = np.array(cover)
            quartiles = np.array_split(np.argsort(coverage), 4)
            results[kind] = {
                "flagged": float((scores >= threshold).mean()),
                "median_score": float(np.median(scores)),
                "by_coverage": [
                    {
                        "mean_coverage": round(float(coverage[q].mean()), 4),
                        "flagged": round(float((scores[q] >= threshold).mean()), 3),
                    }
                    for q in quartiles
                ],
            }
            spreads[kind] = " ".join(
                f"{coverage[q].mean():.3f}:{(scores[q] >= threshold).mean():.2f}" for q in quartiles
            )
            print(f"{kind}: {results[kind]}", flush=True)
    print(
        f"model {card.version}, threshold {threshold:.3f}, {len(sources)} held-out photos "
        f"per kind (seed {args.seed}):"
    )
    print("  (by quartile of coverage: mean share of the frame covered, then share flagged)")
    for kind, row in results.items():
        print(f"  {kind:<28} flagged {row['flagged']:.3f}  {spreads.get(kind, '')}")
    print(json.dumps({"model": card.version, "threshold": threshold, "kinds": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
