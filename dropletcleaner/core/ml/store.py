"""The model store: the shipped model, versioned retrained models, and which one is active.

Versioned droplet models under ``user_data_dir/models/`` and which one is active.

Retrained models are written there (weights + card + replay set); ``active.json`` names
the one in use. No marker there means the shipped model is active. Versions are named
after the model they were retrained from, ``<root>-r<N>``, with ``N`` counting up across
the folder so a name is never reused.

Every version name is checked against a strict pattern before it becomes a path, and the
path must resolve inside the models folder. A broken active model (bad checksum, header,
tensors or card) is never used: the shipped model stands in, with a warning naming the file.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.core.atomic import atomic_write_text
from dropletcleaner.core.ml.card import ModelCard, ModelLoadError, valid_version
from dropletcleaner.core.ml.checkpoint import LoadedModel, load_model
from dropletcleaner.core.ml.checkpoint_check import mark_broken, model_problem
from dropletcleaner.core.ml.network import build_imagenet_model
from dropletcleaner.core.paths import models_dir, resource_folders
from dropletcleaner.core.photos.preprocess import PREPROCESS

SHIPPED_MODEL_NAME = "droplet-v6"
UNTRAINED_VERSION = "untrained-head"
ACTIVE_FILE = "active.json"
WEIGHTS_SUFFIX = ".safetensors"
_AUX = (".replay", ".checkpoint")  # files beside the weights that are not models
_RETRAIN_SUFFIX = re.compile(r"-r(\d+)$")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    """One model the user can switch to."""

    version: str
    path: Path | None  # None for the untrained fallback
    kind: str  # "shipped", "fast", "deep" or "untrained"
    created: str
    parent: str | None
    active: bool
    summary: str  # one line of held-out figures, when the card has them
    problem: str | None = None  # why the model is broken; None when it checks out


class BadVersionName(ValueError):
    """A version name that is not safe as a file name in the models folder."""


def weights_path(version: str) -> Path:
    """Weights file of ``version``; ``BadVersionName`` unless it stays in the models folder."""
    if not valid_version(version):
        raise BadVersionName(f"{version!r} is not a valid model version name")
    folder = models_dir()
    path = folder / f"{version}{WEIGHTS_SUFFIX}"
    # The pattern already forbids separators; resolving also catches a link out of the folder.
    if path.resolve().parent != folder.resolve():
        raise BadVersionName(f"model version {version!r} resolves outside {folder}")
    return path


def active_version() -> str | None:
    """Version named by the marker (even if its files vanished), ``None`` for the shipped one."""
    try:
        version = json.loads((models_dir() / ACTIVE_FILE).read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return version if isinstance(version, str) else None


def fallback_warning(what: Path | str, problem: str) -> str:
    """The one-line warning shown when the active model cannot be used."""
    return (
        f"active model {what} is broken ({problem}); using the shipped model instead. "
        "Fix: run `dropletcleaner model reset`, or `dropletcleaner model use VERSION` "
        "with a version that `dropletcleaner model list` does not mark broken"
    )


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:  # several callers ask per command; say it once
        _warned.add(message)
        log.warning("%s", message)


def active_weights_path() -> Path | None:
    """Weights of the user's active retrained model, or ``None`` for the shipped model.

    A broken active model gives ``None`` (the shipped model) and a warning.
    """
    version = active_version()
    if version is None:
        return None
    try:
        path = weights_path(version)
    except BadVersionName as exc:
        _warn_once(fallback_warning(models_dir() / ACTIVE_FILE, str(exc)))
        return None
    if not path.is_file():
        return None
    problem = model_problem(path)
    if problem is not None:
        _warn_once(fallback_warning(path, problem))
        return None
    card = read_card(path.with_suffix(".json"))
    if card is not None and card.input_size != PREPROCESS.input_size:
        # Made by an earlier release for another input size: its scores would be wrong.
        log.warning(
            "model %s expects %s px input; using the shipped model", version, card.input_size
        )
        return None
    return path  # a broken card is reported when the model is loaded


def set_active(version: str | None) -> None:
    """Make ``version`` active; ``None`` resets to the shipped model."""
    marker = models_dir() / ACTIVE_FILE
    if version is None:
        marker.unlink(missing_ok=True)
        return
    if not weights_path(version).is_file():
        raise FileNotFoundError(f"no model version {version!r} in {models_dir()}")
    marker.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, json.dumps({"version": version}))


def user_versions() -> list[str]:
    """Retrained versions present in the models folder, oldest first."""
    folder = models_dir()
    if not folder.is_dir():
        return []
    names = [
        p.name[: -len(WEIGHTS_SUFFIX)]
        for p in folder.glob(f"*{WEIGHTS_SUFFIX}")
        if valid_version(p.name[: -len(WEIGHTS_SUFFIX)])
        and not any(p.name[: -len(WEIGHTS_SUFFIX)].endswith(aux) for aux in _AUX)
        and p.with_suffix(".json").is_file()
    ]
    return sorted(names, key=lambda v: (_retrain_number(v), v))


def _retrain_number(version: str) -> int:
    m = _RETRAIN_SUFFIX.search(version)
    return int(m.group(1)) if m else 0


def next_version(parent: str) -> str:
    """A fresh version name for a model retrained from ``parent``."""
    root = _RETRAIN_SUFFIX.sub("", parent)
    used = [_retrain_number(v) for v in user_versions()]
    return f"{root}-r{max(used, default=0) + 1}"


def list_models() -> list[ModelInfo]:
    """The shipped model (or the untrained fallback) followed by every retrained version."""
    active = active_weights_path()
    infos: list[ModelInfo] = []
    shipped = shipped_weights_path()
    if shipped is not None:
        card = read_card(shipped.with_suffix(".json"))
        infos.append(
            ModelInfo(
                version=card.version if card else shipped.stem,
                path=shipped,
                kind="shipped",
                created=card.created if card else "",
                parent=None,
                active=active is None,
                summary=_summary(card),
                problem=model_problem(shipped),
            )
        )
    else:
        infos.append(ModelInfo(UNTRAINED_VERSION, None, "untrained", "", None, active is None, ""))
    for version in user_versions():
        path = weights_path(version)
        card = read_card(path.with_suffix(".json"))
        infos.append(
            ModelInfo(
                version=version,
                path=path,
                kind=str(card.training.get("kind", "fast")) if card else "?",
                created=card.created if card else "",
                parent=card.parent if card else None,
                active=active == path,
                summary=_summary(card),
                problem=model_problem(path),
            )
        )
    return infos


class BrokenModel(Exception):
    """``model use`` named a model that fails its checks; nothing was switched."""


class UnknownModel(ValueError):
    """``model use`` named no model there is; ``str`` says which versions exist."""

    def __init__(self, version: str, known: Sequence[str]) -> None:
        super().__init__(f"no model version {version!r} (known: {', '.join(known)})")
        self.version = version
        self.known = list(known)


def use_model(version: str) -> None:
    """Switch to ``version``: a retrained one, or the shipped one by its own name.

    The model is checked (and loaded once) before the marker changes, so a broken one is
    refused with the reason and the active model stays as it was.
    """
    shipped = [m for m in list_models() if m.kind in ("shipped", "untrained")]
    if shipped and version == shipped[0].version:
        set_active(None)
        return
    known = user_versions()
    if version not in known:
        raise UnknownModel(version, [*(m.version for m in shipped), *known])
    path = weights_path(version)
    problem = model_problem(path)
    if problem is None:
        try:
            load_model(path)
        except ModelLoadError as exc:
            problem = str(exc)
            mark_broken(path, problem)
    if problem is not None:
        raise BrokenModel(f"model {version} is broken ({problem}): {path}; not switched")
    set_active(version)


def reset_model() -> None:
    """Go back to the shipped model; retrained versions stay on disk and can be used again."""
    set_active(None)


def read_card(path: Path) -> ModelCard | None:
    """The card beside a weights file, or ``None`` when it is missing or unreadable."""
    try:
        return ModelCard.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None


def _summary(card: ModelCard | None) -> str:
    held = card.metrics.get("held_out") if card is not None else None
    if not isinstance(held, dict) or "new" not in held:
        return ""
    new = held["new"]
    try:
        return (
            f"held-out accuracy {float(new['accuracy']):.3f}, "
            f"precision {float(new['precision']):.3f}, recall {float(new['recall']):.3f} "
            f"on {int(new['n'])} labels"
        )
    except (KeyError, TypeError, ValueError):
        return ""


def shipped_weights_path() -> Path | None:
    """Path of the shipped droplet model (installed or in a checkout), or ``None`` if absent."""
    for folder in resource_folders("models"):
        path = folder / f"{SHIPPED_MODEL_NAME}.safetensors"
        if path.is_file():
            return path
    return None


def load_default_model() -> LoadedModel:
    """The active model: the user's chosen retrained model, else the shipped one, else untrained.

    An untrained head gives meaningless scores; callers must say so loudly
    (``LoadedModel.trained`` is ``False``).
    """
    active = active_weights_path()
    if active is not None:
        try:
            return load_model(active)
        except ModelLoadError as exc:
            mark_broken(active, str(exc))
            log.warning("%s", fallback_warning(active, str(exc)))
    shipped = shipped_weights_path()
    if shipped is not None:
        return load_model(shipped)
    model = build_imagenet_model()
    model.eval()
    return LoadedModel(model=model, card=ModelCard(version=UNTRAINED_VERSION, trained=False))


def default_model_card() -> ModelCard:
    """The card of the model :func:`load_default_model` would load, without loading weights.

    Cheap enough for callers that only need the active threshold or version.
    """
    weights = active_weights_path() or shipped_weights_path()
    if weights is None:
        return ModelCard(version=UNTRAINED_VERSION, trained=False)
    try:
        return ModelCard.from_json(weights.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"cannot read the card of {weights}: {exc}") from exc
