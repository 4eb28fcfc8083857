"""The threshold slider before the model is in: disabled and saying so, never a bare 0.50."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from dropletcleaner.gui.model_loading import ModelBundle
from dropletcleaner.gui.window import MainWindow
from dropletcleaner.gui.window.viewing import THRESHOLD_LOADING, THRESHOLD_NO_MODEL


@pytest.fixture
def held_window(qtbot, make_context, bundle, settings, library: Path):  # type: ignore[no-untyped-def]
    """``held_window(saved)``: ``(window, release)``, a window on ``library`` (with the
    user's ``saved`` threshold) whose model loads only when ``release()`` is called."""
    gate = threading.Event()
    windows: list[MainWindow] = []

    def held_model() -> ModelBundle:
        gate.wait(60)
        return bundle  # type: ignore[no-any-return]

    def make(saved: float | None = None) -> tuple[MainWindow, Callable[[], None]]:
        if saved is not None:
            settings.set_threshold(saved)
        win = MainWindow(make_context(held_model))
        qtbot.addWidget(win)
        windows.append(win)
        win.show()
        # Not scanned (a scan waits for the model too): an open folder enables the slider.
        assert win.open_folder(library, scan=False)
        qtbot.wait(50)  # queued events delivered: the window as the user first sees it
        return win, gate.set

    yield make
    gate.set()
    for win in windows:
        win.close()


def _loading(win: MainWindow) -> bool:
    return not win.threshold_slider.isEnabled() and win.threshold_label.text() == THRESHOLD_LOADING


def test_the_slider_waits_for_the_models_threshold(qtbot, held_window, bundle) -> None:  # type: ignore[no-untyped-def]
    win, release = held_window()
    assert _loading(win)
    assert "loading" in win.threshold_label.toolTip()

    release()
    qtbot.waitUntil(win.threshold_slider.isEnabled, timeout=30_000)
    card_threshold = bundle.loaded.card.threshold
    assert win.threshold_slider.value() == round(card_threshold * 100)
    assert win.threshold_label.text() == f"{card_threshold:.2f}"
    assert win.threshold_label.toolTip() == ""
    assert win.settings.threshold() is None  # the model's own threshold is no user choice


def test_a_saved_threshold_also_waits_for_the_model(qtbot, held_window) -> None:  # type: ignore[no-untyped-def]
    win, release = held_window(saved=0.72)
    assert _loading(win)
    release()
    # The slider does not move when the model comes in (it is at 72 already): the label
    # still has to give up its "loading model…".
    qtbot.waitUntil(win.threshold_slider.isEnabled, timeout=30_000)
    assert (win.threshold_slider.value(), win.threshold_label.text()) == (72, "0.72")


def test_a_model_that_cannot_load_leaves_no_threshold_to_set(  # type: ignore[no-untyped-def]
    qtbot, make_context, library: Path
) -> None:
    def broken() -> ModelBundle:
        raise RuntimeError("the weights file is corrupt")

    win = MainWindow(make_context(broken))
    qtbot.addWidget(win)
    try:
        win.show()
        assert win.open_folder(library, scan=False)
        qtbot.waitUntil(lambda: win.threshold_label.text() == THRESHOLD_NO_MODEL, timeout=30_000)
        assert not win.threshold_slider.isEnabled()
        assert "could not be loaded" in win.threshold_label.toolTip()
    finally:
        win.close()
