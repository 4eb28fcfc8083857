"""Open a photo for reading without trusting what the path points at.

A path found during discovery can be swapped before it is read: for a FIFO (an open
that blocks forever), a link to ``/dev/zero`` (endless data) or a file that keeps
growing. :func:`open_photo` therefore stats first and refuses anything but a regular
file, opens non-blocking, checks the opened descriptor again with ``fstat``, and returns
a reader that never goes past the size seen at open time and refuses oversized files.
Symbolic links to regular files are still followed: libraries hold many of them.
"""

from __future__ import annotations

import io
import os
import stat

# Larger than any real photo (180 MP at 16 bits a channel is ~1 GB uncompressed); reading
# more would only risk memory on files that are not photos (a 3 GB video renamed .jpg).
MAX_FILE_BYTES = 1 << 30

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in opens at once instead of blocking
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotAPhotoFile(OSError):
    """The path is not a regular file of a size we read; ``str(exc)`` is the reason."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not a regular file"


def describe_mode(mode: int) -> str:
    """What kind of file ``st_mode`` is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def not_regular_reason(mode: int) -> str:
    return f"not a regular file: it is {describe_mode(mode)}"


def _check(st: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise NotAPhotoFile(not_regular_reason(st.st_mode))
    if st.st_size > limit:
        raise NotAPhotoFile(
            f"too large to be a photo ({st.st_size / 2**30:.1f} GiB; "
            f"files over {limit / 2**30:.1f} GiB are not read)"
        )


class _BoundedRaw(io.RawIOBase):
    """Positional reads of one descriptor, never past ``size`` bytes."""

    def __init__(self, fd: int, size: int) -> None:
        super().__init__()
        self._fd = fd
        self._size = size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        data = os.pread(self._fd, want, self._pos) if hasattr(os, "pread") else self._read(want)
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def _read(self, want: int) -> bytes:  # Windows has no pread
        os.lseek(self._fd, self._pos, os.SEEK_SET)
        return os.read(self._fd, want)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


class PhotoFile(io.BufferedReader):
    """A buffered, size-bounded reader of one regular file; ``size`` is its size at open.

    It has no ``name``, so Pillow never memory-maps it (a file truncated under a map
    kills the process with SIGBUS) and never reopens it by path.
    """

    def __init__(self, fd: int, st: os.stat_result) -> None:
        super().__init__(_BoundedRaw(fd, st.st_size), buffer_size=64 * 1024)
        self.size = st.st_size
        self.stat = st

    def fileno(self) -> int:
        # Hiding the descriptor keeps libraries reading through the size bound.
        raise io.UnsupportedOperation("fileno")

    def read_all(self) -> bytes:
        self.seek(0)
        return self.read(self.size)


def open_photo(path: str | os.PathLike[str], *, limit: int = MAX_FILE_BYTES) -> PhotoFile:
    """Open ``path`` for reading if it is a regular file of at most ``limit`` bytes.

    Raises :class:`NotAPhotoFile` (with the reason) or the ``OSError`` of the open.
    """
    _check(os.stat(path), limit)  # refuse devices and FIFOs before even opening them
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        _check(st, limit)  # the path may have been swapped since the stat above
        return PhotoFile(fd, st)
    except BaseException:
        os.close(fd)
        raise
