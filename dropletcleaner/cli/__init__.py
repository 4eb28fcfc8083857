"""The ``dropletcleaner`` command: a thin argparse front over :mod:`dropletcleaner.core`.

:func:`main` is the entry point. :mod:`.parser` builds the parser from the command groups
in :mod:`.commands` (one module each, named for it: adding a command never edits this
package's other files); :mod:`.errors` turns what goes wrong into one line and an exit code;
:mod:`.options` holds the options and argument types several commands share and
:mod:`.loading` what they load (the catalog, the model). The other modules are helpers of a
few commands: wording, progress bar, views, Qt's own options.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dropletcleaner.cli.errors import drop_stdout, print_any_file_name, run_command
from dropletcleaner.cli.parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (the app with none) and return its exit code, as :mod:`.errors` says."""
    print_any_file_name(sys.stdout)
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return code
    except BrokenPipeError:
        drop_stdout()
        return 0  # whoever read the output stopped early (| head): not an error


def _main(argv: Sequence[str] | None) -> int:
    from dropletcleaner.cli.qt_options import app_arguments

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list:
        args_list = ["gui"]
    # Qt's own options (-style fusion) are the app's, not ours: argparse would refuse them.
    args_list, qt_options = app_arguments(args_list)
    args = parser.parse_args(args_list)
    args.qt_options = qt_options
    return run_command(args)


def gui_main() -> int:
    """Entry point of the ``dropletcleaner-gui`` launcher (no console window on Windows)."""
    return main(["gui", *sys.argv[1:]])
