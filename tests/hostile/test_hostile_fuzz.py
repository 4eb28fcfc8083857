"""A bounded fuzz run over the hostile corpus (a few seconds; see tests/hostile/fuzz.py)."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.fuzz import fuzz, mutate, seeds


def test_fuzz_decoder_only_decodes_or_refuses(tmp_path: Path) -> None:
    result = fuzz(seconds=3.0, seed=10, folder=tmp_path)
    assert result.cases >= 50, "the fuzz run did too little to mean anything"
    assert result.findings == []
    assert result.decoded and result.refused  # it explored both sides


def test_fuzz_mutations_are_reproducible() -> None:
    import random

    pool = seeds()
    a = [mutate(s, random.Random(3)) for s in pool]
    b = [mutate(s, random.Random(3)) for s in pool]
    assert a == b
