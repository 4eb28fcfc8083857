"""Helpers of the base-training tests: a tiny training configuration; a job run to its end."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.core.jobs import Progress, run_job
from dropletcleaner.core.training.config import TrainConfig


def tiny_config(clean_dir: Path) -> TrainConfig:
    return TrainConfig(
        data=[str(clean_dir)],
        variants_per_image=6,
        render_size=160,
        val_fraction=0.3,
        test_fraction=0.0,
        head_epochs=6,
        finetune_epochs=2,
        batch_size=16,
        workers=0,
        replay_size=16,
        calibration_variants=4,
    )


def run_to_end(gen):  # type: ignore[no-untyped-def]
    progress: list[Progress] = []
    return progress, run_job(gen, progress.append)
