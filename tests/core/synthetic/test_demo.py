"""Tests for the generated demo folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dropletcleaner.core.photos.decode import DecodeError, exif_datetime, load_rgb
from dropletcleaner.core.synthetic.demo import (
    HARD_CASES,
    MANIFEST_NAME,
    DemoFolderError,
    DemoManifest,
    make_demo_folder,
)
from dropletcleaner.core.synthetic.demo_scenes import SCENE_KINDS, render_scene


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    folder = tmp_path_factory.mktemp("d") / "demo"
    return make_demo_folder(folder, count=8, seed=3, size=(320, 240))


def test_counts_and_manifest(demo: DemoManifest) -> None:
    assert len(demo.droplet) == 4 and len(demo.clean) == 4 and len(demo.broken) == 2
    files = sorted(p.name for p in demo.folder.iterdir())
    expected = sorted([p.name for p in demo.droplet + demo.clean + demo.broken] + [MANIFEST_NAME])
    assert files == expected
    manifest = json.loads((demo.folder / MANIFEST_NAME).read_text())
    labels = {r["file"]: r["label"] for r in manifest["photos"]}
    assert all(labels[p.name] == "droplet" for p in demo.droplet)
    assert all(labels[p.name] == "clean" for p in demo.clean)
    assert all(labels[p.name] == "broken" for p in demo.broken)
    kinds = {r["droplets"]["kind"] for r in manifest["photos"] if r["label"] == "droplet"}
    assert len(kinds) == 4  # droplet photos cycle through the kinds


def test_photos_decode_and_broken_files_do_not(demo: DemoManifest) -> None:
    for p in demo.droplet + demo.clean:
        assert load_rgb(p).size == (320, 240)
        with Image.open(p) as im:
            assert im.format == "JPEG"
    for p in demo.broken:
        with pytest.raises(DecodeError):
            load_rgb(p)


def test_some_photos_carry_a_capture_date(demo: DemoManifest) -> None:
    dates = []
    for p in demo.droplet + demo.clean:
        with Image.open(p) as im:
            dates.append(exif_datetime(im))
    assert any(d is not None and d.startswith("2024-") for d in dates)


def test_photos_show_varied_scenes(demo: DemoManifest) -> None:
    arrs = [np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) for p in demo.clean]
    assert all(a.std() > 5 for a in arrs)  # real content, not flat frames
    means = [a.mean(axis=(0, 1)) for a in arrs]
    assert max(np.abs(m - means[0]).max() for m in means) > 5


def test_same_seed_gives_the_same_photos(tmp_path: Path) -> None:
    a = make_demo_folder(tmp_path / "a", count=4, seed=5, size=(160, 120))
    b = make_demo_folder(tmp_path / "b", count=4, seed=5, size=(160, 120))
    for pa, pb in zip(a.droplet + a.clean, b.droplet + b.clean, strict=True):
        assert pa.read_bytes() == pb.read_bytes()


def test_refuses_a_non_empty_folder_and_a_file(tmp_path: Path) -> None:
    (tmp_path / "mine.jpg").write_bytes(b"precious")
    with pytest.raises(DemoFolderError):
        make_demo_folder(tmp_path, count=4, size=(160, 120))
    assert [p.name for p in tmp_path.iterdir()] == ["mine.jpg"]
    assert (tmp_path / "mine.jpg").read_bytes() == b"precious"
    with pytest.raises(DemoFolderError):
        make_demo_folder(tmp_path / "mine.jpg", count=4, size=(160, 120))


def test_an_existing_empty_folder_is_fine(tmp_path: Path) -> None:
    m = make_demo_folder(tmp_path, count=2, size=(160, 120))
    assert len(m.droplet) == 1 and len(m.clean) == 1


def test_the_hard_cases_are_there_on_purpose_and_clean(demo: DemoManifest) -> None:
    manifest = json.loads((demo.folder / MANIFEST_NAME).read_text())
    cases = {r["case"]: r for r in manifest["photos"] if "case" in r}
    assert set(cases) == set(HARD_CASES)
    assert all(r["label"] == "clean" and "droplets" not in r for r in cases.values())
    assert cases["dew on a leaf"]["scene"] == "leaf"
    assert cases["dim indoor"]["scene"] == "room"
    dim = np.asarray(Image.open(demo.folder / cases["dim indoor"]["file"]), np.float32)
    others = [
        np.asarray(Image.open(p), np.float32).mean()
        for p in demo.clean
        if p.name != cases["dim indoor"]["file"]
    ]
    assert dim.mean() < 0.6 * float(np.median(others))  # dim, not merely a dark scene


def test_every_scene_is_textured_at_fine_scales() -> None:
    # Photographs vary at every scale; flat drawings do not. Measure pixel-to-pixel detail
    # after removing the sensor noise's share by comparing with a blurred copy.
    for kind in SCENE_KINDS:
        img, _ = render_scene(kind, np.random.default_rng(1), (320, 240))
        grey = img.mean(axis=-1)
        detail = np.abs(np.diff(grey, axis=1)).mean()
        assert detail > 0.0015, kind
        assert grey.std() > 0.04, kind


def test_the_leaf_scene_gives_the_leaf_mask() -> None:
    img, mask = render_scene("leaf", np.random.default_rng(2), (320, 240))
    assert mask is not None and mask.shape == img.shape[:2]
    assert 0.15 < float(mask.mean()) < 0.7
