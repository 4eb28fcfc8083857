"""Before a command applies the active model's threshold: are the scores that model's own?

Shared by ``quarantine`` and ``tag``. Scores of another version are re-scored from their
stored embeddings (a note on stderr says so); any that cannot be are refused in one line
that says how to rescan, or to pass ``--threshold`` to judge them on purpose.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import command_line, plural
from dropletcleaner.cli.loading import load_model_announced

if TYPE_CHECKING:
    from dropletcleaner.core.catalog.photos import Catalog


def require_active_scores(catalog: Catalog, folder: Path, catalog_option: Path | None) -> None:
    """Make every deciding score under ``folder`` the active model's, or raise ``UsageError``."""
    from dropletcleaner.core.ml.card import ModelLoadError
    from dropletcleaner.core.ml.store import default_model_card
    from dropletcleaner.core.training.retrain.score_versions import align_scores, other_versions

    try:
        version = default_model_card().version
    except ModelLoadError:
        return  # the caller already refused: it needs the same card for the threshold
    stale = other_versions(catalog, folder, version)
    if not stale:
        return
    loaded = load_model_announced()
    left = align_scores(catalog, folder, loaded)
    fixed = sum(stale.values()) - sum(left.values())
    if fixed:
        print(
            f"Re-scored {plural(fixed, 'photo')} with {loaded.version} from stored embeddings, "
            "so its threshold is applied to its own scores.",
            file=sys.stderr,
        )
    if left:
        whose = ", ".join(sorted(left))
        n = sum(left.values())
        were = "was" if n == 1 else "were"
        scan = command_line(["scan", str(folder)], catalog_option)
        raise UsageError(
            f"{plural(n, 'photo')} of {folder} {were} scored by {whose}, not "
            f"the active model {loaded.version}, whose threshold does not fit those scores; "
            f"rescan first ({scan}) or pass --threshold"
        )
