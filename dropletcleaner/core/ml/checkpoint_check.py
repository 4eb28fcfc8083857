"""Is a model file usable? Card, checksum, safetensors header and tensor names, without loading.

``model list`` marks broken models with the reason, ``model use`` refuses them, and the
active model falls back to the shipped one when its files fail here. The check reads the
weights once to hash them (a few tens of milliseconds) and never builds tensors from them;
answers are kept per file state, so asking again in one command costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import struct
from functools import cache
from pathlib import Path

from dropletcleaner.core.ml.card import ARCHITECTURE, ModelCard, Scoring
from dropletcleaner.core.ml.network import DropletNet

_MAX_HEADER = 16 * 1024 * 1024  # a safetensors header past this is not ours

# (weights path, size, mtime_ns, card size, card mtime_ns) -> problem or None
_verdicts: dict[tuple[str, int, int, int, int], str | None] = {}
_broken: dict[str, str] = {}  # weights that failed to load in this process


def mark_broken(path: Path, problem: str) -> None:
    """Remember that ``path`` failed to load, so later checks in this process agree."""
    _broken[str(path)] = problem


def model_problem(path: Path) -> str | None:
    """Why the model at ``path`` (weights, card beside it) cannot be used; ``None`` if it can."""
    if str(path) in _broken:
        return _broken[str(path)]
    card_path = path.with_suffix(".json")
    try:
        st, cst = path.stat(), card_path.stat()
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    key = (str(path), st.st_size, st.st_mtime_ns, cst.st_size, cst.st_mtime_ns)
    if key not in _verdicts:
        _verdicts[key] = _check(path, card_path)
    return _verdicts[key]


def _check(path: Path, card_path: Path) -> str | None:
    try:
        card = ModelCard.from_json(card_path.read_text(encoding="utf-8"))
        data = path.read_bytes()
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read it: {exc}"
    except (ValueError, TypeError) as exc:
        return f"bad card {card_path.name}: {exc}"
    if not card.sha256:
        return f"the card {card_path.name} records no sha256 checksum"
    if hashlib.sha256(data).hexdigest() != card.sha256:
        return f"checksum mismatch for {path.name}: the file is corrupt or was replaced"
    if card.architecture != ARCHITECTURE:
        return f"unsupported architecture {card.architecture!r}"
    shapes = _header_shapes(data)
    if shapes is None:
        return f"{path.name} has no readable safetensors header"
    expected = _expected_shapes(Scoring.from_card(card.scoring).pooling)
    if shapes != expected:
        missing = sorted(set(expected) - set(shapes))
        extra = sorted(set(shapes) - set(expected))
        wrong = sorted(k for k in set(expected) & set(shapes) if expected[k] != shapes[k])
        first = (missing or extra or wrong)[0]
        return f"{path.name} does not hold the tensors its card names (first: {first})"
    return None


def _header_shapes(data: bytes) -> dict[str, tuple[int, ...]] | None:
    """Tensor name -> shape from a safetensors header, or ``None`` when it is not one."""
    if len(data) < 8:
        return None
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(_MAX_HEADER, len(data) - 8):
        return None
    try:
        header = json.loads(data[8 : 8 + size])
        return {
            name: tuple(int(n) for n in entry["shape"])
            for name, entry in header.items()
            if name != "__metadata__"
        }
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


@cache
def _expected_shapes(pooling: str) -> dict[str, tuple[int, ...]]:
    """The tensors a model with this pooling holds (built once, with random weights)."""
    model = DropletNet(scoring=Scoring(pooling=pooling))
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}
