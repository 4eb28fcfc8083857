"""Issue 10, the command line: bad usage prints one line (as the README says), not a usage
block, names the command, points to its ``--help``, and exits with code 2.
"""

from __future__ import annotations

import pytest

from dropletcleaner.cli import main


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["scan"], "dropletcleaner scan: error: the following arguments are required: FOLDER"),
        (["scan", ".", "--bogus"], "unrecognized arguments: --bogus"),
        (["model"], "dropletcleaner model: error:"),
        (["model", "use"], "dropletcleaner model use: error:"),
        (["quarantine", ".", "--threshold", "7"], "threshold must be between 0 and 1"),
        (["label", ".", "--as", "wet"], "invalid choice: 'wet'"),
        (["frob"], "invalid choice: 'frob'"),
    ],
)
def test_usage_errors_are_one_line_with_a_help_hint(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1, captured.err
    assert words in captured.err and "--help`)" in captured.err
    assert not captured.err.startswith("usage:")
