"""How much labelling a few photos improves the scores of the others, on real photos.

Scans the real droplet/clean development photos plus some clean photos (as a user's
library would hold them) into a temporary catalog with the active model, then, many times
over, labels a few random photos of each kind, runs a fast retrain and measures the photos
that were NOT labelled: AUROC, accuracy, precision and recall before and after.

    python3 benchmarks/retrain_real_dev.py --data ../shared/data [--per-class 5 10] [--trials 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--extra-clean", nargs="*", default=["clean/kodak24", "clean/lowlight"])
    parser.add_argument("--per-class", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    data = args.data.resolve()
    roots = [data / "real-dev", *(data / e for e in args.extra_clean)]
    for root in roots:
        if not root.is_dir():
            parser.error(f"missing folder {root}")

    with tempfile.TemporaryDirectory(prefix="dropletcleaner-realdev-") as tmp:
        os.environ["DROPLETCLEANER_DATA"] = str(Path(tmp) / "data")
        os.environ["DROPLETCLEANER_CACHE"] = str(Path(tmp) / "cache")
        from dropletcleaner.core.catalog.photos import Catalog
        from dropletcleaner.core.jobs import run_job
        from dropletcleaner.core.library.scan import Scanner
        from dropletcleaner.core.ml.inference.scorer import Scorer
        from dropletcleaner.core.ml.metrics import binary_metrics
        from dropletcleaner.core.ml.store import load_default_model
        from dropletcleaner.core.training.retrain.fast import fast_retrain
        from dropletcleaner.core.training.retrain.labels import MIN_PER_CLASS
        from dropletcleaner.core.training.retrain.rescore import plan_rescore

        base = load_default_model()
        scorer = Scorer(base, device="cpu")
        catalog = Catalog(Path(tmp) / "catalog.sqlite3")
        start = time.perf_counter()
        for root in roots:
            for _ in Scanner(root, catalog, scorer).run():
                pass
        scan_s = time.perf_counter() - start
        ids, _, stored, _ = catalog.scored_embeddings()
        paths = {r.id: r.path for r in catalog.photos()}
        truth = np.array([int("/real-dev/droplet/" in paths[int(i)]) for i in ids])
        print(
            f"model {base.version} (trained: {base.trained}); scanned {len(ids)} photos "
            f"({truth.sum()} with droplets) in {scan_s:.0f} s"
        )

        summary: dict[str, object] = {"model": base.version, "photos": len(ids)}
        for per_class in args.per_class:
            per_class = max(per_class, MIN_PER_CLASS)
            rows: list[dict[str, float]] = []
            for trial in range(args.trials):
                rng = np.random.default_rng(trial)
                chosen = np.concatenate(
                    [
                        rng.choice(np.flatnonzero(truth == c), per_class, replace=False)
                        for c in (1, 0)
                    ]
                )
                catalog.set_label([paths[int(i)] for i in ids], None)
                catalog.set_label([paths[int(ids[i])] for i in chosen if truth[i]], "droplet")
                catalog.set_label([paths[int(ids[i])] for i in chosen if not truth[i]], "clean")
                result = run_job(fast_retrain(catalog, base, seed=trial))
                plan = plan_rescore(catalog, result.candidate, previous=[base])
                order = {int(i): k for k, i in enumerate(plan.ids)}
                new = np.array([plan.scores[order[int(i)]] for i in ids])
                others = np.ones(len(ids), dtype=bool)
                others[chosen] = False
                before = binary_metrics(truth[others], stored[others], base.threshold)
                after = binary_metrics(truth[others], new[others], result.candidate.threshold)
                rows.append(
                    {
                        "auroc_before": before.auroc,
                        "auroc_after": after.auroc,
                        "accuracy_before": before.accuracy,
                        "accuracy_after": after.accuracy,
                        "precision_after": after.precision,
                        "recall_after": after.recall,
                        "accepted": float(result.accepted),
                        "seconds": result.seconds,
                    }
                )
            stats = {
                k: (statistics.mean(r[k] for r in rows), statistics.pstdev(r[k] for r in rows))
                for k in rows[0]
            }
            print(
                f"label {per_class} droplet + {per_class} clean, score the other "
                f"{len(ids) - 2 * per_class} ({args.trials} random draws, mean ± sd):"
            )
            for k, (mean, sd) in stats.items():
                print(f"  {k:<16} {mean:.3f} ± {sd:.3f}")
            summary[f"{per_class}_per_class"] = {k: round(v[0], 4) for k, v in stats.items()}
        catalog.close()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
