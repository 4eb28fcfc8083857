"""The droplet model while the app starts: loaded once on a thread, waited for by scans.

:class:`ModelLoader` loads the active model and builds its scorer as a job of the app's
generator worker, so the window appears before torch is imported. A scan may start at once
and wait on the :class:`ModelHandle` for the scorer; the window itself reads the model only
from the loader's ``loaded`` signal, on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, SignalInstance

from dropletcleaner.core.jobs import CancelToken, Progress
from dropletcleaner.gui.threads import GeneratorWorker, describe_error

if TYPE_CHECKING:
    # Torch, timm and onnxruntime come with these: they load with the model, on its
    # thread, so the window can appear before they are imported.
    from dropletcleaner.core.ml.checkpoint import LoadedModel
    from dropletcleaner.core.ml.inference.scorer import Scorer


@dataclass
class ModelBundle:
    """The loaded model (for its card and for attribution) and its scorer (for scanning)."""

    loaded: LoadedModel
    scorer: Scorer


def load_default_bundle() -> ModelBundle:
    from dropletcleaner.core.ml.inference.scorer import Scorer
    from dropletcleaner.core.ml.store import load_default_model

    loaded = load_default_model()
    return ModelBundle(loaded=loaded, scorer=Scorer(loaded))


class ModelUnavailable(Exception):
    """The model could not be loaded; ``str(exc)`` says why."""


class ModelHandle:
    """The model while it loads: a scan may start at once and wait here for the scorer."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._bundle: ModelBundle | None = None
        self._error: str | None = None

    def set(self, bundle: ModelBundle) -> None:
        self._bundle = bundle
        self._event.set()

    def fail(self, reason: str) -> None:
        self._error = reason
        self._event.set()

    @property
    def bundle(self) -> ModelBundle | None:
        return self._bundle

    def is_ready(self) -> bool:
        return self._event.is_set()

    def wait(self, cancel: CancelToken) -> ModelBundle | None:
        """Block until loaded; ``None`` if cancelled first; raises if loading failed."""
        while not self._event.wait(0.1):
            if cancel.cancelled:
                return None
        if self._bundle is None:
            raise ModelUnavailable(self._error or "the model could not be loaded")
        return self._bundle


class ModelLoader(GeneratorWorker):
    """Loads the model once on a thread into ``handle``; emits ``loaded`` or ``failed``."""

    def __init__(
        self,
        factory: Callable[[], ModelBundle],
        handle: ModelHandle,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(self._load, "model-loader", parent)
        self._factory = factory
        self.handle = handle

    @property
    def loaded(self) -> SignalInstance:  # ModelBundle
        return self.returned

    @property
    def failed(self) -> SignalInstance:  # the reason, one line
        return self.errored

    def _load(self, cancel: CancelToken) -> Generator[Progress, None, ModelBundle]:
        yield Progress("loading", message="loading the droplet model")
        try:
            bundle = self._factory()
        except Exception as exc:  # a scan waiting on the handle must hear of it too
            self.handle.fail(describe_error(exc))
            raise
        self.handle.set(bundle)
        return bundle
