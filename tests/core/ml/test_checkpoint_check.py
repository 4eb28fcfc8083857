"""Is a model file usable? Each broken part is reported with its reason, checked once per state."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save

from dropletcleaner.core.ml.checkpoint_check import mark_broken, model_problem
from tests.retrain_helpers import make_base_model


@pytest.fixture(scope="module")
def good_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_base_model(tmp_path_factory.mktemp("good"), with_replay=False)


@pytest.fixture
def weights(good_file: Path, tmp_path: Path) -> Path:
    """A fresh copy of the good model (weights and card) for one test to break."""
    path = tmp_path / good_file.name
    shutil.copyfile(good_file, path)
    shutil.copyfile(good_file.with_suffix(".json"), path.with_suffix(".json"))
    return path


def _edit_card(weights: Path, **fields: object) -> None:
    card_path = weights.with_suffix(".json")
    card = json.loads(card_path.read_text())
    card.update(fields)
    card_path.write_text(json.dumps(card))


def _rewrite(weights: Path, data: bytes) -> None:
    """New weights with their true checksum in the card, so only the content is wrong."""
    weights.write_bytes(data)
    _edit_card(weights, sha256=hashlib.sha256(data).hexdigest())


def test_a_good_model_has_no_problem(weights: Path) -> None:
    assert model_problem(weights) is None


def test_missing_files_cannot_be_read(weights: Path) -> None:
    assert (model_problem(weights.with_name("absent.safetensors")) or "").startswith(
        "cannot read it"
    )
    weights.with_suffix(".json").unlink()
    assert (model_problem(weights) or "").startswith("cannot read it")


def test_a_bad_checksum_says_the_file_is_corrupt(weights: Path) -> None:
    data = weights.read_bytes()
    weights.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    assert model_problem(weights) == (
        f"checksum mismatch for {weights.name}: the file is corrupt or was replaced"
    )


def test_a_card_without_a_checksum_is_not_trusted(weights: Path) -> None:
    _edit_card(weights, sha256="")
    assert model_problem(weights) == f"the card {weights.stem}.json records no sha256 checksum"


def test_a_garbled_card_is_a_bad_card(weights: Path) -> None:
    weights.with_suffix(".json").write_text("[1, 2")
    assert (model_problem(weights) or "").startswith(f"bad card {weights.stem}.json: ")


def test_another_architecture_is_unsupported(weights: Path) -> None:
    _edit_card(weights, architecture="resnet50")
    assert model_problem(weights) == "unsupported architecture 'resnet50'"


@pytest.mark.parametrize(
    "header",
    [b"{not json", b"[1, 2, 3]"],
    ids=["not-json", "not-an-object"],
)
def test_an_unreadable_header_is_named(weights: Path, header: bytes) -> None:
    _rewrite(weights, struct.pack("<Q", len(header)) + header + b"\0" * 16)
    assert model_problem(weights) == f"{weights.name} has no readable safetensors header"


def test_a_header_longer_than_the_file_is_not_one(weights: Path) -> None:
    _rewrite(weights, struct.pack("<Q", 10_000) + b"{}")
    assert model_problem(weights) == f"{weights.name} has no readable safetensors header"
    _rewrite(weights, b"tiny")
    assert model_problem(weights) == f"{weights.name} has no readable safetensors header"


def test_wrong_tensor_names_or_shapes_are_named(weights: Path) -> None:
    state = load_file(str(weights))
    state.pop("head.bias")
    _rewrite(weights, save(state))
    assert model_problem(weights) == (
        f"{weights.name} does not hold the tensors its card names (first: head.bias)"
    )
    state["head.bias"] = torch.zeros(2, dtype=torch.float16)
    state["head.weight"] = torch.zeros(3, 7, dtype=torch.float16)
    _rewrite(weights, save(state))
    assert model_problem(weights) == (
        f"{weights.name} does not hold the tensors its card names (first: head.weight)"
    )


def test_the_verdict_is_kept_per_file_state(weights: Path) -> None:
    assert model_problem(weights) is None
    st = weights.stat()
    data = weights.read_bytes()
    # Same size and mtime: the same state, so the verdict asked for before stands.
    weights.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert model_problem(weights) is None
    # A new mtime is a new state: checked again, and found corrupt.
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert "checksum mismatch" in (model_problem(weights) or "")


def test_a_model_marked_broken_stays_broken_in_this_process(weights: Path) -> None:
    assert model_problem(weights) is None
    mark_broken(weights, "failed to load: bad tensor data")
    assert model_problem(weights) == "failed to load: bad tensor data"
