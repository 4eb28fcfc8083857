"""Qt's own options (``-style fusion``) reach the desktop app and are refused elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.cli.qt_options import app_arguments, split_qt_options


def test_qt_options_pass_through_and_the_rest_does_not() -> None:
    args = ["gui", "-style", "fusion", "~/Pictures", "-reverse", "--catalog"]
    assert split_qt_options(args) == (
        ["-style", "fusion", "-reverse"],
        ["gui", "~/Pictures", "--catalog"],
    )
    assert split_qt_options(["-platform=offscreen", "--style=Fusion"]) == (
        ["-platform=offscreen", "--style=Fusion"],
        [],
    )
    assert split_qt_options([]) == ([], [])
    # After "--" nothing is an option: a folder may be called -reverse.
    assert split_qt_options(["gui", "--", "-reverse"]) == ([], ["gui", "--", "-reverse"])


def test_qt_options_belong_to_the_app_only() -> None:
    assert app_arguments(["-style", "fusion"]) == (["gui"], ["-style", "fusion"])
    assert app_arguments(["gui", "x", "-reverse"]) == (["gui", "x"], ["-reverse"])
    assert app_arguments(["scan", "x", "-reverse"]) == (["scan", "x", "-reverse"], [])


@pytest.fixture
def app_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, list[str]]]:
    """What the app would have been started with, instead of starting it."""
    from dropletcleaner.gui import app

    seen: list[tuple[str | None, list[str]]] = []

    def fake_run_app(
        folder: str | None = None, catalog: Path | None = None, qt_options: Sequence[str] = ()
    ) -> int:
        seen.append((folder, list(qt_options)))
        return 0

    monkeypatch.setattr(app, "run_app", fake_run_app)
    return seen


def test_the_app_accepts_qt_options_with_and_without_the_gui_command(
    app_runs: list[tuple[str | None, list[str]]], tmp_path: Path
) -> None:
    assert main(["-style", "fusion"]) == 0
    assert main(["gui", "-style", "fusion", str(tmp_path), "-platform", "offscreen"]) == 0
    assert main(["gui", "-reverse"]) == 0
    assert app_runs == [
        (None, ["-style", "fusion"]),
        (str(tmp_path), ["-style", "fusion", "-platform", "offscreen"]),
        (None, ["-reverse"]),
    ]


def test_other_commands_still_refuse_qt_options(
    app_runs: list[tuple[str | None, list[str]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", str(tmp_path), "-style", "fusion"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: -style fusion" in capsys.readouterr().err
    assert app_runs == []


def test_platform_option_is_what_qt_will_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from dropletcleaner.cli.qt_options import qt_environment

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert qt_environment(["-platform", "offscreen"])["QT_QPA_PLATFORM"] == "offscreen"
    assert qt_environment(["--platform=vnc", "-reverse"])["QT_QPA_PLATFORM"] == "vnc"
    assert qt_environment(["-style", "fusion"])["QT_QPA_PLATFORM"] == "xcb"
