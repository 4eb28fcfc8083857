"""The Retrain… dialog with pytest-qt: counts, a run through to Accept, Discard, Cancel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.core.ml import store as registry
from dropletcleaner.core.ml.checkpoint import LoadedModel
from dropletcleaner.core.ml.store import load_default_model
from dropletcleaner.gui.retrain_dialog import RetrainDialog
from tests.retrain_helpers import (
    BASE_VERSION,
    base_file_fixture,
    base_fixture,
    label_photos,
    user_photos,
)

# Fixtures this module asks for by name (base_file, base).
SHARED_FIXTURES = (base_file_fixture, base_fixture)


@pytest.fixture
def catalog(tmp_path: Path, base: LoadedModel) -> Iterator[tuple[Catalog, list[str], list[int]]]:
    with Catalog(tmp_path / "catalog.db") as cat:
        photos, y = user_photos(cat, base, tmp_path / "photos", n=40)
        yield cat, photos, [int(v) for v in y]


@pytest.fixture
def dialog_factory(qtbot):  # type: ignore[no-untyped-def]
    made: list[RetrainDialog] = []

    def make(cat: Catalog, user_threshold: float | None = None) -> RetrainDialog:
        dialog = RetrainDialog(cat, user_threshold=user_threshold)
        qtbot.addWidget(dialog)
        dialog.show()
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:  # whatever a test did, no worker may outlive it
        dialog.close()
        assert not dialog.running


def test_too_few_labels_warns_and_disables_start(catalog, dialog_factory) -> None:  # type: ignore[no-untyped-def]
    cat, photos, y = catalog
    label_photos(cat, photos[:7], y[:7])  # type: ignore[arg-type]
    dialog = dialog_factory(cat)
    droplet, clean = sum(y[:7]), 7 - sum(y[:7])
    assert dialog.counts_label.text() == f"Droplet: {droplet}    Clean: {clean}"
    assert dialog.warning_row.isVisible()
    assert "at least 5 of each kind" in dialog.warning_label.text()
    assert not dialog.start_button.isEnabled()
    label_photos(cat, photos[7:16], y[7:16])  # type: ignore[arg-type]
    dialog.refresh_counts()
    assert not dialog.warning_row.isVisible() and dialog.start_button.isEnabled()


def test_runs_through_to_accept_and_emits_the_new_version(qtbot, catalog, dialog_factory) -> None:  # type: ignore[no-untyped-def]
    cat, photos, y = catalog
    label_photos(cat, photos[:16], y[:16])  # type: ignore[arg-type]
    dialog = dialog_factory(cat)
    assert dialog.start_button.isEnabled() and dialog.fast_button.isChecked()
    assert not dialog.accept_button.isVisible()

    with qtbot.waitSignal(dialog.resultReady, timeout=120_000) as ready:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert dialog.running  # the work is on a thread: the click returned at once
        assert dialog.cancel_button.text() == "Cancel"
    result = ready.args[0]
    assert result.accepted
    assert dialog.results_box.isVisible()
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(2)]
    assert headers == [f"Current ({BASE_VERSION})", f"New ({BASE_VERSION}-r1)"]
    rows = [dialog.table.verticalHeaderItem(r).text() for r in range(dialog.table.rowCount())]
    assert rows[:2] == ["Drop photos caught", "Clean photos wrongly flagged"]
    new = result.new.metrics
    assert dialog.table.item(0, 1).text() == f"{new.tp} of {new.tp + new.fn}"
    assert dialog.table.item(1, 1).text() == f"{new.fp} of {new.fp + new.tn}"
    # Plain words, not AUROC jargon, in what the user reads first.
    summary = dialog.summary_label.text()
    assert f"New model catches {new.tp} of your {new.tp + new.fn} drop photos" in summary
    assert f"wrongly flags {new.fp} of your {new.fp + new.tn} clean ones" in summary
    assert "AUROC" not in summary and "AUROC" not in dialog.comparison_label.text()
    assert f"{result.changed_flags} photo" in dialog.changed_label.text()
    # The photos that would change flag are listed, by name, before Accept.
    assert dialog.changed_list.count() == result.changed_flags == len(dialog.changed)
    names = {Path(p).name for p in photos}
    for row in range(dialog.changed_list.count()):
        assert dialog.changed_list.item(row).text().split(":")[0] in names
    assert dialog.changed_list.isVisible() == bool(result.changed_flags)
    # A threshold change is said before Accept, and handed to the main window after it.
    old_t, new_t = result.old.metrics.threshold, new.threshold
    if f"{old_t:.2f}" != f"{new_t:.2f}":
        assert f"from {old_t:.2f} to {new_t:.2f}" in dialog.threshold_label.text()
        assert f"from {old_t:.2f} to {new_t:.2f}" in dialog.threshold_note(None)
    assert dialog.threshold_note(new_t) == ""
    assert dialog.accept_button.isVisible() and dialog.accept_button.isEnabled()
    assert registry.active_version() is None  # nothing changes before Accept

    with qtbot.waitSignal(dialog.modelAccepted, timeout=60_000) as accepted:
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    version = accepted.args[0]
    assert version == f"{BASE_VERSION}-r1" == registry.active_version()
    assert load_default_model().version == version
    assert {cat.get(p).model_version for p in photos} == {version}  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not dialog.running


def test_a_threshold_the_user_chose_is_the_one_the_changed_photos_use(
    qtbot, catalog, dialog_factory
) -> None:  # type: ignore[no-untyped-def]
    cat, photos, y = catalog
    label_photos(cat, photos[:16], y[:16])  # type: ignore[arg-type]
    # A threshold below every score: nothing can change flag at it, whatever the models do.
    dialog = dialog_factory(cat, user_threshold=0.01)
    with qtbot.waitSignal(dialog.resultReady, timeout=120_000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.changed == []
    assert dialog.changed_label.text().startswith("If you accept, 0 photos change flag at your")
    assert "threshold 0.01" in dialog.changed_label.text()
    # The table's figures are at the models' own thresholds, and the box says so.
    assert "not your 0.01" in dialog.comparison_label.text()


def test_discard_keeps_the_current_model(qtbot, catalog, dialog_factory) -> None:  # type: ignore[no-untyped-def]
    cat, photos, y = catalog
    label_photos(cat, photos[:12], y[:12])  # type: ignore[arg-type]
    dialog = dialog_factory(cat)
    with qtbot.waitSignal(dialog.resultReady, timeout=120_000):
        dialog.start()
    before = {p: cat.get(p).score for p in photos}  # type: ignore[union-attr]
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert not dialog.results_box.isVisible() and dialog.start_button.isEnabled()
    assert "current model stays" in dialog.status_label.text()
    assert registry.active_version() is None and registry.user_versions() == []
    assert {p: cat.get(p).score for p in photos} == before  # type: ignore[union-attr]


def test_cancel_then_close_stops_the_worker(qtbot, catalog, dialog_factory) -> None:  # type: ignore[no-untyped-def]
    cat, photos, y = catalog
    label_photos(cat, photos[:12], y[:12])  # type: ignore[arg-type]
    dialog = dialog_factory(cat)
    dialog.start()
    worker = dialog.worker
    assert worker is not None
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running)
    status = dialog.status_label.text()
    # Cancel usually stops it; a retrain that was already done simply offers its result.
    assert "Cancelled" in status or "Finished" in status
    dialog.start()
    dialog.close()  # closing mid-run cancels and waits
    assert not dialog.running
    assert registry.active_version() is None
