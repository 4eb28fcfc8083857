"""What the Quarantine window shows beyond the batch list: batch states and thumbnails.

A batch whose photos all came back reads "Restored", one sent to the system trash
"Emptied", a mix says how many of each. The states are read from the catalog's
quarantine tables with a short read-only query (the file worker owns every write).
Thumbnails are decoded small (JPEG's scaled decoding) for the files of the selected batch.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImageReader, QPixmap

THUMB_SIDE = 48
MAX_THUMBS = 200  # a huge batch lists its names at once; only the first get a picture


def state_text(states: dict[str, int], open_count: int, count: int | None = None) -> str:
    """``In quarantine``, ``Restored``, ``Emptied``, or a mix such as ``2 restored, 1 left``.

    ``states`` may be empty when the catalog could not be read: then ``open_count`` out of
    ``count`` photos still decides, so a batch that left the quarantine never reads as in it.
    """
    if not states and count is not None and open_count < count:
        return f"{open_count:,} left" if open_count else "Out of quarantine"
    restored = states.get("restored", 0)
    trashed = states.get("trashed", 0)
    if not restored and not trashed:
        return "In quarantine"
    if not open_count and not trashed:
        return "Restored"
    if not open_count and not restored:
        return "Emptied"
    parts = []
    if restored:
        parts.append(f"{restored:,} restored")
    if trashed:
        parts.append(f"{trashed:,} emptied")
    if open_count:
        parts.append(f"{open_count:,} left")
    return ", ".join(parts)


def thumbnail(path: Path, side: int = THUMB_SIDE) -> QIcon:
    """A small icon of the photo at ``path``, or an empty icon when it cannot be read."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(size.scaled(QSize(side, side), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return QIcon()
    return QIcon(QPixmap.fromImage(image))
