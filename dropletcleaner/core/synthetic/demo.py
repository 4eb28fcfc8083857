"""A demo folder of generated photos, so a new user can try the app without their own library.

No package the app depends on ships public-domain photos, so every photo is made here: a
photographic scene from :mod:`dropletcleaner.core.synthetic.demo_scenes` (mountains over a lake, a
forest, a leaf, a room, a coast, a street at night), exposed and given sensor noise by
:mod:`dropletcleaner.core.synthetic.demo_camera`, saved as a camera JPEG. Half get water on
the lens rendered by :mod:`dropletcleaner.core.synthetic.lens_water`, the app's own renderer.
The clean half holds the hard cases on purpose, because they must *not* be flagged: a dim
indoor photo, a
blurred one and dew on a leaf (water in the scene, sharp, on a surface). Two files are
broken on purpose. ``demo-manifest.json`` records which is which.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from dropletcleaner.core.atomic import atomic_write_bytes, atomic_write_text
from dropletcleaner.core.synthetic.demo_camera import develop, sensor
from dropletcleaner.core.synthetic.demo_scenes import SCENE_KINDS, render_scene
from dropletcleaner.core.synthetic.imaging import gaussian_blur, to_float, to_uint8
from dropletcleaner.core.synthetic.lens_water.kinds import KINDS
from dropletcleaner.core.synthetic.lens_water.render import render_droplets
from dropletcleaner.core.synthetic.scene_water import render_scene_water

MANIFEST_NAME = "demo-manifest.json"
# The clean photos that look most like trouble, in the order they are included.
HARD_CASES: tuple[str, ...] = ("dim indoor", "blurred", "dew on a leaf")
# Scenes that suit each kind of water: night bokeh needs lights to smear.
_WET_SCENES: dict[str, str] = {
    "lens_blobs": "lake",
    "glass_dense": "forest",
    "glass_sparse": "coast",
    "film_smear": "leaf",
    "bokeh_night": "night_street",
    "windscreen_specks": "room",
}


_MIN_COVERAGE = 0.003  # share of the frame under water for a wet demo photo to show it
# A clean street at night is left out: lamps with halos are what lens bokeh looks like, so
# a clean one would sit near the threshold and the demo should show the model at ease.
_CLEAN_SCENES: tuple[str, ...] = tuple(k for k in SCENE_KINDS if k != "night_street")


class DemoFolderError(Exception):
    """The demo folder cannot be written (it exists and is not empty, or is a file)."""


@dataclass
class DemoManifest:
    folder: Path
    droplet: list[Path]
    clean: list[Path]
    broken: list[Path]


@dataclass(frozen=True)
class _Plan:
    label: str  # "droplet" or "clean"
    scene: str
    water: str | None = None  # a synth kind
    case: str | None = None  # one of HARD_CASES


def _plans(count: int) -> list[_Plan]:
    """Half wet (cycling through every kind of water), half clean with the hard cases first."""
    n_drop = count // 2
    plans = [
        _Plan("droplet", _WET_SCENES[KINDS[i % len(KINDS)]], water=KINDS[i % len(KINDS)])
        for i in range(n_drop)
    ]
    scene_of = {"dim indoor": "room", "blurred": "forest", "dew on a leaf": "leaf"}
    for j in range(count - n_drop):
        if j < len(HARD_CASES):
            plans.append(_Plan("clean", scene_of[HARD_CASES[j]], case=HARD_CASES[j]))
        else:
            plans.append(_Plan("clean", _CLEAN_SCENES[j % len(_CLEAN_SCENES)]))
    return plans


def _photo(plan: _Plan, rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, dict]:
    """Render one planned photo as uint8; returns it and what the manifest says about it."""
    scene, surface = render_scene(plan.scene, rng, size)
    record: dict[str, object] = {"scene": plan.scene, "label": plan.label}
    dim = plan.case == "dim indoor"
    # A dim room shot hand-held: two stops under and the sensor pushed, so noise shows.
    img = develop(scene, rng, exposure=0.18 if dim else float(rng.uniform(0.85, 1.2)))
    if plan.water is not None:
        res = render_droplets(img, rng, plan.water)
        for _ in range(4):
            # A few specks too small to see in a thumbnail teach a new user nothing.
            if res.mask.mean() >= _MIN_COVERAGE:
                break
            res = render_droplets(img, rng, plan.water)
        img = res.image
        record["droplets"] = res.params
    elif plan.case == "blurred":
        # Focus missed by a little, as in a real soft photo; a blur as strong as a lens veil
        # would be a photo nobody keeps, and then the question is moot.
        sigma = min(size) * float(rng.uniform(0.004, 0.006))
        img = to_uint8(gaussian_blur(to_float(img), sigma))
    elif plan.case == "dew on a leaf" and surface is not None:
        wet, _ = render_scene_water(img, rng, "surface_drops")
        # Dew sits on the leaf, not on the air around it.
        m = surface[..., None]
        img = (wet * m + img * (1 - m) + 0.5).astype(np.uint8)
    if plan.case is not None:
        record["case"] = plan.case
    return sensor(img, rng, iso=6.0 if dim else float(rng.uniform(0.8, 1.5))), record


def _jpeg(arr: np.ndarray, rng: np.random.Generator, when: str | None) -> bytes:
    img = Image.fromarray(arr)
    buf = io.BytesIO()
    exif = Image.Exif()
    if when is not None:
        exif[0x0132] = when  # DateTime
        exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal
    exif[0x010F] = "DropletCleaner demo"  # Make
    img.save(buf, "JPEG", quality=int(rng.integers(85, 96)), exif=exif.tobytes())
    return buf.getvalue()


def make_demo_folder(
    dest: Path, count: int = 24, seed: int = 0, size: tuple[int, int] = (1600, 1200)
) -> DemoManifest:
    """Write ``count`` generated photos (plus two broken files) and a manifest into ``dest``.

    ``dest`` must not exist or be empty: the demo never writes among someone's photos.
    """
    dest = Path(dest)
    if dest.exists():
        if not dest.is_dir():
            raise DemoFolderError(f"{dest} exists and is not a folder")
        if any(dest.iterdir()):
            raise DemoFolderError(f"{dest} is not empty; choose a new folder for the demo")
    if count < 2:
        raise DemoFolderError("the demo needs at least 2 photos")
    dest.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    plans = _plans(count)
    plans = [plans[i] for i in rng.permutation(count)]
    droplet: list[Path] = []
    clean: list[Path] = []
    records: list[dict[str, object]] = []
    for i, plan in enumerate(plans):
        arr, record = _photo(plan, rng, size)
        when = None
        if rng.random() < 0.7:
            day = int(rng.integers(1, 28))
            hour = 21 if plan.scene == "night_street" else int(rng.integers(8, 18))
            month, minute = int(rng.integers(3, 10)), int(rng.integers(0, 60))
            when = f"2024:{month:02d}:{day:02d} {hour:02d}:{minute:02d}:00"
        path = dest / f"IMG_{1001 + i}.jpg"
        atomic_write_bytes(path, _jpeg(arr, rng, when), durable=False)
        (droplet if plan.label == "droplet" else clean).append(path)
        records.append({"file": path.name, **record})
    # one photo cut off mid-transfer, one empty file
    broken = [dest / f"IMG_{1001 + count}.jpg", dest / f"IMG_{1002 + count}.jpg"]
    small = _jpeg(develop(render_scene("coast", rng, (640, 480))[0], rng), rng, None)
    atomic_write_bytes(broken[0], small[: len(small) * 2 // 5], durable=False)
    atomic_write_bytes(broken[1], b"", durable=False)
    records += [{"file": p.name, "label": "broken"} for p in broken]
    manifest = {"seed": seed, "size": list(size), "photos": records}
    atomic_write_text(dest / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
    return DemoManifest(folder=dest, droplet=droplet, clean=clean, broken=broken)
