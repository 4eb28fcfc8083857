"""Photo ▸ Select Same Shot: one correction covers the other frames of a falsely flagged shot.

Marking a flagged photo clean offers, in the status bar, the flagged photos that look like the same
shot (:mod:`dropletcleaner.core.library.same_shot`); Shift+S selects them, so the user sees
them before pressing C. S does the same for whatever is selected. The thumbnails are hashed
on a worker thread, so a low threshold with thousands of flagged photos never blocks the
grid; a newer request cancels an older one, whose answer is then dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from dropletcleaner.core.catalog.photos import PhotoRecord
from dropletcleaner.core.library.same_shot import (
    SameShot,
    ShotHashes,
    find_same_shot,
    flagged_unlabelled,
    offer_pool,
)
from dropletcleaner.core.wording import plural
from dropletcleaner.gui.threads import GeneratorWorker

if TYPE_CHECKING:
    from dropletcleaner.gui.window.parts import WindowParts


class SameShotActions(QObject):
    """The two actions, and the offer left by the latest photos marked clean."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self._window = window
        self._hashes = ShotHashes(window.ctx.thumbs)
        self._worker: GeneratorWorker | None = None
        self._old_workers: list[GeneratorWorker] = []
        self._done: Callable[[list[SameShot]], None] = lambda _found: None
        self.offer: list[str] = []  # flagged photos like the ones last marked clean
        self.select_action = QAction("Select &Same Shot", window)
        self.select_action.setShortcut(QKeySequence("S"))
        self.select_action.setStatusTip(
            "Add the flagged, unlabelled photos that look like the selected ones (the same "
            "scene: a burst, a copy, a blurred take) to the selection"
        )
        self.select_action.triggered.connect(lambda: self.select_like_selection())
        self.offer_action = QAction("Select Same Shot as Last Marked &Clean", window)
        self.offer_action.setShortcut(QKeySequence("Shift+S"))
        self.offer_action.setStatusTip(
            "Select the flagged photos that look like the ones you last marked clean"
        )
        self.offer_action.triggered.connect(lambda: self.select_offer())
        self.offer_action.setEnabled(False)
        for action in (self.select_action, self.offer_action):
            window.addAction(action)  # the keys work wherever the focus is

    # -- what the actions do ----------------------------------------------------------------
    def select_like_selection(self) -> None:
        """S: the selection plus the flagged photos of the same shot."""
        marked = self._records(self._window.selected_paths())
        if marked:
            self._find(marked, lambda found: self._select(marked, found))

    def offer_after_marking_clean(self, paths: Sequence[str]) -> None:
        """After C: say how many flagged photos look like the same shot (Shift+S selects them)."""
        self._set_offer([])
        w = self._window
        marked, candidates = offer_pool(self._records(paths), w.model.records(), w.threshold())
        if marked:  # only photos the model flagged: see offer_pool
            self._find(marked, lambda found: self._announce(marked, found), candidates)

    def select_offer(self) -> None:
        """Shift+S: select what the latest offer named, where it is still flagged."""
        still = {r.path for r in self._candidates()}
        paths = [p for p in self.offer if p in still]
        self._set_offer([])
        if paths:
            self._window.select_paths(paths)
            self._window.statusBar().showMessage(
                f"Selected {plural(len(paths), 'flagged photo')} of the same shot: look, "
                "then press C to mark them clean too.",
                8000,
            )

    def shutdown(self) -> None:
        """Stop the search and wait for it (the window is closing)."""
        for worker in [*self._old_workers, *([self._worker] if self._worker else [])]:
            worker.cancel()
            worker.wait()
        self._worker, self._old_workers = None, []

    # -- internals --------------------------------------------------------------------------
    def _records(self, paths: Sequence[str]) -> list[PhotoRecord]:
        model = self._window.model
        return [r for p in paths if (r := model.record(p)) is not None]

    def _candidates(self) -> list[PhotoRecord]:
        return flagged_unlabelled(self._window.model.records(), self._window.threshold())

    def _find(
        self,
        marked: list[PhotoRecord],
        done: Callable[[list[SameShot]], None],
        candidates: list[PhotoRecord] | None = None,
    ) -> None:
        if self._worker is not None:  # the newer request wins; the older answer is dropped
            self._worker.cancel()
            self._old_workers.append(self._worker)
        candidates = self._candidates() if candidates is None else candidates
        hashes = self._hashes
        worker = GeneratorWorker(
            lambda cancel: find_same_shot(marked, candidates, hashes, cancel), "same-shot", self
        )
        # Bound methods of this GUI-thread object, so Qt queues every signal to the GUI thread.
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        self._done = done
        self._worker = worker
        worker.start()

    def _on_returned(self, found: list[SameShot]) -> None:
        if self.sender() is self._worker:  # an older request's answer is dropped
            self._done(found)

    def _on_errored(self, why: str) -> None:
        self._window.notifier.warning("Same-shot photos were not found", why)

    def _on_finished(self) -> None:
        worker = self.sender()
        if worker is self._worker:
            self._worker = None
        elif worker in self._old_workers:
            self._old_workers.remove(worker)
        if worker is not None:
            worker.deleteLater()

    def _select(self, marked: list[PhotoRecord], found: list[SameShot]) -> None:
        status = self._window.statusBar()
        if not found:
            status.showMessage("No other flagged photo looks like the same shot.", 4000)
            return
        self._window.select_paths([r.path for r in marked] + [s.path for s in found])
        status.showMessage(
            f"Selected {plural(len(found), 'more flagged photo')} that look like the same "
            "shot: look, then press C to mark them all clean.",
            8000,
        )

    def _announce(self, marked: list[PhotoRecord], found: list[SameShot]) -> None:
        if not found:
            return
        self._set_offer([s.path for s in found])
        what = "it" if len(marked) == 1 else "them"
        n = len(found)
        self._window.statusBar().showMessage(
            f"Marked {plural(len(marked), 'photo')} as clean. {plural(n, 'more flagged photo')} "
            f"{'looks' if n == 1 else 'look'} like the same shot as {what}: Shift+S selects "
            f"{'it' if n == 1 else 'them'}.",
            10000,
        )

    def _set_offer(self, paths: list[str]) -> None:
        self.offer = paths
        self.offer_action.setEnabled(bool(paths))
