"""Issue 10, command-line cases: a closed pipe, ``--report`` into a missing folder, report
modes and the umask, no display; and the scanning cases seen through ``scan``.
"""

from __future__ import annotations

import csv
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dropletcleaner.cli import main
from dropletcleaner.core import atomic
from dropletcleaner.core.library import thumbnails as thumbnails_module
from tests.hostile import corpus

ROOT = Path(__file__).resolve().parents[2]


def _python(
    args: list[str], env: dict[str, str] | None = None, **kw
) -> subprocess.CompletedProcess[bytes]:  # type: ignore[no-untyped-def]
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, *args], env=full_env, cwd=ROOT, timeout=120, check=False, **kw
    )


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "F"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(corpus.good_jpeg())
    return folder


def test_cli_closed_pipe_exits_quietly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`head -1`) is gone before anything is written
    try:
        done = _python(
            ["-m", "dropletcleaner", "model", "list"], stdout=write_end, stderr=subprocess.PIPE
        )
    finally:
        os.close(write_end)
    assert done.returncode == 0
    assert done.stderr == b""  # no BrokenPipeError traceback


def test_cli_report_into_missing_folder_is_refused(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    report = tmp_path / "no" / "such" / "r.csv"
    code = main(["scan", str(folder), "--report", str(report), "--catalog", str(tmp_path / "c")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err and str(report.parent) in err
    assert not (tmp_path / "no").exists()


def test_cli_report_honours_umask(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "r.csv"
    code = (
        "import os; os.umask(0o027)\n"
        "from pathlib import Path\n"
        "from dropletcleaner.core.atomic import atomic_write_text\n"
        f"atomic_write_text(Path({str(target)!r}), 'x\\n')\n"
    )
    assert _python(["-c", code]).returncode == 0
    assert target.stat().st_mode & 0o777 == 0o640


def test_cli_scan_report_mode_is_not_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    report = tmp_path / "r.json"
    assert (
        main(
            [
                "scan",
                str(folder),
                "--report",
                str(report),
                "--catalog",
                str(tmp_path / "c"),
                "--quiet",
            ]
        )
        == 0
    )
    assert report.stat().st_mode & 0o777 == 0o666 & ~atomic._read_umask()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
@pytest.mark.parametrize("display", [None, ":97"])
def test_cli_no_display_one_line_exit_2(display) -> None:  # type: ignore[no-untyped-def]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    if display is not None:
        env["DISPLAY"] = display  # nothing listens there
    done = subprocess.run(
        [sys.executable, "-m", "dropletcleaner"],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    err = done.stderr.decode()
    assert err.count("\n") == 1 and "dropletcleaner scan" in err and "display" in err


def test_case3_cli_scan_and_report_with_a_name_that_is_not_utf8(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    raw_dir = os.fsencode(folder)
    with open(os.path.join(raw_dir, corpus.LATIN1_NAME), "wb") as out:
        out.write(corpus.good_jpeg(4))
    broken = os.path.join(raw_dir, b"broken-\xff.jpg")
    with open(broken, "wb") as out:
        out.write(b"not an image")  # printed on the "unreadable:" line
    report = tmp_path / "r.csv"
    args = ["scan", str(folder), "--report", str(report), "--catalog", str(tmp_path / "c")]
    done = _python(["-m", "dropletcleaner", *args, "--quiet"], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert b"unreadable: " + broken in done.stdout  # printed as the name's own bytes
    data = report.read_bytes()
    assert os.path.join(raw_dir, corpus.LATIN1_NAME) in data
    with open(report, newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    latin1 = os.fsdecode(os.path.join(raw_dir, corpus.LATIN1_NAME))
    assert rows[latin1]["error"] == "" and rows[latin1]["droplet_score"] != ""
    assert rows[os.fsdecode(broken)]["error"] == "not a recognised image format"


def test_case6_cli_warns_in_one_line_when_thumbnails_cannot_be_written(
    tmp_path, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)

    def full(*_args, **_kwargs) -> None:  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(thumbnails_module, "atomic_write_bytes", full)
    assert main(["scan", str(folder), "--catalog", str(tmp_path / "c"), "--quiet"]) == 0
    out = capsys.readouterr()
    warnings = [ln for ln in out.err.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "No space left on device" in warnings[0]
    assert "unreadable:        0" in out.out


def test_case7_cli_report_has_a_row_for_each_special_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = _folder(tmp_path)
    made = corpus.build_special(folder)
    report = tmp_path / "r.csv"
    assert (
        main(
            [
                "scan",
                str(folder),
                "--report",
                str(report),
                "--catalog",
                str(tmp_path / "c"),
                "--quiet",
            ]
        )
        == 0
    )
    with open(report, newline="") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    for path in made.values():
        assert rows[str(path)]["error"], path
    assert rows[str(folder / "good.jpg")]["error"] == ""
