""" "Explain the model": captum heat maps computed on a worker, with progress, ETA and cancel.

The slow methods take 20-30 s on two CPU cores, so the user sees how far one is and how
long it has left, and can stop it. Progress counts the model's forward passes: the
attribution code checks its cancel token before every pass, and the token here counts those
checks. The expected count follows from the method settings in
:mod:`dropletcleaner.core.ml.attribution`, and is corrected by what the last run of a method
really took. The time left is measured on the running job (seconds per pass so far), and
before the first pass it is the last run's time, or a rough figure for two CPU cores.

The worker runs a private copy of the model, so explaining never disturbs a scan that uses
the same model. Results are cached in memory per (path, fingerprint, model, method), on top
of the disk cache of :func:`~dropletcleaner.core.ml.attribution.cache.explain_file`. Torch
and captum are imported on the worker, the first time a map is asked for.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal

from dropletcleaner.core.jobs import Cancelled, CancelToken
from dropletcleaner.core.photos.decode import DecodeError

if TYPE_CHECKING:
    from dropletcleaner.core.ml.attribution.methods import Attribution
    from dropletcleaner.core.ml.checkpoint import LoadedModel

log = logging.getLogger(__name__)

ExplainKey = tuple[str, str, str, str]  # path, fingerprint, model key, method
MEMORY_CACHE_SIZE = 64  # heat maps (288 x 288 float32, 330 KB each)

# The captum methods, in menu order, with their names. (Kept here so that building the
# menu does not import torch; a test checks they match core.attribution.)
METHODS: tuple[str, ...] = ("gradcam", "integrated_gradients", "occlusion", "gradient_shap")
METHOD_LABELS: dict[str, str] = {
    "gradcam": "Grad-CAM",
    "integrated_gradients": "Integrated Gradients",
    "occlusion": "Occlusion",
    "gradient_shap": "GradientSHAP",
}
# Rough times on two CPU cores (issue 12's measurements), until this machine has measured.
PRIOR_SECONDS: dict[str, float] = {
    "gradcam": 2.0,
    "integrated_gradients": 23.0,
    "gradient_shap": 24.0,
    "occlusion": 30.0,
}
SLOW_SECONDS = 5.0  # a method slower than this says so in the menu


def expected_passes(method: str) -> int:
    """Cancel-token checks one explanation of ``method`` makes: one per forward pass of the
    method, plus the checks at the start (here and in ``explain``) and at the end."""
    from dropletcleaner.core.ml.attribution import methods as a

    passes = {
        "gradcam": 1,
        "integrated_gradients": math.ceil(a.IG_STEPS / a.IG_BATCH),
        "gradient_shap": math.ceil(a.SHAP_SAMPLES / a.SHAP_CHUNK),
        # One unoccluded pass, then the 7 x 7 windows (stride 1/8, window 2/8) in batches.
        "occlusion": 1 + math.ceil((a.OCCLUSION_GRID - 1) ** 2 / a.OCCLUSION_BATCH),
    }[method]
    return passes + 3


class _CountingToken(CancelToken):
    """A cancel token that reports each check, i.e. each forward pass, as progress."""

    def __init__(self, on_check: Callable[[int], None]) -> None:
        super().__init__()
        self.checks = 0
        self._on_check = on_check

    def raise_if_cancelled(self) -> None:
        super().raise_if_cancelled()
        self.checks += 1
        self._on_check(self.checks)


class _WorkingModel:
    """The explainer's own copy of the model, made on first use in the worker thread."""

    def __init__(self, loaded: LoadedModel, key: str) -> None:
        self.source = loaded
        self.key = key
        self._copy: LoadedModel | None = None
        self._lock = threading.Lock()

    def get(self) -> LoadedModel:
        from dropletcleaner.core.ml.checkpoint import LoadedModel

        with self._lock:
            if self._copy is None:
                model = copy.deepcopy(self.source.model).float().cpu().eval()
                for param in model.parameters():
                    param.requires_grad_(False)
                self._copy = LoadedModel(model=model, card=self.source.card)
            return self._copy


class _Bridge(QObject):
    """Carries worker results to the GUI thread (queued, because it lives there)."""

    done = Signal(object, object)  # key, Attribution
    failed = Signal(object, str)  # key, reason
    cancelled = Signal(object)  # key
    checked = Signal(object, int)  # key, checks so far


class Explainer(QObject):
    """Computes one explain map at a time, newest request first; cancels the one replaced."""

    ready = Signal(object, object)  # key, Attribution
    failed = Signal(object, str)  # key, reason
    cancelled = Signal(object)  # key
    progressed = Signal(object, float, object)  # key, fraction 0-1, seconds left or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._working: _WorkingModel | None = None
        self._memory: OrderedDict[ExplainKey, Attribution] = OrderedDict()
        self._tokens: dict[ExplainKey, CancelToken] = {}
        self._pending: ExplainKey | None = None
        self._started = 0.0
        self._closing = False
        # What the last run of each method took: (checks, seconds).
        self._measured: dict[str, tuple[int, float]] = {}
        self._bridge = _Bridge(self)
        self._bridge.done.connect(self._on_done)
        self._bridge.failed.connect(self._on_failed)
        self._bridge.cancelled.connect(self._on_cancelled)
        self._bridge.checked.connect(self._on_checked)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    # -- model -------------------------------------------------------------------------------
    def set_model(self, loaded: LoadedModel | None) -> None:
        self.cancel()
        if loaded is None:
            self._working = None
            return
        sha = loaded.card.sha256[:12]  # as attribution.model_key, without importing torch
        self._working = _WorkingModel(loaded, f"{loaded.version}-{sha}" if sha else loaded.version)

    @property
    def model_key(self) -> str | None:
        return None if self._working is None else self._working.key

    @property
    def trained(self) -> bool:
        return self._working is not None and self._working.source.trained

    # -- queries -----------------------------------------------------------------------------
    @property
    def pending(self) -> ExplainKey | None:
        return self._pending

    def cached(self, key: ExplainKey) -> Attribution | None:
        result = self._memory.get(key)
        if result is not None:
            self._memory.move_to_end(key)
        return result

    def estimate_seconds(self, method: str) -> float:
        """How long a fresh ``method`` map should take here: measured, else the prior."""
        measured = self._measured.get(method)
        return measured[1] if measured is not None else PRIOR_SECONDS[method]

    def active_workers(self) -> int:
        return self._pool.activeThreadCount()

    # -- work --------------------------------------------------------------------------------
    def start(self, key: ExplainKey) -> None:
        """Compute the map for ``key`` (cancelling any other); ``ready`` or ``failed`` follow."""
        if self._closing or self._working is None or key == self._pending:
            return
        self.cancel()
        path, _, _, method = key
        working, bridge = self._working, self._bridge
        token = _CountingToken(lambda n: bridge.checked.emit(key, n))
        self._tokens[key] = token
        self._pending = key
        self._started = time.monotonic()

        def run() -> None:
            try:
                token.raise_if_cancelled()
                from dropletcleaner.core.ml.attribution.cache import explain_file

                result = explain_file(working.get(), path, method, cancel=token)
            except Cancelled:
                bridge.cancelled.emit(key)
                return
            except (DecodeError, OSError) as exc:
                bridge.failed.emit(key, str(exc) or type(exc).__name__)
                return
            except Exception as exc:  # a bug, not a bad file: report it, never hang
                log.exception("explain map for %s failed", path)
                bridge.failed.emit(key, f"unexpected error: {exc!r}")
                return
            if not result.from_cache:
                self._measured[method] = (token.checks, result.seconds)
            bridge.done.emit(key, result)

        self._pool.start(run)

    def cancel(self) -> None:
        """Stop the running map at its next forward pass; nothing is drawn from it."""
        for token in self._tokens.values():
            token.cancel()
        self._pool.clear()  # tasks not started yet never run
        self._tokens.clear()
        pending, self._pending = self._pending, None
        if pending is not None:
            self.cancelled.emit(pending)

    def shutdown(self) -> None:
        """Cancel and wait for the worker (safe to call twice)."""
        self._closing = True
        self.cancel()
        self._pool.waitForDone(-1)

    # -- results -----------------------------------------------------------------------------
    def _on_checked(self, key: ExplainKey, checks: int) -> None:
        if key != self._pending:
            return
        method = key[3]
        measured = self._measured.get(method)
        expected = measured[0] if measured is not None else expected_passes(method)
        # Never "done" before the result is in: the count is an estimate.
        fraction = min(0.97, checks / max(1, expected))
        elapsed = time.monotonic() - self._started
        left: float | None
        if checks >= 3:
            # Seconds per pass measured on this job (the first checks are start-up).
            left = max(0.0, elapsed / checks * (expected - checks))
        else:
            left = max(0.0, self.estimate_seconds(method) - elapsed)
        self.progressed.emit(key, fraction, left)

    def _on_done(self, key: ExplainKey, result: Attribution) -> None:
        self._tokens.pop(key, None)
        self._memory[key] = result
        self._memory.move_to_end(key)
        while len(self._memory) > MEMORY_CACHE_SIZE:
            self._memory.popitem(last=False)
        if key == self._pending:
            self._pending = None
        self.ready.emit(key, result)

    def _on_failed(self, key: ExplainKey, reason: str) -> None:
        self._tokens.pop(key, None)
        if key == self._pending:
            self._pending = None
        self.failed.emit(key, reason)

    def _on_cancelled(self, key: ExplainKey) -> None:
        self._tokens.pop(key, None)
