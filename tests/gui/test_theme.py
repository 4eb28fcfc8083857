"""The theme setting (View ▸ Theme), saved and applied."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow

from dropletcleaner.gui.theme import install_theme_menu, theme


def test_theme_menu_saves_and_applies_the_choice(qtbot, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    applied: list[str] = []
    monkeypatch.setattr("dropletcleaner.gui.theme.apply_theme", applied.append)
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.menuBar().addMenu("&View")
    menu = install_theme_menu(window, settings)
    actions = {a.data(): a for a in menu.actions()}
    assert set(actions) == {"system", "light", "dark"} and actions["system"].isChecked()
    assert len(window.menuBar().actions()) == 1  # inside View, not a menu of its own
    actions["dark"].trigger()
    assert theme(settings) == "dark" and actions["dark"].isChecked()
    assert applied == ["system", "dark"]  # at start, then the choice (offscreen ignores it)
    # A second window (the next start) finds the saved theme.
    again = QMainWindow()
    qtbot.addWidget(again)
    assert {a.data() for a in install_theme_menu(again, settings).actions() if a.isChecked()} == {
        "dark"
    }
    actions["system"].trigger()
    assert theme(settings) == "system"


def test_dark_is_drawn_even_where_the_platform_ignores_the_hint(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from dropletcleaner.gui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)

    def window_lightness() -> int:
        return app.palette().color(QPalette.ColorRole.Window).lightness()

    try:
        apply_theme("dark")  # the offscreen platform, like bare X11, ignores the hint
        assert window_lightness() < 80
        assert app.palette().color(QPalette.ColorRole.WindowText).lightness() > 200
        apply_theme("light")
        assert window_lightness() > 180
    finally:
        apply_theme("system")
    assert window_lightness() > 180  # the platform's own palette again
