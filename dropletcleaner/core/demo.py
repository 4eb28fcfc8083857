"""A demo folder of generated photos, so a new user can try the app without their own library.

Every photo is made here: a procedural scene (sky, clouds, hills, buildings, trees, a road,
lights at night) finished like a camera JPEG. About half get water rendered on the lens by
:mod:`dropletcleaner.core.synth`; some clean ones are deliberately blurred or dark, because
those must *not* be flagged; two files are broken on purpose. A manifest records which is which.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from dropletcleaner.core.atomic import atomic_write_bytes, atomic_write_text
from dropletcleaner.core.degrade import degrade
from dropletcleaner.core.imaging import smoothstep
from dropletcleaner.core.synth import KINDS, render_droplets

MANIFEST_NAME = "demo-manifest.json"
SCENES: tuple[str, ...] = ("landscape", "city", "road", "park", "night", "sunset")
# clean photos that are spoiled in ways that are not water, to show they stay unflagged
_HARD_KINDS: tuple[str, ...] = ("defocus", "dark_noise", "motion_blur", "gaussian_blur", "fog")

Colour = tuple[float, float, float]


class DemoFolderError(Exception):
    """The demo folder cannot be written (it exists and is not empty, or is a file)."""


@dataclass
class DemoManifest:
    folder: Path
    droplet: list[Path]
    clean: list[Path]
    broken: list[Path]


# -- scene pieces -----------------------------------------------------------------------------
def _noise(rng: np.random.Generator, size: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    """Smooth noise of roughly unit variance on a ``size`` = (w, h) canvas."""
    grid = rng.standard_normal((cells[1] + 3, cells[0] + 3)).astype(np.float32)
    im = Image.fromarray(grid, mode="F").resize(size, Image.Resampling.BICUBIC)
    return np.asarray(im, dtype=np.float32)


def _mix(a: np.ndarray | Colour, b: np.ndarray | Colour, t: np.ndarray | float) -> np.ndarray:
    a_ = np.asarray(a, np.float32)
    b_ = np.asarray(b, np.float32)
    t_ = np.asarray(t, np.float32)
    if t_.ndim == 2:
        t_ = t_[..., None]
    return np.asarray(a_ * (1 - t_) + b_ * t_, np.float32)


def _jitter(rng: np.random.Generator, c: Colour, amount: float = 18.0) -> Colour:
    r, g, b = (float(np.clip(v + rng.normal(0, amount), 0, 255)) for v in c)
    return (r, g, b)


def _grey_jitter(rng: np.random.Generator, c: Colour, grey: float, colour: float) -> Colour:
    """Mostly lighter or darker, a little tinted: like concrete, brick and paint."""
    d = rng.normal(0, grey)
    r, g, b = (float(np.clip(v + d + rng.normal(0, colour), 0, 255)) for v in c)
    return (r, g, b)


def _rgb(c: Colour) -> tuple[int, int, int]:
    return (int(c[0]), int(c[1]), int(c[2]))


def _ridge(rng: np.random.Generator, w: int, base: float, amp: float) -> list[tuple[float, float]]:
    xs = np.linspace(0, w, 64)
    y = np.zeros_like(xs)
    for k in range(1, 5):
        y += (
            rng.uniform(0.3, 1.0)
            / k
            * np.sin(xs / w * math.pi * k * rng.uniform(0.8, 2.5) + rng.uniform(0, 6))
        )
    y = base - amp * (0.5 + 0.5 * y / 1.5)
    return [(float(x), float(v)) for x, v in zip(xs, y, strict=True)]


def _sky(
    rng: np.random.Generator,
    w: int,
    h: int,
    horizon: int,
    top: Colour,
    low: Colour,
    cloud: Colour,
    cloudiness: float,
) -> Image.Image:
    """Sky gradient with clouds; smooth, so it is computed small and scaled up."""
    sw, sh = max(8, w // 4), max(8, h // 4)
    yy = np.linspace(0, 1, sh, dtype=np.float32)[:, None] * np.ones((1, sw), np.float32)
    t = np.clip(yy * h / max(horizon, 1), 0, 1) ** 0.8
    sky = _mix(top, low, t)
    if cloudiness > 0:
        n = _noise(rng, (sw, sh), (6, 4)) + 0.5 * _noise(rng, (sw, sh), (18, 10))
        c = smoothstep(0.9 - cloudiness * 1.6, 1.6 - cloudiness, n) * cloudiness
        sky = _mix(sky, cloud, np.clip(c, 0, 1))
    small = Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8))
    return small.resize((w, h), Image.Resampling.BICUBIC)


def _building_row(
    draw: ImageDraw.ImageDraw, rng: np.random.Generator, w: int, horizon: int, h: int, night: bool
) -> list[tuple[int, int]]:
    """Buildings standing on the horizon; returns lamp positions for night scenes."""
    x = int(rng.uniform(-0.1, 0.1) * w)
    lights: list[tuple[int, int]] = []
    while x < w:
        bw = int(rng.uniform(0.06, 0.2) * w)
        bh = int(rng.uniform(0.12, 0.5) * h)
        base = _grey_jitter(rng, (110, 105, 100) if not night else (30, 30, 38), 30, 8)
        top = horizon - bh
        draw.rectangle([x, top, x + bw, horizon + 2], fill=_rgb(base))
        cols = max(2, bw // int(rng.uniform(18, 34) * w / 1600))
        rows = max(2, bh // int(rng.uniform(22, 40) * h / 1200))
        cw, rh = bw / cols, bh / rows
        lit = rng.uniform(0.2, 0.7)
        for i in range(cols):
            for j in range(rows - 1):
                wx0 = x + i * cw + cw * 0.25
                wy0 = top + j * rh + rh * 0.3
                if night:
                    if rng.random() > lit:
                        continue
                    fill = _rgb(_jitter(rng, (250, 215, 140), 20))
                else:
                    fill = _rgb(_jitter(rng, (70, 85, 100), 20))
                draw.rectangle([wx0, wy0, wx0 + cw * 0.5, wy0 + rh * 0.45], fill=fill)
        if night and rng.random() < 0.5:
            lights.append((x + bw // 2, top - 4))
        x += bw + int(rng.uniform(0, 0.04) * w)
    return lights


def _tree(
    draw: ImageDraw.ImageDraw, rng: np.random.Generator, x: int, ground: int, size: float
) -> None:
    tw = max(3, int(size * 0.08))
    th = int(size * rng.uniform(0.5, 0.9))
    draw.rectangle(
        [x - tw // 2, ground - th, x + tw // 2, ground], fill=_rgb(_jitter(rng, (70, 50, 35), 12))
    )
    green = _jitter(rng, (45, 90, 40), 20)
    for _ in range(int(rng.integers(6, 14))):
        r = size * rng.uniform(0.18, 0.35)
        cx = x + rng.normal(0, size * 0.18)
        cy = ground - th - rng.normal(size * 0.1, size * 0.15)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_rgb(_jitter(rng, green, 14)))


def _scene(rng: np.random.Generator, kind: str, size: tuple[int, int]) -> np.ndarray:
    """A photo-like scene of ``kind`` as HxWx3 uint8."""
    w, h = size
    night = kind == "night"
    horizon = int(h * rng.uniform(0.4, 0.62))
    if kind == "night":
        sky = _sky(rng, w, h, horizon, (6, 8, 22), (30, 30, 55), (40, 40, 55), rng.uniform(0, 0.4))
    elif kind == "sunset":
        sky = _sky(
            rng, w, h, horizon, (60, 70, 140), (250, 150, 70), (230, 120, 90), rng.uniform(0.1, 0.6)
        )
    elif kind == "road":
        g = rng.uniform(120, 200)
        sky = _sky(
            rng,
            w,
            h,
            horizon,
            (g * 0.8, g * 0.82, g * 0.88),
            (g, g, g * 1.02),
            (g * 1.1,) * 3,
            rng.uniform(0.3, 0.8),
        )
    else:
        sky = _sky(
            rng,
            w,
            h,
            horizon,
            _jitter(rng, (70, 120, 200)),
            _jitter(rng, (185, 210, 235)),
            (245, 245, 248),
            rng.uniform(0.0, 0.7),
        )
    canvas = sky
    draw = ImageDraw.Draw(canvas)
    px = cast(tuple[int, int, int], canvas.getpixel((w // 2, horizon - 1)))
    sky_low: Colour = (float(px[0]), float(px[1]), float(px[2]))
    # sun or moon
    if kind in ("night", "sunset", "landscape") and rng.random() < 0.6:
        r = w * rng.uniform(0.012, 0.03)
        cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.08, 0.6) * horizon
        draw.ellipse(
            [cx - r, cy - r, cx + r, cy + r], fill=(250, 245, 225) if night else (255, 240, 200)
        )
    # hills, far to near, fading into the sky with distance
    for i in range(int(rng.integers(1, 4))):
        far = 1.0 - i / 3.0
        col = _mix(_jitter(rng, (60, 90, 60) if not night else (12, 14, 20)), sky_low, 0.55 * far)
        pts = _ridge(rng, w, horizon + i * 0.02 * h, h * rng.uniform(0.04, 0.16) * far)
        draw.polygon([(0, h), *pts, (w, h)], fill=_rgb(tuple(col.tolist())))
    lights: list[tuple[int, int]] = []
    if kind in ("city", "night") or (kind == "road" and rng.random() < 0.4):
        lights = _building_row(draw, rng, w, horizon, h, night)
    # ground
    ground_col = {
        "night": (22, 22, 26),
        "road": (60, 75, 45),
        "sunset": (70, 55, 45),
    }.get(kind, (80, 120, 55))
    draw.rectangle([0, horizon, w, h], fill=_rgb(_jitter(rng, ground_col, 12)))
    if kind in ("road", "night", "city"):
        vx = w * rng.uniform(0.35, 0.65)
        draw.polygon(
            [
                (vx - w * 0.01, horizon),
                (vx + w * 0.01, horizon),
                (w * rng.uniform(0.85, 1.2), h),
                (w * rng.uniform(-0.2, 0.15), h),
            ],
            fill=_rgb(_jitter(rng, (70, 70, 72) if not night else (25, 25, 28), 8)),
        )
        for k in range(8):
            t0, t1 = (k / 8) ** 2, ((k + 0.45) / 8) ** 2
            y0, y1 = horizon + t0 * (h - horizon), horizon + t1 * (h - horizon)
            draw.polygon(
                [
                    (vx - 1 - t0 * w * 0.004, y0),
                    (vx + 1 + t0 * w * 0.004, y0),
                    (vx + 1 + t1 * w * 0.004, y1),
                    (vx - 1 - t1 * w * 0.004, y1),
                ],
                fill=(200, 200, 190) if not night else (110, 110, 100),
            )
    if kind in ("park", "landscape", "road", "sunset", "city"):
        for _ in range(int(rng.integers(0 if kind == "city" else 2, 9))):
            x = int(rng.uniform(0, w))
            _tree(
                draw,
                rng,
                x,
                int(horizon + rng.uniform(0.0, 0.25) * (h - horizon)),
                h * rng.uniform(0.12, 0.35),
            )
    if night:
        for _ in range(int(rng.integers(3, 9))):
            lights.append((int(rng.uniform(0, w)), int(horizon - rng.uniform(0, 0.2) * h)))
    arr = np.asarray(canvas, dtype=np.float32)
    # texture: grain on everything, stronger low-frequency mottling on the ground
    yy = np.arange(h, dtype=np.float32)[:, None]
    below = smoothstep(horizon - 2, horizon + 6, yy) * np.ones((1, w), np.float32)
    half = (max(8, w // 2), max(8, h // 2))
    mottle = _noise(rng, half, (60, 45)) * 9 + _noise(rng, half, (200, 150)) * 6
    mottle = np.asarray(Image.fromarray(mottle, mode="F").resize((w, h)), np.float32)
    arr += (mottle * below)[..., None]
    tile = rng.normal(0, 1, (128, 128)).astype(np.float32)
    grain = np.tile(tile, (h // 128 + 1, w // 128 + 1))[:h, :w]
    arr += grain[..., None] * rng.uniform(2.0, 5.0 if not night else 7.0)
    if lights:
        glow = Image.new("L", (w, h), 0)
        gd = ImageDraw.Draw(glow)
        for lx, ly in lights:
            r = w * rng.uniform(0.003, 0.008)
            gd.ellipse([lx - r, ly - r, lx + r, ly + r], fill=255)
        halo = np.asarray(glow.filter(ImageFilter.GaussianBlur(w * 0.01)), np.float32) * 1.5
        core = np.asarray(glow, np.float32)
        light = np.maximum(core, halo)[..., None] / 255.0
        arr = arr * (1 - light) + np.array([255, 225, 170], np.float32) * light
    # vignetting, as a real lens has
    xx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    vig = 1.0 - rng.uniform(0.05, 0.25) * (xx**2 + ((yy / h) * 2 - 1) ** 2) / 2
    arr *= vig[..., None]
    return np.clip(arr, 0, 255).astype(np.uint8)


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
    n_drop = count // 2
    roles = ["droplet"] * n_drop + ["clean"] * (count - n_drop)
    roles = [roles[i] for i in rng.permutation(count)]
    droplet: list[Path] = []
    clean: list[Path] = []
    records: list[dict[str, object]] = []
    n_hard = 0
    for i, role in enumerate(roles):
        scene = SCENES[int(rng.integers(len(SCENES)))]
        arr = _scene(rng, scene, size)
        record: dict[str, object] = {"scene": scene, "label": role}
        if role == "droplet":
            kind = KINDS[len(droplet) % len(KINDS)]
            res = render_droplets(arr, rng, kind)
            arr = res.image
            record["droplets"] = res.params
        elif rng.random() < 0.4:
            hard = _HARD_KINDS[n_hard % len(_HARD_KINDS)]
            n_hard += 1
            arr, _ = degrade(arr, rng, hard)
            record["degraded"] = hard
        when = None
        if rng.random() < 0.7:
            day = int(rng.integers(1, 28))
            hour = 21 if scene == "night" else int(rng.integers(8, 18))
            month, minute = int(rng.integers(3, 10)), int(rng.integers(0, 60))
            when = f"2024:{month:02d}:{day:02d} {hour:02d}:{minute:02d}:00"
        path = dest / f"IMG_{1001 + i}.jpg"
        atomic_write_bytes(path, _jpeg(arr, rng, when), durable=False)
        (droplet if role == "droplet" else clean).append(path)
        records.append({"file": path.name, **record})
    # one photo cut off mid-transfer, one empty file
    broken = [dest / f"IMG_{1001 + count}.jpg", dest / f"IMG_{1002 + count}.jpg"]
    small = _jpeg(_scene(rng, "landscape", (640, 480)), rng, None)
    atomic_write_bytes(broken[0], small[: len(small) * 2 // 5], durable=False)
    atomic_write_bytes(broken[1], b"", durable=False)
    records += [{"file": p.name, "label": "broken"} for p in broken]
    manifest = {"seed": seed, "size": list(size), "photos": records}
    atomic_write_text(dest / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
    return DemoManifest(folder=dest, droplet=droplet, clean=clean, broken=broken)
