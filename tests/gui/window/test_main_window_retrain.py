"""Retraining from the main window: label photos, Retrain…, Accept, and the grid re-sorts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.metrics import auroc
from tests.gui.gui_helpers import select_rows
from tests.retrain_helpers import BASE_VERSION, base_file_fixture, base_fixture, user_photos

SHARED_FIXTURES = (base_file_fixture, base_fixture)


@pytest.fixture
def labelled_library(tmp_path: Path, base: LoadedModel) -> tuple[Path, list[str], np.ndarray]:
    """40 catalogued photos whose droplet signal the base head cannot see; 16 labelled."""
    folder = tmp_path / "photos"
    with Catalog(tmp_path / "catalog.sqlite3") as cat:
        photos, y = user_photos(cat, base, folder, n=40)
        for path, label in zip(photos[:16], y[:16], strict=True):
            cat.set_label([path], "droplet" if label else "clean")
    return folder, photos, y


@pytest.mark.real_model  # end to end: the window reloads a real scorer after Accept
def test_retrain_from_the_menu_rescores_and_resorts_the_grid(  # type: ignore[no-untyped-def]
    qtbot, window, labelled_library
) -> None:
    folder, photos, y = labelled_library
    window.root = str(folder)
    window.reload_from_catalog()
    assert window.model.rowCount() == 40
    base_scores = {r.path: r.score for r in window.model.records()}
    qtbot.waitUntil(lambda: window.retrain_action.isEnabled(), timeout=60_000)
    window.stack.setCurrentWidget(window.splitter)  # as opening the folder does
    window.panel_action.setChecked(True)  # the side panel shows the photo's score
    select_rows(window, 0)
    window.toggle_detail_mode()
    qtbot.waitUntil(lambda: window.detail.record is not None, timeout=10_000)
    stale = window.detail.record
    assert stale is not None and stale.model_version != f"{BASE_VERSION}-r1"

    window.retrain_action.trigger()
    dialog = window.retrain_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.resultReady, timeout=120_000) as ready:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert ready.args[0].accepted
    with qtbot.waitSignal(dialog.modelAccepted, timeout=60_000) as accepted:
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    version = accepted.args[0]
    assert version == f"{BASE_VERSION}-r1"
    qtbot.waitUntil(lambda: window.retrain_dialog is None)

    # Every row now carries the new model's score, and the grid is in score order again.
    records = [window.model.record_at(r) for r in range(window.model.rowCount())]
    assert {r.model_version for r in records} == {version}
    scores = [r.score for r in records]
    assert scores == sorted(scores, reverse=True)
    # The unlabelled photos with water now mostly rank above the clean ones (the base head
    # ranked them at chance).
    truth = dict(zip(photos, y, strict=True))
    rest = [r for r in records if r.path not in photos[:16]]
    before = auroc(
        np.array([truth[r.path] for r in rest]), np.array([base_scores[r.path] for r in rest])
    )
    after = auroc(np.array([truth[r.path] for r in rest]), np.array([r.score for r in rest]))
    assert after > 0.8 and after > before + 0.2
    qtbot.waitUntil(lambda: not window._loader.isRunning(), timeout=60_000)

    # The detail panel shows the new model's score, not the stale one.
    shown = window.detail.record
    assert shown is not None
    fresh = window.model.record_at(window.grid.currentIndex().row())
    assert shown.path == fresh.path
    assert shown.score == fresh.score and shown.model_version == version
    # The message names the threshold change, when the model's own threshold moved.
    result = ready.args[0]
    old_t, new_t = result.old.metrics.threshold, result.new.metrics.threshold
    notice = next(n for n in reversed(window.notifier.history) if "Retrained" in n.title)
    if f"{old_t:.2f}" != f"{new_t:.2f}":
        assert f"from {old_t:.2f} to {new_t:.2f}" in notice.text
