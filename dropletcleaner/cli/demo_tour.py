"""``dropletcleaner demo --tour``: the whole loop on the demo folder, one command at a time.

A new user learns the app fastest by watching it work on photos whose truth is known. The
tour writes the demo folder, then runs the very commands a user would type (each printed
first, so it can be repeated by hand): scan, a review against ``demo-manifest.json``,
labels on a few photos of each kind, a retrain, a second review showing how the scores
moved, a quarantine and its undo. It keeps its own catalog beside the folder so the
user's catalog is left alone; an accepted retrain does become the active model, as it
would for a user, and the last lines say how to go back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dropletcleaner.cli.helptext import command_line, plural

_RULE = "-" * 72


@dataclass(frozen=True)
class _Photo:
    path: Path
    truth: str  # "droplet" or "clean"
    what: str  # the scene and the water, or the hard case, for people
    case: str | None


@dataclass(frozen=True)
class TourResult:
    """What the tour saw, for its caller and its test."""

    code: int
    before: dict[Path, float]
    after: dict[Path, float]
    threshold_before: float
    threshold_after: float
    truth: dict[Path, str]
    retrain_accepted: bool


def default_catalog(folder: Path) -> Path:
    """The tour's own catalog, beside the demo folder, not inside it (it is not a photo)."""
    return folder.parent / f"{folder.name}.catalog.db"


def _run(argv: Sequence[str | Path], catalog: Path) -> int:
    """Print a command as the user would type it, then run it in this process."""
    from dropletcleaner.cli import main

    args = [str(a) for a in argv]
    print(f"$ {command_line([*argv], catalog)}", flush=True)
    return main([*args, "--catalog", str(catalog)])


def _step(n: int, title: str, why: str) -> None:
    print(f"\n{_RULE}\nStep {n} of 7: {title}\n  {why}\n", flush=True)


def _manifest(folder: Path) -> list[_Photo]:
    from dropletcleaner.core.synthetic.demo import MANIFEST_NAME

    photos = []
    for r in json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["photos"]:
        if r["label"] == "broken":
            continue
        water = r.get("droplets", {}).get("kind", "")
        what = r["scene"].replace("_", " ") + (f", {water.replace('_', ' ')}" if water else "")
        photos.append(_Photo(folder / r["file"], r["label"], r.get("case") or what, r.get("case")))
    return photos


def _scores(catalog: Path, folder: Path) -> dict[Path, float]:
    from dropletcleaner.core.catalog.photos import Catalog

    with Catalog(catalog) as cat:
        return {Path(p.path): p.score for p in cat.photos(str(folder)) if p.score is not None}


def _threshold() -> float:
    from dropletcleaner.core.ml.store import load_default_model

    return float(load_default_model().threshold)


def _review(photos: list[_Photo], scores: dict[Path, float], threshold: float) -> None:
    for p in sorted(photos, key=lambda p: -scores.get(p.path, 0.0)):
        s = scores.get(p.path)
        if s is None:
            continue
        flag = "flagged" if s >= threshold else "       "
        print(f"  {p.path.name}  {s:.2f}  {flag}  truth: {p.truth:<7}  {p.what}")
    print(_tally(photos, scores, threshold))


def _tally(photos: list[_Photo], scores: dict[Path, float], threshold: float) -> str:
    wet = [p for p in photos if p.truth == "droplet" and p.path in scores]
    clean = [p for p in photos if p.truth == "clean" and p.path in scores]
    hit = sum(scores[p.path] >= threshold for p in wet)
    false = sum(scores[p.path] >= threshold for p in clean)
    return (
        f"At {threshold:.2f}: {hit} of {plural(len(wet), 'photo')} with water flagged, "
        f"{false} of {plural(len(clean), 'clean photo')} flagged."
    )


def _choose_labels(
    photos: list[_Photo], scores: dict[Path, float], n: int
) -> tuple[list[_Photo], list[_Photo]]:
    """What a careful user labels first: the photos the model is least sure of.

    Those are where a label teaches something: the wet photos scored lowest (a miss, or a
    flag that only just made it) and the clean photos scored highest, the hard cases (dim,
    blurred, dew) first. Labelling photos it already scores near 0 or 1 would only make it
    less confident, and a less confident model misses water it used to find.
    """
    wet = [p for p in photos if p.truth == "droplet" and p.path in scores]
    wet.sort(key=lambda p: scores[p.path])
    clean = [p for p in photos if p.truth == "clean" and p.path in scores]
    clean.sort(key=lambda p: (p.case is None, -scores[p.path]))
    return wet[:n], clean[:n]


def run_tour(
    folder: Path, catalog: Path | None = None, size: tuple[int, int] | None = None
) -> TourResult:
    """Run the walk-through; ``code`` is 0 when every step worked and the retrain was accepted."""
    from dropletcleaner.core.ml import store as registry
    from dropletcleaner.core.synthetic.demo import make_demo_folder
    from dropletcleaner.core.training.retrain.labels import MIN_PER_CLASS

    folder = Path(folder).absolute()
    catalog = Path(catalog) if catalog is not None else default_catalog(folder)
    _step(1, "a demo folder", "Photos made by the app; demo-manifest.json knows which are wet.")
    manifest = make_demo_folder(folder) if size is None else make_demo_folder(folder, size=size)
    print(
        f"Wrote {plural(len(manifest.droplet), 'photo')} with water on the lens, "
        f"{plural(len(manifest.clean), 'clean photo')} (a dim room, a blurred one and dew on "
        f"a leaf among them) and {plural(len(manifest.broken), 'broken file')} to {folder}."
    )
    photos = _manifest(folder)
    truth = {p.path: p.truth for p in photos}
    empty = TourResult(1, {}, {}, 0.0, 0.0, truth, False)

    _step(2, "scan", "Every photo is scored from 0 to 1; broken files get a row, not a crash.")
    if _run(["scan", folder, "--quiet"], catalog) != 0:
        return empty
    before, threshold = _scores(catalog, folder), _threshold()

    _step(3, "review", "The scores beside the truth. In the app: thumbnails sorted by score.")
    _review(photos, before, threshold)

    n = max(3, MIN_PER_CLASS)
    _step(4, f"label {n} + {n}", "Label the photos the model is least sure of; they teach most.")
    wet, clean = _choose_labels(photos, before, n)
    if len(wet) < n or len(clean) < n:
        print(f"Too few photos to label {n} of each kind; the tour stops here.")
        return empty
    for chosen, label in ((wet, "droplet"), (clean, "clean")):
        if _run(["label", *(p.path for p in chosen), "--as", label], catalog) != 0:
            return empty

    _step(5, "retrain", "A new model from your labels, kept only if it is no worse held out.")
    base = registry.active_version()
    accepted = _run(["retrain"], catalog) == 0
    after, threshold_after = _scores(catalog, folder), _threshold()
    result = TourResult(1, before, after, threshold, threshold_after, truth, accepted)
    if not accepted:
        print("The retrain was not accepted, so nothing changed; the tour stops here.")
        return result

    _step(
        6, "review again", "How the scores moved: water up, clean photos down, away from the line."
    )
    _review_again(photos, wet, result)
    if not _quarantine_then_undo(folder, catalog, base):
        return result
    return TourResult(0, before, after, threshold, threshold_after, truth, True)


def _quarantine_then_undo(folder: Path, catalog: Path, base: str | None) -> bool:
    """Step 7, then where to go on; False when one of its commands failed."""
    _step(
        7, "quarantine, then undo", "Flagged photos move out of the library; undo puts them back."
    )
    if _run(["quarantine", folder, "--quiet"], catalog) != 0:
        return False
    if _run(["undo"], catalog) != 0:
        return False
    print(f"\n{_RULE}\nThat is the whole loop. Go on in the app:")
    print(f"  {command_line(['gui', folder], catalog)}")
    back = ["model", "reset"] if base is None else ["model", "use", base]
    print(f"The retrained model is now active; to go back: {command_line(back)}")
    return True


def _review_again(photos: list[_Photo], wet: list[_Photo], result: TourResult) -> None:
    """Step 6: how the retrain moved the scores, and the wet photos the labels still decide."""
    before, after, threshold_after = result.before, result.after, result.threshold_after
    _moved(photos, before, after)
    for p in wet:
        if after.get(p.path, 1.0) < threshold_after:
            # A miss the retrain did not lift far enough: the label still decides.
            print(
                f"  {p.path.name} scores {after[p.path]:.2f}, under {threshold_after:.2f}, "
                "but you labelled it droplet, so quarantine takes it."
            )
    print(f"Before: {_tally(photos, before, result.threshold_before)}")
    print(f"After:  {_tally(photos, after, threshold_after)}")


def _moved(photos: list[_Photo], before: dict[Path, float], after: dict[Path, float]) -> None:
    for kind in ("droplet", "clean"):
        group = [p for p in photos if p.truth == kind and p.path in before and p.path in after]
        if not group:
            continue
        mean_b = sum(before[p.path] for p in group) / len(group)
        mean_a = sum(after[p.path] for p in group) / len(group)
        name = "with water" if kind == "droplet" else "clean"
        print(f"  photos {name}: mean score {mean_b:.2f} -> {mean_a:.2f}")
    wet = [after[p.path] for p in photos if p.truth == "droplet" and p.path in after]
    dry = [after[p.path] for p in photos if p.truth == "clean" and p.path in after]
    wet_b = [before[p.path] for p in photos if p.truth == "droplet" and p.path in before]
    dry_b = [before[p.path] for p in photos if p.truth == "clean" and p.path in before]
    if wet and dry and wet_b and dry_b:
        # The gap between the least sure wet photo and the most alarming clean one.
        print(
            f"  lowest score with water {min(wet_b):.2f} -> {min(wet):.2f}; "
            f"highest clean score {max(dry_b):.2f} -> {max(dry):.2f}"
        )
    hard = [p for p in photos if p.case is not None and p.path in after]
    for p in hard:
        print(f"  {p.what} ({p.path.name}): {before[p.path]:.2f} -> {after[p.path]:.2f}")
