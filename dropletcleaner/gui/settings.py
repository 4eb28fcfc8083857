"""Persistent desktop-app settings (QSettings): window geometry, folders, threshold, choices."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


class AppSettings:
    """Typed access to the app's QSettings; every value has a safe default."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings if settings is not None else QSettings()

    @property
    def qsettings(self) -> QSettings:
        return self._s

    def sync(self) -> None:
        self._s.sync()

    # -- window ------------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, value: QByteArray) -> None:
        self._s.setValue("window/geometry", value)

    def window_state(self) -> QByteArray | None:
        value = self._s.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_state(self, value: QByteArray) -> None:
        self._s.setValue("window/state", value)

    def splitter_state(self) -> QByteArray | None:
        value = self._s.value("window/splitter")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_splitter_state(self, value: QByteArray) -> None:
        self._s.setValue("window/splitter", value)

    # -- folders -----------------------------------------------------------------------------
    def last_folder(self) -> str | None:
        value = self._s.value("folders/last")
        return str(value) if value else None

    def recent_folders(self) -> list[str]:
        value = self._s.value("folders/recent")
        if isinstance(value, str):
            value = [value]  # QSettings returns a bare string for a one-item list
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if v][:MAX_RECENT]

    def add_recent_folder(self, folder: str) -> list[str]:
        """Make ``folder`` the last and most recent folder; returns the new recent list."""
        recent = [folder, *(f for f in self.recent_folders() if f != folder)][:MAX_RECENT]
        self._s.setValue("folders/recent", recent)
        self._s.setValue("folders/last", folder)
        return recent

    def clear_recent_folders(self) -> None:
        self._s.remove("folders/recent")

    # -- review ------------------------------------------------------------------------------
    def threshold(self) -> float | None:
        value = self._s.value("review/threshold")
        try:
            result = float(value) if value is not None else None
        except (TypeError, ValueError):
            return None
        return result if result is not None and 0.0 <= result <= 1.0 else None

    def set_threshold(self, value: float) -> None:
        self._s.setValue("review/threshold", float(value))

    def sort_key(self) -> str | None:
        value = self._s.value("review/sort")
        return str(value) if value else None

    def set_sort_key(self, value: str) -> None:
        self._s.setValue("review/sort", value)

    def confirm_quarantine(self) -> bool:
        """Whether to ask before quarantining ("don't ask again" turns it off)."""
        value = self._s.value("review/confirm_quarantine", True)
        return value not in (False, "false", "0", 0)

    def set_confirm_quarantine(self, value: bool) -> None:
        self._s.setValue("review/confirm_quarantine", bool(value))

    def detail_visible(self) -> bool:
        value = self._s.value("window/detail_visible", True)
        return value not in (False, "false", "0", 0)

    def set_detail_visible(self, value: bool) -> None:
        self._s.setValue("window/detail_visible", bool(value))

    def thumb_size(self) -> int | None:
        """The grid's thumbnail width chosen with the size slider, if any."""
        value = self._s.value("grid/thumb_size")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def set_thumb_size(self, value: int) -> None:
        self._s.setValue("grid/thumb_size", int(value))

    # -- XMP sidecars --------------------------------------------------------------------
    def tag_after_scan(self) -> bool:
        """Whether every finished scan tags the flagged photos' XMP sidecars (off by default)."""
        value = self._s.value("xmp/tag_after_scan", False)
        return value in (True, "true", "1", 1)

    def set_tag_after_scan(self, value: bool) -> None:
        self._s.setValue("xmp/tag_after_scan", bool(value))
