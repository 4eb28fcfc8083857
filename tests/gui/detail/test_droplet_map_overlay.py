"""The droplet map is the detail panel's default overlay, on an absolute scale (issue 15).

A wet corner is painted there and nowhere else; a clean photo's map paints nothing; a photo
without a map says to rescan and computes nothing. Explaining the model is asked for,
shows progress, can be cancelled, and does not follow the user to the next photo.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.ml.attribution import methods as attribution
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.network import build_imagenet_model
from dropletcleaner.gui.detail import explain
from dropletcleaner.gui.detail.overlay import map_legend_colours, map_summary
from dropletcleaner.gui.detail.panel import DetailPanel
from tests.gui.detail.test_panel import make_record, photo_pixels
from tests.helpers import write_jpeg

TIMEOUT_MS = 120_000
SIDE = 9  # a stride-32 grid of a 288 px input


def wet_top_left() -> np.ndarray:
    grid = np.zeros((SIDE, SIDE), np.uint8)
    grid[:3, :3] = 255
    return grid


@pytest.fixture(scope="module")
def loaded() -> LoadedModel:
    model = build_imagenet_model().eval()
    return LoadedModel(model=model, card=ModelCard(version="gui-test", threshold=0.5))


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("DROPLETCLEANER_CACHE", str(home))
    return home


@pytest.fixture
def maps() -> dict[str, np.ndarray]:
    return {}


@pytest.fixture
def panel(qtbot, loaded: LoadedModel, maps: dict[str, np.ndarray]) -> Iterator[DetailPanel]:  # type: ignore[no-untyped-def]
    widget = DetailPanel()
    qtbot.addWidget(widget)
    widget.resize(800, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_model(loaded)
    widget.set_map_source(lambda record: maps.get(record.path))
    yield widget
    widget.shutdown()


def show(qtbot, panel: DetailPanel, record: PhotoRecord) -> None:  # type: ignore[no-untyped-def]
    panel.show_photo(record)
    qtbot.waitUntil(lambda: panel.canvas.has_photo, timeout=TIMEOUT_MS)


def test_the_droplet_map_is_the_default_and_paints_only_the_wet_corner(
    qtbot, panel: DetailPanel, tmp_path: Path, maps: dict[str, np.ndarray]
) -> None:  # type: ignore[no-untyped-def]
    photo = write_jpeg(tmp_path / "wet.jpg", seed=1)
    maps[str(photo)] = wet_top_left()
    show(qtbot, panel, make_record(photo))

    assert panel.method == "map" and panel.canvas.heat_drawn
    assert panel.droplet_map is not None
    assert not panel.busy and panel.active_workers() == 0  # nothing computed: it is stored
    assert panel.legend.isVisible() and "same scale on every photo" in panel.legend.title
    assert [label for _, label in panel.legend.ticks] == ["0 %", "15 %", "30 % +"]
    assert panel.heat_status.text() == "Droplet map: water on 11 % of the frame, mostly top-left"

    with_map = photo_pixels(panel).astype(int)
    panel.toggle_heatmap_action.setChecked(False)
    without = photo_pixels(panel).astype(int)
    change = np.abs(with_map - without).sum(axis=2)
    h, w = change.shape
    assert change[: h // 6, : w // 6].mean() > 40  # the wet corner is coloured
    assert change[h // 2 :, w // 2 :].max() <= 2  # the dry rest is left exactly as it was


def test_a_clean_photo_shows_no_hot_spot(
    qtbot, panel: DetailPanel, tmp_path: Path, maps: dict[str, np.ndarray]
) -> None:  # type: ignore[no-untyped-def]
    photo = write_jpeg(tmp_path / "dry.jpg", seed=2)
    grid = np.full((SIDE, SIDE), 20, np.uint8)  # faint noise everywhere, 8 % "coverage"
    maps[str(photo)] = grid
    show(qtbot, panel, make_record(photo, score=0.03))

    with_map = photo_pixels(panel).astype(int)
    panel.opacity_slider.setValue(0)
    without = photo_pixels(panel).astype(int)
    assert np.abs(with_map - without).max() <= 2  # an absolute scale: nothing to see
    assert panel.score_label.text() == "Droplet score 0.03 · below threshold (threshold 0.50)"
    assert "%" not in panel.score_label.text()


def test_a_photo_without_a_map_says_to_rescan_and_computes_nothing(
    qtbot, panel: DetailPanel, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    photo = write_jpeg(tmp_path / "old.jpg", seed=3)
    show(qtbot, panel, make_record(photo))
    assert panel.droplet_map is None and not panel.canvas.heat_drawn
    assert "No droplet map for this photo: rescan with droplet-v4" in panel.heat_status.text()
    assert not panel.legend.isVisible()
    qtbot.wait(100)
    assert not panel.busy and panel.active_workers() == 0 and panel.attribution is None


def test_m_steps_through_the_overlays(qtbot, panel: DetailPanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photo = write_jpeg(tmp_path / "m.jpg", seed=4)
    show(qtbot, panel, make_record(photo))
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    seen = [panel.method]
    for _ in range(len(explain.METHODS) + 1):
        qtbot.keyClick(panel, Qt.Key.Key_M)
        seen.append(panel.method)
        panel.explainer.cancel()  # only the order is tested here, not the maps
    assert seen == ["map", *explain.METHODS, "map"]


def test_an_explanation_shows_progress_can_be_cancelled_and_does_not_follow(
    qtbot, panel: DetailPanel, tmp_path: Path, maps: dict[str, np.ndarray]
) -> None:  # type: ignore[no-untyped-def]
    first = make_record(write_jpeg(tmp_path / "a.jpg", seed=5))
    second = make_record(write_jpeg(tmp_path / "b.jpg", seed=6))
    maps[second.path] = wet_top_left()
    show(qtbot, panel, first)

    progress: list[float] = []
    panel.explainer.progressed.connect(lambda _key, fraction, _left: progress.append(fraction))
    panel.set_method("occlusion")
    assert panel.busy and not panel.progress_row.isHidden()
    assert "Occlusion" in panel.heat_status.text() and "s" in panel.heat_status.text()
    qtbot.waitUntil(lambda: len(progress) >= 3, timeout=TIMEOUT_MS)
    assert progress == sorted(progress) and 0 < progress[-1] < 1
    assert "left" in panel.heat_status.text()

    panel.cancel_button.click()
    assert not panel.busy and panel.progress_row.isHidden()
    assert panel.method == "map" and "Occlusion stopped" in panel.heat_status.text()
    qtbot.waitUntil(lambda: panel.active_workers() == 0, timeout=TIMEOUT_MS)

    # Grad-CAM on the first photo; moving on goes back to the map, and says so.
    with qtbot.waitSignal(panel.attributionReady, timeout=TIMEOUT_MS):
        panel.set_method("gradcam")
    assert panel.legend.isVisible() and "relative" in panel.legend.title
    show(qtbot, panel, second)
    assert panel.method == "map" and panel.attribution is None
    assert "Grad-CAM was for the previous photo" in panel.heat_status.text()
    assert "water on" in panel.heat_status.text()


def test_after_moving_on_m_explains_with_the_method_the_note_names(
    qtbot, panel: DetailPanel, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    records = [make_record(write_jpeg(tmp_path / f"{i}.jpg", seed=20 + i)) for i in range(3)]
    show(qtbot, panel, records[0])
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    panel.set_method("occlusion")  # not the first in M's cycle: Grad-CAM is
    show(qtbot, panel, records[1])
    assert panel.method == "map"
    assert "Occlusion was for the previous photo; M explains this one." in (
        panel.heat_status.text()
    )
    qtbot.keyClick(panel, Qt.Key.Key_M)
    assert panel.method == "occlusion"  # what the note named, for this photo
    assert panel.explainer.pending is not None and panel.explainer.pending[0] == records[1].path
    assert "was for the previous photo" not in panel.heat_status.text()
    panel.cancel_explain()  # stopped on purpose: M goes on with the cycle from the map
    qtbot.keyClick(panel, Qt.Key.Key_M)
    assert panel.method == explain.METHODS[0]
    panel.explainer.cancel()

    # The promise holds for the photo it was made on: a photo later, M cycles again.
    panel.set_method("occlusion")
    show(qtbot, panel, records[2])
    show(qtbot, panel, records[0])
    assert "was for the previous photo" not in panel.heat_status.text()
    qtbot.keyClick(panel, Qt.Key.Key_M)
    assert panel.method == explain.METHODS[0]
    panel.explainer.cancel()


@pytest.mark.parametrize("method", explain.METHODS)
def test_progress_counts_match_the_attribution_settings(
    qtbot, loaded: LoadedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:  # type: ignore[no-untyped-def]
    """The expected number of passes is what explaining really checks (settings kept small)."""
    for name, value in {
        "IG_STEPS": 4,
        "IG_BATCH": 2,
        "SHAP_SAMPLES": 2,
        "SHAP_CHUNK": 1,
        "OCCLUSION_GRID": 3,
        "OCCLUSION_BATCH": 2,
    }.items():
        monkeypatch.setattr(attribution, name, value)
    photo = write_jpeg(tmp_path / "count.jpg", seed=7)
    explainer = explain.Explainer()
    explainer.set_model(loaded)
    checks: list[int] = []
    explainer._bridge.checked.connect(lambda _key, n: checks.append(n))
    key = (str(photo), "fp", explainer.model_key or "", method)
    try:
        with qtbot.waitSignal(explainer.ready, timeout=TIMEOUT_MS):
            explainer.start(key)
    finally:
        explainer.shutdown()
    assert checks[-1] == explain.expected_passes(method)


def test_menu_names_match_the_attribution_module() -> None:
    assert explain.METHODS == attribution.METHODS
    assert explain.METHOD_LABELS == attribution.METHOD_LABELS


def test_summary_and_legend_follow_the_core_scale() -> None:
    assert map_summary(np.zeros((SIDE, SIDE), np.uint8)).endswith("sees no water on the lens")
    full = np.full((SIDE, SIDE), 255, np.uint8)
    assert (
        map_summary(full) == "Droplet map: water on 100 % of the frame, spread over the whole frame"
    )
    colours = map_legend_colours()
    assert colours.shape == (101, 4)
    assert colours[0, 3] == 0 and colours[-1, 3] > 100  # transparent when dry, strong when wet
    faint = np.full((SIDE, SIDE), 20, np.uint8)
    assert map_summary(faint) == (
        "Droplet map: no clearly wet area; faint traces (8 % of the frame), strongest in the "
        "centre. Small drops read faint here: zoom to 100 % (Z) to check them"
    )
    faint[:4, -4:] = 28  # still under a wet cell, but the traces gather at the top right
    assert "strongest in the top-right." in map_summary(faint)


def test_hiding_the_overlay_leaves_the_photo_where_it_is(
    qtbot, panel: DetailPanel, tmp_path: Path, maps: dict[str, np.ndarray]
) -> None:  # type: ignore[no-untyped-def]
    photo = write_jpeg(tmp_path / "wet.jpg", seed=1)
    maps[str(photo)] = wet_top_left()
    show(qtbot, panel, make_record(photo))
    before = panel.canvas.geometry()
    panel.toggle_heatmap_action.setChecked(False)  # H
    qtbot.wait(50)  # the layout settles on the next events
    assert panel.canvas.geometry() == before
    assert panel.heat_status.text() == "Overlay hidden: H shows it"
    panel.toggle_heatmap_action.setChecked(True)
    qtbot.wait(50)
    assert panel.canvas.geometry() == before
