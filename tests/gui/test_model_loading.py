"""The model loader: a failure reaches the window and any scan waiting for the model."""

from __future__ import annotations

import pytest

from dropletcleaner.core.jobs import CancelToken
from dropletcleaner.gui.model_loading import ModelHandle, ModelLoader, ModelUnavailable


def test_model_loader_reports_failures(qtbot) -> None:  # type: ignore[no-untyped-def]
    def broken() -> object:
        raise OSError("disk on fire")

    handle = ModelHandle()
    loader = ModelLoader(broken, handle)  # type: ignore[arg-type]
    with qtbot.waitSignal(loader.failed, timeout=10_000) as blocker:
        loader.start()
    loader.wait()
    assert "disk on fire" in blocker.args[0]
    with pytest.raises(ModelUnavailable, match="disk on fire"):
        handle.wait(CancelToken())
