"""Train the droplet-map model: dense coverage supervision, map-guided pooling, mined negatives.

The network learns, for each cell of its stride-32 feature grid, how much of the cell water
on the lens covers (binary cross-entropy against the renderer's coverage mask), and the
photo's droplet score comes from an embedding pooled under that map (see
:class:`~dropletcleaner.core.ml.card.Scoring`). Training starts from an existing model: the
early blocks stay frozen, so their features are computed once per sample and cached
(:func:`cache_features`), and only the later blocks, the map head and the head are trained.

Negatives are real, varied clean photos (plain, degraded, and with water that belongs to
the scene) rather than only tidy research photos. After every epoch the clean training
samples the model scores highest are weighted up (hard-negative mining), because the false
alarms a photographer sees are exactly that tail.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.card import Scoring
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.metrics import auroc
from dropletcleaner.core.ml.network import DropletNet, map_pool
from dropletcleaner.core.synthetic.lens_water.kinds import KIND_WEIGHTS
from dropletcleaner.core.training.evaluate import recall_at_fpr
from dropletcleaner.core.training.map_data import MapJob, labels_of, map_sample_job
from dropletcleaner.core.training.optim import (  # shared with base training and retrain
    cosine_scale,
    set_bn_eval,
)


@dataclass
class MapTrainConfig:
    """Everything that determines a map-training run; recorded in the model card."""

    split_block: int = 5  # blocks before this stay frozen and their output is cached
    epochs: int = 8
    batch_size: int = 64
    lr_tail: float = 3e-4
    lr_heads: float = 1e-3
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    map_weight: float = 2.0  # weight of the dense coverage loss against the photo loss
    hard_fraction: float = 0.1  # share of clean samples weighted up after each epoch
    hard_weight: float = 3.0
    top_fraction: float = 0.1
    mix: float = 0.5
    seed: int = 0
    history: list[dict[str, float]] = field(default_factory=list)


@dataclass
class CachedSamples:
    """Frozen early features (float16), coverage grids and labels of rendered samples."""

    features: torch.Tensor
    grids: torch.Tensor
    labels: torch.Tensor
    jobs: list[MapJob]


def to_map_model(base: DropletNet, scoring: Scoring) -> DropletNet:
    """A map model with ``base``'s weights.

    A base that already has a droplet map (a further training round) keeps it; otherwise the
    map head starts as ``base``'s class-activation map.
    """
    model = DropletNet(scoring=scoring)
    missing, unexpected = model.load_state_dict(base.state_dict(), strict=False)
    if unexpected or any(not k.startswith("map_head.") for k in missing):
        raise ValueError(f"cannot start a map model from this one ({missing}, {unexpected})")
    assert model.map_head is not None
    model.temperature.fill_(1.0)  # type: ignore[operator]
    if not missing:
        return model
    with torch.no_grad():
        # Start from the class-activation map (droplet minus clean logit per cell), so the
        # map means something from the first step.
        w = base.head.weight[1] - base.head.weight[0]
        model.map_head.weight.copy_(w.reshape(1, -1, 1, 1))
        bias = model.map_head.bias
        assert bias is not None
        bias.fill_(float(base.head.bias[1] - base.head.bias[0]))
    return model


def cache_features(
    model: DropletNet,
    jobs: Sequence[MapJob],
    split: int,
    cancel: CancelToken,
    workers: int = 2,
    batch: int = 64,
) -> Generator[Progress, None, CachedSamples]:
    """Render ``jobs`` in worker processes and cache ``blocks[:split]`` features in this one."""
    feats: list[torch.Tensor] = []
    grids: list[np.ndarray] = []
    kept: list[MapJob] = []
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    model.eval()

    def flush() -> None:
        px = np.stack([p for p, _ in pending])
        with torch.inference_mode():
            feats.append(model.stem_features(to_model_tensor(px), split).to(torch.float16))
        grids.append(np.stack([g for _, g in pending]))
        pending.clear()

    ctx = multiprocessing.get_context("spawn")  # torch is initialised here: never fork
    with ctx.Pool(max(1, workers)) as pool:
        for k, out in enumerate(pool.imap(map_sample_job, jobs, chunksize=8)):
            if out is not None:
                pending.append(out)
                kept.append(jobs[k])
            if len(pending) >= batch:
                flush()
            if k % 64 == 0:
                cancel.raise_if_cancelled()
                yield Progress("rendering samples", done=k, total=len(jobs))
    if pending:
        flush()
    return CachedSamples(
        features=torch.cat(feats),
        grids=torch.from_numpy(np.concatenate(grids)).to(torch.float16),
        labels=torch.from_numpy(labels_of(kept)),
        jobs=kept,
    )


def tail_forward(
    model: DropletNet, feats: torch.Tensor, split: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """From cached early features to ``(photo logits, map logits, pooled embedding)``."""
    b = model.backbone
    x = feats
    for block in b.blocks[split:]:
        x = block(x)
    x = b.bn2(b.conv_head(x))
    assert model.map_head is not None
    cells = model.map_head(x)[:, 0]
    emb = map_pool(x, cells, model.scoring)
    return model.head(model.dropout(emb)), cells, emb


def map_parameters(model: DropletNet, split: int) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """``(tail parameters, head parameters)``: what map training updates."""
    b = model.backbone
    tail: list[nn.Parameter] = []
    for module in [*b.blocks[split:], b.conv_head, b.bn2]:
        tail.extend(module.parameters())
    assert model.map_head is not None
    heads = [*model.map_head.parameters(), *model.head.parameters()]
    return tail, heads


@torch.no_grad()
def predict(
    model: DropletNet, feats: torch.Tensor, split: int, batch: int = 128
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(photo logits [N, 2], map logits [N, H, W])`` for cached features, in eval mode."""
    model.eval()
    logits, cells = [], []
    for i in range(0, len(feats), batch):
        lg, cl, _ = tail_forward(model, feats[i : i + batch].float(), split)
        logits.append(lg)
        cells.append(cl)
    return torch.cat(logits), torch.cat(cells)


@dataclass
class _Run:
    """One training run's moving parts: optimiser, schedule and the samples' weights."""

    opt: torch.optim.Optimizer
    base_lrs: list[float]
    class_w: torch.Tensor
    sample_w: torch.Tensor
    gen: torch.Generator
    steps_per_epoch: int
    total: int
    step: int = 0


def _start_run(model: DropletNet, train: CachedSamples, cfg: MapTrainConfig) -> _Run:
    torch.manual_seed(cfg.seed)  # dropout
    gen = torch.Generator().manual_seed(cfg.seed)
    y = train.labels
    counts = torch.bincount(y, minlength=2).float()
    tail, heads = map_parameters(model, cfg.split_block)
    opt = torch.optim.AdamW(
        [{"params": tail, "lr": cfg.lr_tail}, {"params": heads, "lr": cfg.lr_heads}],
        weight_decay=cfg.weight_decay,
    )
    steps_per_epoch = math.ceil(len(y) / cfg.batch_size)
    return _Run(
        opt=opt,
        base_lrs=[cfg.lr_tail, cfg.lr_heads],
        class_w=len(y) / (2.0 * counts.clamp(min=1.0)),
        sample_w=torch.ones(len(y)),
        gen=gen,
        steps_per_epoch=steps_per_epoch,
        total=cfg.epochs * steps_per_epoch,
    )


def _train_epoch(
    model: DropletNet,
    train: CachedSamples,
    cfg: MapTrainConfig,
    run: _Run,
    epoch: int,
    cancel: CancelToken,
) -> Generator[Progress, None, float]:
    """One pass over the samples: photo loss plus the dense map loss; returns the mean loss."""
    model.train()
    set_bn_eval(model)
    y = train.labels
    order = torch.randperm(len(y), generator=run.gen)
    running = 0.0
    for n, i in enumerate(range(0, len(order), cfg.batch_size)):
        cancel.raise_if_cancelled()
        idx = order[i : i + cfg.batch_size]
        scale = cosine_scale(run.step, run.total, run.steps_per_epoch // 2)
        for group, lr in zip(run.opt.param_groups, run.base_lrs, strict=True):
            group["lr"] = lr * scale
        logits, cells, _ = tail_forward(model, train.features[idx].float(), cfg.split_block)
        photo = F.cross_entropy(
            logits,
            y[idx],
            weight=run.class_w,
            label_smoothing=cfg.label_smoothing,
            reduction="none",
        )
        photo = (photo * run.sample_w[idx]).sum() / run.sample_w[idx].sum()
        dense = F.binary_cross_entropy_with_logits(cells, train.grids[idx].float())
        loss = photo + cfg.map_weight * dense
        run.opt.zero_grad()
        loss.backward()
        run.opt.step()
        run.step += 1
        running += float(loss.detach())
        if n % 10 == 0:
            yield Progress(
                "training droplet map",
                done=run.step,
                total=run.total,
                extra={"loss": running / (n + 1), "epoch": float(epoch)},
            )
    return running / run.steps_per_epoch


def _hard_negative_weights(
    model: DropletNet, train: CachedSamples, cfg: MapTrainConfig
) -> torch.Tensor:
    """Hard-negative mining: weight up the clean samples the model now scores highest."""
    y = train.labels
    train_logits, _ = predict(model, train.features, cfg.split_block)
    train_scores = torch.softmax(train_logits, 1)[:, 1]
    sample_w = torch.ones(len(y))
    clean = torch.nonzero(y == 0).flatten()
    n_hard = max(1, int(cfg.hard_fraction * len(clean)))
    hardest = clean[train_scores[clean].topk(n_hard).indices]
    sample_w[hardest] = cfg.hard_weight
    return sample_w


def _validate(model: DropletNet, val: CachedSamples, split: int) -> dict[str, float]:
    val_logits, val_cells = predict(model, val.features, split)
    val_y = val.labels.numpy()
    scores = torch.softmax(val_logits, 1)[:, 1].numpy()
    return {
        "val_nll": float(F.cross_entropy(val_logits, val.labels)),
        "val_map_bce": float(F.binary_cross_entropy_with_logits(val_cells, val.grids.float())),
        "val_auroc": float(auroc(val_y, scores)),
        "val_recall_at_1pct_fpr": recall_at_fpr(val_y, scores, 0.01),
    }


def fit_map_model(
    model: DropletNet,
    train: CachedSamples,
    val: CachedSamples,
    cfg: MapTrainConfig,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, DropletNet]:
    """Train ``model`` (a map model) on cached samples; returns it at its best epoch.

    The best epoch is the one with the highest validation recall at a 1 % false-positive
    rate, the figure that decides whether flags can be trusted; ties go to the lower NLL.
    """
    cancel = cancel or CancelToken()
    run = _start_run(model, train, cfg)
    # Mining starts before the first epoch, from the starting model's own scores: a further
    # round then begins with the clean samples its parent got most wrong.
    run.sample_w = _hard_negative_weights(model, train, cfg)
    best: tuple[float, float, dict[str, torch.Tensor]] | None = None
    for epoch in range(cfg.epochs):
        train_loss = yield from _train_epoch(model, train, cfg, run, epoch, cancel)
        run.sample_w = _hard_negative_weights(model, train, cfg)
        record = {
            "epoch": float(epoch),
            "train_loss": train_loss,
            **_validate(model, val, cfg.split_block),
        }
        cfg.history.append(record)
        yield Progress("training droplet map", done=run.step, total=run.total, extra=record)
        rec1, nll = record["val_recall_at_1pct_fpr"], record["val_nll"]
        if best is None or (rec1, -nll) > (best[0], best[1]):
            best = (rec1, -nll, {k: v.clone() for k, v in model.state_dict().items()})
    assert best is not None
    model.load_state_dict(best[2])
    model.eval()
    return model


def training_record(cfg: MapTrainConfig, train: CachedSamples) -> dict[str, Any]:
    """What the model card records of a map-training run."""
    roles = [job[2] for job in train.jobs]
    return {
        "kind": "droplet-map",
        "config": {k: v for k, v in asdict(cfg).items() if k != "history"},
        "history": cfg.history,
        "samples": {role: roles.count(role) for role in sorted(set(roles))},
        "lens_water_kinds": dict(KIND_WEIGHTS),
    }
