"""How a droplet score is written in the app: a number that agrees with the threshold.

A score is a model output, not a probability the user can bank on: "3 %" on a clean photo
reads as "certainly dry", and "95 %" as near-certain water. The app writes the score as a
plain number with two decimals and says in words what it means at the user's threshold.
It rounds *down*, so a photo below a two-decimal threshold never shows the threshold's own
number (0.945 is "0.94" beside a threshold of 0.95, not "0.95").
"""

from __future__ import annotations

import math


def score_text(score: float) -> str:
    """``0.94`` for 0.9449 and for 0.945: two decimals, rounded down."""
    # The nudge keeps 0.95 (stored as 0.9499999...) at "0.95".
    return f"{math.floor(score * 100 + 1e-6) / 100:.2f}"


def threshold_text(threshold: float) -> str:
    return f"{threshold:.2f}"


def verdict(score: float, threshold: float) -> str:
    """``flagged`` or ``below threshold``: the words shown beside a score."""
    return "flagged" if score >= threshold else "below threshold"


def score_line(score: float | None, threshold: float | None) -> str:
    """The detail panel's line: ``Droplet score 0.73 · flagged (threshold 0.50)``."""
    if score is None:
        return "Not scored yet"
    text = f"Droplet score {score_text(score)}"
    if threshold is None:
        return text
    return f"{text} · {verdict(score, threshold)} (threshold {threshold_text(threshold)})"
