"""The deep retrain's forgetting check: water drawn on photos the current model calls clean."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.jobs import CancelToken, run_job
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.training.retrain.accept import Evaluation, accept_rule
from dropletcleaner.core.training.retrain.forgetting import (
    CHECK_SET,
    check_photos,
    render_check_set,
)
from tests.retrain_helpers import scanned_jpegs

render = pytest.importorskip("dropletcleaner.core.synthetic.lens_water.render")


def _catalogue(
    catalog: Catalog,
    base: LoadedModel,
    folder: Path,
    scores: list[float],
    version: str | None = None,
) -> list[str]:
    return scanned_jpegs(catalog, folder, scores, version or base.version)


def _biased(base: LoadedModel, towards_droplet: float) -> LoadedModel:
    """``base`` with its head's bias pushed towards droplet (> 0) or clean (< 0)."""
    model = copy.deepcopy(base.model)
    with torch.no_grad():
        model.head.bias.copy_(torch.tensor([-towards_droplet, towards_droplet]))
        model.head.weight.zero_()
    return LoadedModel(model=model.eval(), card=base.card)


def test_only_unlabelled_photos_scored_clean_are_checked_on(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths = _catalogue(catalog, base, tmp_path / "photos", [0.01, 0.02, 0.9, 0.03, 0.04, 0.05])
    catalog.set_label([paths[1]], "clean")
    Path(paths[3]).unlink()  # gone since the scan
    # Scored by an earlier model (a deep retrain re-scores only at the next scan): still used.
    older = _catalogue(catalog, base, tmp_path / "older", [0.02], version="test-older")
    chosen = check_photos(catalog, base, np.random.default_rng(0))
    assert sorted(chosen) == sorted([paths[0], paths[4], paths[5], older[0]])
    assert len(check_photos(catalog, base, np.random.default_rng(0), limit=2)) == 2


def test_each_photo_is_checked_dry_and_with_water_drawn_on(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths = _catalogue(catalog, base, tmp_path / "photos", [0.01, 0.02])
    broken = tmp_path / "photos" / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    check = run_job(
        render_check_set(
            [paths[0], str(broken), paths[1]], base, render.render_droplets, 0, CancelToken()
        )
    )
    assert check.photos == 2  # the unreadable one is left out, the others still check
    assert check.labels.tolist() == [0, 1, 0, 1]
    size = int(base.card.input_size)
    assert all(f.pixels.shape == (size, size, 3) for f in check.frames)
    # Twins: the wet one is the same frame with water (drops and haze) drawn on it.
    dry, wet = (check.frames[k].pixels.astype(float).ravel() for k in (0, 1))
    assert not np.array_equal(dry, wet) and np.corrcoef(dry, wet)[0, 1] > 0.5


def test_a_candidate_that_misses_drawn_water_is_refused(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    paths = _catalogue(catalog, base, tmp_path / "photos", [0.01] * 4)
    check = run_job(render_check_set(paths, base, render.render_droplets, 0, CancelToken()))
    finds_water = _biased(base, 4.0)
    forgetful = _biased(base, -4.0)
    old_check, new_check = check.judge(finds_water, forgetful.model, CancelToken())
    assert old_check is not None and new_check is not None
    assert old_check.recall == 1.0 and new_check.recall == 0.0
    same = old_check  # the same held-out figures for both models: only forgetting differs
    decision = accept_rule(
        Evaluation(same, replay=old_check, replay_set=CHECK_SET),
        Evaluation(same, replay=new_check, replay_set=CHECK_SET),
    )
    assert not decision.accepted
    assert "miss water it used to find" in decision.reason
    assert "recall on water drawn on your own photos 1.000 → 0.000" in decision.reason


def test_the_check_scores_every_look_the_card_asks_for(
    catalog: Catalog, base: LoadedModel, tmp_path: Path
) -> None:
    model = copy.deepcopy(base.model)
    model.scoring = dataclasses.replace(model.scoring, looks=(320,), look_above=0.0)
    looking = LoadedModel(model=model.eval(), card=base.card)
    paths = _catalogue(catalog, base, tmp_path / "photos", [0.01, 0.02])
    check = run_job(render_check_set(paths, looking, render.render_droplets, 0, CancelToken()))
    assert all(f.looks[320].shape == (320, 320, 3) for f in check.frames)
    old, new = check.judge(looking, looking.model, CancelToken())
    assert old is not None and old == new and old.n == 4
