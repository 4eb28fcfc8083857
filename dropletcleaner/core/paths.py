"""Where the app keeps its data: the catalog, retrained models, caches and thumbnails.

Each folder follows the platform's conventions (platformdirs) and can be overridden with an
environment variable, which the tests and portable installs use.
"""

from __future__ import annotations

import contextlib
import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_DIR_NAME = "DropletCleaner"
APP_AUTHOR = "DropletCleaner"


def data_dir() -> Path:
    """Per-user data folder (catalog, retrained models). ``DROPLETCLEANER_DATA`` overrides it."""
    override = os.environ.get("DROPLETCLEANER_DATA")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, APP_AUTHOR))


def cache_dir() -> Path:
    """Per-user cache folder (thumbnails, heat maps). ``DROPLETCLEANER_CACHE`` overrides it."""
    override = os.environ.get("DROPLETCLEANER_CACHE")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir(APP_DIR_NAME, APP_AUTHOR))


def default_catalog_path() -> Path:
    return data_dir() / "catalog.sqlite3"


def models_dir() -> Path:
    return data_dir() / "models"


def thumbnails_dir() -> Path:
    return cache_dir() / "thumbnails"


def resource_folders(name: str) -> list[Path]:
    """Where the shipped resources' ``name`` folder (``models``, ``icons``) may be, in order.

    An install maps ``resources/`` into the package as ``dropletcleaner.resources``; a plain
    source checkout has it beside the package, so the app and the tests run without an
    install as well.
    """
    candidates: list[Path] = []
    with contextlib.suppress(ModuleNotFoundError):
        candidates.append(Path(str(resources.files("dropletcleaner.resources") / name)))
    candidates.append(Path(__file__).resolve().parents[2] / "resources" / name)
    return candidates
