"""Explaining photo files, with a disk cache per (file fingerprint, model version, method).

A photo is decoded as its model's scans see it (the card's input size); a cached map is
reused only while the file, the model and the method's settings are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from dropletcleaner.core.atomic import atomic_open
from dropletcleaner.core.jobs import CancelToken
from dropletcleaner.core.ml.attribution import methods
from dropletcleaner.core.ml.attribution.methods import (
    CACHE_FORMAT,
    DEFAULT_METHOD,
    IG_STEPS,
    OCCLUSION_GRID,
    SHAP_CHUNK,
    SHAP_NOISE,
    SHAP_SAMPLES,
    SHAP_SEED,
    Attribution,
    _check_method,
)
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.network import DropletNet
from dropletcleaner.core.paths import cache_dir
from dropletcleaner.core.photos.decode import decode_for_scan
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.photos.preprocess import PREPROCESS

log = logging.getLogger(__name__)


def model_key(loaded: LoadedModel) -> str:
    """The model identity used in cache keys: version plus a checksum prefix when known."""
    sha = loaded.card.sha256[:12]
    return f"{loaded.version}-{sha}" if sha else loaded.version


def _recipe(method: str) -> str:
    """Short hash of everything besides the photo and model that shapes a method's map."""
    settings: dict[str, object] = {
        "format": CACHE_FORMAT,
        "preprocess": PREPROCESS.to_dict(),
        "gradcam": [],
        "integrated_gradients": [IG_STEPS],
        "occlusion": [OCCLUSION_GRID],
        "gradient_shap": [SHAP_SAMPLES, SHAP_CHUNK, SHAP_NOISE, SHAP_SEED],
    }
    text = json.dumps([settings["format"], settings["preprocess"], settings[method]], default=str)
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def cache_path(fingerprint: str, model_version: str, method: str) -> Path:
    """Where the heat map for (photo fingerprint, model version, method) is cached."""
    _check_method(method)
    safe_version = re.sub(r"[^A-Za-z0-9._-]", "_", model_version)
    name = f"{fingerprint}-{safe_version}-{method}-{_recipe(method)}.npy"
    return cache_dir() / "attributions" / fingerprint[:2] / name


def load_cached(fingerprint: str, model_version: str, method: str) -> Attribution | None:
    """The cached attribution, or ``None`` when absent or unreadable (it is then recomputed)."""
    path = cache_path(fingerprint, model_version, method)
    if not path.is_file():
        return None
    try:
        record = np.load(path, allow_pickle=False)
        heatmap = np.asarray(record["heatmap"], dtype=np.float32)
        score = float(record["score"])
    except (OSError, ValueError, KeyError, IndexError) as exc:
        log.warning("ignoring unreadable attribution cache %s: %s", path, exc)
        return None
    return Attribution(
        heatmap=heatmap,
        score=score,
        method=method,
        model_version=model_version,
        fingerprint=fingerprint,
        from_cache=True,
    )


def store_cached(attribution: Attribution) -> Path:
    """Write an attribution to the disk cache atomically (one self-describing ``.npy``)."""
    if attribution.fingerprint is None or attribution.model_version is None:
        raise ValueError("only attributions with a fingerprint and model version are cached")
    heat = np.asarray(attribution.heatmap, dtype=np.float32)
    record = np.zeros((), dtype=[("heatmap", "<f4", heat.shape), ("score", "<f4")])
    record["heatmap"] = heat
    record["score"] = attribution.score
    path = cache_path(attribution.fingerprint, attribution.model_version, attribution.method)
    with atomic_open(path, "wb", durable=False) as handle:
        np.save(handle, record, allow_pickle=False)
    return path


def explain_file(
    model_or_loaded: LoadedModel | DropletNet,
    path: str | Path,
    method: str = DEFAULT_METHOD,
    *,
    cancel: CancelToken | None = None,
    use_cache: bool = True,
) -> Attribution:
    """Decode a photo exactly as the scanner does and explain it, using the disk cache.

    Only a :class:`LoadedModel` has a version, so only its maps are cached. Raises
    :class:`~dropletcleaner.core.photos.decode.DecodeError` or ``OSError`` for unreadable files.
    """
    _check_method(method)
    card = model_or_loaded.card if isinstance(model_or_loaded, LoadedModel) else None
    if isinstance(model_or_loaded, LoadedModel):
        model, version = model_or_loaded.model, model_key(model_or_loaded)
    else:
        model, version = model_or_loaded, None
    if use_cache and version is not None:
        cached = load_cached(quick_fingerprint(path), version, method)
        if cached is not None:
            return cached
    # The model sees the photo at its card's input size, as its scans do.
    cfg = PREPROCESS if card is None else replace(PREPROCESS, input_size=int(card.input_size))
    decoded = decode_for_scan(path, cfg)
    result = methods.explain(model, decoded.pixels, method, cancel=cancel, card=card)
    result.model_version = version
    result.fingerprint = decoded.fingerprint
    if use_cache and version is not None:
        store_cached(result)
    return result
