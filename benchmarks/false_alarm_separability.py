"""Could any fast retrain fix these false alarms? A bound on what the stored embeddings allow.

Builds and scans the library of ``retrain_false_alarms.py`` (real-dev, the active model's
held-out clean photos and degraded copies of them) and makes the same draws: 10 flagged
clean photos labelled clean, 5 flagged wet photos labelled droplet. For each draw it fits
the most permissive correction a fast retrain could make on what the catalog stores: the
current droplet logit plus a linear term in the embeddings' first ``k`` whitened principal
components (fitted on the library and the replay set, no labels used). Two fits:

* **constrained**: push the labelled false alarms below the threshold while no replay wet
  example and no labelled wet photo may fall, and no replay clean example may rise
  (squared hinges, weight ``--strength``);
* **baseline**, in the same run: push them while the replay set only keeps the current
  model's predicted probabilities, as the default fast retrain does.

It reports how many of the labelled false alarms each fit moves below the threshold, the
*other* false alarms after it, and recall on the *other* wet photos, all at the current
threshold. If even the constrained fit cannot move the labelled photos, no head on these
embeddings can fix false alarms without costing recall: the representation must change.

    python3 benchmarks/false_alarm_separability.py --data ../shared/data [--dims 16 64 256]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from retrain_false_alarms import build_library, scan_library


def whiten(x: np.ndarray, k: int) -> np.ndarray:
    """Projection onto the first ``k`` principal components, each scaled to unit variance."""
    centred = x - x.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(centred @ vt[:k].T / s[:k] * np.sqrt(len(x)), dtype=np.float32)


def fit_correction(
    z_user: np.ndarray,
    y_user: np.ndarray,
    logit_user: np.ndarray,
    z_replay: np.ndarray,
    y_replay: np.ndarray,
    logit_replay: np.ndarray,
    threshold_logit: float,
    *,
    constrained: bool,
    strength: float,
) -> tuple[np.ndarray, float]:
    """``(w, b)`` of the correction ``logit + z @ w + b`` (see the module docstring)."""
    t = torch.tensor
    zu, zr = t(z_user), t(z_replay)
    yu, yr = t(y_user, dtype=torch.float32), t(y_replay, dtype=torch.float32)
    lu, lr = t(logit_user, dtype=torch.float32), t(logit_replay, dtype=torch.float32)
    w = torch.zeros(zu.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=200)
    sign = 1.0 - 2.0 * yu  # clean labels are pushed down, droplet labels up
    margin = 0.5  # in logits: a clear step below the threshold, not a graze

    def closure() -> torch.Tensor:
        opt.zero_grad()
        du, dr = zu @ w + b, zr @ w + b
        push = torch.nn.functional.softplus(sign * (lu + du - threshold_logit + sign * margin))
        loss = push.mean() + 1e-2 * (w**2).sum()
        if constrained:
            fall = (torch.relu(-dr) ** 2 * yr).sum() / yr.sum().clamp(min=1)
            fall = fall + (torch.relu(-du) ** 2 * yu).sum() / yu.sum().clamp(min=1)
            rise = (torch.relu(dr) ** 2 * (1 - yr)).sum() / (1 - yr).sum().clamp(min=1)
            loss = loss + strength * (fall + rise)
        else:
            keep = torch.nn.functional.binary_cross_entropy_with_logits(lr + dr, torch.sigmoid(lr))
            loss = 0.3 * loss + 0.7 * keep  # the default fast retrain's user share
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), float(b.detach())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--dims", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--strength", type=float, default=100.0)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    data = args.data.resolve()

    with tempfile.TemporaryDirectory(prefix="dropletcleaner-separability-") as tmp:
        os.environ["DROPLETCLEANER_DATA"] = str(Path(tmp) / "data")
        os.environ["DROPLETCLEANER_CACHE"] = str(Path(tmp) / "cache")
        from dropletcleaner.core.catalog.photos import Catalog
        from dropletcleaner.core.ml.inference.scorer import Scorer
        from dropletcleaner.core.ml.store import load_default_model
        from dropletcleaner.core.training.retrain.fast import find_replay
        from dropletcleaner.core.training.retrain.result import model_temperature

        base = load_default_model()
        replay = find_replay(base)
        if replay is None:
            raise SystemExit(f"no replay set for {base.version}")
        catalog = Catalog(Path(tmp) / "catalog.sqlite3")
        scorer = Scorer(base, device="cpu")
        scan_library(build_library(data, Path(tmp) / "library", 3), catalog, scorer)
        ids, stored, scores, _ = catalog.scored_embeddings()
        paths = {r.id: r.path for r in catalog.photos()}
        catalog.close()
    truth = np.array([int("/real-dev/droplet/" in paths[int(i)]) for i in ids])
    emb = stored.astype(np.float32)
    logit = np.log(np.clip(scores, 1e-6, 1 - 1e-6) / np.clip(1 - scores, 1e-6, 1))
    with torch.no_grad():
        head = base.model.logits_from_embedding(torch.from_numpy(replay.embeddings.astype("f4")))
        r_logit = ((head[:, 1] - head[:, 0]) / model_temperature(base.model)).numpy()
    thr = float(np.log(base.threshold / (1 - base.threshold)))
    flagged = logit >= thr
    false_alarms = np.flatnonzero(flagged & (truth == 0))
    hits = np.flatnonzero(flagged & (truth == 1))
    print(
        f"model {base.version}: {len(ids)} photos, {len(false_alarms)} false alarms, "
        f"{len(hits)} of {truth.sum()} wet photos flagged; replay set of {len(replay)}"
    )
    if len(false_alarms) <= 10 or len(hits) <= 5:
        raise SystemExit("too few flagged photos to label 10 + 5 and measure the others")
    for k in args.dims:
        z = whiten(np.concatenate([emb, replay.embeddings.astype(np.float32)]), k)
        z_lib, z_rep = z[: len(emb)], z[len(emb) :]
        for constrained in (True, False):
            rows = []
            for trial in range(args.trials):
                rng = np.random.default_rng(trial)  # the draws of retrain_false_alarms.py
                chosen = np.concatenate(
                    [rng.choice(false_alarms, 10, replace=False), rng.choice(hits, 5, False)]
                )
                w, b = fit_correction(
                    z_lib[chosen], truth[chosen], logit[chosen],
                    z_rep, replay.labels, r_logit, thr,
                    constrained=constrained, strength=args.strength,
                )  # fmt: skip
                after = logit + z_lib @ w + b >= thr
                others = np.ones(len(ids), dtype=bool)
                others[chosen] = False
                labelled_fa = chosen[truth[chosen] == 0]
                rows.append(
                    (
                        float((~after[labelled_fa]).sum()),
                        float(after[others & (truth == 0)].sum()),
                        float(after[others & (truth == 1)].mean()),
                        float(flagged[others & (truth == 1)].mean()),
                        float(flagged[others & (truth == 0)].sum()),
                        float(len(labelled_fa)),
                    )
                )
            m = [statistics.mean(r[i] for r in rows) for i in range(6)]
            what = "constrained" if constrained else "baseline   "
            print(
                f"  k={k:<4} {what}: labelled false alarms cleared {m[0]:.1f} of {m[5]:.0f}; "
                f"other false alarms {m[4]:.0f} → {m[1]:.1f}; "
                f"recall on the other wet photos {m[3]:.3f} → {m[2]:.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
