"""The model store: the shipped model, retrained versions, the active marker and its fallback."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from dropletcleaner.core.ml import store
from dropletcleaner.core.ml.card import ModelLoadError
from dropletcleaner.core.ml.checkpoint import LoadedModel, save_model
from dropletcleaner.core.paths import models_dir
from tests.retrain_helpers import base_file_fixture, base_fixture, make_base_model

# Fixtures asked for by name: the synthetic model standing in for the shipped one (base).
SHARED_FIXTURES = (base_file_fixture, base_fixture)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One good synthetic model (weights and card), written once for the module."""
    return make_base_model(tmp_path_factory.mktemp("model"), with_replay=False)


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty data folder of its own: never the user's models."""
    home = tmp_path / "data"
    monkeypatch.setenv("DROPLETCLEANER_DATA", str(home))
    return home


def _install(model_file: Path, version: str, **card_fields: object) -> Path:
    """Copy the synthetic model into the models folder as ``version``; returns its weights."""
    weights = models_dir() / f"{version}{store.WEIGHTS_SUFFIX}"
    weights.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, weights)
    card = json.loads(model_file.with_suffix(".json").read_text())
    card.update(version=version, **card_fields)
    weights.with_suffix(".json").write_text(json.dumps(card))
    return weights


def _stub(version: str) -> None:
    """Files that only name a version (no real weights): enough for listing and naming."""
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{version}{store.WEIGHTS_SUFFIX}").write_bytes(b"")
    (folder / f"{version}.json").write_text("{}")


def test_without_a_marker_the_shipped_model_is_active() -> None:
    shipped = store.shipped_weights_path()
    assert shipped is not None and shipped.name == f"{store.SHIPPED_MODEL_NAME}.safetensors"
    assert store.active_version() is None
    assert store.active_weights_path() is None
    (only,) = store.list_models()
    assert (only.version, only.kind, only.active, only.parent) == (
        store.SHIPPED_MODEL_NAME,
        "shipped",
        True,
        None,
    )
    assert only.path == shipped and only.problem is None
    assert store.default_model_card().version == store.SHIPPED_MODEL_NAME


def test_without_a_shipped_model_the_untrained_head_stands_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store, "shipped_weights_path", lambda: None)
    (only,) = store.list_models()
    assert (only.version, only.kind, only.path, only.active) == (
        store.UNTRAINED_VERSION,
        "untrained",
        None,
        True,
    )
    loaded = store.load_default_model()
    assert loaded.version == store.UNTRAINED_VERSION and not loaded.trained
    card = store.default_model_card()
    assert card.version == store.UNTRAINED_VERSION and not card.trained


def test_weights_path_is_the_version_in_the_models_folder(data_home: Path) -> None:
    assert store.weights_path("droplet-v4-r2") == data_home / "models" / "droplet-v4-r2.safetensors"


@pytest.mark.parametrize("name", ["../up", "a/b", ".hidden", "", "-dash", "x" * 101])
def test_weights_path_refuses_names_that_are_not_safe_file_names(name: str) -> None:
    with pytest.raises(store.BadVersionName, match="not a valid model version name"):
        store.weights_path(name)
    assert issubclass(store.BadVersionName, ValueError)


def test_user_versions_are_listed_oldest_first_and_only_with_a_card() -> None:
    for version in ("b-r10", "a-r2", "plain", "c-r3"):
        _stub(version)
    (models_dir() / "nocard-r5.safetensors").write_bytes(b"")  # no card: not a version
    (models_dir() / "a-r2.replay.safetensors").write_bytes(b"")  # beside a model, not one
    (models_dir() / "a-r2.replay.json").write_text("{}")
    assert store.user_versions() == ["plain", "a-r2", "c-r3", "b-r10"]


def test_no_models_folder_means_no_user_versions(data_home: Path) -> None:
    assert not data_home.exists()
    assert store.user_versions() == []


def test_next_version_counts_up_across_the_folder_from_the_parent_root() -> None:
    assert store.next_version("droplet-v4") == "droplet-v4-r1"
    _stub("droplet-v4-r1")
    _stub("other-r7")
    # The number counts across every version, so a name is never reused.
    assert store.next_version("droplet-v4") == "droplet-v4-r8"
    # A retrained parent's own suffix is replaced, not stacked.
    assert store.next_version("droplet-v4-r1") == "droplet-v4-r8"


def test_the_marker_names_the_active_version_and_none_resets(model_file: Path) -> None:
    _install(model_file, "mine-r1")
    store.set_active("mine-r1")
    marker = models_dir() / store.ACTIVE_FILE
    assert json.loads(marker.read_text()) == {"version": "mine-r1"}
    assert store.active_version() == "mine-r1"
    assert store.active_weights_path() == models_dir() / "mine-r1.safetensors"
    assert store.default_model_card().version == "mine-r1"
    store.set_active(None)
    assert not marker.exists() and store.active_version() is None
    store.set_active(None)  # resetting twice is fine


def test_set_active_refuses_a_version_that_is_not_there() -> None:
    with pytest.raises(FileNotFoundError, match="no model version 'gone-r1'"):
        store.set_active("gone-r1")
    assert not (models_dir() / store.ACTIVE_FILE).exists()


@pytest.mark.parametrize("text", ["{not json", "[]", '{"version": 3}', '{"other": "x"}'])
def test_an_unreadable_marker_means_the_shipped_model(text: str) -> None:
    models_dir().mkdir(parents=True)
    (models_dir() / store.ACTIVE_FILE).write_text(text)
    assert store.active_version() is None
    assert store.active_weights_path() is None


def test_a_marker_whose_files_vanished_names_it_but_the_shipped_model_is_used() -> None:
    models_dir().mkdir(parents=True)
    (models_dir() / store.ACTIVE_FILE).write_text(json.dumps({"version": "gone-r1"}))
    assert store.active_version() == "gone-r1"
    assert store.active_weights_path() is None
    assert store.load_default_model().version == store.SHIPPED_MODEL_NAME


def test_a_broken_active_model_falls_back_to_the_shipped_one_with_a_warning(
    model_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    weights = _install(model_file, "torn-r1")
    store.set_active("torn-r1")
    data = weights.read_bytes()
    weights.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    with caplog.at_level(logging.WARNING):
        assert store.active_weights_path() is None
        assert store.load_default_model().version == store.SHIPPED_MODEL_NAME
    assert str(weights) in caplog.text and "checksum mismatch" in caplog.text
    assert store.active_version() == "torn-r1"  # the marker is left for the user to fix
    listed = {m.version: m for m in store.list_models()}
    assert listed[store.SHIPPED_MODEL_NAME].active and not listed["torn-r1"].active
    assert "checksum mismatch" in (listed["torn-r1"].problem or "")


def test_the_fallback_warning_names_the_file_and_the_fixes() -> None:
    text = store.fallback_warning(Path("/m/x-r1.safetensors"), "bad header")
    assert text.startswith("active model /m/x-r1.safetensors is broken (bad header)")
    assert "dropletcleaner model reset" in text and "dropletcleaner model use VERSION" in text


def test_use_model_switches_and_reset_model_goes_back(model_file: Path) -> None:
    _install(model_file, "mine-r1", parent=store.SHIPPED_MODEL_NAME)
    _install(model_file, "mine-r2", parent="mine-r1")
    store.use_model("mine-r2")
    assert store.active_version() == "mine-r2"
    models = store.list_models()
    assert [m.version for m in models] == [store.SHIPPED_MODEL_NAME, "mine-r1", "mine-r2"]
    assert [m.active for m in models] == [False, False, True]
    assert [m.parent for m in models] == [None, store.SHIPPED_MODEL_NAME, "mine-r1"]
    assert store.load_default_model().version == "mine-r2"
    store.reset_model()
    assert store.active_version() is None
    assert store.weights_path("mine-r2").is_file()  # reset keeps the versions
    store.use_model("mine-r1")
    store.use_model(store.SHIPPED_MODEL_NAME)  # the shipped model by its name is a reset
    assert store.active_version() is None


def test_use_model_names_the_known_versions_when_asked_for_another(model_file: Path) -> None:
    _install(model_file, "mine-r1")
    with pytest.raises(
        store.UnknownModel, match=rf"'nope' \(known: {store.SHIPPED_MODEL_NAME}, mine-r1\)"
    ) as caught:
        store.use_model("nope")
    assert isinstance(caught.value, ValueError)  # a user's mistake, not a missing key
    assert caught.value.known == [store.SHIPPED_MODEL_NAME, "mine-r1"]


def test_use_model_refuses_a_broken_model_and_keeps_the_active_one(model_file: Path) -> None:
    _install(model_file, "good-r1")
    _install(model_file, "bad-r2", sha256="")
    store.use_model("good-r1")
    with pytest.raises(store.BrokenModel, match=r"model bad-r2 is broken .*not switched"):
        store.use_model("bad-r2")
    assert store.active_version() == "good-r1"


def test_list_models_summarises_held_out_figures_from_the_card(model_file: Path) -> None:
    held = {"new": {"accuracy": 0.91, "precision": 0.8, "recall": 0.755, "n": 40}}
    _install(model_file, "mine-r1", metrics={"held_out": held}, training={"kind": "deep"})
    _install(model_file, "mine-r2", metrics={"held_out": {"new": {"accuracy": "x"}}})
    listed = {m.version: m for m in store.list_models()}
    assert listed["mine-r1"].summary == (
        "held-out accuracy 0.910, precision 0.800, recall 0.755 on 40 labels"
    )
    assert listed["mine-r1"].kind == "deep"
    assert listed["mine-r2"].summary == "" and listed["mine-r2"].kind == "fast"


def test_read_card_gives_none_for_a_missing_or_garbled_card(tmp_path: Path) -> None:
    assert store.read_card(tmp_path / "missing.json") is None
    (tmp_path / "garbled.json").write_text("[1, 2")
    assert store.read_card(tmp_path / "garbled.json") is None


def test_default_model_card_says_when_the_card_cannot_be_read(
    model_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    weights = tmp_path / "nocard.safetensors"
    shutil.copyfile(model_file, weights)
    monkeypatch.setattr(store, "shipped_weights_path", lambda: weights)
    with pytest.raises(ModelLoadError, match="cannot read the card of"):
        store.default_model_card()


def test_an_active_model_made_for_another_input_size_is_set_aside(base: LoadedModel) -> None:
    for version, size in (("fits-r1", base.card.input_size), ("old-r2", base.card.input_size - 64)):
        save_model(
            base.model,
            replace(base.card, version=version, input_size=size),
            store.weights_path(version),
        )
    store.set_active("fits-r1")
    assert store.load_default_model().version == "fits-r1"
    store.set_active("old-r2")
    assert store.active_weights_path() is None
    assert store.load_default_model().version != "old-r2"  # the shipped model scores instead
