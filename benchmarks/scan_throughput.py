"""Scan throughput: first scan and rescan of generated 12-megapixel JPEGs vs. a naive baseline.

Prints photos/s for
  * the engine's first scan (decode, score, catalog, thumbnail — end to end), with how many
    photos got the model card's second look (``--every-photo-twice`` forces it for all: the
    worst case, a library whose every photo could be wet),
  * a rescan of the unchanged folder,
  * a naive baseline in the same run: full Pillow decode, resize, eager fp32 torch, batch 32,
and, with ``--memory-count``, the peak memory of a scan of that many (smaller) photos,
measured in a child process.

    python3 benchmarks/scan_throughput.py --count 200
    python3 benchmarks/scan_throughput.py --count 200 --device cuda   # on a machine with a GPU
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def make_photos(folder: Path, count: int, size: tuple[int, int]) -> list[Path]:
    """Photo-like JPEGs (smooth scene, texture, noise); each file differs."""
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    rng = np.random.default_rng(0)
    small = rng.normal(0, 1, (h // 16, w // 16, 3)).cumsum(0).cumsum(1)
    small = (small - small.min()) / (np.ptp(small) + 1e-6) * 200 + 20
    base = np.asarray(Image.fromarray(small.astype(np.uint8)).resize((w, h), Image.BICUBIC))
    texture = rng.integers(-12, 12, (h, w, 3), dtype=np.int16)
    paths = []
    for i in range(count):
        path = folder / f"IMG_{i:05}.jpg"
        paths.append(path)
        if path.exists():
            continue
        shift = np.roll(texture, i * 7, axis=1)
        img = np.clip(base.astype(np.int16) + shift + (i % 50), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(path, "JPEG", quality=90)
    return paths


def engine_scan(
    folder: Path, catalog: Path, thumbs: Path, twice: bool = False, device: str = "cpu"
) -> tuple[float, int, int]:
    """Seconds, photos and second looks of one scan; ``twice`` gives every photo its looks."""
    from dataclasses import replace

    from dropletcleaner.core.catalog.photos import Catalog
    from dropletcleaner.core.library.scan import Scanner
    from dropletcleaner.core.library.thumbnails import ThumbnailCache
    from dropletcleaner.core.ml.inference.scorer import Scorer
    from dropletcleaner.core.ml.store import load_default_model

    scorer = Scorer(load_default_model(), device=device)
    if twice:
        scorer.model.scoring = replace(scorer.model.scoring, look_above=0.0)
    with Catalog(catalog) as cat:
        start = time.perf_counter()
        scanner = Scanner(folder, cat, scorer, ThumbnailCache(thumbs))
        for _ in scanner.run():
            pass
        summary = scanner.summary
        return time.perf_counter() - start, summary.scored + summary.unchanged, summary.second_looks


def naive_baseline(paths: list[Path]) -> float:
    """Full decode, resize to the engine's input size, eager fp32 torch at batch 32 — photos/s."""
    import torch

    from dropletcleaner.core.ml.inference.protocol import to_model_tensor
    from dropletcleaner.core.ml.store import load_default_model
    from dropletcleaner.core.photos.decode import model_pixels

    model = load_default_model().model.eval()
    start = time.perf_counter()
    batch: list[np.ndarray] = []
    with torch.inference_mode():
        for i, path in enumerate(paths):
            img = Image.open(path).convert("RGB")
            batch.append(model_pixels(img))  # same input size as the engine
            if len(batch) == 32 or i == len(paths) - 1:
                model.predict_proba(to_model_tensor(np.stack(batch)))
                batch = []
    return len(paths) / (time.perf_counter() - start)


def memory_child(folder: str, catalog: str, thumbs: str) -> None:
    seconds, count, _ = engine_scan(Path(folder), Path(catalog), Path(thumbs))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "count": count, "peak_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200, help="12-MP photos to scan")
    parser.add_argument("--baseline-count", type=int, default=64, help="photos for the baseline")
    parser.add_argument(
        "--memory-count", type=int, default=0, help="photos (1.2 MP) for the memory run"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated photos here")
    parser.add_argument(
        "--every-photo-twice", action="store_true", help="give every photo the second look"
    )
    parser.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="where the engine's scans run (the naive baseline stays on the CPU)",
    )
    parser.add_argument("--_memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._memory_child:
        memory_child(*args._memory_child)
        return

    work = args.workdir or Path(tempfile.mkdtemp(prefix="dc-bench-"))
    os.environ.setdefault("DROPLETCLEANER_CACHE", str(work / "cache"))
    os.environ.setdefault("DROPLETCLEANER_DATA", str(work / "data"))
    print(f"generating {args.count} 12-MP JPEGs in {work} …", flush=True)
    paths = make_photos(work / "photos12mp", args.count, (4000, 3000))
    run = f"{time.time_ns()}"
    catalog, thumbs = work / f"catalog-{run}.db", work / f"thumbs-{run}"

    # Warm up: the first Scorer exports the ONNX graph once; not part of a scan.
    from dropletcleaner.core.ml.inference.scorer import Scorer
    from dropletcleaner.core.ml.store import load_default_model

    warm = Scorer(load_default_model(), device=args.device)  # builds the second look's size too
    sizes = " and ".join(f"{size} px" for size in warm.looks) or "no size"
    print(f"engine on  : {warm.backend_name} on {warm.device.type}")

    folder = work / "photos12mp"
    first_s, n, looks = engine_scan(folder, catalog, thumbs, args.every_photo_twice, args.device)
    re_s, n2, _ = engine_scan(folder, catalog, thumbs, device=args.device)
    baseline_paths = paths[: args.baseline_count]
    base = naive_baseline(baseline_paths)
    first = n / first_s
    print(f"first scan : {n} photos in {first_s:6.2f} s = {first:7.1f} photos/s")
    print(f"             of which {looks} got the second look (at {sizes})")
    print(f"rescan     : {n2} photos in {re_s:6.3f} s = {n2 / re_s:7.0f} photos/s")
    print(
        f"naive      : {len(baseline_paths)} photos, full decode + eager fp32 = "
        f"{base:7.1f} photos/s"
    )
    print(f"speed-up   : {first / base:.1f}x over the naive baseline")

    if args.memory_count:
        memory_run(work, run, args.memory_count)


def memory_run(work: Path, run: str, count: int) -> None:
    """Peak memory of a scan of ``count`` 1.2-MP photos, measured in a child process."""
    print(f"generating {count} 1.2-MP JPEGs for the memory run …", flush=True)
    make_photos(work / "photos-mem", count, (1280, 960))
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--_memory-child",
            str(work / "photos-mem"),
            str(work / f"mem-{run}.db"),
            str(work / f"mem-thumbs-{run}"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"memory     : scan of {result['count']} photos peaked at {result['peak_mb']:.0f} MB "
        f"({result['count'] / result['seconds']:.1f} photos/s)"
    )


if __name__ == "__main__":
    main()
