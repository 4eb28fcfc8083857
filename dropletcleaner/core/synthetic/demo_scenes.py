"""Photographic scenes for the demo folder: mountains over a lake, a forest, a leaf, a room,
a coast and a street at night.

No package the app depends on ships public-domain photos, so the demo makes its own. Each
scene is built from fractal textures with aerial perspective (far things fade into the
sky's colour), light that falls off, and depth of field (the leaf's background melts into
bokeh, far trunks soften). A scene returns display-referred float32 HxWx3 in [0, 1] plus
the mask of its main surface (the leaf, for dew); :mod:`dropletcleaner.core.synthetic.demo_camera`
exposes it and adds the sensor.
"""

from __future__ import annotations

import math

import numpy as np

from dropletcleaner.core.synthetic.demo_camera import (
    depth_of_field,
    fbm,
    glow,
    line_noise,
    mix,
    over,
    rgb,
    ridge_line,
    step,
    tint,
    vertical,
)
from dropletcleaner.core.synthetic.imaging import gaussian_blur, sample_bilinear

SCENE_KINDS: tuple[str, ...] = ("lake", "forest", "leaf", "room", "coast", "night_street")


def _sky(rng: np.random.Generator, h: int, w: int, horizon: int, dusk: bool = False) -> np.ndarray:
    """A graded sky with lit fractal clouds, paler towards the horizon."""
    t = np.clip(vertical(h, w) * h / max(horizon, 1), 0, 1) ** 0.7
    top, low = ((70, 80, 150), (250, 170, 110)) if dusk else ((40, 95, 185), (190, 215, 235))
    sky = mix(rgb(tint(rng, top)), rgb(tint(rng, low)), t)
    n = fbm(rng, h, w, 2.5, 6, stretch=(1.0, 0.45))
    cover = rng.uniform(0.1, 0.8)
    c = step(1.2 - 1.6 * cover, 1.8 - 1.4 * cover, n) * (1 - 0.6 * t)
    # Clouds lit from above: bright tops, greyer bellies.
    shade = np.clip(0.85 + 0.25 * (n - np.roll(n, 6, axis=0)), 0.6, 1.05)
    cloud = (rgb((255, 225, 200)) if dusk else rgb((248, 248, 250))) * shade[..., None]
    return over(sky, cloud, c)


def lake(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray | None]:
    horizon = int(h * rng.uniform(0.5, 0.62))
    img = _sky(rng, h, w, horizon)
    haze = img[horizon - 1].mean(axis=0)
    yy = np.arange(h, dtype=np.float32)[:, None]
    layers = int(rng.integers(3, 5))
    for i in range(layers):
        near = i / (layers - 1)
        top = horizon - h * (0.32 - 0.2 * near) * rng.uniform(0.6, 1.1)
        line = top + (horizon - top) * (1 - ridge_line(rng, w, rng.uniform(1.5, 4)))
        inside = step(-1.0, 1.0, yy - line[None, :])
        tex = fbm(rng, h, w, 8 + 10 * near, 6)
        # Slopes facing the light are brighter: shade by the texture's horizontal gradient.
        lit = np.clip(0.8 + 0.35 * (tex - np.roll(tex, 3, axis=1)), 0.4, 1.3)
        rock = mix(rgb(tint(rng, (85, 90, 80))), rgb(tint(rng, (55, 80, 45))), near)
        colour = rock * lit[..., None] * (1 + 0.12 * tex[..., None])
        if i == 0:
            snow = step(0.0, 0.08, (horizon - yy) / h - 0.14) * step(0.2, 0.8, tex)
            colour = mix(colour, rgb((235, 238, 242)), snow * 0.9)
        colour = mix(colour, haze, 0.15 + 0.55 * (1 - near) ** 1.5)
        img = over(img, colour, inside * (yy < horizon + 2))
    # The lake mirrors what stands above it, rippled and darker.
    below = np.arange(horizon, h, dtype=np.float32)
    depth = (below - horizon) / max(1, h - horizon)
    ys = np.broadcast_to((2 * horizon - below)[:, None], (len(below), w))
    ripple = fbm(rng, len(below), w, 6, 4, stretch=(8.0, 1.0)) * (1 + 6 * depth[:, None])
    xs = np.broadcast_to(np.arange(w, dtype=np.float32), ys.shape) + ripple * 2.0
    refl = sample_bilinear(img, np.clip(ys + ripple * 1.5, 0, horizon - 1), xs)
    water = mix(refl * 0.78, rgb((30, 55, 70)), 0.25 + 0.35 * depth[:, None])
    img[horizon:] = gaussian_blur(water, 0.6, 2.0)
    # A shore of grass and stones in front, out of focus, as a landscape lens at f/8 shows it.
    shore_top = h * rng.uniform(0.84, 0.93) + line_noise(rng, w, 3) * h * 0.02
    shore = step(-1.5, 1.5, yy - shore_top[None, :])
    grass = fbm(rng, h, w, 20, 6, stretch=(1.0, 5.0))
    ground = rgb(tint(rng, (70, 95, 45))) * (0.75 + 0.2 * grass[..., None])
    img = over(img, ground, shore)
    blur = np.broadcast_to(step(0.85, 1.0, yy / h), (h, w))
    return depth_of_field(img, blur, h * 0.006), None


def forest(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray | None]:
    v = vertical(h, w)
    fog = rgb(tint(rng, (175, 190, 170)))
    img = mix(fog * 1.1, fog * 0.8, v)
    xx = np.arange(w, dtype=np.float32)[None, :]
    yy = np.arange(h, dtype=np.float32)[:, None]
    for depth in np.linspace(1.0, 0.0, int(rng.integers(5, 8))):
        layer = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(2, 6))):
            cx = rng.uniform(-0.05, 1.05) * w
            half = w * (0.006 + 0.05 * (1 - depth) ** 2) * rng.uniform(0.6, 1.4)
            lean = rng.normal(0, 0.03) * (yy - h)
            layer = np.maximum(layer, step(half + 1.5, half - 1.5, np.abs(xx - cx - lean)))
        bark = fbm(rng, h, w, 6, 6, stretch=(0.15, 6.0))
        trunk = rgb(tint(rng, (70, 55, 42))) * (0.7 + 0.25 * bark[..., None])
        trunk *= (0.8 + 0.4 * step(0, w, xx + w * 0.3 * bark))[..., None]
        trunk = mix(trunk, fog, 0.85 * depth**1.2)
        blurred = gaussian_blur(
            np.concatenate([trunk, layer[..., None]], -1), 0.3 + h * 0.004 * depth
        )
        img = over(img, blurred[..., :3], blurred[..., 3])
    # Canopy at the top, leaf litter at the bottom, both textured at every scale.
    leaves = fbm(rng, h, w, 30, 6, gain=0.6)
    canopy = step(0.3, 0.05, v + 0.1 * leaves) * step(-0.3, 0.6, leaves)
    foliage = mix(rgb(tint(rng, (35, 60, 28))), rgb((110, 140, 60)), step(0.5, 2.0, leaves))
    img = over(img, foliage, canopy)
    litter = fbm(rng, h, w, 30, 6, stretch=(2.0, 0.6))
    floor = mix(rgb((95, 65, 35)), rgb((140, 110, 55)), step(-1, 1, litter))
    img = over(img, floor * (0.7 + 0.15 * litter[..., None]), step(0.78, 0.86, v))
    # Shafts of sunlight through the mist.
    angle = rng.uniform(-0.5, 0.5)
    shafts = line_noise(rng, w * 2, 6)
    pos = np.clip(xx + (yy * math.tan(angle)) + w * 0.5, 0, 2 * w - 1).astype(np.int32)
    beam = step(0.6, 1.8, shafts[pos]) * (1 - v) * 0.25
    img = img + beam[..., None] * rgb((255, 240, 200))
    return img, None


def leaf(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A leaf in close-up against a bokeh background; returns the leaf's mask too."""
    # Foliage far behind the leaf, melted by the shallow depth of field. No round bright
    # discs: those are what a drop on the lens looks like, and this photo is clean.
    far = fbm(rng, h, w, 5, 5, gain=0.6)
    bg = mix(rgb(tint(rng, (30, 55, 22))), rgb(tint(rng, (105, 135, 55))), step(-0.8, 1.2, far))
    bg = gaussian_blur(bg, h * 0.008)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(-0.6, 0.6)
    cy, cx = h * rng.uniform(0.45, 0.55), w * rng.uniform(0.45, 0.55)
    length, width = w * rng.uniform(0.42, 0.5), h * rng.uniform(0.3, 0.38)
    u = ((xx - cx) * math.cos(a) + (yy - cy) * math.sin(a)) / length
    s = (-(xx - cx) * math.sin(a) + (yy - cy) * math.cos(a)) / width
    half = np.clip(1 - u * u, 0, 1) ** 0.7 * (1 + 0.15 * u)
    mask = step(1.5 / width, -1.5 / width, np.abs(s) - half) * (np.abs(u) < 1)
    # Veins: the midrib and side veins sweeping towards the tip.
    mid = np.exp(-((s / 0.018) ** 2))
    side = np.abs(np.sin((u * 9.0 - np.abs(s) * 5.0) * math.pi))
    veins = np.maximum(mid, step(0.06, 0.0, 1 - side) * 0.6 * (np.abs(s) < half))
    cells = fbm(rng, h, w, 60, 3)
    green = rgb(tint(rng, (70, 125, 35), 10))
    surface = green * (0.85 + 0.06 * cells[..., None]) * (1 + 0.35 * veins[..., None])
    # The blade curves away from the light: brighter on one side, with a soft sheen.
    light = 0.75 + 0.3 * np.clip(1 - np.abs(s + 0.3), 0, 1) + 0.15 * u
    surface = surface * light[..., None]
    shadow = gaussian_blur(mask, h * 0.02)
    bg = bg * (1 - 0.35 * np.roll(np.roll(shadow, int(h * 0.03), 0), int(w * 0.02), 1))[..., None]
    return over(bg, surface, mask), mask


def room(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A room lit by a window and a lamp; darkened by the caller for the dim indoor photo."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    floor_y = int(h * rng.uniform(0.62, 0.72))
    plaster = fbm(rng, h, w, 12, 5)
    wall = rgb(tint(rng, (200, 185, 160))) * (0.95 + 0.03 * plaster[..., None])
    wx0, wx1 = w * rng.uniform(0.08, 0.2), w * rng.uniform(0.32, 0.42)
    wy0, wy1 = h * 0.12, floor_y - h * 0.12
    # Light from the window falls off across the wall and the floor.
    d = np.hypot((xx - (wx0 + wx1) / 2) / w, (yy - (wy0 + wy1) / 2) / h)
    img = wall * (0.35 + 0.75 * np.exp(-d * 2.2))[..., None]
    # Wooden floor: planks in perspective, grain stretched along them.
    below = np.clip(yy - floor_y + 1, 1, None)
    z = h * 0.5 / below
    plank_x = (xx - w * 0.5) * (1 / z) / (w * 0.06)
    grain = fbm(rng, h, w, 10, 5, stretch=(0.2, 3.0))
    plank = np.floor(plank_x + 0.3 * grain)
    shade = 0.8 + 0.2 * np.sin(plank * 12.9898) ** 2
    wood = rgb(tint(rng, (120, 80, 45))) * (shade * (0.85 + 0.1 * grain))[..., None]
    gap = step(0.03, 0.0, np.abs(plank_x + 0.3 * grain - np.round(plank_x + 0.3 * grain)))
    wood = wood * (1 - 0.4 * gap)[..., None] * (0.5 + 0.5 * np.exp(-d * 1.8))[..., None]
    img = np.where((yy >= floor_y)[..., None], wood, img)
    window = (xx > wx0) & (xx < wx1) & (yy > wy0) & (yy < wy1)
    frame = (np.abs(xx - (wx0 + wx1) / 2) < w * 0.006) | (np.abs(yy - (wy0 + wy1) / 2) < h * 0.008)
    outside = mix(rgb((235, 242, 250)), rgb((170, 200, 150)), step(0.5, 0.9, yy / h))
    img = np.where((window & ~frame)[..., None], outside * 1.3, img)
    # A table and a lamp in the other half of the room, with the shadow under the table.
    tx0, tx1, ty = w * rng.uniform(0.5, 0.6), w * rng.uniform(0.8, 0.92), floor_y - h * 0.12
    top = (xx > tx0) & (xx < tx1) & (np.abs(yy - ty) < h * 0.015)
    legs = (np.abs(xx - tx0 - w * 0.02) < w * 0.008) | (np.abs(xx - tx1 + w * 0.02) < w * 0.008)
    legs &= (yy > ty) & (yy < floor_y + h * 0.05)
    under = gaussian_blur(((xx > tx0) & (xx < tx1) & (yy > floor_y)).astype(np.float32), h * 0.02)
    img = img * (1 - 0.35 * under)[..., None]
    wood_dark = rgb((70, 45, 28)) * (0.9 + 0.1 * grain[..., None])
    img = np.where((top | legs)[..., None], wood_dark, img)
    lx, ly = (tx0 + tx1) / 2, ty - h * 0.12
    shade_m = (np.abs(xx - lx) < w * 0.035 - (yy - ly) * 0.3) & (np.abs(yy - ly) < h * 0.04)
    img = img + (glow(h, w, [(ly, lx, h * 0.03)], 4.0) * 0.6)[..., None] * rgb((255, 200, 130))
    img = np.where(shade_m[..., None], rgb((250, 225, 180)), img)
    return img, None


def coast(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray | None]:
    horizon = int(h * rng.uniform(0.4, 0.5))
    img = _sky(rng, h, w, horizon, dusk=rng.random() < 0.4)
    yy = np.arange(h, dtype=np.float32)[:, None]
    sea_depth = np.clip((yy - horizon) / (h - horizon), 0, 1)
    # Waves: noise stretched across the frame, larger towards the camera (perspective).
    waves = fbm(rng, h, w, 10, 6, stretch=(6.0, 0.6))
    sea = mix(rgb(tint(rng, (60, 100, 130))), rgb(tint(rng, (25, 70, 95))), sea_depth)
    sea = sea * (0.85 + 0.12 * waves[..., None])
    sky_line = img[max(horizon - 2, 0)].mean(axis=0)
    sea = mix(sea, sky_line, 0.5 * (1 - sea_depth) ** 3)
    sun_x = w * rng.uniform(0.3, 0.7)
    xx = np.arange(w, dtype=np.float32)[None, :]
    glitter = step(1.2, 2.2, waves) * np.exp(-(((xx - sun_x) / (w * 0.12)) ** 2))
    sea = sea + glitter[..., None] * 0.6
    beach_top = h * rng.uniform(0.68, 0.78) + line_noise(rng, w, 2) * h * 0.02
    foam = np.exp(-(((yy - beach_top[None, :]) / (h * 0.006)) ** 2)) * step(0, 1.5, waves)
    ripples = fbm(rng, h, w, 25, 5, stretch=(4.0, 0.5))
    sand = rgb(tint(rng, (205, 185, 150))) * (0.88 + 0.06 * ripples[..., None])
    wet = step(h * 0.06, 0, yy - beach_top[None, :])
    sand = mix(sand, sand * 0.7, wet)
    img = np.where((yy > horizon)[..., None], sea, img)
    img = over(img, sand, step(-1.5, 1.5, yy - beach_top[None, :]))
    img = over(img, rgb((245, 248, 250)), foam * 0.8)
    return img, None


def night_street(rng: np.random.Generator, h: int, w: int) -> tuple[np.ndarray, np.ndarray | None]:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    v = yy / h
    img = mix(rgb((8, 10, 28)), rgb((45, 35, 55)), v**1.5)
    street = int(h * rng.uniform(0.68, 0.78))
    lights: list[tuple[float, float, float]] = []
    x = -rng.uniform(0, 0.1) * w
    while x < w:
        bw, top = w * rng.uniform(0.1, 0.22), h * rng.uniform(0.1, 0.45)
        inside = (xx >= x) & (xx < x + bw) & (yy > top) & (yy < street)
        facade = fbm(rng, h, w, 20, 4)
        wall = rgb(tint(rng, (30, 28, 32), 6)) * (0.8 + 0.2 * facade[..., None])
        img = np.where(inside[..., None], wall, img)
        cols, rows = int(bw / (w * 0.03)), int((street - top) / (h * 0.06))
        for i in range(cols):
            for j in range(rows):
                if rng.random() > 0.45:
                    continue
                wx, wy = x + (i + 0.25) * bw / cols, top + (j + 0.3) * (street - top) / rows
                win = (xx > wx) & (xx < wx + bw / cols * 0.5) & (yy > wy) & (yy < wy + h * 0.03)
                colour = rgb(tint(rng, (240, 200, 130), 20)) * rng.uniform(0.5, 1.0)
                img = np.where(win[..., None], colour, img)
        x += bw + w * rng.uniform(0, 0.02)
    for lx in np.linspace(w * rng.uniform(0.05, 0.15), w, int(rng.integers(3, 6)), endpoint=False):
        pole = (np.abs(xx - lx) < w * 0.003) & (yy > street - h * 0.3) & (yy < street)
        img = np.where(pole[..., None], rgb((15, 15, 18)), img)
        lights.append((street - h * 0.3, lx, h * 0.008))
    asphalt = fbm(rng, h, w, 60, 4)
    road = rgb((22, 22, 26)) * (0.8 + 0.2 * asphalt[..., None])
    img = np.where((yy >= street)[..., None], road, img)
    light = glow(h, w, lights, 3.0)
    # The wet road mirrors the lamps as long streaks.
    streak = gaussian_blur(light[::-1], h * 0.002, h * 0.0005)
    offset = h - 2 * street
    streak = np.roll(streak, -offset, axis=0) * (yy > street)
    img = img + (light + 0.5 * gaussian_blur(streak, h * 0.01, 1.0))[..., None] * rgb(
        (255, 200, 120)
    )
    return img, None


SCENES = {
    "lake": lake,
    "forest": forest,
    "leaf": leaf,
    "room": room,
    "coast": coast,
    "night_street": night_street,
}


def render_scene(
    kind: str, rng: np.random.Generator, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray | None]:
    """Scene ``kind`` at ``size`` = (w, h): float32 HxWx3 and its main surface's mask, if any."""
    w, h = size
    img, mask = SCENES[kind](rng, h, w)
    return np.clip(img, 0, 1.5).astype(np.float32), mask
