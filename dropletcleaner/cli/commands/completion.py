"""Sub-command ``completion``: print a shell completion script for bash, zsh or fish."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dropletcleaner.cli.helptext import add_command

ORDER = 90  # near the end of --help


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a script that completes dropletcleaner's commands, options and "
        "their choices in your shell. Load it in the shell's start-up file.",
        examples=(
            "bash:  echo 'eval \"$(dropletcleaner completion bash)\"' >> ~/.bashrc",
            "zsh:   echo 'eval \"$(dropletcleaner completion zsh)\"' >> ~/.zshrc",
            "fish:  dropletcleaner completion fish > "
            "~/.config/fish/completions/dropletcleaner.fish",
        ),
    )
    p.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell to complete in")
    p.set_defaults(func=run_completion)


def run_completion(args: argparse.Namespace) -> int:
    from dropletcleaner.cli.completion import script
    from dropletcleaner.cli.parser import build_parser

    sys.stdout.write(script(build_parser(), args.shell))
    return 0
