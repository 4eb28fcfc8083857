"""New droplet heads on stored embeddings: many trained at once, each as if alone.

Fast retraining trains one head per cross-validation fold plus the final one; stacking them
into one matrix (:func:`train_heads`) costs the time of one. The loss is weighted so that the
user's labels and the replay set each carry their share, split evenly between the classes
(:func:`sample_weights`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator

import numpy as np
import torch
from torch import nn

from dropletcleaner.core.jobs import CancelToken, run_job
from dropletcleaner.core.training.optim import cosine_lr

FAST_EPOCHS = 200  # full-batch passes over labels + replay set
FAST_LR = 5e-3
LABEL_SMOOTHING = 0.1
ANCHOR = 1e-3  # strength of the pull towards the current head
# Share of the loss carried by the user's labels when a replay set exists. The rest keeps
# the base's predictions: at 0.5, ten labels cost droplet-v6 3 points of recall on
# held-back base examples (its threshold sits where many rendered drops score), and the
# accept rule refused the retrain; at 0.3 it still moves the labelled photos the right way
# and is kept.
USER_SHARE = 0.3


def sample_weights(y_user: np.ndarray, y_replay: np.ndarray | None) -> np.ndarray:
    """Each (source, class) group gets an equal share within its source's share of the loss."""
    parts = [(y_user, USER_SHARE if y_replay is not None and len(y_replay) else 1.0)]
    if y_replay is not None and len(y_replay):
        parts.append((y_replay, 1.0 - USER_SHARE))
    out = []
    for y, share in parts:
        w = np.zeros(len(y))
        present = [c for c in (0, 1) if (y == c).any()]
        for c in present:
            w[y == c] = share / len(present) / (y == c).sum()
        out.append(w)
    return np.concatenate(out)


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run tiny tensor ops on one thread: on a busy machine, waking a pool costs far more."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_heads(
    init: nn.Linear,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    epochs: int = FAST_EPOCHS,
    soft_targets: np.ndarray | None = None,
) -> Generator[int, None, list[nn.Linear]]:
    """Train one head per row of ``weights`` ``[M, N]`` at once, all starting from ``init``.

    Full-batch AdamW on weighted, label-smoothed cross-entropy plus an L2 pull towards
    ``init``. The losses are independent and AdamW works element by element, so stacking
    the M heads into one matrix trains each exactly as alone, for the price of one (a zero
    weight leaves a sample out of that head: that is how the cross-validation folds train).
    ``soft_targets`` (``[N, 2]``, rows of NaN where the label applies) replaces the label of
    a sample by a distribution, e.g. the current model's own prediction to be kept.
    Yields the number of epochs done every few epochs; returns the heads.
    """
    m, n = weights.shape
    w0 = init.weight.detach().float().repeat(m, 1)  # [M * 2, D]
    b0 = init.bias.detach().float().repeat(m)
    w = w0.clone().requires_grad_(True)
    b = b0.clone().requires_grad_(True)
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))
    target = torch.full((n, 2), LABEL_SMOOTHING / 2)
    target[torch.arange(n), torch.from_numpy(y)] += 1.0 - LABEL_SMOOTHING
    if soft_targets is not None:
        soft = torch.from_numpy(np.asarray(soft_targets, dtype=np.float32))
        given = ~torch.isnan(soft).any(dim=1)
        target[given] = soft[given]
    wt = torch.from_numpy((weights / weights.sum(axis=1, keepdims=True)).T.astype(np.float32))
    opt = torch.optim.AdamW([w, b], lr=FAST_LR, weight_decay=0.0)
    chunk = 20
    for start in range(0, epochs, chunk):
        with single_thread():
            for step in range(start, min(epochs, start + chunk)):
                cosine_lr(opt, FAST_LR, step, epochs, max(1, epochs // 20))
                logp = torch.log_softmax((xt @ w.T + b).view(n, m, 2), dim=-1)
                loss = -((logp * target[:, None, :]).sum(-1) * wt).sum()
                loss = loss + ANCHOR * (((w - w0) ** 2).sum() + ((b - b0) ** 2).sum())
                opt.zero_grad()
                loss.backward()
                opt.step()
        yield min(epochs, start + chunk)
    heads = []
    for i in range(m):
        head = nn.Linear(init.in_features, 2)
        with torch.no_grad():
            head.weight.copy_(w[2 * i : 2 * i + 2])
            head.bias.copy_(b[2 * i : 2 * i + 2])
        heads.append(head.eval())
    return heads


def fit_head(
    init: nn.Linear,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    *,
    epochs: int = FAST_EPOCHS,
    cancel: CancelToken | None = None,
) -> nn.Linear:
    """One head: :func:`train_heads` with a single weight vector, run to the end."""
    job = train_heads(init, x, y, weights[None, :], epochs=epochs)
    return run_job(job, lambda _: cancel.raise_if_cancelled() if cancel else None)[0]
