"""DropletCleaner: find, explain and quarantine photos spoiled by water drops on the lens."""

__version__ = "0.1.0"
APP_NAME = "DropletCleaner"
APP_ID = "io.github.dropletcleaner.DropletCleaner"
