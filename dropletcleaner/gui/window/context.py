"""What the main window works with: the catalog, thumbnails, model, settings, notices, trash.

The app builds the default :class:`AppContext`; tests swap in their own catalog, model
and trash, so nothing a test does reaches the user's files or settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dropletcleaner.core.library.thumbnails import ThumbnailCache
from dropletcleaner.gui.model_loading import ModelBundle, load_default_bundle
from dropletcleaner.gui.notifier import Notifier
from dropletcleaner.gui.quarantine.queue import qt_trash
from dropletcleaner.gui.settings import AppSettings

APP_NAME = "DropletCleaner"


@dataclass
class AppContext:
    """What the window works with; tests swap in their own catalog, model and trash."""

    catalog_path: Path | None = None  # None: the per-user default catalog
    thumbs: ThumbnailCache = field(default_factory=ThumbnailCache)
    model_factory: Callable[[], ModelBundle] = load_default_bundle
    settings: AppSettings = field(default_factory=AppSettings)
    notifier: Notifier = field(default_factory=Notifier)
    trash: Callable[[Path], None] = qt_trash
