"""Do corrections fix what the user corrected? False alarms before and after a fast retrain.

Builds a library of real photos: the real droplet/clean development photos, the clean
photos that the shipped model's training never saw (its held-out split of ``clean/`` and
``clean-more/``), and blurred, dark, foggy and blocky copies of those (libraries hold
such shots). Scans it with the active model into a temporary catalog, then, over several
random draws, labels ``--false-alarms`` of the *flagged* clean photos as clean and
``--droplets`` flagged droplet photos as droplet, runs a fast retrain, and measures the
photos that were NOT labelled: how many clean ones are flagged (before at the current
threshold, after at the new model's threshold), droplet recall, and whether the accept
rule kept the new model. It also counts the other clean photos scored above the
wet photos' cut at the current model's recall, which tells ranking from calibration: a
retrain that only moved its scores leaves that count as it was. With ``--deep`` it runs
a deep retrain instead, whose new backbone changes every embedding, so the library is
scanned again with each candidate.

    python3 benchmarks/retrain_false_alarms.py --data ../shared/data [--trials 5] [--deep]
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
from typing import TYPE_CHECKING

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:  # imported for real only once the data folders are set (see main)
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.ml.checkpoint import LoadedModel
    from dropletcleaner.core.ml.inference.protocol import DropletScorer

BASELINE = "baseline, head fitted to the replay labels and threshold refitted on renders"
WHAT = {
    "base": "fast retrain, the current model's calibration kept",
    "replay": BASELINE,
    "deep": "deep retrain (last block fine-tuned on the labelled photos)",
}


def scan_library(roots: list[Path], catalog: Catalog, scorer: DropletScorer) -> None:
    """Scan every folder of the library into ``catalog`` with ``scorer``."""
    from dropletcleaner.core.library.scan import Scanner

    for root in roots:
        for _ in Scanner(root, catalog, scorer).run():
            pass


def rescan_scores(roots: list[Path], candidate: LoadedModel, folder: Path) -> dict[str, float]:
    """``path -> score`` of the library scanned afresh with ``candidate`` (a deep retrain's)."""
    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.ml.inference.scorer import Scorer

    with Catalog(folder / "rescan.sqlite3") as catalog:
        scan_library(roots, catalog, Scorer(candidate, device="cpu"))
        scores = {r.path: float(r.score) for r in catalog.photos() if r.score is not None}
    (folder / "rescan.sqlite3").unlink()
    return scores


def false_alarms_at_recall(
    scores: np.ndarray, clean: np.ndarray, wet: np.ndarray, hits: int
) -> int:
    """Clean photos scored at or above the ``hits``-th best wet photo: ranking, not calibration.

    A retrain may move every score and its threshold with them; counted at the recall the
    current model has, the false alarms say whether the new model tells the two apart better.
    """
    if hits < 1:
        return 0
    cut = np.sort(scores[wet])[::-1][hits - 1]
    return int((scores[clean] >= cut).sum())


def build_library(data: Path, dest: Path, hard_variants: int) -> list[Path]:
    """Folders to scan: real-dev, the held-out clean photos, and hard negatives of them."""
    import shutil

    from dropletcleaner.core.ml.store import default_model_card
    from dropletcleaner.core.training.evaluate import make_hard_negative_set

    # The photos the active model's card lists as held out: its training never saw them.
    listed = default_model_card().data_manifest.get("test", [])
    held = [data / rel for rel in listed if (data / rel).is_file()]
    if not held:
        raise SystemExit("the active model's card lists no held-out photos under --data")
    plain = dest / "clean"
    plain.mkdir(parents=True)
    for p in held:
        shutil.copy(p, plain / f"{p.parent.name}__{p.name}")
    make_hard_negative_set(held, dest / "hard", seed=11, variants=hard_variants)
    return [data / "real-dev", plain, dest / "hard"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--false-alarms", type=int, default=10)
    parser.add_argument("--droplets", type=int, default=5)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument(
        "--deep", action="store_true", help="measure the deep retrain instead of the fast one"
    )
    parser.add_argument(
        "--hard-variants",
        type=int,
        default=3,
        help="degraded copies of each held-out photo in the library (default: 3)",
    )
    args = parser.parse_args()
    data = args.data.resolve()

    with tempfile.TemporaryDirectory(prefix="dropletcleaner-false-alarms-") as tmp:
        os.environ["DROPLETCLEANER_DATA"] = str(Path(tmp) / "data")
        os.environ["DROPLETCLEANER_CACHE"] = str(Path(tmp) / "cache")
        from dropletcleaner.core.catalog.photos import Catalog
        from dropletcleaner.core.jobs import run_job
        from dropletcleaner.core.library.same_shot import ShotHashes, same_shot
        from dropletcleaner.core.library.thumbnails import ThumbnailCache
        from dropletcleaner.core.ml.inference.scorer import Scorer
        from dropletcleaner.core.ml.store import load_default_model
        from dropletcleaner.core.training.retrain.deep import deep_retrain
        from dropletcleaner.core.training.retrain.fast import fast_retrain
        from dropletcleaner.core.training.retrain.rescore import plan_rescore

        roots = build_library(data, Path(tmp) / "library", args.hard_variants)
        base = load_default_model()
        scorer = Scorer(base, device="cpu")
        catalog = Catalog(Path(tmp) / "catalog.sqlite3")
        start = time.perf_counter()
        scan_library(roots, catalog, scorer)
        scan_s = time.perf_counter() - start
        ids, _, stored, _ = catalog.scored_embeddings()
        paths = {r.id: r.path for r in catalog.photos()}
        truth = np.array([int("/real-dev/droplet/" in paths[int(i)]) for i in ids])
        flagged = stored >= base.threshold
        print(
            f"model {base.version}: scanned {len(ids)} photos ({truth.sum()} with water) in "
            f"{scan_s:.0f} s; flagged {int((flagged & (truth == 0)).sum())} clean and "
            f"{int((flagged & (truth == 1)).sum())} wet at {base.threshold:.3f}"
        )
        false_alarms = np.flatnonzero(flagged & (truth == 0))
        hits = np.flatnonzero(flagged & (truth == 1))
        n_fa = min(args.false_alarms, len(false_alarms))
        n_hit = min(args.droplets, len(hits))
        if n_fa < args.false_alarms:
            print(f"only {len(false_alarms)} false alarms to label; labelling all but one")
            n_fa = max(1, len(false_alarms) - 1)
        records = {r.path: r for r in catalog.photos()}
        hashes = ShotHashes(ThumbnailCache())
        suggested: list[tuple[int, int]] = []
        kinds = ["deep"] if args.deep else ["base", "replay"]
        rows: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
        for trial in range(args.trials):
            rng = np.random.default_rng(trial)
            chosen = np.concatenate(
                [rng.choice(false_alarms, n_fa, replace=False), rng.choice(hits, n_hit, False)]
            )
            catalog.set_label([paths[int(i)] for i in ids], None)
            catalog.set_label([paths[int(ids[i])] for i in chosen if truth[i]], "droplet")
            catalog.set_label([paths[int(ids[i])] for i in chosen if not truth[i]], "clean")
            others = np.ones(len(ids), dtype=bool)
            others[chosen] = False
            clean, wet = others & (truth == 0), others & (truth == 1)
            marked = [records[paths[int(ids[i])]] for i in chosen if not truth[i]]
            offered = {
                s.path
                for s in same_shot(
                    marked,
                    [records[paths[int(ids[i])]] for i in np.flatnonzero(flagged & others)],
                    hashes,
                )
            }
            is_offered = np.array([paths[int(i)] in offered for i in ids])
            suggested.append((int((is_offered & clean).sum()), int((is_offered & wet).sum())))
            print(
                f"  draw {trial}, same shot: offers {suggested[-1][0]} of the "
                f"{int((flagged & clean).sum())} other false alarms, {suggested[-1][1]} wet photos"
            )
            for kind, out in rows.items():
                if kind == "deep":
                    result = run_job(deep_retrain(catalog, base, seed=trial))
                    fresh = rescan_scores(roots, result.candidate, Path(tmp))
                    new = np.array([fresh[paths[int(i)]] for i in ids])
                else:
                    job = fast_retrain(catalog, base, seed=trial, calibration=kind)  # type: ignore[arg-type]
                    result = run_job(job)
                    plan = plan_rescore(catalog, result.candidate, previous=[base])
                    order = {int(i): k for k, i in enumerate(plan.ids)}
                    new = np.array([plan.scores[order[int(i)]] for i in ids])
                after = new >= result.candidate.threshold
                # What the user gets: the new model only if the accept rule kept it.
                kept = after if result.accepted else flagged
                out.append(
                    {
                        "other_clean_flagged_before": float(flagged[clean].sum()),
                        "other_clean_flagged_after": float(after[clean].sum()),
                        "other_clean_flagged_kept": float(kept[clean].sum()),
                        "other_clean_at_same_recall_before": float(
                            false_alarms_at_recall(stored, clean, wet, int(flagged[wet].sum()))
                        ),
                        "other_clean_at_same_recall_after": float(
                            false_alarms_at_recall(new, clean, wet, int(flagged[wet].sum()))
                        ),
                        "recall_before": float(flagged[wet].mean()),
                        "recall_after": float(after[wet].mean()),
                        "recall_kept": float(kept[wet].mean()),
                        "threshold_after": result.candidate.threshold,
                        "accepted": float(result.accepted),
                        "seconds": result.seconds,
                    }
                )
                print(f"  draw {trial}, {kind}: {json.dumps(out[-1])}; {result.decision.reason}")
        print(
            f"label {n_fa} false alarms + {n_hit} droplet photos, measure the other "
            f"{len(ids) - n_fa - n_hit} ({args.trials} draws, mean):"
        )
        stats = {
            name: {k: statistics.mean(r[k] for r in out) for k in out[0]}
            for name, out in rows.items()
        }
        print(
            "  same-shot suggestion: offers "
            f"{statistics.mean(a for a, _ in suggested):.1f} other false alarms and "
            f"{statistics.mean(b for _, b in suggested):.1f} wet photos"
        )
        for name, figures in stats.items():
            print(f"  {WHAT[name]}:")
            for k, v in figures.items():
                print(f"    {k:<28} {v:.3f}")
        catalog.close()
    print(json.dumps({"model": base.version, "photos": len(ids), **stats}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
