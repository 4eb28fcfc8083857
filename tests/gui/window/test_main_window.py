"""The main window end to end: open, scan, sort, filter, label by keys, undo, shut down."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from dropletcleaner.core.catalog.photos import Catalog
from dropletcleaner.gui.grid.delegate import MAX_THUMB_BOX
from dropletcleaner.gui.grid.model import UNCERTAIN_BAND, Filter, Roles, SortKey
from dropletcleaner.gui.scans import ScanStatus
from dropletcleaner.gui.window import MainWindow
from dropletcleaner.gui.window.scanning import scan_status_text
from tests.gui.gui_helpers import select_rows
from tests.helpers import write_jpeg


def grid_names(win: MainWindow) -> list[str]:
    return [win.model.record_at(r).name for r in range(win.model.rowCount())]


def catalog_label(win: MainWindow, path: str) -> str | None:
    with Catalog(win.ctx.catalog_path) as cat:
        rec = cat.get(path)
        assert rec is not None
        return rec.label


def test_starts_on_the_welcome_page(qtbot, make_context, bundle) -> None:  # type: ignore[no-untyped-def]
    # The model is held back until the checks of the start are done: with an instant model
    # the loader thread and the test raced, and Retrain was enabled or not by chance.
    gate = threading.Event()

    def held_model():  # type: ignore[no-untyped-def]
        gate.wait(60)
        return bundle

    win = MainWindow(make_context(held_model))
    qtbot.addWidget(win)
    try:
        win.show()
        qtbot.wait(50)  # queued events delivered: the window as the user first sees it
        assert win.stack.currentWidget() is win.welcome
        assert not win.rescan_action.isEnabled()
        assert not win.quarantine_action.isEnabled()
        assert win.retrain_action.isEnabled() is False
        assert win.retrain_action.toolTip()
    finally:
        gate.set()
    # Once the model is in, Retrain is offered (it works on the catalog's labels), nothing else.
    qtbot.waitUntil(win.retrain_action.isEnabled, timeout=30_000)
    assert win.stack.currentWidget() is win.welcome
    assert not win.rescan_action.isEnabled() and not win.quarantine_action.isEnabled()
    win.close()


def test_the_window_does_not_race_the_model_loader(qtbot, make_context, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The flaky start: the loader thread could fill the handle before ``__init__`` read it.

    Here the "thread" always wins that race (it fills the handle inside ``start()``) and the
    ``loaded`` signal comes later, as a queued signal does: the window must still start
    with Retrain disabled, and enable it when the signal arrives.
    """
    from dropletcleaner.gui import model_loading

    started: list[model_loading.ModelLoader] = []

    def start_and_finish_at_once(loader: model_loading.ModelLoader, *_args: object) -> None:
        loader.handle.set(loader._factory())  # what run() does before emitting `loaded`
        started.append(loader)

    monkeypatch.setattr(model_loading.ModelLoader, "start", start_and_finish_at_once)
    win = MainWindow(make_context())
    qtbot.addWidget(win)
    assert win.model_handle.is_ready() and win.model_handle.bundle is not None
    assert win.retrain_action.isEnabled() is False
    assert win.stack.currentWidget() is win.welcome

    loader = started[0]
    loader.loaded.emit(loader.handle.bundle)
    assert win.retrain_action.isEnabled() is True
    win.close()


@pytest.mark.real_model  # end to end: the shipped network scores the scan
def test_scan_fills_the_grid_and_lists_unreadable_files(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    progress: list[ScanStatus] = []
    window.scans.progress.connect(lambda _root, st: progress.append(st))
    rows_batches: list[int] = []
    window.scans.rows.connect(lambda _root, recs: rows_batches.append(len(recs)))

    outcome = scan_folder(window, library)

    assert outcome.summary.scored == 8 and not outcome.summary.cancelled
    assert window.stack.currentWidget() is window.splitter
    assert window.model.rowCount() == 9  # 8 photos and the unreadable file
    assert sum(rows_batches) == 9  # rows streamed in while scanning
    assert any(st.phase == "scanning" for st in progress)
    # Sorted by confidence: scores never increase down the grid; the unreadable file is last.
    scores = [window.model.record_at(r).score for r in range(8)]
    assert scores == sorted(scores, reverse=True)
    assert window.model.record_at(8).error
    assert window.errors_panel.entries() == [
        (str(library / "broken.jpg"), "not a recognised image format")
    ]
    assert window.errors_button.isVisible()
    counts = window.model.counts()
    under = f" · {counts.just_under:,} just under" if counts.just_under else ""
    expected = f"{counts.flagged:,} flagged of {counts.total:,}{under}"
    assert window.counts_label.text().strip() == expected
    # The shipped model is trained: no warning banner.
    assert window.untrained_banner.isVisible() is (not window.model_handle.bundle.loaded.trained)
    assert window.settings.recent_folders()[0] == str(library)
    assert window.grid.currentIndex().row() == 0  # ready for keyboard review


def test_thumbnails_load_for_visible_rows(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    index = window.model.index(0)

    def loaded() -> None:
        window.grid.viewport().repaint()
        assert index.data(Roles.THUMBNAIL) is not None

    qtbot.waitUntil(loaded, timeout=10_000)
    pixmap = index.data(Roles.THUMBNAIL)
    # Scaled once, off the GUI thread, to the largest size the size slider offers.
    assert pixmap.width() <= MAX_THUMB_BOX.width() and pixmap.height() <= MAX_THUMB_BOX.height()


def test_sorting_and_filtering_from_the_toolbar(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.sort_combo.setCurrentIndex(window.sort_combo.findData(SortKey.NAME.value))
    assert grid_names(window) == sorted(grid_names(window), key=str.casefold)
    assert window.settings.sort_key() == "name"
    window.sort_combo.setCurrentIndex(window.sort_combo.findData(SortKey.FOLDER.value))
    assert grid_names(window)[-2:] == ["street0.jpg", "street1.jpg"]

    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.ERRORS.value))
    assert grid_names(window) == ["broken.jpg"]
    # The threshold decides what is flagged; the slider's counts follow it live.
    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.FLAGGED.value))
    window.threshold_slider.setValue(1)
    qtbot.waitUntil(lambda: window.model.rowCount() == 8, timeout=5000)
    assert window.counts_label.text().strip() == "8 flagged of 9"
    scores = [window.model.record_at(r).score or 0.0 for r in range(8)]
    window.threshold_slider.setValue(99)
    # Unlabelled photos within the Uncertain band under the threshold are counted apart.
    near = sum(0.99 - UNCERTAIN_BAND <= score < 0.99 for score in scores)
    under = f" · {near} just under" if near else ""
    assert window.counts_label.text().strip() == f"0 flagged of 9{under}"
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
    assert "threshold" in window.grid.empty_text
    assert window.settings.threshold() == pytest.approx(0.99)


def test_labelling_by_keys_saves_to_the_catalog_and_undoes(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.grid.setFocus()
    first = window.model.record_at(0).path
    second = window.model.record_at(1).path
    select_rows(window, 0)

    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert catalog_label(window, first) == "droplet"
    assert window.grid.currentIndex().row() == 1  # moved on to the next photo
    qtbot.keyClick(window.grid, Qt.Key.Key_C)
    assert catalog_label(window, second) == "clean"
    assert window.model.record(second).label == "clean"  # type: ignore[union-attr]

    # Arrow keys move; U clears the label of the photo under the cursor.
    qtbot.keyClick(window.grid, Qt.Key.Key_Left)
    assert window.grid.currentIndex().row() == 1
    qtbot.keyClick(window.grid, Qt.Key.Key_U)
    assert catalog_label(window, second) is None

    # Ctrl+Z walks back: the clear, then the clean label, then the droplet label.
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert catalog_label(window, second) == "clean"
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert catalog_label(window, second) is None
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert catalog_label(window, first) is None
    assert not window.undo_action.isEnabled()


def test_multi_select_labels_every_photo(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    select_rows(window, 0, 2, 3)
    paths = [window.model.record_at(r).path for r in (0, 2, 3)]
    qtbot.keyClick(window.grid, Qt.Key.Key_D)
    assert [catalog_label(window, p) for p in paths] == ["droplet"] * 3
    assert catalog_label(window, window.model.record_at(1).path) is None
    assert window.model.counts().labelled == 3
    qtbot.keyClick(window.grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [catalog_label(window, p) for p in paths] == [None] * 3


def test_shift_arrows_extend_the_selection(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.grid.setFocus()
    select_rows(window, 0)
    qtbot.keyClick(window.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert len(window.selected_paths()) == 3


def test_enter_opens_the_detail_view_and_escape_returns(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    window.grid.setFocus()
    select_rows(window, 0)
    qtbot.keyClick(window.grid, Qt.Key.Key_Return)
    assert window.in_detail_mode and not window.grid.isVisible() and window.detail.isVisible()
    # Arrows still move through the photos, and labels still apply, in the detail view.
    qtbot.keyClick(window.detail, Qt.Key.Key_Right)
    assert window.grid.currentIndex().row() == 1
    qtbot.keyClick(window.detail, Qt.Key.Key_D)
    assert catalog_label(window, window.model.record_at(1).path) == "droplet"
    qtbot.keyClick(window.detail, Qt.Key.Key_Escape)
    assert not window.in_detail_mode and window.grid.isVisible()


def test_rescan_reads_nothing_unchanged_and_keeps_labels(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    scan_folder(window, library)
    select_rows(window, 0)
    path = window.model.record_at(0).path
    window.set_label("droplet")
    with qtbot.waitSignal(window.scans.finished, timeout=60_000) as blocker:
        window.rescan()
    assert blocker.args[0].summary.scored == 0
    assert window.model.record(path).label == "droplet"  # type: ignore[union-attr]


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """Enough photos that a scan is still running when the test acts."""
    folder = tmp_path / "many"
    for i in range(160):
        write_jpeg(folder / f"p{i:03d}.jpg", size=(160, 120), seed=i)
    return folder


def test_closing_mid_scan_stops_every_worker(qtbot, make_context, many: Path) -> None:  # type: ignore[no-untyped-def]
    folder = many
    win = MainWindow(make_context())
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.scans.rows, timeout=60_000):
        win.open_folder(folder)
    assert win.scans.is_running()
    win.close()  # the thread guard fixture fails the test if any worker is still alive
    assert not win.scans.is_running()
    with Catalog(win.ctx.catalog_path) as cat:
        scored = [r for r in cat.photos(str(folder)) if r.score is not None]
    assert 0 < len(scored) < 160  # stopped part-way, and what was scored is saved


def test_stop_button_ends_the_scan_with_what_it_has(qtbot, window: MainWindow, many: Path) -> None:  # type: ignore[no-untyped-def]
    folder = many
    with qtbot.waitSignal(window.scans.rows, timeout=60_000):
        window.open_folder(folder)
    with qtbot.waitSignal(window.scans.finished, timeout=60_000) as blocker:
        window.stop_action.trigger()
    assert blocker.args[0].summary.cancelled
    assert 0 < window.model.rowCount() < 160
    assert "stopped" in window.summary_label.text()
    assert window.rescan_action.isEnabled()


def test_a_missing_folder_is_reported_not_opened(window: MainWindow, tmp_path: Path) -> None:
    assert not window.open_folder(tmp_path / "nope")
    assert window.notifier.history[-1].title == "Cannot open folder"
    assert window.root is None


def test_an_empty_folder_explains_itself(
    qtbot, window: MainWindow, tmp_path: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty").mkdir()
    scan_folder(window, tmp_path / "empty")
    assert window.model.rowCount() == 0
    assert "No photos in this folder" in window.grid.empty_text


def test_a_model_that_fails_to_load_is_reported(qtbot, make_context, library: Path) -> None:  # type: ignore[no-untyped-def]
    def broken() -> object:
        raise RuntimeError("weights file is corrupt")

    win = MainWindow(make_context(broken))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.scans.failed, timeout=30_000):
        win.open_folder(library)
    titles = [n.title for n in win.notifier.history]
    assert "The droplet model could not be loaded" in titles
    assert "The scan failed" in titles
    assert "corrupt" in win.notifier.history[-1].text
    win.close()


def test_settings_survive_a_restart(qtbot, make_context, library: Path, scan_folder) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(make_context())
    qtbot.addWidget(first)
    first.show()
    scan_folder(first, library)
    first.threshold_slider.setValue(72)
    first.resize(760, 560)  # inside the 800x600 offscreen screen
    first.close()

    second = MainWindow(make_context())
    qtbot.addWidget(second)
    assert second.threshold_slider.value() == 72
    assert second.settings.last_folder() == str(library)
    assert next(a.text() for a in second.recent_menu.actions()) == str(library)
    assert (second.size().width(), second.size().height()) == (760, 560)
    second.close()


def test_scan_status_text() -> None:
    st = ScanStatus("scanning", 1234, 8041, 2, 38.0, 185.0)
    assert scan_status_text(st) == (
        "Scanning 1,234 of 8,041 · 38.0 photos/s · about 3 min 05 s left · 2 unreadable"
    )
    assert scan_status_text(ScanStatus("discovering", 500, None, 0, None, None)).endswith(
        "500 found"
    )


def test_slider_starts_at_the_models_threshold_and_remembers_only_a_users_choice(  # type: ignore[no-untyped-def]
    qtbot, window
) -> None:
    qtbot.waitUntil(lambda: window.model_handle.bundle is not None, timeout=60_000)
    loaded = window.model_handle.bundle.loaded
    qtbot.waitUntil(lambda: window.threshold_slider.value() == round(loaded.threshold * 100))
    qtbot.wait(400)  # past the re-filter delay
    assert window.settings.threshold() is None  # the model's default is not a user choice
    window.threshold_slider.setValue(63)
    qtbot.waitUntil(lambda: window.settings.threshold() == pytest.approx(0.63))


def test_an_untrained_model_shows_a_loud_banner(qtbot, make_context, scorer) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from dropletcleaner.core.ml.card import ModelCard
    from dropletcleaner.core.ml.store import UNTRAINED_VERSION
    from dropletcleaner.gui.model_loading import ModelBundle
    from dropletcleaner.gui.window import MainWindow

    untrained = dataclasses.replace(
        scorer.loaded, card=ModelCard(version=UNTRAINED_VERSION, trained=False)
    )
    win = MainWindow(make_context(lambda: ModelBundle(loaded=untrained, scorer=scorer)))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_handle.bundle is not None, timeout=60_000)
    qtbot.waitUntil(win.untrained_banner.isVisible)
    assert "no trained droplet model" in win.untrained_banner.label.text().lower()
    win.close()


def test_a_narrow_window_keeps_the_threshold_slider_and_its_counts_on_screen(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint

    scan_folder(window, library)
    window.resize(1024, 700)
    bar = window.toolbar

    def laid_out(widget: QWidget) -> bool:
        right = widget.mapTo(bar, QPoint(widget.width(), 0)).x()
        return widget.isVisible() and 0 < right <= bar.width()

    qtbot.waitUntil(lambda: window.toolbar.width() <= 1024, timeout=5000)
    for widget in (window.threshold_slider, window.counts_label):
        qtbot.waitUntil(lambda w=widget: laid_out(w), timeout=5000)


def test_a_filter_emptied_by_a_file_operation_says_why_it_is_empty(
    qtbot, window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from dropletcleaner.core.catalog.photos import STATE_PRESENT, STATE_QUARANTINED

    scan_folder(window, library)
    record = window.model.record_at(0)
    window.model.upsert([dataclasses.replace(record, state=STATE_QUARANTINED)])
    window.filter_combo.setCurrentIndex(window.filter_combo.findData(Filter.QUARANTINED.value))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.grid.empty_text = ""
    # As an undo of the quarantine does: the photo is back, and leaves this filter.
    window.model.upsert([dataclasses.replace(record, state=STATE_PRESENT)])
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)
    expected = "Nothing from this folder is in the quarantine."
    qtbot.waitUntil(lambda: window.grid.empty_text == expected, timeout=5000)
