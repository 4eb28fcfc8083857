"""Which files of a folder a command works on: ``--exclude GLOB`` and ``--no-recursive``.

A glob excludes a file or folder when it matches its name (``*.png``, ``tmp``) or its path
relative to the root, with ``/`` separators (``2024/raw/*``). Matching is case-sensitive,
as the shell's is. The scanner asks the same question of photos it did not find, so that
an excluded photo is not taken for a deleted one.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Selection:
    """The photos under ``root`` that a run covers."""

    root: str
    exclude: tuple[str, ...] = ()
    recursive: bool = True

    @classmethod
    def of(
        cls, root: str | os.PathLike[str], exclude: Sequence[str] = (), *, recursive: bool = True
    ) -> Selection:
        return cls(os.path.abspath(os.fspath(root)), tuple(exclude), recursive)

    @property
    def everything(self) -> bool:
        return not self.exclude and self.recursive

    def _relative(self, path: str) -> str | None:
        rel = os.path.relpath(os.path.abspath(path), self.root)
        if rel == os.curdir:
            return ""
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None  # outside the root
        return rel.replace(os.sep, "/")

    def _excluded(self, rel: str) -> bool:
        name = rel.rsplit("/", 1)[-1]
        return any(
            fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(rel, g) for g in self.exclude
        )

    def walks_into(self, folder: str) -> bool:
        """Whether a walk descends into ``folder`` (a sub-folder of the root)."""
        rel = self._relative(folder)
        if rel is None:
            return False
        if rel == "":
            return True
        return self.recursive and not self._excluded(rel)

    def covers(self, path: str) -> bool:
        """Whether the file ``path`` is in this selection (its folders included)."""
        rel = self._relative(path)
        if not rel:
            return False
        parts = rel.split("/")
        if not self.recursive and len(parts) > 1:
            return False
        return not any(self._excluded("/".join(parts[: i + 1])) for i in range(len(parts)))
