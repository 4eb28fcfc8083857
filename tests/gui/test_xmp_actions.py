"""Photo ▸ Tag Flagged Photos in XMP Sidecars, Undo XMP Tagging, and tagging after every scan."""

from __future__ import annotations

from pathlib import Path

from dropletcleaner.gui.window import MainWindow

KEYWORD = "water on lens"


def _sidecars(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.xmp"))


def test_the_photo_menu_tags_the_flagged_photos_and_undoes_it(
    window: MainWindow, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    photo_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Photo")
    assert window.xmp.tag_action in photo_menu.actions()
    assert not window.xmp.auto_action.isChecked()  # off unless chosen
    assert not window.xmp.undo_action.isEnabled()  # nothing tagged yet: nothing to undo
    scan_folder(window, library)
    assert not window.xmp.undo_action.isEnabled()
    assert _sidecars(library) == []  # the option is off: a scan writes nothing
    window.threshold_slider.setValue(0)  # every readable photo is flagged
    assert window.xmp.tag_action.isEnabled()
    window.xmp.tag_action.trigger()
    written = _sidecars(library)
    # NAME.xmp and NAME.jpg.xmp for each of the 8 readable photos; none for broken.jpg
    assert len(written) == 16 and not any(p.name.startswith("broken") for p in written)
    assert all(KEYWORD in p.read_text() for p in written)
    assert "16 sidecars written" in window.notifier.history[-1].text
    assert window.xmp.undo_action.isEnabled()
    window.xmp.undo_action.trigger()
    assert _sidecars(library) == []
    assert not window.xmp.undo_action.isEnabled()  # the only batch is undone


def test_undo_stays_offered_while_batches_are_left(
    qtbot, make_context, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    """Undo steps back batch by batch, across sessions, and greys out after the last."""
    first = MainWindow(make_context())
    qtbot.addWidget(first)
    scan_folder(first, library)
    first.threshold_slider.setValue(0)
    first.xmp.tag_now()
    for sidecar in _sidecars(library):
        sidecar.unlink()  # a second batch has something to write
    first.xmp.tag_now()
    first.close()

    win = MainWindow(make_context())  # a later session: the journal is still there
    qtbot.addWidget(win)
    assert win.xmp.undo_action.isEnabled()
    win.xmp.undo_action.trigger()
    assert win.xmp.undo_action.isEnabled()  # the first batch is left
    win.xmp.undo_action.trigger()
    assert not win.xmp.undo_action.isEnabled()
    assert win.xmp.undo() == "Nothing to undo: no tag batch is left."


def test_tagging_after_every_scan_is_a_remembered_option(
    qtbot, make_context, settings, library: Path, scan_folder
) -> None:  # type: ignore[no-untyped-def]
    settings.set_threshold(0.0)
    first = MainWindow(make_context())
    qtbot.addWidget(first)
    first.xmp.auto_action.setChecked(True)
    assert settings.tag_after_scan()
    first.close()

    win = MainWindow(make_context())
    qtbot.addWidget(win)
    assert win.xmp.auto_action.isChecked()
    scan_folder(win, library)
    written = _sidecars(library)
    assert written and all(KEYWORD in p.read_text() for p in written)
    win.close()
