"""The detail panel's explain maps: off the GUI thread, H toggle, methods, errors, shutdown.

The droplet map, the default overlay, is tested in detail/test_droplet_map_overlay.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.ml.attribution import methods as attribution
from dropletcleaner.core.ml.attribution.methods import METHODS, Attribution
from dropletcleaner.core.ml.card import ModelCard
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.network import build_imagenet_model
from dropletcleaner.core.photos.fingerprint import quick_fingerprint
from dropletcleaner.core.photos.preprocess import PREPROCESS
from dropletcleaner.gui.detail.panel import DetailPanel
from tests.helpers import write_jpeg

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def loaded() -> LoadedModel:
    model = build_imagenet_model().eval()
    return LoadedModel(model=model, card=ModelCard(version="gui-test", threshold=0.5))


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("DROPLETCLEANER_CACHE", str(home))
    return home


def make_record(path: Path, **changes: object) -> PhotoRecord:
    stat = path.stat()
    record = PhotoRecord(
        id=1,
        path=str(path),
        folder=str(path.parent),
        name=path.name,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        fingerprint=quick_fingerprint(path),
        width=640,
        height=480,
        taken_at="2024-06-01 10:20:30",
        score=0.73,
        model_version="gui-test",
        label=None,
        state="present",
        error=None,
        scanned_at=None,
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    return write_jpeg(tmp_path / "photos" / "harbour.jpg", seed=1)


@pytest.fixture
def panel(qtbot, loaded: LoadedModel) -> Iterator[DetailPanel]:  # type: ignore[no-untyped-def]
    widget = DetailPanel()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_model(loaded)
    yield widget
    widget.shutdown()


def show_and_wait(qtbot, panel: DetailPanel, record: PhotoRecord) -> Attribution:  # type: ignore[no-untyped-def]
    """Show the photo, then ask to explain it with Grad-CAM and wait for the map."""
    panel.show_photo(record)
    with qtbot.waitSignal(panel.attributionReady, timeout=TIMEOUT_MS) as blocker:
        panel.set_method("gradcam")
    qtbot.waitUntil(lambda: panel.canvas.has_photo, timeout=TIMEOUT_MS)
    result = blocker.args[0]
    assert isinstance(result, Attribution)
    return result


def photo_pixels(panel: DetailPanel) -> np.ndarray:
    """What the canvas shows inside the photo's rectangle, as RGB."""
    grabbed = panel.canvas.grab(panel.canvas.photo_rect()).toImage()
    image = grabbed.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


def test_overlay_computed_for_one_image(qtbot, panel: DetailPanel, photo: Path) -> None:  # type: ignore[no-untyped-def]
    record = make_record(photo)
    result = show_and_wait(qtbot, panel, record)

    assert result.method == "gradcam"
    assert result.heatmap.shape == (PREPROCESS.input_size, PREPROCESS.input_size)
    assert result.heatmap.min() >= 0.0 and result.heatmap.max() <= 1.0
    assert panel.attribution is result
    assert panel.canvas.heat_drawn
    assert not panel.busy and not panel.canvas.spinner.spinning
    assert "Grad-CAM" in panel.heat_status.text()
    # The record's facts are on show; the path is selectable text.
    assert panel.score_label.text() == "Droplet score 0.73 · flagged (threshold 0.50)"
    assert "2024-06-01 10:20:30" in panel.date_label.text()
    assert panel.path_field.text() == str(photo) and panel.path_field.isReadOnly()
    assert not panel.error_label.isVisible()
    # The overlay really changes what is painted.
    with_heat = photo_pixels(panel)
    panel.toggle_heatmap_action.setChecked(False)
    without_heat = photo_pixels(panel)
    assert with_heat.shape == without_heat.shape
    assert np.abs(with_heat.astype(int) - without_heat.astype(int)).max() > 40


def test_h_key_toggles_the_overlay(qtbot, panel: DetailPanel, photo: Path) -> None:  # type: ignore[no-untyped-def]
    show_and_wait(qtbot, panel, make_record(photo))
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    assert panel.heatmap_visible and panel.heat_button.isChecked()

    qtbot.keyClick(panel, Qt.Key.Key_H)
    assert not panel.heatmap_visible and not panel.heat_button.isChecked()
    assert not panel.canvas.heat_drawn

    qtbot.keyClick(panel, Qt.Key.Key_H)
    assert panel.heatmap_visible and panel.canvas.heat_drawn

    panel.heat_button.click()  # the checkable button is the same action
    assert not panel.heatmap_visible


def test_switching_method_recomputes_then_reuses_memory(
    qtbot, panel: DetailPanel, photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(attribution, "SHAP_SAMPLES", 2)  # keep the test quick
    calls: list[str] = []
    real = attribution.explain

    def counting(model, pixels, method="gradcam", *, cancel=None, card=None):  # type: ignore[no-untyped-def]
        calls.append(method)
        return real(model, pixels, method, cancel=cancel, card=card)

    monkeypatch.setattr(attribution, "explain", counting)
    combo = panel.method_combo
    offered = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)]
    assert offered == ["map", *METHODS]
    gradcam = show_and_wait(qtbot, panel, make_record(photo))

    with qtbot.waitSignal(panel.attributionReady, timeout=TIMEOUT_MS) as blocker:
        panel.set_method("gradient_shap")
    shap = blocker.args[0]
    assert shap.method == "gradient_shap" and panel.attribution is shap
    assert not np.allclose(shap.heatmap, gradcam.heatmap)
    assert "GradientSHAP" in panel.heat_status.text()
    assert calls == ["gradcam", "gradient_shap"]

    with qtbot.waitSignal(panel.attributionReady, timeout=1000) as blocker:
        panel.set_method("gradcam")
    assert blocker.args[0] is gradcam
    assert calls == ["gradcam", "gradient_shap"]  # served from memory


def test_results_for_a_photo_no_longer_shown_are_ignored(
    qtbot, panel: DetailPanel, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = make_record(write_jpeg(tmp_path / "a.jpg", seed=2))
    second = make_record(write_jpeg(tmp_path / "b.jpg", seed=3))
    drawn: list[Attribution] = []
    panel.attributionReady.connect(drawn.append)

    panel.show_photo(first)
    second_result = show_and_wait(qtbot, panel, second)
    assert [r.fingerprint for r in drawn] == [second.fingerprint]

    # A late result for the first photo (as a slow worker would deliver it) is not drawn.
    late_key = (first.path, first.fingerprint, "gui-test", "gradcam")
    late = Attribution(np.ones((224, 224), np.float32), 0.9, "gradcam", "gui-test", "late")
    panel.explainer.ready.emit(late_key, late)
    qtbot.wait(50)
    assert panel.attribution is second_result
    assert drawn == [second_result]


def test_unreadable_photos_show_their_error(qtbot, panel: DetailPanel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"this is not a JPEG")

    panel.show_photo(make_record(broken, error="not a recognised image format", score=None))
    assert panel.error_label.isVisible()
    assert "not a recognised image format" in panel.error_label.text()
    assert not panel.busy and panel.attribution is None
    assert "Not scored" in panel.score_label.text()

    # The catalog thought it fine, but the file has since been damaged.
    panel.show_photo(make_record(broken, fingerprint="stale-fingerprint"))
    with qtbot.waitSignal(panel.attributionFailed, timeout=TIMEOUT_MS):
        panel.set_method("gradcam")
    qtbot.waitUntil(lambda: "not a recognised image format" in panel.error_label.text())
    assert panel.error_label.isVisible() and not panel.canvas.has_photo
    assert not panel.busy


def test_disk_cache_serves_a_fresh_panel(qtbot, loaded: LoadedModel, photo: Path) -> None:  # type: ignore[no-untyped-def]
    record = make_record(photo)
    panels = []
    for _ in range(2):
        panel = DetailPanel()
        qtbot.addWidget(panel)
        panel.set_model(loaded)
        panels.append(panel)
    try:
        first = show_and_wait(qtbot, panels[0], record)
        second = show_and_wait(qtbot, panels[1], record)
    finally:
        for panel in panels:
            panel.shutdown()
    assert not first.from_cache and second.from_cache
    np.testing.assert_array_equal(first.heatmap, second.heatmap)


def test_opacity_slider_and_theme_colours(qtbot, panel: DetailPanel, photo: Path) -> None:  # type: ignore[no-untyped-def]
    show_and_wait(qtbot, panel, make_record(photo))
    strong = photo_pixels(panel)
    panel.opacity_slider.setValue(0)
    assert panel.opacity == 0.0
    none = photo_pixels(panel)
    panel.opacity_slider.setValue(30)
    faint = photo_pixels(panel)
    diff_strong = np.abs(strong.astype(int) - none.astype(int)).mean()
    diff_faint = np.abs(faint.astype(int) - none.astype(int)).mean()
    assert 0 < diff_faint < diff_strong

    light = panel.error_label.palette().color(QPalette.ColorRole.WindowText)
    dark = QPalette(panel.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor(30, 30, 30))
    panel.setPalette(dark)
    assert panel.error_label.palette().color(QPalette.ColorRole.WindowText) != light


def test_shutdown_mid_computation_leaves_no_thread(qtbot, panel: DetailPanel, photo: Path) -> None:  # type: ignore[no-untyped-def]
    drawn: list[Attribution] = []
    panel.attributionReady.connect(drawn.append)
    panel.show_photo(make_record(photo))
    panel.set_method("occlusion")
    assert panel.busy and panel.canvas.spinner.spinning
    qtbot.waitUntil(lambda: panel.active_workers() > 0, timeout=TIMEOUT_MS)

    panel.shutdown()
    assert panel.active_workers() == 0
    assert not panel.canvas.spinner.spinning
    qtbot.wait(100)  # any queued result would arrive now
    assert drawn == []
    panel.show_photo(make_record(photo))  # ignored once shut down
    assert panel.active_workers() == 0


def test_returning_to_a_photo_is_served_from_memory(
    qtbot, panel: DetailPanel, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    first = make_record(write_jpeg(tmp_path / "a.jpg", seed=4))
    second = make_record(write_jpeg(tmp_path / "b.jpg", seed=5))
    first_result = show_and_wait(qtbot, panel, first)
    show_and_wait(qtbot, panel, second)

    previews: list[str] = []
    panel.previewReady.connect(previews.append)
    panel.show_photo(first)
    assert previews == [first.path]  # ready before control returned to the event loop
    assert panel.method == "map"  # an explanation does not follow the user to a new photo
    with qtbot.waitSignal(panel.attributionReady, timeout=1000) as blocker:
        panel.set_method("gradcam")
        assert panel.canvas.heat_drawn and not panel.busy
    assert blocker.args[0] is first_result
    assert panel.active_workers() == 0


def test_the_score_line_says_unreadable_and_in_quarantine_as_the_grid_does(
    panel: DetailPanel, photo: Path
) -> None:
    panel.show_photo(make_record(photo))
    assert panel.score_label.text() == "Droplet score 0.73 · flagged (threshold 0.50)"
    panel.show_photo(make_record(photo, score=None, error="truncated or incomplete image data"))
    assert panel.score_label.text() == "Not scored: the file cannot be read"
    panel.show_photo(make_record(photo, score=0.98, state="quarantined"))
    # The grid does not count a quarantined photo as flagged, so neither does the panel.
    assert panel.score_label.text() == "Droplet score 0.98 · in quarantine"
    # The user's label, which decides the flag, is said beside a score that disagrees.
    panel.show_photo(make_record(photo, score=0.07, label="droplet"))
    assert panel.score_label.text() == (
        "Droplet score 0.07 · below threshold (threshold 0.50) · your label: droplet"
    )
