"""What a threshold means in a photographer's numbers: false alarms among clean photos.

A model card may record the false-positive-rate curve measured on real, varied clean photos
that training never saw (``metrics["fpr_curve"]``: thresholds ascending, the share of those
clean photos scoring at or above each). From it the app says "at 0.93, about 1 in 200 clean
photos is flagged" and, for a library, how many false alarms to expect. It also says which
photos sit near the threshold (:func:`near_threshold`), where a score decides little.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dropletcleaner.core.wording import plural

# Unlabelled photos scored this close to the threshold are "uncertain": a small change of
# the threshold or a second opinion would flip them, so the app's Uncertain filter and the
# scan summary point them out for a look at 100 % rather than leave them unseen.
NEAR_BAND = 0.10


def fpr_curve(
    clean_scores: Sequence[float] | np.ndarray, thresholds: Sequence[float] | None = None
) -> dict[str, Any]:
    """The curve as a card records it, from the scores of real clean photos."""
    scores = np.asarray(clean_scores, dtype=np.float64)
    grid = (
        np.asarray(thresholds, dtype=np.float64)
        if thresholds is not None
        else np.round(np.linspace(0.05, 0.99, 95), 4)
    )
    rates = [float((scores >= t).mean()) if len(scores) else 0.0 for t in grid]
    return {"thresholds": [float(t) for t in grid], "fpr": rates, "photos": len(scores)}


def false_positive_rate(metrics: Mapping[str, Any], threshold: float) -> float | None:
    """Share of clean photos flagged at ``threshold`` by the card's curve; ``None`` if absent."""
    curve = metrics.get("fpr_curve")
    if not isinstance(curve, Mapping):
        return None
    try:
        ts = np.asarray(curve["thresholds"], dtype=np.float64)
        rates = np.asarray(curve["fpr"], dtype=np.float64)
    except (KeyError, TypeError, ValueError):
        return None
    if ts.ndim != 1 or ts.shape != rates.shape or len(ts) < 2 or not np.all(np.diff(ts) > 0):
        return None
    # Rates between recorded thresholds are interpolated: the curve is monotone.
    return float(np.interp(threshold, ts, rates))


def near_band(threshold: float) -> tuple[float, float]:
    """``(low, high)``: the scores near ``threshold``, where a look decides, not the score.

    Below, :data:`NEAR_BAND`. Above, as far in log-odds as that is below: scores crowd
    towards 1, so a plain 0.10 above a threshold of 0.94 would take in every flagged
    photo (at 0.94 the band is 0.84-0.98; at 0.5 it is 0.40-0.60).
    """
    low = max(0.0, threshold - NEAR_BAND)
    if low <= 0.0 or threshold >= 1.0:
        return low, min(1.0, threshold + NEAR_BAND)
    odds = math.log(threshold / (1 - threshold))
    width = odds - math.log(low / (1 - low))
    return low, 1.0 / (1.0 + math.exp(-(odds + width)))


def near_threshold(score: float, threshold: float) -> bool:
    """Whether ``score`` lies in :func:`near_band` of ``threshold``."""
    low, high = near_band(threshold)
    return low <= score <= high


def band_share(metrics: Mapping[str, Any], low: float, high: float) -> float | None:
    """Share of clean photos scored in ``[low, high)`` by the card's curve; ``None`` if absent."""
    at_low, at_high = false_positive_rate(metrics, low), false_positive_rate(metrics, high)
    if at_low is None or at_high is None:
        return None
    return max(0.0, at_low - at_high)


def one_in(rate: float) -> str:
    """``about 1 in 200`` for 0.005; ``fewer than 1 in 1,000`` below that."""
    if rate <= 0.001:
        return "fewer than 1 in 1,000"
    n = 1.0 / rate
    step = 10 if n < 100 else 50 if n < 500 else 100
    rounded = max(2, int(round(n / step) * step)) if n >= 10 else max(1, round(n))
    return f"about 1 in {rounded:,}"


def describe_threshold(metrics: Mapping[str, Any], threshold: float) -> str | None:
    """``at 0.93, about 1 in 200 clean photos is flagged``; ``None`` without a curve."""
    rate = false_positive_rate(metrics, threshold)
    if rate is None:
        return None
    return f"at {threshold:.2f}, {one_in(rate)} clean photos is flagged"


def expected_false_alarms(
    metrics: Mapping[str, Any], threshold: float, photos: int, flagged: int | None = None
) -> str | None:
    """``≈ 6 false alarms expected in your 1,200 photos``; ``None`` without a curve.

    With ``flagged``, never more than that: a folder's false alarms are among its flags,
    and "≈ 11 expected" beside "5 flagged" reads as a mistake.
    """
    rate = false_positive_rate(metrics, threshold)
    if rate is None:
        return None
    expected = rate * photos if flagged is None else min(rate * photos, float(flagged))
    shown = "fewer than 1" if expected < 1 else f"≈ {round(expected):,}"
    noun = "false alarm" if shown in ("≈ 1", "fewer than 1") else "false alarms"
    return f"{shown} {noun} expected in your {plural(photos, 'photo')}"


__all__ = [
    "NEAR_BAND",
    "band_share",
    "describe_threshold",
    "expected_false_alarms",
    "false_positive_rate",
    "fpr_curve",
    "near_band",
    "near_threshold",
    "one_in",
]
