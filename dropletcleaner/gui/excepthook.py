"""Global exception hooks: an unexpected error anywhere is shown, never silently lost.

Exceptions escaping Qt slots, the main thread and Python threads go to the notifier (a
non-modal message with the traceback under "Details…") and to stderr.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from dropletcleaner.gui.notifier import Notifier


def install(notifier: Notifier) -> Callable[[], None]:
    """Route uncaught exceptions to ``notifier``; returns a function restoring the old hooks."""
    previous_sys = sys.excepthook
    previous_thread = threading.excepthook

    def report(
        exc_type: type[BaseException],
        exc: BaseException | None,
        tb: TracebackType | None,
        where: str,
    ) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        print(details, file=sys.stderr, end="")
        text = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
        notifier.error(f"Unexpected error {where}", text, details)

    def sys_hook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous_sys(exc_type, exc, tb)
            return
        report(exc_type, exc, tb, "in the app")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "a background task"
        report(args.exc_type, args.exc_value, args.exc_traceback, f"in {name}")

    sys.excepthook = sys_hook
    threading.excepthook = thread_hook

    def uninstall() -> None:
        sys.excepthook = previous_sys
        threading.excepthook = previous_thread

    return uninstall
