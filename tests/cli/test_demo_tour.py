"""The demo walk-through end to end with the shipped model: the loop a new user sees first."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from dropletcleaner.cli.demo_tour import TourResult, default_catalog, run_tour


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> tuple[TourResult, str, Path]:
    # Its own data folder: the accepted retrain becomes the active model, and other tests
    # in the session must keep scoring with the shipped one.
    root = tmp_path_factory.mktemp("tour")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DROPLETCLEANER_DATA", str(root / "data"))
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            result = run_tour(root / "demo")
    return result, buf.getvalue(), root / "demo"


def _split(result: TourResult) -> tuple[list[Path], list[Path]]:
    wet = [p for p, t in result.truth.items() if t == "droplet"]
    clean = [p for p, t in result.truth.items() if t == "clean"]
    return wet, clean


def test_every_step_runs_and_the_retrain_is_accepted(tour: tuple[TourResult, str, Path]) -> None:
    result, out, _ = tour
    assert result.retrain_accepted, out[-3000:]
    assert result.code == 0, out[-3000:]
    for n in range(1, 8):
        assert f"Step {n} of 7" in out
    assert "Accepted:" in out


def test_the_clean_demo_photos_stay_unflagged(tour: tuple[TourResult, str, Path]) -> None:
    result, out, _ = tour
    _, clean = _split(result)
    assert len(clean) == 12
    flagged_before = [p.name for p in clean if result.before[p] >= result.threshold_before]
    flagged_after = [p.name for p in clean if result.after[p] >= result.threshold_after]
    assert flagged_before == [] and flagged_after == [], out[-3000:]


def test_most_wet_photos_are_flagged(tour: tuple[TourResult, str, Path]) -> None:
    result, out, _ = tour
    wet, _ = _split(result)
    before = sum(result.before[p] >= result.threshold_before for p in wet)
    after = sum(result.after[p] >= result.threshold_after for p in wet)
    assert before > len(wet) * 2 / 3, out[-3000:]
    assert after > len(wet) * 2 / 3, out[-3000:]


def test_the_retrain_moves_scores_the_right_way(tour: tuple[TourResult, str, Path]) -> None:
    result, out, _ = tour
    wet, clean = _split(result)

    def mean(ps: list[Path], scores: dict[Path, float]) -> float:
        return sum(scores[p] for p in ps) / len(ps)

    # Each group on average, not photo by photo: a retrained model may shift one a little.
    assert mean(clean, result.after) <= mean(clean, result.before) + 0.02, out[-3000:]
    assert mean(wet, result.after) >= mean(wet, result.before) - 0.02, out[-3000:]


def test_undo_puts_every_photo_back(tour: tuple[TourResult, str, Path]) -> None:
    result, out, folder = tour
    assert all(p.exists() for p in result.truth), out[-3000:]
    assert "restored" in out
    assert default_catalog(folder).is_file()
    assert not any(folder.glob("*.db"))  # the tour's catalog is beside the folder, not in it


def test_catalog_without_tour_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dropletcleaner.cli import main

    assert main(["demo", str(tmp_path / "d"), "--catalog", str(tmp_path / "c.db")]) == 2
    assert "--catalog is for --tour" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def test_the_tour_refuses_a_folder_with_photos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dropletcleaner.cli import main

    (tmp_path / "mine.jpg").write_bytes(b"precious")
    assert main(["demo", str(tmp_path), "--tour"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.jpg"]
