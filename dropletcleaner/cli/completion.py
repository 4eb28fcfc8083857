"""Shell completion scripts for bash, zsh and fish, generated from the argparse parser.

Generated rather than written by hand, so that a new command or option completes without
anyone remembering to edit a script. Nothing here imports torch or Qt.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh", "fish")


@dataclass
class Option:
    flags: list[str]
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)


@dataclass
class Command:
    name: str
    help: str
    options: list[Option]
    words: list[str]  # sub-actions (`model list`) or reserved words (`quarantine list`)


def _sub_action(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _options(parser: argparse.ArgumentParser) -> list[Option]:
    out = []
    for a in parser._actions:
        if not a.option_strings or a.help == argparse.SUPPRESS:
            continue
        choices = [str(c) for c in a.choices] if a.choices else []
        out.append(Option(list(a.option_strings), a.help or "", a.nargs != 0, choices))
    return out


# Words that `quarantine FOLDER|list|empty` reads in place of a folder.
_RESERVED_WORDS = {"quarantine": ["list", "empty"]}


def commands(parser: argparse.ArgumentParser) -> list[Command]:
    """Every sub-command with its options; a nested group's actions merge their options."""
    sub = _sub_action(parser)
    if sub is None:
        return []
    helps = {c.dest: c.help or "" for c in sub._choices_actions}
    out = []
    for name, p in sub.choices.items():
        options = _options(p)
        words = list(_RESERVED_WORDS.get(name, []))
        nested = _sub_action(p)
        if nested is not None:
            words += list(nested.choices)
            seen = {f for o in options for f in o.flags}
            for child in nested.choices.values():
                for o in _options(child):
                    if not seen.intersection(o.flags):
                        options.append(o)
                        seen.update(o.flags)
        out.append(Command(name, helps.get(name, ""), options, words))
    return out


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    cmds = commands(parser)
    if shell == "fish":
        return _fish(cmds)
    text = _bash(cmds)
    if shell == "zsh":  # zsh runs the bash function through its bashcompinit layer
        return "#compdef dropletcleaner\nautoload -U +X bashcompinit && bashcompinit\n" + text
    return text


def _bash(cmds: list[Command]) -> str:
    names = " ".join(c.name for c in cmds)
    cases = []
    value_cases = []
    for c in cmds:
        flags = " ".join(f for o in c.options for f in o.flags)
        cases.append(f'        {c.name}) opts="{flags}"; words="{" ".join(c.words)}" ;;')
        for o in c.options:
            if o.choices:
                pattern = "|".join(f"{c.name}:{f}" for f in o.flags)
                value_cases.append(f'        {pattern}) choices="{" ".join(o.choices)}" ;;')
    return f"""# bash completion for dropletcleaner: eval "$(dropletcleaner completion bash)"
_dropletcleaner() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local cmd="" opts="" words="" choices="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${{COMP_WORDS[i]}} in
            -*) ;;
            *) cmd=${{COMP_WORDS[i]}}; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "{names} --help --version" -- "$cur"))
        return
    fi
    case $cmd in
{chr(10).join(cases)}
    esac
    case "$cmd:$prev" in
{chr(10).join(value_cases) or "        _) ;;"}
    esac
    if [[ -n $choices ]]; then
        COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts --help" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$words" -- "$cur") $(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -o bashdefault -F _dropletcleaner dropletcleaner
"""


def _fish(cmds: list[Command]) -> str:
    lines = [
        "# fish completion for dropletcleaner; load with: dropletcleaner completion fish | source",
        "complete -c dropletcleaner -f",
    ]
    for c in cmds:
        lines.append(
            f"complete -c dropletcleaner -n __fish_use_subcommand -a {c.name} "
            f"-d {shlex.quote(_short(c.help))}"
        )
    for c in cmds:
        when = f"-n {shlex.quote('__fish_seen_subcommand_from ' + c.name)}"
        if c.words:
            lines.append(f"complete -c dropletcleaner {when} -a {shlex.quote(' '.join(c.words))}")
        lines.append(f"complete -c dropletcleaner {when} -F")  # folders and photos
        for o in c.options:
            spec = []
            for f in o.flags:
                spec.append(f"-l {f[2:]}" if f.startswith("--") else f"-s {f[1:]}")
            if o.choices:
                spec.append(f"-x -a {shlex.quote(' '.join(o.choices))}")
            elif o.takes_value:
                spec.append("-r")
            about = shlex.quote(_short(o.help))
            lines.append(f"complete -c dropletcleaner {when} {' '.join(spec)} -d {about}")
    return "\n".join(lines) + "\n"


def _short(text: str) -> str:
    """The help's first clause, for fish's one-line descriptions."""
    text = text.replace("%%", "%").split(" (default")[0]
    return text if len(text) <= 70 else text[:69] + "…"
