"""The ``model`` sub-command: ``model list``, ``model use VERSION`` and ``model reset``.

Switching re-scores the catalog from stored embeddings, so no photo is read again.
"""

from __future__ import annotations

import argparse
from typing import Any

from dropletcleaner.cli.errors import UsageError
from dropletcleaner.cli.helptext import add_command, changed_flag, plural, rescored_later
from dropletcleaner.cli.json_output import emit_json
from dropletcleaner.cli.loading import load_model_announced, open_catalog
from dropletcleaner.cli.options import add_catalog_option, add_json_option

ORDER = 41  # place in --help: after label and retrain


def register(sub: Any) -> None:
    m = add_command(
        sub,
        "model",
        help="list the droplet models, switch between them, or reset",
        description="List the shipped droplet model and your retrained versions, switch to "
        "one of them, or go back to the shipped one. Switching re-scores the catalog from "
        "stored embeddings.",
        examples=(
            "dropletcleaner model list",
            "dropletcleaner model use VERSION",
            "dropletcleaner model reset",
        ),
    )
    msub = m.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    ls = add_command(
        msub,
        "list",
        help="list the shipped model and your retrained versions",
        description="List the droplet models; * marks the active one.",
    )
    add_json_option(ls, "the models")
    add_catalog_option(ls)
    ls.set_defaults(func=run_model_list)
    use = add_command(
        msub,
        "use",
        help="switch to VERSION and re-score the catalog",
        description="Make VERSION the active droplet model and re-score the catalog.",
    )
    use.add_argument("version", metavar="VERSION", help="a version that `model list` shows")
    add_catalog_option(use)
    use.set_defaults(func=run_model_use)
    reset = add_command(
        msub,
        "reset",
        help="go back to the shipped model and re-score the catalog",
        description="Make the shipped droplet model active again and re-score the catalog. "
        "Your retrained versions are kept.",
    )
    add_catalog_option(reset)
    reset.set_defaults(func=run_model_reset)


def run_model_list(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.store import list_models

    with open_catalog(args) as catalog:
        scored = catalog.photos_per_version()
    models = list_models()
    if args.json:
        emit_json(
            [
                {
                    "version": info.version,
                    "active": info.active,
                    "kind": info.kind,
                    "parent": info.parent,
                    "created": info.created or None,
                    "path": None if info.path is None else str(info.path),
                    "scored_photos": scored.get(info.version, 0),
                    "summary": info.summary or None,
                    "broken": info.problem,  # why it cannot be used; null when it can
                }
                for info in models
            ]
        )
        return 0
    for info in models:
        mark = "*" if info.active else " "
        extra = [info.kind]
        if info.parent:
            extra.append(f"from {info.parent}")
        if info.created:
            extra.append(info.created)
        if scored.get(info.version):
            extra.append(f"scored {plural(scored[info.version], 'photo')} in the catalog")
        if info.problem is not None:
            extra.insert(0, "BROKEN")
        print(f"{mark} {info.version}  ({', '.join(extra)})")
        if info.problem is not None:
            print(f"    broken: {info.problem}: {info.path}")
        if info.summary:
            print(f"    {info.summary}")
    return 0


def run_model_use(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.store import BadVersionName, BrokenModel, UnknownModel, use_model

    try:
        use_model(args.version)
    except (UnknownModel, BrokenModel, BadVersionName) as exc:
        raise UsageError(str(exc)) from exc
    return _rescore(args)


def run_model_reset(args: argparse.Namespace) -> int:
    from dropletcleaner.core.ml.store import reset_model

    reset_model()
    return _rescore(args)


def _rescore(args: argparse.Namespace) -> int:
    from dropletcleaner.core.training.retrain.rescore import apply_rescore, plan_rescore

    loaded = load_model_announced()
    with open_catalog(args) as catalog:
        plan = plan_rescore(catalog, loaded)
        apply_rescore(catalog, plan)
    print(f"Model {loaded.version} is now active.")
    print(
        f"Re-scored {plural(len(plan.ids), 'photo')} from stored embeddings; "
        f"{changed_flag(plan.changed)}."
    )
    if plan.skipped:
        print(f"{rescored_later(plan.skipped)}.")
    return 0
