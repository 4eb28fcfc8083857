"""Photo ▸ Select Same Shot: marking a false alarm clean offers the other frames of its shot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from dropletcleaner.gui.window import MainWindow


def _scene(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.normal(0, 1, (12, 16, 3)).cumsum(0).cumsum(1)
    small = (small - small.min()) / (np.ptp(small) + 1e-6) * 220 + 15
    return Image.fromarray(small.astype(np.uint8)).resize((320, 240), Image.Resampling.BICUBIC)


def _shots(root: Path) -> dict[str, Path]:
    """One scene shot three ways (sharp, blurred, darker), and three other scenes."""
    root.mkdir()
    scene = _scene(1)
    pictures = {
        "sharp": scene,
        "blurred": scene.filter(ImageFilter.GaussianBlur(3)),
        "darker": ImageEnhance.Brightness(scene).enhance(0.6),
        **{f"other{s}": _scene(s) for s in (20, 21, 22)},
    }
    paths = {}
    for name, picture in pictures.items():
        paths[name] = root / f"{name}.jpg"
        picture.save(paths[name], "JPEG", quality=92)
    return paths


def _wait_idle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.same_shot._worker is None, timeout=10_000)


def test_marking_one_frame_clean_offers_the_rest_of_its_shot(
    qtbot, window: MainWindow, tmp_path: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    shots = _shots(tmp_path / "shoot")
    scan_folder(window, tmp_path / "shoot")
    window.threshold_slider.setValue(0)  # every photo is flagged
    qtbot.waitUntil(lambda: window.model.rowCount() == 6)
    photo_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Photo")
    assert window.same_shot.select_action in photo_menu.actions()
    assert not window.same_shot.offer_action.isEnabled()  # nothing offered yet

    window.select_path(str(shots["sharp"]))
    window.clean_action.trigger()
    _wait_idle(qtbot, window)
    message = window.statusBar().currentMessage()
    assert "2 more flagged photos look like the same shot" in message, message
    assert window.same_shot.offer_action.isEnabled()

    window.same_shot.offer_action.trigger()
    assert sorted(window.selected_paths()) == sorted([str(shots["blurred"]), str(shots["darker"])])
    assert window.model.record(str(shots["blurred"])).label is None  # offered, never labelled
    assert not window.same_shot.offer_action.isEnabled()


def test_s_adds_the_same_shot_to_the_selection_and_nothing_for_a_lone_photo(
    qtbot, window: MainWindow, tmp_path: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    shots = _shots(tmp_path / "shoot")
    scan_folder(window, tmp_path / "shoot")
    window.threshold_slider.setValue(0)
    qtbot.waitUntil(lambda: window.model.rowCount() == 6)

    window.select_path(str(shots["blurred"]))
    window.same_shot.select_action.trigger()
    _wait_idle(qtbot, window)
    assert sorted(window.selected_paths()) == sorted(
        str(shots[k]) for k in ("sharp", "blurred", "darker")
    )

    window.select_path(str(shots["other20"]))
    window.same_shot.select_action.trigger()
    _wait_idle(qtbot, window)
    assert window.selected_paths() == [str(shots["other20"])]
    assert "No other flagged photo" in window.statusBar().currentMessage()


def test_marking_a_photo_the_model_did_not_flag_offers_nothing(
    qtbot, window: MainWindow, tmp_path: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    shots = _shots(tmp_path / "shoot")
    scan_folder(window, tmp_path / "shoot")
    window.threshold_slider.setValue(0)
    qtbot.waitUntil(lambda: window.model.rowCount() == 6)
    # The model scored the sharp frame clean and flagged its copies.
    records = [window.model.record(str(p)) for p in shots.values()]
    rescored = [replace(r, score=0.1 if r.path == str(shots["sharp"]) else 0.9) for r in records]
    window.model.upsert(rescored, resort=False)  # type: ignore[arg-type]
    window.threshold_slider.setValue(50)

    window.select_path(str(shots["sharp"]))
    window.clean_action.trigger()
    _wait_idle(qtbot, window)
    assert not window.same_shot.offer_action.isEnabled()
    assert "same shot" not in window.statusBar().currentMessage()
