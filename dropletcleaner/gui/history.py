"""Undo and redo of labels and quarantines, with menu text that says what they will do.

Each entry remembers enough to go both ways: a label change keeps the labels before and
the label given; a quarantine keeps its batch and its photos. An entry that would change
nothing any more (the labels were already put back by hand, the batch was restored from
the Quarantine window) is skipped, not consumed: Ctrl+Z goes on to the next real change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dropletcleaner.core.wording import plural

HISTORY_SIZE = 200  # a long session keeps the recent history only

_LABEL_WORDS = {"droplet": "Mark as Droplet", "clean": "Mark as Clean", None: "Clear Label"}


@dataclass(frozen=True)
class LabelUndo:
    previous: dict[str, str | None]  # path -> label before the change
    label: str | None = None  # the label the change gave


@dataclass(frozen=True)
class QuarantineUndo:
    batch_id: str
    paths: tuple[str, ...]


Entry = LabelUndo | QuarantineUndo


def describe(entry: Entry) -> str:
    """``Mark as Droplet (1 photo)`` or ``Quarantine (3 photos)``: what the entry did."""
    if isinstance(entry, LabelUndo):
        return f"{_LABEL_WORDS[entry.label]} ({plural(len(entry.previous), 'photo')})"
    return f"Quarantine ({plural(len(entry.paths), 'photo')})"


class History:
    """Two stacks; ``is_noop(entry, undoing)`` says whether an entry would change nothing."""

    def __init__(self, is_noop: Callable[[Entry, bool], bool]) -> None:
        self._undo: list[Entry] = []
        self._redo: list[Entry] = []
        self._is_noop = is_noop

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()

    def push(self, entry: Entry, *, from_redo: bool = False) -> None:
        """Record a change the user made (a new change forgets what could be redone)."""
        self._undo.append(entry)
        del self._undo[:-HISTORY_SIZE]
        if not from_redo:
            self._redo.clear()

    def push_redo(self, entry: Entry) -> None:
        self._redo.append(entry)
        del self._redo[:-HISTORY_SIZE]

    def _top(self, stack: list[Entry], undoing: bool) -> Entry | None:
        while stack and self._is_noop(stack[-1], undoing):
            stack.pop()  # nothing left to do for it: skipped, not consumed
        return stack[-1] if stack else None

    def next_undo(self) -> Entry | None:
        return self._top(self._undo, True)

    def next_redo(self) -> Entry | None:
        return self._top(self._redo, False)

    def pop_undo(self) -> Entry | None:
        entry = self.next_undo()
        if entry is not None:
            self._undo.pop()
        return entry

    def pop_redo(self) -> Entry | None:
        entry = self.next_redo()
        if entry is not None:
            self._redo.pop()
        return entry

    def undo_text(self) -> str:
        entry = self.next_undo()
        return "&Undo" if entry is None else f"&Undo {describe(entry)}"

    def redo_text(self) -> str:
        entry = self.next_redo()
        return "&Redo" if entry is None else f"&Redo {describe(entry)}"
