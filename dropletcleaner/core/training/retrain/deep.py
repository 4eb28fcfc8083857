"""Deep retraining: fine-tune the last backbone block on the labelled photos themselves.

Positives also include synthetic droplets rendered on the user's clean-labelled photos, so
it needs the droplet synthesiser (:func:`synth_available`). A stratified quarter of the
labels is held out and decoded exactly as a scan decodes, and both models are compared on
it. The new backbone's embeddings differ from the stored ones, so the catalog is re-scored
at the next scan.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.metrics import BinaryMetrics, binary_metrics
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.photos.decode import DecodeError, decode_for_scan, load_rgb, model_pixels
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.data import photometric, random_crop
from dropletcleaner.core.training.optim import (
    cache_stem_features,
    class_weights,
    cosine_lr,
    set_bn_eval,
    tail_embeddings,
)
from dropletcleaner.core.training.replay import ReplaySet
from dropletcleaner.core.training.retrain.accept import Evaluation
from dropletcleaner.core.training.retrain.forgetting import (
    CHECK_SET,
    check_photos,
    render_check_set,
)
from dropletcleaner.core.training.retrain.heads import LABEL_SMOOTHING
from dropletcleaner.core.training.retrain.labels import (
    LABEL_VALUES,
    LabelCounts,
    RetrainError,
    label_key,
)
from dropletcleaner.core.training.retrain.result import (
    RetrainResult,
    base_target_fpr,
    conclude,
    model_temperature,
    progress_extra,
)
from dropletcleaner.core.training.retrain.versions import backbone_digest

DEEP_EPOCHS = 3
DEEP_SPLIT_BLOCK = 6  # EfficientNet-Lite0 has blocks 0..6: fine-tune the last one
DEEP_HOLDOUT = 0.25
DEEP_LR = 2e-4
DEEP_RENDER_SIZE = 320  # crops are drawn at this size, as in base training


def synth_available() -> bool:
    """Whether deep retraining can render synthetic droplets on this installation."""
    try:
        from dropletcleaner.core.synthetic.lens_water.render import render_droplets  # noqa: F401
    except ImportError:
        return False
    return True


def _deep_rows(catalog: Catalog) -> list[tuple[str, int, str]]:
    """``(path, label, key)`` of labelled photos still on disk."""
    rows = catalog.labelled_readable()
    return [
        (r[0], LABEL_VALUES[r[1]], label_key(r[2], r[0], r[1]))
        for r in rows
        if Path(r[0]).is_file()
    ]


def _synthesiser() -> Callable[[np.ndarray, np.random.Generator], Any]:
    """The droplet renderer; :class:`RetrainError` when this installation lacks it."""
    try:
        from dropletcleaner.core.synthetic.lens_water.render import render_droplets
    except ImportError as exc:
        raise RetrainError(
            "deep retraining needs the droplet synthesiser "
            "(dropletcleaner.core.synthetic.lens_water.render), "
            f"which is not available: {exc}"
        ) from exc
    return render_droplets


def _read_labels(catalog: Catalog) -> tuple[list[tuple[str, int, str]], np.ndarray, LabelCounts]:
    """The labelled photos on disk, their labels (1 = droplet), and how many of each."""
    rows = _deep_rows(catalog)
    labels = np.asarray([r[1] for r in rows], dtype=np.int64)
    counts = LabelCounts(int((labels == 1).sum()), int((labels == 0).sum()))
    if not counts.enough:
        raise RetrainError(counts.shortfall + " (deep retraining needs the photos on disk)")
    return rows, labels, counts


def _hold_out(labels: np.ndarray, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    """A stratified quarter of the labels held out (at least one of each kind), and the rest."""
    held: list[int] = []
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(labels == c))
        held.extend(int(i) for i in idx[: max(1, round(len(idx) * DEEP_HOLDOUT))])
    held_set = set(held)
    return held, [i for i in range(len(labels)) if i not in held_set]


def _training_samples(
    rows: Sequence[tuple[str, int, str]],
    labels: np.ndarray,
    train_rows: Sequence[int],
    variants: int,
    rng: np.random.Generator,
    render_droplets: Callable[[np.ndarray, np.random.Generator], Any],
    cancel: CancelToken,
) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray, int]]:
    """Augmented labelled photos, plus droplets drawn on clean ones: ``(pixels, y, unreadable)``."""
    size = DEEP_RENDER_SIZE
    jobs = [(i, False) for i in train_rows for _ in range(variants)]
    jobs += [(i, True) for i in train_rows if labels[i] == 0 for _ in range(variants)]
    pixels: list[np.ndarray] = []
    targets: list[int] = []
    images: dict[int, Image.Image] = {}
    skipped = 0
    for n, (i, synthetic) in enumerate(jobs):
        if n % 8 == 0:
            cancel.raise_if_cancelled()
            yield Progress("preparing photos", done=n, total=len(jobs), current=rows[i][0])
        if i not in images:
            try:
                images[i] = load_rgb(rows[i][0], max_side=2 * size)
            except (DecodeError, OSError):
                skipped += 1
                images[i] = Image.new("RGB", (1, 1))
                continue
        if images[i].size == (1, 1):
            continue
        img = random_crop(images[i], rng, size)
        arr = np.asarray(img)
        if synthetic:
            arr = render_droplets(arr, rng).image
        img = photometric(Image.fromarray(arr), rng, 0.5)
        pixels.append(model_pixels(img, size=PREPROCESS.train_input_size))
        targets.append(1 if synthetic else int(labels[i]))
    images.clear()
    y = np.asarray(targets, dtype=np.int64)
    if len(np.unique(y)) < 2:
        raise RetrainError("too few readable labelled photos to fine-tune on")
    yield Progress("preparing photos", done=len(jobs), total=len(jobs))
    return np.stack(pixels), y, skipped


def _fine_tune(
    model: DropletNet,
    feats: torch.Tensor,
    y: np.ndarray,
    epochs: int,
    seed: int,
    cancel: CancelToken,
) -> Generator[Progress, None, None]:
    """The last block and the head on cached stem features; leaves ``model`` in eval mode."""
    split = DEEP_SPLIT_BLOCK
    yt = torch.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss(weight=class_weights(y), label_smoothing=LABEL_SMOOTHING)
    opt = torch.optim.AdamW(
        [
            {"params": model.tail_parameters(split), "lr_scale": 1.0},
            {"params": list(model.head.parameters()), "lr_scale": 5.0},
        ],
        lr=DEEP_LR,
        weight_decay=1e-4,
    )
    batch = 32
    steps_per_epoch = math.ceil(len(y) / batch)
    total_steps = epochs * steps_per_epoch
    gen = torch.Generator().manual_seed(seed)
    step = 0
    for _epoch in range(epochs):
        model.train()
        set_bn_eval(model)
        order = torch.randperm(len(y), generator=gen)
        for i in range(0, len(order), batch):
            cancel.raise_if_cancelled()
            chosen = order[i : i + batch]
            cosine_lr(opt, DEEP_LR, step, total_steps, max(1, steps_per_epoch // 2))
            logits = model.head(model.dropout(model.tail_embedding(feats[chosen].float(), split)))
            loss = loss_fn(logits, yt[chosen])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            yield Progress(
                "fine-tuning", done=step, total=total_steps, extra={"train_loss": loss.item()}
            )
    model.eval()


@dataclass
class _HeldOut:
    """Both models' scores on the held-out labelled photos that could be read."""

    y: np.ndarray
    old: np.ndarray
    new: np.ndarray
    fresh: np.ndarray  # labels the current model did not learn from (all, if none)

    def evaluation(
        self, scores: np.ndarray, threshold: float, check: BinaryMetrics | None
    ) -> Evaluation:
        return Evaluation(
            binary_metrics(self.y[self.fresh], scores[self.fresh], threshold),
            replay=check,
            replay_set=CHECK_SET,
        )

    @property
    def comparison(self) -> str:
        return (
            f"{int(self.fresh.sum())} held-out labelled photos (a quarter of each kind), "
            "never used for fine-tuning"
        )


def _held_out(
    rows: Sequence[tuple[str, int, str]],
    labels: np.ndarray,
    held: Sequence[int],
    base: LoadedModel,
    model: DropletNet,
) -> _HeldOut:
    """Held-out labels, decoded as a scan decodes them, through both full models."""
    held_px: list[np.ndarray] = []
    held_y: list[int] = []
    held_keys: list[str] = []
    for i in held:
        try:
            held_px.append(decode_for_scan(rows[i][0]).pixels)
        except (DecodeError, OSError):
            continue
        held_y.append(int(labels[i]))
        held_keys.append(rows[i][2])
    if len(set(held_y)) < 2:
        raise RetrainError("too few held-out labelled photos could be read to compare models")
    with torch.inference_mode():
        held_x = to_model_tensor(np.stack(held_px), card=base.card)  # as its scans see them
        old_scores = base.model.eval().predict_proba(held_x).numpy()
        new_scores = model.predict_proba(held_x).numpy()
    learned = set(base.card.training.get("label_keys", []))
    fresh = np.asarray([k not in learned for k in held_keys])
    if not fresh.any():
        fresh[:] = True
    return _HeldOut(np.asarray(held_y, dtype=np.int64), old_scores, new_scores, fresh)


def deep_retrain(
    catalog: Catalog,
    base: LoadedModel,
    *,
    epochs: int | None = None,
    variants: int = 4,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, RetrainResult]:
    """Fine-tune the last backbone block and the head on the labelled photos themselves.

    Positives also include synthetic droplets rendered on the user's clean-labelled photos.
    A stratified quarter of the labels is held out and decoded exactly as a scan decodes;
    both models are compared on it. Slower than fast retraining; cancellable.
    """
    render_droplets = _synthesiser()
    cancel = cancel or CancelToken()
    epochs = epochs or DEEP_EPOCHS
    start = time.perf_counter()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    yield Progress("reading labels", total=1, message="finding labelled photos on disk")
    rows, labels, counts = _read_labels(catalog)
    held, train_rows = _hold_out(labels, rng)
    pixels, y, skipped = yield from _training_samples(
        rows, labels, train_rows, variants, rng, render_droplets, cancel
    )
    model = copy.deepcopy(base.model)
    split = DEEP_SPLIT_BLOCK
    feats = cache_stem_features(model, pixels, split)
    yield from _fine_tune(model, feats, y, epochs, seed, cancel)
    yield Progress("evaluating", done=0, total=len(held))
    out = _held_out(rows, labels, held, base, model)
    check = yield from render_check_set(
        check_photos(catalog, base, rng), base, render_droplets, seed, cancel
    )
    old_check, new_check = check.judge(base, model, cancel)
    replay = _replay(model, feats, y, rng)
    yield Progress("checking the catalog", done=0, total=1)
    result = conclude(
        catalog,
        base,
        model,
        kind="deep",
        threshold=base.threshold,
        temperature=model_temperature(base.model),
        old=out.evaluation(out.old, base.threshold, old_check),
        new=out.evaluation(out.new, base.threshold, new_check),
        comparison=out.comparison + check.comparison,
        counts=counts,
        replay=replay,
        training=_record(model, base, rows, train_rows, epochs, variants, len(y), seed),
        manifest={"labelled_photos": len(rows), "unreadable": skipped},
        notes=_notes(skipped),
        start=start,
    )
    yield Progress("done", done=1, total=1, extra=progress_extra(result))
    return result


def _replay(
    model: DropletNet, feats: torch.Tensor, y: np.ndarray, rng: np.random.Generator
) -> ReplaySet:
    """Embeddings of up to 1024 training samples by the new backbone, kept beside it."""
    rep_idx = rng.permutation(len(y))[:1024]
    return ReplaySet(
        tail_embeddings(model, feats[torch.from_numpy(rep_idx)], DEEP_SPLIT_BLOCK)
        .to(torch.float16)
        .numpy(),
        y[rep_idx],
    )


def _record(
    model: DropletNet,
    base: LoadedModel,
    rows: Sequence[tuple[str, int, str]],
    train_rows: Sequence[int],
    epochs: int,
    variants: int,
    samples: int,
    seed: int,
) -> dict[str, Any]:
    """What the candidate's card records of a deep retrain."""
    return {
        "backbone": backbone_digest(model),
        "target_fpr": base_target_fpr(base.card),
        "epochs": epochs,
        "variants": variants,
        "split_block": DEEP_SPLIT_BLOCK,
        "label_keys": sorted(rows[i][2] for i in train_rows),
        "samples": samples,
        "seed": seed,
    }


def _notes(skipped: int) -> list[str]:
    notes = [
        "a deep retrain changes the photos' embeddings: the catalog is re-scored at the next scan"
    ]
    if skipped:
        notes.append(f"{skipped} labelled photos could not be read and were left out")
    return notes
