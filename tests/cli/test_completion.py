"""``dropletcleaner completion bash|zsh|fish``: scripts generated from the parser that work."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from dropletcleaner.cli import main
from dropletcleaner.cli.completion import script
from dropletcleaner.cli.parser import build_parser


def _complete_in_bash(words: list[str]) -> list[str]:
    """What bash offers for the last of ``words``, through the generated function."""
    line = " ".join(f"'{w}'" for w in words)
    program = (
        script(build_parser(), "bash")
        + f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _dropletcleaner\n"
        + 'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return proc.stdout.split()


def test_the_command_prints_each_script(capsys: pytest.CaptureFixture[str]) -> None:
    for shell in ("bash", "zsh", "fish"):
        assert main(["completion", shell]) == 0
        out = capsys.readouterr().out
        assert "dropletcleaner" in out and "scan" in out
    with pytest.raises(SystemExit) as exc:
        main(["completion", "tcsh"])
    assert exc.value.code == 2


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_options_words_and_choices() -> None:
    assert "quarantine" in _complete_in_bash(["dropletcleaner", "qua"])
    assert {"--exclude", "--no-recursive", "--report"} <= set(
        _complete_in_bash(["dropletcleaner", "scan", "--"])
    )
    assert _complete_in_bash(["dropletcleaner", "scan", "--device", ""]) == ["auto", "cpu", "cuda"]
    assert {"list", "use", "reset"} <= set(_complete_in_bash(["dropletcleaner", "model", ""]))
    assert "list" in _complete_in_bash(["dropletcleaner", "quarantine", "l"])


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_accept_their_script(shell: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    path = tmp_path / f"c.{shell}"
    path.write_text(script(build_parser(), shell))
    check = [shell, "-n", str(path)] if shell == "zsh" else [shell, "--no-execute", str(path)]
    subprocess.run(check, check=True, capture_output=True)
