"""Issue 10, case 12: a threshold is only ever applied to scores of its own model version.

The active model is global but scores live in each catalog: a catalog scored by one model
must not be judged by another model's threshold. Rows are re-scored from their stored
embeddings when the active model can read them; otherwise the command refuses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from dropletcleaner.cli import main
from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml.checkpoint import LoadedModel
from tests.retrain_helpers import (  # noqa: F401  (fixtures)
    BASE_VERSION,
    U,
    add_photos,
    base_file_fixture,
    base_fixture,
    embeddings,
)

RETRAINED = f"{BASE_VERSION}-r1"


def _retrained_active(base: LoadedModel) -> None:
    """A retrained sibling of the base model (same backbone) with another threshold, active."""
    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.ml.card import ModelCard
    from dropletcleaner.core.ml.checkpoint import load_model, save_model
    from dropletcleaner.core.training.retrain.versions import backbone_digest

    sibling = load_model(registry.shipped_weights_path())  # type: ignore[arg-type]
    with torch.no_grad():
        sibling.model.head.bias.add_(torch.tensor([0.5, -0.5]))
    card = ModelCard(
        version=RETRAINED,
        threshold=0.3,
        parent=BASE_VERSION,
        training={"backbone": backbone_digest(base.model), "kind": "fast"},
    )
    save_model(sibling.model, card, registry.weights_path(RETRAINED))
    registry.set_active(RETRAINED)


def _catalog(tmp_path: Path, base: LoadedModel, version: str | None = None) -> tuple[Path, Path]:
    folder = tmp_path / "lib"
    folder.mkdir()
    labels = np.repeat([0, 1], 10)
    path = tmp_path / "c.sqlite3"
    with Catalog(path) as catalog:
        add_photos(catalog, folder, labels, embeddings(labels, U, seed=3), base)
        if version is not None:
            catalog.connection.execute("UPDATE photos SET model_version = ?", (version,))
            catalog.connection.commit()
    return folder, path


def _versions(path: Path) -> set[str]:
    with Catalog(path) as catalog:
        return {r.model_version or "" for r in catalog.photos()}


def test_score_versions_rescored_before_the_threshold_applies(
    base: LoadedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, path = _catalog(tmp_path, base)
    _retrained_active(base)
    code = main(["quarantine", str(folder), "--dry-run", "--catalog", str(path)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert _versions(path) == {RETRAINED}  # judged by the threshold of the model that scored
    assert "Re-scored 20 photos" in err


@pytest.mark.parametrize("command", ["quarantine", "tag"])
def test_score_versions_unreadable_scores_are_refused(
    base: LoadedModel, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    folder, path = _catalog(tmp_path, base, version="droplet-v3")
    code = main([command, str(folder), "--dry-run", "--catalog", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "droplet-v3" in err and "--threshold" in err
    assert f"scan {folder}" in err
    # An explicit threshold is the user's own choice and still works.
    code = main([command, str(folder), "--dry-run", "--threshold", "0.5", "--catalog", str(path)])
    assert code == 0
