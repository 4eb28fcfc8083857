"""Model ▸ which model is in use, its threshold and what it means, and where it runs."""

from __future__ import annotations

import dataclasses
import threading
from types import SimpleNamespace

from PySide6.QtWidgets import QMenu, QMessageBox

from dropletcleaner.core.ml.flag_rates import fpr_curve
from dropletcleaner.gui.model_info import (
    ABOUT_TITLE,
    FAILED_LINE,
    LOADING_LINE,
    about_model_text,
    device_text,
    model_line,
)
from dropletcleaner.gui.model_loading import ModelBundle
from dropletcleaner.gui.window import MainWindow

# 1,000 clean photos: 5 score at or above 0.93, so at 0.93 about 1 in 200 is flagged.
CLEAN_SCORES = [0.95] * 5 + [0.6] * 45 + [0.1] * 950
METRICS = {"fpr_curve": fpr_curve(CLEAN_SCORES, [0.05, 0.5, 0.93, 0.99])}


def card_bundle(bundle: ModelBundle, device: str | None = "cpu", **card: object) -> ModelBundle:
    """``bundle`` with its card changed, on a scorer that runs on ``device`` (or does not say)."""
    loaded = dataclasses.replace(
        bundle.loaded, card=dataclasses.replace(bundle.loaded.card, **card)
    )
    # Only what the menu reads of a scorer: a torch.device's ``type``.
    scorer = SimpleNamespace(device=SimpleNamespace(type=device)) if device else object()
    return ModelBundle(loaded=loaded, scorer=scorer)  # type: ignore[arg-type]


def model_menu(win: MainWindow) -> QMenu:
    for action in win.menuBar().actions():
        if action.text() == "&Model" and action.menu() is not None:
            menu = action.menu()
            assert isinstance(menu, QMenu)
            return menu
    raise AssertionError("no Model menu")


def test_the_model_menu_names_the_model_its_threshold_and_device(  # type: ignore[no-untyped-def]
    qtbot, make_context, bundle
) -> None:
    tested = card_bundle(bundle, version="droplet-test9", threshold=0.93, metrics=METRICS)
    gate = threading.Event()

    def held_model() -> ModelBundle:
        gate.wait(60)
        return tested

    win = MainWindow(make_context(held_model))
    qtbot.addWidget(win)
    try:
        win.show()
        first = model_menu(win).actions()[0]
        assert first.text() == LOADING_LINE and not first.isEnabled()
        assert not win.model_info.about_action.isEnabled()
        gate.set()

        qtbot.waitUntil(win.model_info.about_action.isEnabled, timeout=30_000)
        # Read from the card and the scorer, not written in the app.
        assert first.text() == "Model droplet-test9 · threshold 0.93 · on the processor (CPU)"
        assert not first.isEnabled()  # information, not a command
        assert win.model_info.about_action in model_menu(win).actions()

        win.model_info.about_action.trigger()
        box = win.findChild(QMessageBox)
        assert isinstance(box, QMessageBox) and box.isVisible()
        assert box.windowTitle() == ABOUT_TITLE
        assert box.text() == "Model in use: droplet-test9"
        about = box.informativeText()
        assert "At 0.93, about 1 in 200 clean photos is flagged" in about
        assert "processor (CPU)" in about
        box.close()
    finally:
        gate.set()
        win.close()


def test_a_model_that_cannot_load_says_so_in_the_menu(qtbot, make_context) -> None:  # type: ignore[no-untyped-def]
    def broken() -> ModelBundle:
        raise RuntimeError("the weights file is corrupt")

    win = MainWindow(make_context(broken))
    qtbot.addWidget(win)
    try:
        first = model_menu(win).actions()[0]
        qtbot.waitUntil(lambda: first.text() == FAILED_LINE, timeout=30_000)
        assert not win.model_info.about_action.isEnabled()
    finally:
        win.close()


def test_the_words_come_from_the_card(bundle) -> None:  # type: ignore[no-untyped-def]
    with_curve = card_bundle(bundle, "cuda", version="v-a", threshold=0.93, metrics=METRICS)
    assert model_line(with_curve) == "Model v-a · threshold 0.93 · on the graphics card (GPU)"
    assert about_model_text(with_curve, user_threshold=0.8) == (
        "Its threshold is 0.93: photos scoring at or above it are flagged. At 0.93, about 1 in "
        "200 clean photos is flagged, as measured on real clean photos the model never saw.\n\n"
        "You set your own threshold, 0.80, on the toolbar.\n\n"
        "It runs on this computer's graphics card (GPU)."
    )
    # Without a curve the app does not guess a rate; a scorer that does not say, no device;
    # the user's threshold equal to the model's is not news.
    bare = card_bundle(bundle, None, version="v-b", threshold=0.6, metrics={}, trained=False)
    assert model_line(bare) == "Model v-b (untrained) · threshold 0.60"
    assert about_model_text(bare, user_threshold=0.6) == (
        "This model is untrained: its scores are meaningless.\n\n"
        "Its threshold is 0.60: photos scoring at or above it are flagged."
    )
    assert device_text(object()) is None
