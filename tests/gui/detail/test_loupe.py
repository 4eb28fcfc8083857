"""The loupe: fit and 100 %, wheel zoom around the cursor, drag to pan, real pixels, overlay.

These tests use the canvas on its own (no model, no window): the zoom factor is checked
in device pixels per file pixel, and the overlay's alignment by reading rendered pixels.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from dropletcleaner.gui.detail.full_res import FullResolution
from dropletcleaner.gui.detail.loupe import FIT, LoupeCanvas, ViewState
from dropletcleaner.gui.detail.preview import to_qimage


def halves(width: int, height: int) -> QImage:
    """Black on the left half, white on the right: the boundary is easy to find."""
    rgb = np.zeros((height, width, 3), dtype=np.uint8)
    rgb[:, width // 2 :] = 255
    return to_qimage(rgb)


def red_left_half(width: int, height: int) -> QImage:
    """An opaque red overlay over the left half only, like a droplet map's wet area."""
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[:, : width // 2] = (255, 0, 0, 255)
    return QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


@pytest.fixture
def canvas(qtbot):
    widget = LoupeCanvas()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def wheel(widget: LoupeCanvas, at: QPointF, notches: int) -> None:
    event = QWheelEvent(
        at,
        widget.mapToGlobal(at),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_toggle_goes_to_100_percent_and_back_to_fit(canvas: LoupeCanvas) -> None:
    canvas.set_photo(halves(1600, 1200))
    fit = canvas.fit_zoom()
    assert canvas.view == FIT and canvas.zoom_factor() == pytest.approx(fit)
    assert fit == pytest.approx(0.25 * canvas.devicePixelRatioF())  # 1600 px into 400

    canvas.toggle_zoom()
    assert canvas.zoomed and canvas.zoom_factor() == pytest.approx(1.0)
    # At 100 % one file pixel is one device pixel: the photo is its own size on screen.
    rect = canvas.image_rect()
    assert rect.width() * canvas.devicePixelRatioF() == pytest.approx(1600)

    canvas.toggle_zoom()
    assert canvas.view == FIT and canvas.zoom_factor() == pytest.approx(fit)


def test_wheel_zooms_around_the_cursor(canvas: LoupeCanvas) -> None:
    canvas.set_photo(halves(1600, 1200))
    at = QPointF(300, 80)
    before = canvas._fraction_at(at)
    wheel(canvas, at, 2)
    assert canvas.zoomed
    assert canvas.zoom_factor() == pytest.approx(canvas.fit_zoom() * 1.25**2)
    after = canvas._fraction_at(at)
    # The photo point under the cursor is still under it.
    assert after == pytest.approx(before, abs=1e-3)
    wheel(canvas, at, -5)  # zooming out past fit lands on fit, not smaller
    assert canvas.view == FIT


def test_dragging_pans_and_stops_at_the_edges(qtbot, canvas: LoupeCanvas) -> None:
    canvas.set_photo(halves(1600, 1200))
    canvas.toggle_zoom()
    start = canvas.view
    assert (start.cx, start.cy) == (0.5, 0.5)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))
    qtbot.mouseMove(canvas, QPoint(100, 110))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 110))
    moved = canvas.view
    width = canvas.image_rect().width()
    height = canvas.image_rect().height()
    # The photo moves with the hand: 100 px to the left shows what lay to the right.
    assert moved.cx == pytest.approx(0.5 + 100 / width, abs=1e-3)
    assert moved.cy == pytest.approx(0.5 + 40 / height, abs=1e-3)
    assert moved.zoom == pytest.approx(1.0)

    canvas.set_view(ViewState(1.0, 5.0, -3.0))  # far past the corner: clamped to it
    rect = canvas.image_rect()
    assert rect.right() == pytest.approx(canvas.width(), abs=0.5)
    assert rect.top() == pytest.approx(0, abs=0.5)


def boundary(image: QImage, y: int, dark: bool) -> int:
    """The first column, left to right, where row ``y`` stops being black (or red)."""
    for x in range(image.width()):
        colour = image.pixelColor(x, y)
        if dark and colour.lightness() > 128:
            return x
        if not dark and colour.red() > 200 and colour.green() > 200:  # white, not red
            return x
    return image.width()


@pytest.mark.parametrize("heat_width", [64, 384])
@pytest.mark.parametrize(
    "view",
    [FIT, ViewState(1.0, 0.5, 0.5), ViewState(1.0, 0.47, 0.3), ViewState(3.0, 0.51, 0.6)],
)
def test_the_overlay_stays_on_the_pixels_it_describes(
    canvas: LoupeCanvas, view: ViewState, heat_width: int
) -> None:
    canvas.set_photo(halves(1600, 1200))
    canvas.set_view(view)
    y = canvas.height() // 2
    photo = canvas.grab().toImage()
    # A layer smaller than the photo, stretched over it as the droplet map is.
    canvas.set_heat(red_left_half(heat_width, heat_width * 3 // 4))
    canvas.set_opacity(1.0)
    both = canvas.grab().toImage()
    ratio = canvas.devicePixelRatioF()
    # Where the photo turns white is where the red overlay ends, at every zoom and pan,
    # give or take the smooth filter's ramp (half a layer pixel's width on screen).
    edge_photo = boundary(photo, round(y * ratio), dark=True)
    edge_heat = boundary(both, round(y * ratio), dark=False)
    layer_pixel = canvas.image_rect().width() * ratio / heat_width
    assert 0 < edge_photo < photo.width()
    assert abs(edge_photo - edge_heat) <= 2 + layer_pixel / 2


def test_zooming_in_decodes_the_full_photo_off_the_gui_thread(
    qtbot, canvas: LoupeCanvas, tmp_path: Path, monkeypatch
) -> None:
    from dropletcleaner.gui.detail import preview

    decoded_on: list[tuple[threading.Thread, int | None]] = []
    real_load = preview.load_rgb

    def spy(path: str, max_side: int | None = None) -> Image.Image:
        decoded_on.append((threading.current_thread(), max_side))
        return real_load(path, max_side=max_side)

    monkeypatch.setattr(preview, "load_rgb", spy)
    path = tmp_path / "big.jpg"
    rgb = np.zeros((1600, 2400, 3), dtype=np.uint8)
    rgb[:, 1200:] = 255
    Image.fromarray(rgb).save(path, "JPEG", quality=92)
    full = FullResolution(canvas)
    try:
        full.set_photo(str(path), "fp")
        canvas.set_size_hint(2400, 1600)
        canvas.set_photo(halves(600, 400))  # the scaled preview
        assert canvas.source_size().width() == 2400  # the catalog's size, before the decode
        assert not canvas.has_full_resolution

        with qtbot.waitSignal(full.drawn, timeout=20_000):
            canvas.toggle_zoom()
            # The preview stands in while the file decodes: already at its 100 % geometry.
            assert canvas.zoom_factor() == pytest.approx(1.0)
            assert canvas.image_rect().width() * canvas.devicePixelRatioF() == pytest.approx(2400)
        assert canvas.has_full_resolution and canvas.source_size().width() == 2400
        assert decoded_on and decoded_on[0][1] is None  # full resolution, no max side
        assert decoded_on[0][0] is not threading.main_thread()
    finally:
        full.shutdown()
