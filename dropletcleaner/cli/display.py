"""Is there a display for the desktop app? Asked before Qt is started, because Qt aborts
the process (SIGABRT, raw messages) when it cannot connect to one.

Only X11 and Wayland sessions are probed; on Windows and macOS, and whenever
``QT_QPA_PLATFORM`` names a platform that needs no desktop (offscreen, vnc, eglfs...),
the answer is left to Qt.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping

_DESKTOP_PLATFORMS = ("xcb", "wayland")


def _unix_reachable(path: str) -> bool:
    if not hasattr(socket, "AF_UNIX"):
        return True
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(path)
        except OSError:
            return False
    return True


def x_display_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (``:0``, ``unix:1.0``, ``host:10.0``)."""
    host, sep, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not sep or not number.isdigit():
        return True  # a form we do not know: let Qt judge
    if host.startswith("/"):  # a socket path (XQuartz style)
        return _unix_reachable(f"{host}:{number}")
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        abstract = "\0" + path if sys.platform.startswith("linux") else None
        return _unix_reachable(path) or (abstract is not None and _unix_reachable(abstract))
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=1.0):
            return True
    except OSError:
        return False


def wayland_reachable(name: str, env: Mapping[str, str]) -> bool:
    path = name if name.startswith("/") else os.path.join(env.get("XDG_RUNTIME_DIR", ""), name)
    return _unix_reachable(path)


def display_problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why the desktop app cannot open a window here, or ``None`` when it can (or may)."""
    env = os.environ if env is None else env
    if sys.platform in ("win32", "darwin"):
        return None
    wanted = [p.split(":", 1)[0] for p in env.get("QT_QPA_PLATFORM", "").split(";") if p]
    if any(p not in _DESKTOP_PLATFORMS for p in wanted):
        return None  # offscreen, vnc, eglfs...: no desktop session needed
    wayland = env.get("WAYLAND_DISPLAY", "")
    x_display = env.get("DISPLAY", "")
    try_wayland = bool(wayland) and (not wanted or "wayland" in wanted)
    try_x = bool(x_display) and (not wanted or "xcb" in wanted)
    if try_wayland and wayland_reachable(wayland, env):
        return None
    if try_x and x_display_reachable(x_display):
        return None
    if not wayland and not x_display:
        return "there is no display here (DISPLAY and WAYLAND_DISPLAY are not set)"
    shown = ", ".join(n for n in (x_display, wayland) if n)
    return f"cannot connect to the display ({shown})"
