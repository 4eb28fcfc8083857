"""The two phases of base training, on cached stem features.

Phase 1 (:func:`train_head`) trains the head on frozen pooled embeddings; phase 2
(:func:`finetune`) fine-tunes the later blocks and the head, optionally on FGSM-perturbed
pixels too. Both keep the epoch with the best validation NLL; phase 2 stops early when it
stops improving and writes a checkpoint whenever it improves.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import save_model
from dropletcleaner.core.ml.inference.protocol import to_model_tensor
from dropletcleaner.core.ml.metrics import binary_metrics
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.training.config import TrainConfig
from dropletcleaner.core.training.optim import cosine_lr, set_bn_eval, tail_embeddings


@dataclass
class Features:
    """Cached stem features and labels of the rendered training and validation samples."""

    train: torch.Tensor
    val: torch.Tensor
    y_train: torch.Tensor
    y_val: torch.Tensor
    val_labels: np.ndarray
    fgsm_pixels: np.ndarray | None  # the training pixels, kept only for FGSM


@dataclass
class Loop:
    """What both phases share: the losses, the shuffling generator, the history."""

    loss_fn: nn.Module  # class-weighted, label-smoothed
    nll: nn.Module  # plain validation NLL
    gen: torch.Generator
    history: list[dict[str, float]]


def train_head(
    model: DropletNet, feats: Features, loop: Loop, cfg: TrainConfig, cancel: CancelToken
) -> Generator[Progress, None, None]:
    """Phase 1: the head on frozen pooled embeddings; keeps the best validation epoch."""
    split = cfg.split_block
    yield Progress("training head", total=cfg.head_epochs)
    emb_tr = tail_embeddings(model, feats.train, split)
    emb_va = tail_embeddings(model, feats.val, split)
    ytr, yva = feats.y_train, feats.y_val
    head_opt = torch.optim.AdamW(
        model.head.parameters(), lr=cfg.lr_head, weight_decay=cfg.weight_decay
    )
    steps_per_epoch = math.ceil(len(emb_tr) / cfg.batch_size)
    best: tuple[float, dict[str, torch.Tensor] | None] = (math.inf, None)
    step = 0
    for epoch in range(cfg.head_epochs):
        cancel.raise_if_cancelled()
        model.head.train()
        order = torch.randperm(len(emb_tr), generator=loop.gen)
        epoch_loss = 0.0
        for i in range(0, len(order), cfg.batch_size):
            idx = order[i : i + cfg.batch_size]
            cosine_lr(
                head_opt, cfg.lr_head, step, cfg.head_epochs * steps_per_epoch, steps_per_epoch
            )
            loss = loop.loss_fn(model.head(model.dropout(emb_tr[idx])), ytr[idx])
            head_opt.zero_grad()
            loss.backward()
            head_opt.step()
            step += 1
            epoch_loss += loss.item() * len(idx)
        model.head.eval()
        with torch.no_grad():
            val_loss = float(loop.nll(model.head(emb_va), yva))
        loop.history.append(
            {"phase": 1, "epoch": epoch, "train_loss": epoch_loss / len(order), "val_nll": val_loss}
        )
        if val_loss < best[0]:
            best = (val_loss, {k: v.clone() for k, v in model.head.state_dict().items()})
        yield Progress(
            "training head", done=epoch + 1, total=cfg.head_epochs, extra={"val_nll": val_loss}
        )
    assert best[1] is not None
    model.head.load_state_dict(best[1])


def finetune(
    model: DropletNet,
    feats: Features,
    loop: Loop,
    cfg: TrainConfig,
    cancel: CancelToken,
    checkpoint: Path,
    version: str,
) -> Generator[Progress, None, None]:
    """Phase 2: the later blocks and the head on cached early features, stopping early.

    Keeps the weights of the epoch with the best validation NLL (and writes them to
    ``checkpoint`` as they come); leaves the model in eval mode.
    """
    opt = torch.optim.AdamW(
        [
            {"params": model.tail_parameters(cfg.split_block), "lr_scale": 1.0},
            {"params": list(model.head.parameters()), "lr_scale": 2.0},
        ],
        lr=cfg.lr_finetune,
        weight_decay=cfg.weight_decay,
    )
    steps_per_epoch = math.ceil(len(feats.train) / cfg.batch_size)
    total_steps = cfg.finetune_epochs * steps_per_epoch
    best_loss = math.inf
    best_state = {k: v.clone() for k, v in model.state_dict().items()}
    stale = 0
    for epoch in range(cfg.finetune_epochs):
        running = yield from _finetune_epoch(model, feats, loop, opt, cfg, cancel, epoch)
        val_loss, val_auroc = _validate(model, feats, loop, cfg.split_block)
        loop.history.append(
            {
                "phase": 2,
                "epoch": epoch,
                "val_nll": val_loss,
                "val_auroc": val_auroc,
                "train_loss": running / max(1, steps_per_epoch),
            }
        )
        improved = val_loss < best_loss - 1e-4
        if improved:
            best_loss, stale = val_loss, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            card = ModelCard(version=f"{version}-checkpoint", metrics={"val_nll": val_loss})
            save_model(model, card, checkpoint)
        else:
            stale += 1
        yield Progress(
            "fine-tuning",
            done=(epoch + 1) * steps_per_epoch,
            total=total_steps,
            extra={"val_nll": val_loss, "val_auroc": val_auroc, "improved": float(improved)},
        )
        if stale >= cfg.patience:
            break
    model.load_state_dict(best_state)
    model.eval()


def _finetune_epoch(
    model: DropletNet,
    feats: Features,
    loop: Loop,
    opt: torch.optim.Optimizer,
    cfg: TrainConfig,
    cancel: CancelToken,
    epoch: int,
) -> Generator[Progress, None, float]:
    """One pass of phase 2 over the training features; returns the sum of the batch losses."""
    split = cfg.split_block
    steps_per_epoch = math.ceil(len(feats.train) / cfg.batch_size)
    total_steps = cfg.finetune_epochs * steps_per_epoch
    ytr = feats.y_train
    model.train()
    set_bn_eval(model)
    order = torch.randperm(len(feats.train), generator=loop.gen)
    running = 0.0
    for n, i in enumerate(range(0, len(order), cfg.batch_size)):
        cancel.raise_if_cancelled()
        idx = order[i : i + cfg.batch_size]
        step = epoch * steps_per_epoch + n  # every epoch has steps_per_epoch batches
        cosine_lr(opt, cfg.lr_finetune, step, total_steps, steps_per_epoch // 2)
        if feats.fgsm_pixels is not None:
            adv = _fgsm_features(
                model,
                feats.fgsm_pixels[idx.numpy()],
                ytr[idx],
                loop.loss_fn,
                cfg.fgsm_epsilon,
                split,
            )
            x = torch.cat([feats.train[idx].float(), adv])
            target = torch.cat([ytr[idx], ytr[idx]])
        else:
            x, target = feats.train[idx].float(), ytr[idx]
        loss = loop.loss_fn(model.head(model.dropout(model.tail_embedding(x, split))), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        running += loss.item()
        if n % 20 == 0:
            yield Progress(
                "fine-tuning", done=step, total=total_steps, extra={"train_loss": running / (n + 1)}
            )
    return running


def _validate(model: DropletNet, feats: Features, loop: Loop, split: int) -> tuple[float, float]:
    """Validation NLL and AUROC (at 0.5) of the model on the validation features."""
    model.eval()
    with torch.no_grad():
        val_logits = model.head(tail_embeddings(model, feats.val, split))
        val_loss = float(loop.nll(val_logits, feats.y_val))
        val_scores = torch.softmax(val_logits, 1)[:, 1].numpy()
    return val_loss, binary_metrics(feats.val_labels, val_scores, 0.5).auroc


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
