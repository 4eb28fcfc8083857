"""Issue 10, the model store (cases 9, 10, 11): broken models are refused, marked and
never used; version names never lead out of the models folder.
"""

from __future__ import annotations

import json
import logging
import struct
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core.ml.store import SHIPPED_MODEL_NAME

VERSION = "test-base"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder holding one good retrained model, ``test-base``; returns its weights."""
    from tests.retrain_helpers import make_base_model

    monkeypatch.setenv("DROPLETCLEANER_DATA", str(tmp_path / "data"))
    return make_base_model(tmp_path / "data" / "models", with_replay=False)


def _activate(version: str) -> None:
    from dropletcleaner.core.paths import models_dir

    (models_dir() / "active.json").write_text(json.dumps({"version": version}))


def _edit_card(weights: Path, **fields: object) -> None:
    card_path = weights.with_suffix(".json")
    card = json.loads(card_path.read_text())
    for key, value in fields.items():
        if value is ...:
            card.pop(key, None)
        else:
            card[key] = value
    card_path.write_text(json.dumps(card))


def _rewrite_weights(weights: Path, data: bytes) -> None:
    """Replace the weights and record their true checksum, so only the content is wrong."""
    import hashlib

    weights.write_bytes(data)
    _edit_card(weights, sha256=hashlib.sha256(data).hexdigest())


def _break(weights: Path, how: str) -> None:
    data = weights.read_bytes()
    if how == "checksum":
        weights.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif how == "header":
        _rewrite_weights(weights, struct.pack("<Q", 40) + b"{not json" + data[17:])
    elif how == "tensors":
        import torch
        from safetensors.torch import load_file, save

        state = load_file(str(weights))
        state.pop("head.bias")
        state["head.weight"] = torch.zeros(3, 7, dtype=torch.float16)
        _rewrite_weights(weights, save(state))
    elif how == "threshold-abc":
        _edit_card(weights, threshold="abc")
    elif how == "threshold-null":
        _edit_card(weights, threshold=None)
    elif how == "scoring":
        _edit_card(weights, scoring={"pooling": "map", "top_fraction": "lots"})
    elif how == "scoring-kind":
        _edit_card(weights, scoring={"pooling": "wettest"})
    elif how == "sha-empty":  # case 10
        _edit_card(weights, sha256="")
    elif how == "sha-missing":  # case 10
        _edit_card(weights, sha256=...)
    elif how == "card-garbage":
        weights.with_suffix(".json").write_text("[1, 2")
    else:
        raise AssertionError(how)


BREAKS = [
    "checksum",
    "header",
    "tensors",
    "threshold-abc",
    "threshold-null",
    "scoring",
    "scoring-kind",
    "sha-empty",
    "sha-missing",
    "card-garbage",
]


@pytest.mark.parametrize("how", BREAKS)
def test_models_broken_active_model_falls_back_to_shipped(
    store: Path, how: str, caplog, capsys, tmp_path: Path
) -> None:
    from dropletcleaner.core.ml.store import default_model_card, load_default_model

    _activate(VERSION)
    _break(store, how)
    with caplog.at_level(logging.WARNING):
        loaded = load_default_model()
    assert loaded.version == SHIPPED_MODEL_NAME
    assert default_model_card().version == SHIPPED_MODEL_NAME
    warning = caplog.text
    assert str(store) in warning and "model reset" in warning
    # model list marks it broken, and exits 0 with no traceback.
    assert main(["model", "list", "--catalog", str(tmp_path / "c.sqlite3")]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if VERSION in x)
    assert "BROKEN" in line
    shipped_line = next(x for x in out.splitlines() if SHIPPED_MODEL_NAME in x)
    assert shipped_line.startswith("*")  # what is really used is what is marked active
    assert main(["model", "list", "--json", "--catalog", str(tmp_path / "c.sqlite3")]) == 0
    listed = {m["version"]: m for m in json.loads(capsys.readouterr().out)}
    assert listed[VERSION]["broken"] and listed[SHIPPED_MODEL_NAME]["broken"] is None


@pytest.mark.parametrize("how", ["checksum", "tensors", "threshold-abc", "sha-empty"])
def test_models_use_checks_before_switching(store: Path, how: str, capsys, tmp_path: Path) -> None:
    from dropletcleaner.core.ml import store as registry

    _break(store, how)
    code = main(["model", "use", VERSION, "--catalog", str(tmp_path / "c.sqlite3")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "broken" in err and "Traceback" not in err
    assert registry.active_version() is None  # still the shipped model


def test_models_use_a_good_model_still_switches(store: Path, tmp_path: Path) -> None:
    from dropletcleaner.core.ml import store as registry

    assert main(["model", "use", VERSION, "--catalog", str(tmp_path / "c.sqlite3")]) == 0
    assert registry.active_version() == VERSION
    assert registry.list_models()[1].problem is None


def test_models_active_marker_cannot_lead_outside(store: Path, tmp_path: Path) -> None:
    """Case 11: an ``active.json`` of ``../../x`` loads nothing from outside the folder."""
    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.ml.store import load_default_model
    from tests.retrain_helpers import make_base_model

    outside = make_base_model(tmp_path / "elsewhere", with_replay=False)
    _edit_card(outside, version="escaped")
    import hashlib

    _edit_card(outside, sha256=hashlib.sha256(outside.read_bytes()).hexdigest())
    rel = Path("..") / ".." / "elsewhere" / VERSION
    assert (registry.models_dir() / f"{rel}.safetensors").resolve() == outside.resolve()
    _activate(str(rel))
    assert registry.active_weights_path() is None
    assert load_default_model().version == SHIPPED_MODEL_NAME


@pytest.mark.parametrize("name", ["../../../../escape/pwn", "a/b", ".hidden", "", "x\x00y"])
def test_models_bad_version_names_never_become_paths(store: Path, name: str) -> None:
    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.ml.card import ModelCard

    with pytest.raises(registry.BadVersionName):
        registry.weights_path(name)
    _edit_card(store, version=name)
    with pytest.raises(ValueError):
        ModelCard.from_json(store.with_suffix(".json").read_text())


def test_models_link_out_of_the_folder_is_refused(store: Path, tmp_path: Path) -> None:
    from dropletcleaner.core.ml import store as registry

    outside = tmp_path / "outside.safetensors"
    outside.write_bytes(store.read_bytes())
    (registry.models_dir() / "linked.safetensors").symlink_to(outside)
    with pytest.raises(registry.BadVersionName):
        registry.weights_path("linked")


def test_models_retrain_cannot_install_outside(store: Path, tmp_path: Path) -> None:
    """A candidate whose card names a path is refused before anything is written."""
    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.ml.checkpoint import load_model
    from dropletcleaner.core.training.retrain.result import install

    candidate = load_model(store)
    candidate.card.version = "../../../../escape/pwn"

    class Result:
        pass

    result = Result()
    result.candidate = candidate  # type: ignore[attr-defined]
    result.base_version = VERSION  # type: ignore[attr-defined]
    result.replay = None  # type: ignore[attr-defined]
    with pytest.raises(registry.BadVersionName):
        install(result)  # type: ignore[arg-type]
    assert not (tmp_path / "escape").exists()
    assert not list(tmp_path.rglob("pwn*"))


def test_models_broken_shipped_model_is_one_line(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing left to fall back on, a command says so in one line, exit code 2."""
    _break(store, "checksum")
    monkeypatch.setattr("dropletcleaner.core.ml.store.shipped_weights_path", lambda: store)
    code = main(["model", "reset", "--catalog", str(tmp_path / "c.sqlite3")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "reinstall" in err, err
