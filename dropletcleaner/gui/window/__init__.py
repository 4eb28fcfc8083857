"""The main window, one module per concern; see :mod:`.assembly` for how it fits together."""

from dropletcleaner.gui.window.assembly import MainWindow
from dropletcleaner.gui.window.context import APP_NAME, AppContext

__all__ = ["APP_NAME", "AppContext", "MainWindow"]
