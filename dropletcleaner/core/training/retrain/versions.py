"""Which stored embeddings a model can read: backbone digests, and the versions in a catalog.

Two models' embeddings are interchangeable when their backbones (with the map head that
guides pooling) and their input sizes are the same (:func:`embedding_key`). Fast retraining
learns only from labelled embeddings the base model can read, and re-scoring re-scores only
those; the others wait for the next scan. :class:`Versions` looks up the key and threshold of
every model version a catalog row names.
"""

from __future__ import annotations

import hashlib

import torch

from dropletcleaner.core.ml import store
from dropletcleaner.core.ml.card import valid_version
from dropletcleaner.core.ml.checkpoint import LoadedModel, load_model
from dropletcleaner.core.ml.network import DropletNet, build_imagenet_model
from dropletcleaner.core.ml.store import UNTRAINED_VERSION
from dropletcleaner.core.photos.preprocess import PREPROCESS


def backbone_digest(model: DropletNet) -> str:
    """Identity of what makes the embedding: the backbone, the map head that guides pooling,
    and the card's scoring (pooling and second looks: droplet-v4 and -v4.1 share weights but
    not embeddings).

    With the input size (see :func:`embedding_key`) it decides whether two models'
    embeddings are interchangeable.
    """
    h = hashlib.sha256()
    state = dict(model.backbone.state_dict())
    if model.map_head is not None:
        state.update({f"map_head.{k}": v for k, v in model.map_head.state_dict().items()})
        h.update(repr(sorted(model.scoring.to_card().items())).encode())
    for name, tensor in state.items():
        h.update(name.encode())
        h.update(tensor.detach().to(torch.float16).contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


# (weights checksum and scoring, or "imagenet") -> backbone digest. The scoring is part of
# the key because a recalibrated card can give the same weights other second looks.
_DIGESTS: dict[str, str] = {}


def _digest_key(checksum: str, scoring: dict[str, object]) -> str:
    return f"{checksum}|{sorted(scoring.items())!r}"


def embedding_key(digest: str | None, input_size: int) -> str | None:
    """What makes two models' embeddings interchangeable: the backbone and the input size.

    Cards record the bare backbone digest; the same weights fed another input size give
    other embeddings, so the size is part of the key.
    """
    if digest is None:
        return None
    return f"{digest}@{input_size}"


def model_backbone(loaded: LoadedModel) -> str:
    """Backbone digest of a loaded model: from its card when recorded, else computed once."""
    recorded = loaded.card.training.get("backbone")
    if isinstance(recorded, str):
        return recorded
    if not loaded.card.sha256:
        return backbone_digest(loaded.model)
    key = _digest_key(loaded.card.sha256, loaded.card.scoring)
    if key not in _DIGESTS:
        _DIGESTS[key] = backbone_digest(loaded.model)
    return _DIGESTS[key]


def model_embedding_key(loaded: LoadedModel) -> str:
    key = embedding_key(model_backbone(loaded), loaded.card.input_size)
    assert key is not None
    return key


class Versions:
    """Backbone digest and threshold of each model version named in the catalog."""

    def __init__(self, *models: LoadedModel) -> None:
        self._info: dict[str, tuple[str | None, float]] = {
            m.version: (model_embedding_key(m), m.threshold) for m in models
        }

    def backbone(self, version: str | None) -> str | None:
        return self._lookup(version)[0]

    def threshold(self, version: str | None) -> float:
        return self._lookup(version)[1]

    def _lookup(self, version: str | None) -> tuple[str | None, float]:
        if version is None:
            return None, 0.5
        if version not in self._info:
            self._info[version] = _describe_version(version)
        return self._info[version]


def _describe_version(version: str) -> tuple[str | None, float]:
    # A catalog row's version is only text: an odd one is no retrained model's file name.
    card = (
        store.read_card(store.weights_path(version).with_suffix(".json"))
        if valid_version(version)
        else None
    )
    if card is not None:
        return embedding_key(card.training.get("backbone"), card.input_size), card.threshold
    shipped = store.shipped_weights_path()
    if shipped is not None:
        card = store.read_card(shipped.with_suffix(".json"))
        if card is not None and card.version == version:
            digest = card.training.get("backbone")
            if digest is None:
                key = _digest_key(card.sha256 or str(shipped), card.scoring)
                if key not in _DIGESTS:
                    _DIGESTS[key] = backbone_digest(load_model(shipped).model)
                digest = _DIGESTS[key]
            return embedding_key(digest, card.input_size), card.threshold
    if version == UNTRAINED_VERSION:
        if "imagenet" not in _DIGESTS:
            _DIGESTS["imagenet"] = backbone_digest(build_imagenet_model())
        return embedding_key(_DIGESTS["imagenet"], PREPROCESS.input_size), 0.5
    return None, 0.5  # unknown model: its embeddings are never reused
