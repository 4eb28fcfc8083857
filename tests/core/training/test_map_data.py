"""Map training data: content-hash splits, twin jobs, coverage grids, rendered samples."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from dropletcleaner.core.training.map_data import (
    ROLE_SCENE_WATER,
    WET_ROLES,
    content_split,
    coverage_grid,
    labels_of,
    make_map_sample,
    plan_map_jobs,
    split_by_content,
)
from tests.helpers import write_jpeg


def test_split_follows_the_content_not_the_name(tmp_path: Path) -> None:
    photos = [write_jpeg(tmp_path / f"p{i}.jpg", size=(64, 48), seed=i) for i in range(40)]
    copy = tmp_path / "renamed-copy.jpg"
    shutil.copy(photos[0], copy)
    assert content_split(copy) == content_split(photos[0])
    parts = split_by_content(photos)
    assert sum(len(v) for v in parts.values()) == 40
    assert all(parts[name] for name in ("train", "test"))


def test_coverage_grid_is_the_area_share_of_each_cell() -> None:
    mask = np.zeros((90, 90), np.float32)
    mask[:30, :45] = 1.0  # the top-left third by half
    grid = coverage_grid(mask, 3)
    assert grid.shape == (3, 3)
    assert np.isclose(grid[0, 0], 1.0) and np.isclose(grid[0, 1], 0.5) and grid[2, 2] == 0


def test_jobs_come_in_wet_and_dry_twins_with_scene_water_negatives(tmp_path: Path) -> None:
    photos = [tmp_path / f"p{i}.jpg" for i in range(50)]
    jobs = plan_map_jobs(photos, seed=1, grid=9, pairs=1, scene_fraction=0.5)
    assert jobs == plan_map_jobs(photos, seed=1, grid=9, pairs=1, scene_fraction=0.5)
    twins = [j for j in jobs if j[2] != ROLE_SCENE_WATER]
    assert len(twins) == 100
    for wet, dry in zip(twins[::2], twins[1::2], strict=True):
        assert wet[:2] == dry[:2] and wet[2] in WET_ROLES and dry[2] not in WET_ROLES
    scene = [j for j in jobs if j[2] == ROLE_SCENE_WATER]
    assert 10 < len(scene) < 40
    assert labels_of(scene).sum() == 0  # water in the scene is a clean photo


def test_a_wet_sample_has_coverage_and_its_dry_twin_has_none(tmp_path: Path) -> None:
    photo = write_jpeg(tmp_path / "p.jpg", size=(400, 300), seed=2)
    wet_px, wet_grid = make_map_sample(str(photo), 5, "wet", 9)
    dry_px, dry_grid = make_map_sample(str(photo), 5, "clean", 9)
    assert wet_px.shape == dry_px.shape == (288, 288, 3)
    assert wet_grid.shape == (9, 9) and wet_grid.max() > 0 and dry_grid.max() == 0
    _, scene_grid = make_map_sample(str(photo), 5, ROLE_SCENE_WATER, 9)
    assert scene_grid.max() == 0
