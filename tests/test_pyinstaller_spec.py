"""packaging/dropletcleaner.spec: a one-folder build whose analysis runs.

The spec is run twice. Against stand-ins for PyInstaller's classes (fast, always), to check
what it builds; and through PyInstaller itself, stopping after the analysis, when
PyInstaller is installed and ``DROPLETCLEANER_TEST_PYINSTALLER=1`` asks for it: analysing
torch takes minutes, too long for every run of the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "packaging" / "dropletcleaner.spec"


class _Recorded:
    calls: ClassVar[list[tuple[str, tuple[Any, ...], dict[str, Any]]]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((type(self).__name__, args, kwargs))
        self.pure = self.scripts = self.binaries = self.datas = []


def _stand_in(name: str) -> type[_Recorded]:
    return type(name, (_Recorded,), {})


def test_the_spec_builds_one_folder_with_the_models_icons_and_every_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("PyInstaller")
    _Recorded.calls = []
    monkeypatch.delenv("DROPLETCLEANER_SPEC_ANALYSE_ONLY", raising=False)
    names = {n: _stand_in(n) for n in ("Analysis", "PYZ", "EXE", "COLLECT")}
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), {"SPECPATH": str(SPEC.parent), **names})
    kinds = [c[0] for c in _Recorded.calls]
    assert kinds == ["Analysis", "PYZ", "EXE", "COLLECT"]
    _, scripts, analysis = _Recorded.calls[0]
    assert all(Path(s).is_file() for s in scripts[0])
    assert {"dropletcleaner.cli.commands.scan", "dropletcleaner.cli.commands.tag"} <= set(
        analysis["hiddenimports"]
    )
    for source, _dest in analysis["datas"]:
        assert Path(source).exists(), source
    assert any(dest.endswith("resources/models") for _s, dest in analysis["datas"])
    exe = _Recorded.calls[2][2]
    assert exe["exclude_binaries"] is True and exe["name"] == "dropletcleaner"  # one folder


@pytest.mark.skipif(
    os.environ.get("DROPLETCLEANER_TEST_PYINSTALLER") != "1",
    reason="set DROPLETCLEANER_TEST_PYINSTALLER=1 to run PyInstaller's analysis (minutes)",
)
def test_pyinstaller_analyses_the_spec(tmp_path: Path) -> None:
    pytest.importorskip("PyInstaller")
    env = {**os.environ, "DROPLETCLEANER_SPEC_ANALYSE_ONLY": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--workpath",
            str(tmp_path / "build"),
            "--distpath",
            str(tmp_path / "dist"),
            str(SPEC),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Build complete!" in proc.stderr
    assert not (tmp_path / "dist" / "dropletcleaner").exists()  # stopped after the analysis
    toc = (tmp_path / "build" / "dropletcleaner" / "Analysis-00.toc").read_text()
    for command in ("commands.scan", "commands.quarantine", "commands.tag", "commands.gui"):
        assert f"dropletcleaner.cli.{command}" in toc, command
