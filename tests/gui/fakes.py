"""Stand-ins for the GUI tests: the app's model bundle with the fake scorer.

The app's :class:`~dropletcleaner.gui.model_loading.ModelBundle` holds the loaded model
(its card: version, threshold, flag-rate curve; and the network, for Explain) and a scorer
(for scans). The GUI tests scan with :class:`~dropletcleaner.core.ml.inference.fake.FakeScorer`
instead of the network: its scores and droplet maps are a deterministic function of the
pixels (pure blue reads as water) and cost no inference, so a scan in a test takes
milliseconds. It answers with the shipped model's version and threshold, so everything the
window derives from the model (the slider, the threshold line, "scored by this model")
reads as with the real one. Tests marked ``real_model`` keep the real network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dropletcleaner.core.ml.inference.fake import FakeScorer

if TYPE_CHECKING:
    from dropletcleaner.core.ml.checkpoint import LoadedModel


class AppFakeScorer(FakeScorer):
    """The fake scorer, speaking for ``loaded`` (the shipped model) in a test's app."""

    def __init__(self, loaded: LoadedModel) -> None:
        scoring = loaded.card.scoring or {}
        super().__init__(
            version=loaded.version,
            threshold=loaded.threshold,
            has_map=scoring.get("pooling") == "map",
        )
        self.loaded = loaded  # as the real Scorer has it: the tests read the card there
