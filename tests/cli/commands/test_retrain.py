"""The ``label``, ``retrain`` and ``model`` commands on a catalog of synthetic embeddings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml import store as registry
from dropletcleaner.core.ml.checkpoint import LoadedModel, load_model
from tests.retrain_helpers import (
    BASE_VERSION,
    base_file_fixture,
    base_fixture,
    label_photos,
    user_photos,
)

# Fixtures this module asks for by name (base_file, base).
SHARED_FIXTURES = (base_file_fixture, base_fixture)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path, base: LoadedModel) -> tuple[Path, list[str], list[int]]:
    """A catalog of 40 photos scored by the base model; returns (path, photos, true labels)."""
    path = tmp_path / "catalog.db"
    with Catalog(path) as catalog:
        photos, y = user_photos(catalog, base, tmp_path / "photos", n=40)
    return path, photos, [int(v) for v in y]


def test_label_sets_and_clears_labels(db, capsys) -> None:  # type: ignore[no-untyped-def]
    path, photos, _ = db
    assert main(["label", photos[0], photos[1], "--as", "droplet", "--catalog", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Labelled 2 photos as droplet" in out
    assert "Labels: 2 droplet, 0 clean" in out and "Label 3 more droplet photos" in out
    assert main(["label", photos[1], "--as", "clean", "--catalog", str(path)]) == 0
    assert main(["label", photos[0], "--as", "none", "--catalog", str(path)]) == 0
    assert "Cleared the label of 1 photo" in capsys.readouterr().out
    with Catalog(path) as catalog:
        assert catalog.labels() == {photos[1]: "clean"}


def test_label_a_folder_and_unknown_paths(db, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, photos, _ = db
    assert main(["label", str(tmp_path / "photos"), "--as", "clean", "--catalog", str(path)]) == 0
    assert f"Labelled {len(photos)} photos as clean" in capsys.readouterr().out
    stray = tmp_path / "elsewhere.jpg"
    code = main(["label", photos[0], str(stray), "--as", "droplet", "--catalog", str(path)])
    assert code == 1
    captured = capsys.readouterr()
    scan = f"dropletcleaner scan {tmp_path} --catalog {path}"
    assert f"Not in the catalog: {stray}. Scan its folder first: {scan}\n" in captured.err
    assert "Labelled 1 photo as droplet" in captured.out
    assert main(["label", str(stray), "--as", "droplet", "--catalog", str(path)]) == 2
    assert "none of the given paths" in capsys.readouterr().err


def test_label_needs_a_valid_kind(db) -> None:  # type: ignore[no-untyped-def]
    path, photos, _ = db
    with pytest.raises(SystemExit) as exc:
        main(["label", photos[0], "--as", "maybe", "--catalog", str(path)])
    assert exc.value.code == 2


def test_retrain_refuses_with_too_few_labels(db, capsys) -> None:  # type: ignore[no-untyped-def]
    path, photos, y = db
    with Catalog(path) as catalog:
        label_photos(catalog, photos[:6], y[:6])  # type: ignore[arg-type]
    assert main(["retrain", "--catalog", str(path)]) == 2
    err = capsys.readouterr().err
    assert "retrain: error: Label" in err and "at least 5 of each kind" in err
    assert registry.active_version() is None


def test_retrain_accepts_then_model_list_use_and_reset(db, capsys) -> None:  # type: ignore[no-untyped-def]
    path, photos, y = db
    with Catalog(path) as catalog:
        label_photos(catalog, photos[:16], y[:16])  # type: ignore[arg-type]
    assert main(["retrain", "--catalog", str(path)]) == 0
    out = capsys.readouterr().out
    version = f"{BASE_VERSION}-r1"
    assert f"current ({BASE_VERSION})" in out and f"new ({version})" in out
    for row in ("accuracy", "precision", "recall", "AUROC", "base recall", "base FPR"):
        assert f"  {row}" in out
    assert "Accepted: new model is better" in out
    assert f"Model {version} is now active;" in out
    assert registry.active_version() == version
    with Catalog(path) as catalog:
        assert {catalog.get(p).model_version for p in photos} == {version}  # type: ignore[union-attr]

    assert main(["model", "list", "--catalog", str(path)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith(f"  {BASE_VERSION}  (shipped")
    assert listing[1].startswith(f"* {version}  (fast, from {BASE_VERSION}")
    assert f"scored {len(photos)} photos in the catalog" in listing[1]
    assert "held-out accuracy" in listing[2]

    assert main(["model", "reset", "--catalog", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Model {BASE_VERSION} is now active." in out
    assert f"Re-scored {len(photos)} photos from stored embeddings" in out
    with Catalog(path) as catalog:
        assert {catalog.get(p).model_version for p in photos} == {BASE_VERSION}  # type: ignore[union-attr]

    assert main(["model", "use", version, "--catalog", str(path)]) == 0
    assert registry.active_version() == version
    assert main(["model", "use", "nope", "--catalog", str(path)]) == 2
    assert "no model version 'nope'" in capsys.readouterr().err


def test_retrain_runs_as_a_command(db, tmp_path: Path, base_file: Path) -> None:  # type: ignore[no-untyped-def]
    """The installed entry point end to end, with the test model installed as a user version."""
    path, photos, y = db
    with Catalog(path) as catalog:
        label_photos(catalog, photos[:12], y[:12])  # type: ignore[arg-type]
    loaded = load_model(base_file)
    from dropletcleaner.core.ml.checkpoint import save_model
    from dropletcleaner.core.training.replay import replay_path

    registry.weights_path(BASE_VERSION).parent.mkdir(parents=True)
    save_model(loaded.model, loaded.card, registry.weights_path(BASE_VERSION))
    replay_path(registry.weights_path(BASE_VERSION)).write_bytes(
        replay_path(base_file).read_bytes()
    )
    registry.set_active(BASE_VERSION)
    env = {**os.environ, "PYTHONPATH": str(REPO), "DROPLETCLEANER_DATA": str(tmp_path / "data")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dropletcleaner",
            "retrain",
            "--epochs",
            "50",
            "--catalog",
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    accepted = "Accepted:" in proc.stdout
    assert proc.returncode == (0 if accepted else 1), proc.stderr
    assert "Held-out figures on all 12 labels" in proc.stdout
    assert accepted or "Not accepted:" in proc.stdout


def test_retrain_and_model_list_speak_json(db, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    path, photos, y = db
    with Catalog(path) as catalog:
        label_photos(catalog, photos[:16], y[:16])  # type: ignore[arg-type]
    assert main(["retrain", "--json", "-q", "--catalog", str(path)]) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out)
    version = f"{BASE_VERSION}-r1"
    assert doc["accepted"] is True and doc["version"] == doc["active_version"] == version
    wet = sum(y[:16])
    assert doc["base_version"] == BASE_VERSION
    assert doc["labels"] == {"droplet": wet, "clean": 16 - wet}
    assert 0.0 <= doc["new"]["accuracy"] <= 1.0 and "Accepted:" in out.err

    assert main(["model", "list", "--json", "--catalog", str(path)]) == 0
    models = json.loads(capsys.readouterr().out)
    assert [m["version"] for m in models] == [BASE_VERSION, version]
    assert [m["active"] for m in models] == [False, True]
    assert models[1]["parent"] == BASE_VERSION and models[1]["scored_photos"] == len(photos)


def test_a_rejected_retrain_exits_1_and_keeps_the_model(  # type: ignore[no-untyped-def]
    db, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dropletcleaner.core.training.retrain import result
    from dropletcleaner.core.training.retrain.accept import Decision

    path, photos, y = db
    with Catalog(path) as catalog:
        label_photos(catalog, photos[:16], y[:16])  # type: ignore[arg-type]
    monkeypatch.setattr(result, "accept_rule", lambda old, new: Decision(False, "forced"))
    assert main(["retrain", "--catalog", str(path)]) == 1
    out = capsys.readouterr().out
    assert "Not accepted: forced." in out and f"The current model {BASE_VERSION} stays" in out
    assert registry.active_version() is None


def test_labelling_a_false_alarm_clean_names_the_rest_of_its_shot(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    from PIL import Image, ImageFilter

    from dropletcleaner.core.catalog.photos import ScanResult
    from dropletcleaner.core.library.thumbnails import ThumbnailCache
    from dropletcleaner.core.ml.store import default_model_card

    card = default_model_card()
    rng = np.random.default_rng(4)
    small = rng.normal(0, 1, (12, 16, 3)).cumsum(0).cumsum(1)
    small = (small - small.min()) / (np.ptp(small) + 1e-6) * 220 + 15
    scene = Image.fromarray(small.astype(np.uint8)).resize((256, 192), Image.Resampling.BICUBIC)
    other = scene.transpose(Image.Transpose.ROTATE_180)
    pictures = {  # name: (thumbnail, score)
        "false_alarm": (scene, 0.99),
        "blurred_copy": (scene.filter(ImageFilter.GaussianBlur(2)), 0.98),
        "copy_not_flagged": (scene, 0.10),
        "other_scene": (other, 0.99),
    }
    thumbs, results = ThumbnailCache(), []
    for i, (name, (thumb, score)) in enumerate(pictures.items()):
        path = tmp_path / "shoot" / f"{name}.jpg"
        path.parent.mkdir(exist_ok=True)
        thumb.save(path, "JPEG")
        results.append(
            ScanResult(str(path), path.stat().st_size, i, score=score, model_version=card.version)
        )
        thumbs.store(str(path), path.stat().st_size, i, thumb)
    db = tmp_path / "catalog.db"
    with Catalog(db) as catalog:
        catalog.record_scans(results)
    photo = str(tmp_path / "shoot" / "false_alarm.jpg")

    assert main(["label", photo, "--as", "clean", "--catalog", str(db)]) == 0
    out = capsys.readouterr().out
    blurred = tmp_path / "shoot" / "blurred_copy.jpg"
    assert "1 more flagged photo looks like the same shot" in out, out
    assert f"  {blurred}\n" in out
    assert "copy_not_flagged" not in out and "other_scene" not in out  # unflagged; another scene
    assert f"dropletcleaner label {blurred} --as clean --catalog {db}" in out
    with Catalog(db) as catalog:
        assert catalog.labels() == {photo: "clean"}  # named, never labelled for the user

    # A photo the model did not flag anchors nothing.
    unflagged = str(tmp_path / "shoot" / "copy_not_flagged.jpg")
    assert main(["label", unflagged, "--as", "clean", "--catalog", str(db)]) == 0
    assert "same shot" not in capsys.readouterr().out
