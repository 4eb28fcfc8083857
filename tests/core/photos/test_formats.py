"""Formats: which extensions this installation reads, why others are skipped, and the
summary line of skipped files."""

from __future__ import annotations

import pytest

from dropletcleaner.core.photos import formats


def test_every_installed_codec_is_supported() -> None:
    exts = formats.supported_extensions()
    for ext in (".jpg", ".png", ".heic", ".avif", ".jxl", ".dng", ".cr2", ".cr3", ".nef"):
        assert ext in exts
    for ext in (".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"):
        assert ext in exts
    assert not {".psd", ".gif", ".eps"} & exts


def test_unsupported_reasons() -> None:
    reason = formats.unsupported_reason("a/b.PSD")
    assert reason == "not supported: .psd files (Photoshop document) are not read"
    assert formats.unsupported_reason("notes.txt") is None
    assert formats.unsupported_reason("photo.jpg") is None


def test_missing_codec_makes_its_files_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(formats._CHECKS, "jxl", lambda: False)
    assert ".jxl" not in formats.supported_extensions()
    assert ".jxl" in formats.skipped_extensions()
    reason = formats.unsupported_reason("x.jxl")
    assert reason == "not supported: .jxl needs pillow-jxl-plugin, which is not installed"


def test_skipped_summary() -> None:
    paths = ["a.psd", "b.psd", "c.PSD", "d.jpg", "e.gif"]
    assert formats.skipped_summary(paths) == "4 skipped: .psd, .gif not supported"
    assert formats.skipped_summary(["a.jpg"]) is None
