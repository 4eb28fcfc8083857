"""The parser itself: help for every command and option, no development paths, range checks.

These walk the parser that ``dropletcleaner`` builds, so a command added later is held to
the same rules without a test of its own.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import dropletcleaner
from dropletcleaner.cli import main
from dropletcleaner.cli.parser import build_parser

# Commands a new user meets first: their --help ends with examples.
MAIN_COMMANDS = {
    "scan",
    "demo",
    "gui",
    "quarantine",
    "restore",
    "undo",
    "label",
    "retrain",
    "model",
    "evaluate",
    "hard-negatives",
    "train-base",
    "calibrate",
    "calibrate-map",
    "train-map",
}


def _commands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every (sub-)command parser, named like ``model use``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix}{name}"
                yield full, sub
                yield from _commands(sub, full + " ")


def _arguments(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        yield action


COMMANDS = dict(_commands(build_parser()))


def test_the_walk_finds_every_command() -> None:
    assert MAIN_COMMANDS | {"model list", "model use", "model reset"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_description(name: str) -> None:
    parser = COMMANDS[name]
    assert parser.description and len(parser.description) > 30, name
    if name in MAIN_COMMANDS:
        assert parser.epilog and parser.epilog.startswith("Examples:\n"), name
        examples = parser.epilog.splitlines()[1:]
        assert examples and all(line.startswith("  dropletcleaner ") for line in examples), name
        assert all(len(line) <= 100 for line in examples), name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_help_that_states_its_default(name: str) -> None:
    for action in _arguments(COMMANDS[name]):
        label = f"{name} {'/'.join(action.option_strings) or action.dest}"
        assert action.help and action.help != argparse.SUPPRESS, f"{label} has no help"
        optional = bool(action.option_strings) or action.nargs in ("?", "*")
        if optional:
            assert "default" in action.help, f"{label}: its help does not state its default"


def test_the_main_help_and_every_command_help_print(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "COMMAND --help" in capsys.readouterr().out
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exc:
            main([*name.split(), "--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        assert text.startswith(f"usage: dropletcleaner {name}"), name


# -- no development paths -------------------------------------------------------------------


def _inside_the_users_own_folders(value: object) -> bool:
    """A default path is fine when it is a new name in the current folder, or under home."""
    path = Path(str(value)).expanduser()
    if path.is_absolute():
        return path.resolve().is_relative_to(Path.home().resolve())
    return len(path.parts) == 1 and path.parts[0] not in ("..", ".")


def test_no_argparse_default_points_outside_the_users_own_folders() -> None:
    checked = 0
    for name, parser in COMMANDS.items():
        for action in _arguments(parser):
            default = action.default
            if isinstance(default, Path) or (isinstance(default, str) and "/" in default):
                checked += 1
                assert _inside_the_users_own_folders(default), f"{name} {action.dest}: {default}"
    assert checked >= 1  # demo's ./dropletcleaner-demo at least


def test_the_data_and_out_options_have_no_default() -> None:
    for name in ("train-base", "calibrate", "hard-negatives"):
        (data,) = [a for a in _arguments(COMMANDS[name]) if a.dest == "data"]
        assert data.required and data.default is None, name
    (out,) = [a for a in _arguments(COMMANDS["train-base"]) if a.dest == "out"]
    assert out.required and out.default is None


def test_no_development_path_is_written_in_the_package() -> None:
    """No string in the package's code names a folder of the development tree."""
    package = Path(dropletcleaner.__file__).parent
    suspicious = ("../", "..\\", "shared/data", "/work/", "resources/models/")
    found = []
    for source in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and any(marker in text for marker in suspicious):
                found.append(f"{source.relative_to(package)}:{node.lineno}: {text!r}")
    assert not found, "\n".join(found)


def test_missing_data_is_refused_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["hard-negatives", "dest"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "the following arguments are required: --data" in err


# -- range checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["evaluate", ".", "--worst", "-1"], "argument --worst: must be 0 or more, not -1"),
        (["evaluate", ".", "--worst", "two"], "argument --worst: not a whole number: 'two'"),
        (["evaluate", ".", "--threshold", "1.5"], "threshold must be between 0 and 1"),
        (["retrain", "--epochs", "0"], "argument --epochs: must be 1 or more, not 0"),
        (["hard-negatives", "d", "--data", ".", "--variants", "0"], "must be 1 or more"),
        (["hard-negatives", "d", "--data", ".", "--seed", "-3"], "must be 0 or more, not -3"),
        (["train-base", "--data", ".", "--out", "m", "--lr", "0"], "must be above 0, not 0"),
        (["train-base", "--data", ".", "--out", "m", "--fgsm", "-1"], "must be 0 or more"),
        (["train-base", "--data", ".", "--out", "m", "--workers", "0"], "must be 1 or more"),
        (["calibrate", "m", "--out", "o", "--version", "v", "--data", ".", "--workers", "-2"], "1"),
    ],
)
def test_out_of_range_values_are_refused(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert words in err and err.strip().splitlines()[-1].startswith("dropletcleaner"), err


# -- speed: building the parser imports no model code ---------------------------------------


HEAVY = ("torch", "timm", "onnxruntime", "torchvision", "PySide6")


def _heavy_modules_after(statement: str) -> str:
    """The heavy modules a fresh interpreter holds after ``statement``, as printed on stderr."""
    code = (
        "import contextlib, sys\n"
        "from dropletcleaner.cli import main\n"
        "from dropletcleaner.cli.parser import build_parser\n"
        f"with contextlib.suppress(SystemExit):\n    {statement}\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return proc.stderr.strip().splitlines()[-1]


def test_building_the_parser_does_not_import_torch() -> None:
    assert _heavy_modules_after("build_parser().format_help()") == "[]"


def test_help_does_not_import_torch() -> None:
    """``dropletcleaner --help`` answers at once: no model code is loaded to print it."""
    assert _heavy_modules_after("main(['--help'])") == "[]"
    assert _heavy_modules_after("main(['scan', '--help'])") == "[]"


def test_help_text_defaults_match_the_code() -> None:
    """The numbers that --help quotes are the ones the training code uses."""
    from dropletcleaner.core.training.config import TrainConfig
    from dropletcleaner.core.training.retrain.deep import DEEP_EPOCHS
    from dropletcleaner.core.training.retrain.heads import FAST_EPOCHS

    def help_of(command: str, dest: str) -> str:
        (action,) = [a for a in _arguments(COMMANDS[command]) if a.dest == dest]
        assert action.help is not None
        return action.help

    assert f"{FAST_EPOCHS} for fast retraining, {DEEP_EPOCHS} with --deep" in help_of(
        "retrain", "epochs"
    )
    cfg = TrainConfig()
    for dest, value in (
        ("variants", cfg.variants_per_image),
        ("epochs", cfg.finetune_epochs),
        ("head_epochs", cfg.head_epochs),
        ("workers", cfg.workers),
        ("lr", cfg.lr_finetune),
    ):
        assert f"(default: {value:g})" in help_of("train-base", dest), dest
