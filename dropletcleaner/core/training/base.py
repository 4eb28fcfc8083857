"""Train the base droplet model from clean photos: synthesis, hard negatives, transfer learning.

No large labelled real droplet set exists, so every positive is a clean photo with
physically rendered lens water (:mod:`dropletcleaner.core.synthetic.lens_water`), and half the
negatives are clean photos degraded by defocus, motion blur, soft upscaling, darkness and noise,
fog or JPEG blocking (:mod:`dropletcleaner.core.synthetic.degrade`), so the model cannot learn
"blurry means droplet". Some positives are degraded too, for the same reason.

Training is transfer learning in two phases on the CPU-friendly split of the network:
the frozen early blocks run once per sample and their features are cached; phase 1 trains
the head on pooled embeddings, phase 2 fine-tunes the later blocks and the head. Both use
class-weighted cross-entropy with label smoothing, AdamW with a cosine learning-rate
schedule, early stopping, and a checkpoint written only when validation improves.
Optional FGSM adversarial training perturbs the pixels.

Training sees crops at ``train_input_size``; scanning sees whole frames at ``input_size``.
So calibration happens the way photos are scored: temperature scaling and the default
threshold are fitted on whole-frame renders of the validation photos at ``input_size``,
and the replay set kept for fast retraining holds whole-frame embeddings like the catalog's
(:func:`calibrate`; :func:`recalibrate` redoes it for an existing model).

Everything is reproducible from the seed, the recorded configuration and the data
manifest written into the model card. :func:`train_base` is a generator of progress.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from PIL import Image
from torch import nn

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.calibration import choose_threshold, fit_temperature
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import load_model, save_model
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.metrics import binary_metrics
from dropletcleaner.core.ml.network import DropletNet, build_imagenet_model
from dropletcleaner.core.photos.decode import DecodeError, load_rgb, model_pixels
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.core.training.data import (
    collect_images,
    dedupe_by_phash,
    photometric,
    random_crop,
    split_of,
    whole_frame,
)
from dropletcleaner.core.training.optim import (
    cache_stem_features,
    class_weights,
    cosine_lr,
    set_bn_eval,
    tail_embeddings,
)
from dropletcleaner.core.training.replay import ReplaySet, replay_path, save_replay

# Roles of generated samples.
ROLE_DROPLET = "droplet"
ROLE_DROPLET_DEGRADED = "droplet_degraded"
ROLE_CLEAN = "clean"
ROLE_HARD = "hard_negative"
_J = TypeVar("_J", bound=tuple[Any, ...])  # a rendering job; its first item names the photo
DROPLET_ROLES = frozenset({ROLE_DROPLET, ROLE_DROPLET_DEGRADED})
DEGRADED_ROLES = frozenset({ROLE_HARD, ROLE_DROPLET_DEGRADED})


@dataclass
class TrainConfig:
    """Everything that determines a training run; recorded in the model card."""

    data: list[str] = field(default_factory=list)
    seed: int = 0  # decides the train/val/test split, initialisation and order
    sample_seed: int = 0  # decides which crops, degradations and water are rendered
    init_weights: str | None = None  # continue from this model instead of ImageNet
    variants_per_image: int = 12
    render_size: int = 320
    val_fraction: float = 0.15
    test_fraction: float = 0.10
    # Samples come in twins: the same crop, degradation and colour jitter with and without
    # water, so the only thing that separates the classes is the water itself.
    degraded_fraction: float = 0.55  # of the twins: blurred, dark, foggy, blocky...
    jpeg_fraction: float = 0.5
    split_block: int = 4  # blocks before this stay frozen; later blocks are fine-tuned
    head_epochs: int = 30
    finetune_epochs: int = 10
    batch_size: int = 64
    lr_head: float = 3e-3
    lr_finetune: float = 5e-4
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    patience: int = 3
    fgsm_epsilon: float = 0.0  # in normalised pixel units; 0 disables FGSM
    target_fpr: float = 0.01
    workers: int = 2
    replay_size: int = 1024
    calibration_variants: int = 8  # whole-frame renders per validation photo
    # Train on whole frames at the scoring size instead of crops at the training size:
    # slower, less varied; meant for a fine-tuning round after crop training (--init).
    full_frame: bool = False


@dataclass
class TrainResult:
    """What a finished run produced."""

    weights: Path | None = None
    card: ModelCard | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    duplicates_removed: list[str] = field(default_factory=list)


def make_sample(path: str, seed: int, role: str, cfg: dict[str, Any]) -> np.ndarray:
    """One training sample (model-input pixels) from a clean photo, for ``role``.

    The crop, degradation and colour jitter depend only on ``seed``; the water has its own
    random stream. Twins (same seed, droplet and non-droplet role) therefore differ only in
    the rendered water.
    """
    from dropletcleaner.core.synthetic.degrade import degrade
    from dropletcleaner.core.synthetic.lens_water.render import render_droplets

    rng = np.random.default_rng(seed)
    if cfg.get("full_frame"):
        img = whole_frame(path)
        size = PREPROCESS.input_size
    else:
        img = random_crop(load_rgb(path, max_side=2 * cfg["render_size"]), rng, cfg["render_size"])
        size = PREPROCESS.train_input_size
    arr = np.asarray(img)
    if role in DEGRADED_ROLES:
        arr, _ = degrade(arr, rng)
    if role in DROPLET_ROLES:
        arr = render_droplets(arr, np.random.default_rng([seed, 1])).image
    img = photometric(Image.fromarray(arr), rng, cfg["jpeg_fraction"])
    return model_pixels(img, size=size)


def _sample_job(job: tuple[str, int, str, dict[str, Any]]) -> np.ndarray | None:
    try:
        return make_sample(*job)
    except (DecodeError, OSError):
        return None


def plan_samples(
    paths: Sequence[Path],
    cfg: TrainConfig,
    split_seed: int,
    *,
    variants: int | None = None,
    full_frame: bool = False,
) -> list[tuple[str, int, str, dict[str, Any]]]:
    """Deterministic (path, seed, role, cfg) jobs: ``variants`` per photo, in twins.

    ``variants`` defaults to ``cfg.variants_per_image``. ``full_frame`` samples are whole
    frames at the scoring input size (calibration); otherwise crops at the training size.
    """
    rng = np.random.default_rng([split_seed, cfg.sample_seed])
    jobs: list[tuple[str, int, str, dict[str, Any]]] = []
    params = {**asdict(cfg), "full_frame": full_frame}
    count = cfg.variants_per_image if variants is None else variants
    for i, path in enumerate(paths):
        for v in range(max(1, count // 2)):
            seed = (split_seed + 7919 * cfg.sample_seed) * 1_000_003 + i * 1009 + v
            if rng.random() < cfg.degraded_fraction:
                twins = (ROLE_DROPLET_DEGRADED, ROLE_HARD)
            else:
                twins = (ROLE_DROPLET, ROLE_CLEAN)
            jobs.extend((str(path), seed, role, params) for role in twins)
    return jobs


def _parallel(
    func: Callable[[_J], np.ndarray | None],
    jobs: Sequence[_J],
    workers: int,
    cancel: CancelToken,
    phase: str,
) -> Generator[Progress, None, list[np.ndarray | None]]:
    """``func`` over ``jobs`` in worker processes, in order; yields progress, returns outputs."""
    outputs: list[np.ndarray | None] = []
    ctx = multiprocessing.get_context("spawn")  # torch is initialised here: never fork
    with ctx.Pool(max(1, workers)) as pool:
        for k, out in enumerate(pool.imap(func, jobs, chunksize=8)):
            outputs.append(out)
            if k % 64 == 0:
                cancel.raise_if_cancelled()
                yield Progress(phase, done=k, total=len(jobs), current=str(jobs[k][0]))
    return outputs


def generate(
    jobs: Sequence[tuple[str, int, str, dict[str, Any]]],
    workers: int,
    cancel: CancelToken,
    phase: str,
) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray, list[str]]]:
    """Render samples in worker processes; yields progress, returns ``(pixels, labels, roles)``.

    Photos that cannot be read are left out.
    """
    outputs = yield from _parallel(_sample_job, jobs, workers, cancel, phase)
    kept = [(job[2], out) for job, out in zip(jobs, outputs, strict=True) if out is not None]
    pixels = np.stack([out for _, out in kept])
    labels = np.asarray([1 if role in DROPLET_ROLES else 0 for role, _ in kept], dtype=np.int64)
    return pixels, labels, [role for role, _ in kept]


# -- the run -------------------------------------------------------------------------------------
def train_base(
    cfg: TrainConfig, out_path: Path, cancel: CancelToken | None = None, version: str = "droplet-v3"
) -> Generator[Progress, None, TrainResult]:
    """Train the base model and write it to ``out_path`` (safetensors + card + replay set).

    A generator of :class:`Progress`; the final record's ``extra`` holds the metrics. The
    :class:`TrainResult` is the generator's return value (``yield from`` gives it).
    """
    cancel = cancel or CancelToken()
    start = time.perf_counter()
    torch.manual_seed(cfg.seed)
    result = TrainResult()

    yield Progress("collecting", message="finding and de-duplicating clean photos")
    all_paths = collect_images(cfg.data)
    if not all_paths:
        raise ValueError(f"no photos found in {cfg.data}")
    paths, dropped = dedupe_by_phash(all_paths)
    result.duplicates_removed = [str(p) for p in dropped]
    splits: dict[str, list[Path]] = {"train": [], "val": [], "test": []}
    for p in paths:
        splits[split_of(p, cfg.seed, cfg.val_fraction, cfg.test_fraction)].append(p)

    train_px, train_y, _ = yield from generate(
        plan_samples(splits["train"], cfg, cfg.seed, full_frame=cfg.full_frame),
        cfg.workers,
        cancel,
        "rendering training samples",
    )
    val_px, val_y, _ = yield from generate(
        plan_samples(splits["val"], cfg, cfg.seed + 1, full_frame=cfg.full_frame),
        cfg.workers,
        cancel,
        "rendering validation samples",
    )

    model = build_imagenet_model(cfg.seed)
    if cfg.init_weights:
        # Warm start: the frozen blocks are still ImageNet's, so cached features match.
        model.load_state_dict(load_model(Path(cfg.init_weights)).model.state_dict())
        model.temperature.fill_(1.0)  # type: ignore[operator]
    split = cfg.split_block
    yield Progress("caching features", total=len(train_px) + len(val_px))
    train_f = cache_stem_features(model, train_px, split)
    val_f = cache_stem_features(model, val_px, split)
    # Pixels are only needed for FGSM; otherwise free the memory.
    fgsm_px: np.ndarray | None = train_px if cfg.fgsm_epsilon > 0 else None
    del train_px
    ytr = torch.from_numpy(train_y)
    yva = torch.from_numpy(val_y)
    loss_fn = nn.CrossEntropyLoss(
        weight=class_weights(train_y), label_smoothing=cfg.label_smoothing
    )
    nll = nn.CrossEntropyLoss()

    # Phase 1: the head on frozen pooled embeddings.
    yield Progress("training head", total=cfg.head_epochs)
    emb_tr = tail_embeddings(model, train_f, split)
    emb_va = tail_embeddings(model, val_f, split)
    head_opt = torch.optim.AdamW(
        model.head.parameters(), lr=cfg.lr_head, weight_decay=cfg.weight_decay
    )
    steps_per_epoch = math.ceil(len(emb_tr) / cfg.batch_size)
    best: tuple[float, dict[str, torch.Tensor] | None] = (math.inf, None)
    gen = torch.Generator().manual_seed(cfg.seed)
    step = 0
    for epoch in range(cfg.head_epochs):
        cancel.raise_if_cancelled()
        model.head.train()
        order = torch.randperm(len(emb_tr), generator=gen)
        epoch_loss = 0.0
        for i in range(0, len(order), cfg.batch_size):
            idx = order[i : i + cfg.batch_size]
            cosine_lr(
                head_opt, cfg.lr_head, step, cfg.head_epochs * steps_per_epoch, steps_per_epoch
            )
            loss = loss_fn(model.head(model.dropout(emb_tr[idx])), ytr[idx])
            head_opt.zero_grad()
            loss.backward()
            head_opt.step()
            step += 1
            epoch_loss += loss.item() * len(idx)
        model.head.eval()
        with torch.no_grad():
            val_loss = float(nll(model.head(emb_va), yva))
        result.history.append(
            {"phase": 1, "epoch": epoch, "train_loss": epoch_loss / len(order), "val_nll": val_loss}
        )
        if val_loss < best[0]:
            best = (val_loss, {k: v.clone() for k, v in model.head.state_dict().items()})
        yield Progress(
            "training head", done=epoch + 1, total=cfg.head_epochs, extra={"val_nll": val_loss}
        )
    assert best[1] is not None
    model.head.load_state_dict(best[1])

    # Phase 2: fine-tune the later blocks and the head on cached early features.
    tail_params = model.tail_parameters(split)
    opt = torch.optim.AdamW(
        [
            {"params": tail_params, "lr_scale": 1.0},
            {"params": list(model.head.parameters()), "lr_scale": 2.0},
        ],
        lr=cfg.lr_finetune,
        weight_decay=cfg.weight_decay,
    )
    best_loss = math.inf
    best_state = {k: v.clone() for k, v in model.state_dict().items()}
    stale = 0
    step = 0
    total_steps = cfg.finetune_epochs * steps_per_epoch
    checkpoint = out_path.with_name(out_path.stem + ".checkpoint.safetensors")
    for epoch in range(cfg.finetune_epochs):
        model.train()
        set_bn_eval(model)
        order = torch.randperm(len(train_f), generator=gen)
        running = 0.0
        for n, i in enumerate(range(0, len(order), cfg.batch_size)):
            cancel.raise_if_cancelled()
            idx = order[i : i + cfg.batch_size]
            cosine_lr(opt, cfg.lr_finetune, step, total_steps, steps_per_epoch // 2)
            if fgsm_px is not None:
                feats = _fgsm_features(
                    model, fgsm_px[idx.numpy()], ytr[idx], loss_fn, cfg.fgsm_epsilon, split
                )
                feats = torch.cat([train_f[idx].float(), feats])
                target = torch.cat([ytr[idx], ytr[idx]])
            else:
                feats, target = train_f[idx].float(), ytr[idx]
            logits = model.head(model.dropout(model.tail_embedding(feats, split)))
            loss = loss_fn(logits, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            running += loss.item()
            if n % 20 == 0:
                yield Progress(
                    "fine-tuning",
                    done=epoch * steps_per_epoch + n,
                    total=total_steps,
                    extra={"train_loss": running / (n + 1)},
                )
        model.eval()
        with torch.no_grad():
            val_logits = model.head(tail_embeddings(model, val_f, split))
            val_loss = float(nll(val_logits, yva))
            val_scores = torch.softmax(val_logits, 1)[:, 1].numpy()
        m = binary_metrics(val_y, val_scores, 0.5)
        result.history.append(
            {
                "phase": 2,
                "epoch": epoch,
                "val_nll": val_loss,
                "val_auroc": m.auroc,
                "train_loss": running / max(1, steps_per_epoch),
            }
        )
        improved = val_loss < best_loss - 1e-4
        if improved:
            best_loss, stale = val_loss, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            save_model(
                model,
                ModelCard(version=f"{version}-checkpoint", metrics={"val_nll": val_loss}),
                checkpoint,
            )
        else:
            stale += 1
        yield Progress(
            "fine-tuning",
            done=(epoch + 1) * steps_per_epoch,
            total=total_steps,
            extra={"val_nll": val_loss, "val_auroc": m.auroc, "improved": float(improved)},
        )
        if stale >= cfg.patience:
            break
    model.load_state_dict(best_state)
    model.eval()

    # Ranking on the validation crops, for the record; calibration uses whole frames below.
    with torch.no_grad():
        crop_scores = torch.softmax(model.head(tail_embeddings(model, val_f, split)), 1)[:, 1]
    crop_metrics = binary_metrics(val_y, crop_scores.numpy(), 0.5).as_dict()
    del train_f, val_f
    calibration = yield from calibrate(model, splits, cfg, cancel)
    metrics = {**calibration.metrics, "validation_crops_at_0.5": crop_metrics}
    temperature, threshold = calibration.temperature, calibration.threshold
    card = ModelCard(
        version=version,
        threshold=threshold,
        temperature=temperature,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        training={"config": asdict(cfg), "history": result.history, "torch": torch.__version__},
        metrics=metrics,
        data_manifest=_manifest(splits, dropped, cfg),
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, card, out_path)
    save_replay(calibration.replay, replay_path(out_path))
    checkpoint.unlink(missing_ok=True)
    checkpoint.with_suffix(".json").unlink(missing_ok=True)
    result.weights, result.card = out_path, card
    result.seconds = time.perf_counter() - start
    card.training["seconds"] = round(result.seconds, 1)
    atomic_write_text(out_path.with_suffix(".json"), card.to_json())
    yield Progress(
        "done",
        done=1,
        total=1,
        extra={
            "threshold": threshold,
            "temperature": temperature,
            "seconds": result.seconds,
            "val_auroc": calibration.metrics["validation"]["auroc"],
        },
    )
    return result


def _fgsm_features(
    model: DropletNet,
    pixels: np.ndarray,
    target: torch.Tensor,
    loss_fn: nn.Module,
    eps: float,
    split: int,
) -> torch.Tensor:
    """FGSM: perturb the pixels along the sign of the loss gradient; return their stem features."""
    x = to_model_tensor(pixels).requires_grad_(True)
    was_training = model.training
    model.eval()
    logits = model.head(model.tail_embedding(model.stem_features(x, split), split))
    grad = torch.autograd.grad(loss_fn(logits, target), x)[0]
    model.train(was_training)
    set_bn_eval(model)
    with torch.no_grad():
        adv = (x + eps * grad.sign()).clamp(-1.0, 1.0)
        return model.stem_features(adv, split)


def _manifest(
    splits: dict[str, list[Path]], dropped: list[Path], cfg: TrainConfig
) -> dict[str, Any]:
    def rel(p: Path) -> str:
        for root in cfg.data:
            try:
                return os.path.join(Path(root).name, str(p.relative_to(root)))
            except ValueError:
                continue
        return p.name

    return {
        "sources": [Path(d).name for d in cfg.data],
        "counts": {k: len(v) for k, v in splits.items()},
        "duplicates_removed": [rel(p) for p in dropped],
        "files": {k: [rel(p) for p in v] for k, v in splits.items()},
        "samples_per_image": cfg.variants_per_image,
    }


@dataclass
class Calibration:
    """Temperature, threshold, metrics and replay set fitted on whole-frame renders."""

    temperature: float
    threshold: float
    metrics: dict[str, Any]
    replay: ReplaySet


@torch.no_grad()  # not inference_mode: temperature fitting differentiates through the logits
def embed_pixels(model: DropletNet, pixels: np.ndarray, batch: int = 32) -> torch.Tensor:
    """Pooled embeddings of model-input pixels (any square size), in batches."""
    model.eval()
    out = [
        model.embed(
            to_model_tensor(pixels[i : i + batch]).contiguous(memory_format=torch.channels_last)
        )
        for i in range(0, len(pixels), batch)
    ]
    return torch.cat(out).float()


def calibrate(
    model: DropletNet, splits: dict[str, list[Path]], cfg: TrainConfig, cancel: CancelToken
) -> Generator[Progress, None, Calibration]:
    """Fit temperature and threshold on whole-frame validation renders, as scans see photos.

    The threshold is the lowest that keeps the validation false-positive rate at
    ``cfg.target_fpr`` both on plain clean frames and on degraded ones (blurred, dark,
    foggy...), so neither kind of photo gets more false alarms than promised. The replay set
    is whole-frame embeddings of training photos, comparable with those in the catalog.
    """
    jobs = plan_samples(
        splits["val"], cfg, cfg.seed + 2, variants=cfg.calibration_variants, full_frame=True
    )
    px, y, roles = yield from generate(jobs, cfg.workers, cancel, "rendering calibration frames")
    yield Progress("calibrating", message="scoring whole frames at the scan input size")
    cancel.raise_if_cancelled()
    with torch.no_grad():
        logits = model.head(embed_pixels(model, px))
    labels = torch.from_numpy(y)
    temperature = fit_temperature(logits, labels)
    model.temperature.fill_(temperature)  # type: ignore[operator]
    scores = torch.softmax(logits / temperature, 1)[:, 1].numpy()
    role = np.asarray(roles)
    degraded = np.isin(role, sorted(DEGRADED_ROLES))
    threshold = max(
        choose_threshold(scores[~degraded], y[~degraded], cfg.target_fpr),
        choose_threshold(scores[degraded], y[degraded], cfg.target_fpr),
    )
    metrics: dict[str, Any] = {
        "validation": binary_metrics(y, scores, threshold).as_dict(),
        "validation_plain": binary_metrics(y[~degraded], scores[~degraded], threshold).as_dict(),
        "validation_vs_hard_negatives": binary_metrics(
            y[degraded], scores[degraded], threshold
        ).as_dict(),
        "validation_set": (
            "whole-frame synthetic droplets on the validation photos, scored at "
            f"{PREPROCESS.input_size} px; negatives the same frames clean or degraded"
        ),
    }

    metrics["validation_recall_by_kind"] = yield from recall_by_kind(
        model, splits["val"], threshold, cfg, cancel
    )

    # Replay: one twin per training photo (at most replay_size / 2 photos), whole frames.
    rng = np.random.default_rng(cfg.seed)
    train = list(splits["train"])
    chosen = [train[i] for i in sorted(rng.permutation(len(train))[: cfg.replay_size // 2])]
    jobs = plan_samples(chosen, cfg, cfg.seed + 3, variants=2, full_frame=True)
    px, y, _ = yield from generate(jobs, cfg.workers, cancel, "rendering replay frames")
    cancel.raise_if_cancelled()
    replay = ReplaySet(embed_pixels(model, px).to(torch.float16).numpy(), y)
    return Calibration(temperature, threshold, metrics, replay)


def _kind_job(job: tuple[str, int, str]) -> np.ndarray | None:
    """One whole frame with water of one kind (no degradation or jitter), at scoring size."""
    from dropletcleaner.core.synthetic.lens_water.render import render_droplets

    path, seed, kind = job
    try:
        img = whole_frame(path)
    except (DecodeError, OSError):
        return None
    wet = render_droplets(np.asarray(img), np.random.default_rng(seed), kind).image
    return model_pixels(Image.fromarray(wet))


def recall_by_kind(
    model: DropletNet,
    paths: Sequence[Path],
    threshold: float,
    cfg: TrainConfig,
    cancel: CancelToken,
) -> Generator[Progress, None, dict[str, float]]:
    """Share of whole frames flagged at ``threshold``, for each kind of rendered water.

    Tells which kinds of lens water a model finds (phone-lens blobs, drops on glass, specks
    on a windscreen...), which a single validation figure hides.
    """
    from dropletcleaner.core.synthetic.lens_water.kinds import KINDS

    jobs = [
        (str(p), (cfg.seed + 5) * 1_000_003 + i * len(KINDS) + k, kind)
        for i, p in enumerate(paths)
        for k, kind in enumerate(KINDS)
    ]
    outputs = yield from _parallel(_kind_job, jobs, cfg.workers, cancel, "recall by kind")
    kept = [(job[2], out) for job, out in zip(jobs, outputs, strict=True) if out is not None]
    if not kept:
        return {}
    pixels = [out for _, out in kept]
    kinds = [kind for kind, _ in kept]
    with torch.no_grad():
        logits = model.head(embed_pixels(model, np.stack(pixels))) / model.temperature
    flagged = torch.softmax(logits, 1)[:, 1].numpy() >= threshold
    names = np.asarray(kinds)
    return {k: round(float(flagged[names == k].mean()), 4) for k in KINDS if (names == k).any()}


def recalibrate(
    weights: Path,
    out_path: Path,
    version: str,
    data: Sequence[str] | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    target_fpr: float | None = None,
) -> Generator[Progress, None, ModelCard]:
    """Re-fit an existing model's temperature, threshold and replay set (see :func:`calibrate`).

    ``target_fpr`` overrides the validation false-positive rate the threshold aims for.

    The weights are unchanged. The train/validation split is rebuilt from the configuration
    recorded in the model's card, so the validation photos are the ones it never trained on.
    """
    cancel = cancel or CancelToken()
    loaded = load_model(weights)
    recorded = dict(loaded.card.training.get("config", {}))
    known = {k: v for k, v in recorded.items() if k in TrainConfig.__dataclass_fields__}
    cfg = TrainConfig(**known)
    if data:
        cfg.data = [str(d) for d in data]
    if workers:
        cfg.workers = workers
    if target_fpr is not None:
        cfg.target_fpr = target_fpr
    yield Progress("collecting", message="rebuilding the training split")
    paths, dropped = dedupe_by_phash(collect_images(cfg.data))
    if not paths:
        raise ValueError(f"no photos found in {cfg.data}")
    splits: dict[str, list[Path]] = {"train": [], "val": [], "test": []}
    for p in paths:
        splits[split_of(p, cfg.seed, cfg.val_fraction, cfg.test_fraction)].append(p)
    model = loaded.model
    calibration = yield from calibrate(model, splits, cfg, cancel)
    card = loaded.card
    card.version = version
    card.input_size = PREPROCESS.input_size
    card.temperature, card.threshold = calibration.temperature, calibration.threshold
    card.metrics = {**card.metrics, **calibration.metrics}
    card.metrics.pop("validation_crops_at_0.5", None)
    card.training = {
        **card.training,
        "calibrated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    card.training["config"] = asdict(cfg)
    card.data_manifest = _manifest(splits, dropped, cfg)
    save_model(model, card, out_path)
    save_replay(calibration.replay, replay_path(out_path))
    yield Progress(
        "done",
        done=1,
        total=1,
        extra={"threshold": card.threshold, "temperature": card.temperature},
    )
    return card


__all__ = [
    "TrainConfig",
    "TrainResult",
    "calibrate",
    "make_sample",
    "recalibrate",
    "train_base",
]
