"""Qt's own command-line options (``-style fusion``, ``-platform xcb``, ``-reverse`` …).

The desktop app accepts the options every Qt program accepts. They are not ours to
declare to argparse (which would reject them as unknown), so the command line takes them
out before parsing and hands them to the app, which gives them to its QApplication.
They belong to the app only: ``dropletcleaner scan -style fusion`` is still refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

# Qt's own options that take a value, and those that do not (QGuiApplication, QApplication).
_WITH_VALUE = {
    "-style",
    "-stylesheet",
    "-platform",
    "-platformpluginpath",
    "-platformtheme",
    "-plugin",
    "-qwindowgeometry",
    "-qwindowicon",
    "-qwindowtitle",
    "-display",
    "-geometry",
    "-session",
    "-name",
    "-title",
    "-visual",
    "-qmljsdebugger",
}
_FLAGS = {"-reverse", "-widgetcount", "-nograb", "-dograb", "-sync", "-qdebug", "-testability"}


def split_qt_options(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """``args`` (without the program name) as (Qt's options, the rest), each in order.

    Both spellings Qt accepts are recognised: ``-style fusion``, ``-style=fusion`` and
    ``--style``. Nothing after ``--`` is an option, so a folder named ``-reverse`` can
    still be given after it.
    """
    qt: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        bare = "-" + arg.split("=", 1)[0].lstrip("-")
        if arg.startswith("-") and bare in _WITH_VALUE and "=" in arg:
            qt.append(arg)
        elif arg.startswith("-") and bare in _WITH_VALUE and i + 1 < len(args):
            qt += [arg, args[i + 1]]
            i += 1
        elif arg.startswith("-") and bare in _FLAGS:
            qt.append(arg)
        else:
            rest.append(arg)
        i += 1
    return qt, rest


def app_arguments(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """The arguments to parse and the Qt options for the app.

    Qt's options are taken out only where the app is what runs: with no command
    (``dropletcleaner -style fusion``) or with ``gui``. Anywhere else they stay, and the
    parser refuses them as it refuses any unknown option.
    """
    qt, rest = split_qt_options(args)
    if not qt:
        return list(args), []
    if not rest:
        return ["gui"], qt
    if rest[0] == "gui":
        return rest, qt
    return list(args), []


def qt_environment(qt_options: Sequence[str]) -> Mapping[str, str]:
    """The environment as Qt will see it: ``-platform NAME`` overrides ``QT_QPA_PLATFORM``."""
    env = dict(os.environ)
    for i, arg in enumerate(qt_options):
        name, _, value = arg.partition("=")
        if "-" + name.lstrip("-") != "-platform":
            continue
        if not value and i + 1 < len(qt_options):
            value = qt_options[i + 1]
        env["QT_QPA_PLATFORM"] = value
    return env
