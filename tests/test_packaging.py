"""The install: Qt comes from pyside6-essentials, which holds every Qt module the app imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the checks hold on 3.10 as well

REPO = Path(__file__).resolve().parents[1]

# The Qt modules of the pyside6-essentials wheel (6.6 and later); Addons hold the rest.
ESSENTIALS = {
    "QtConcurrent",
    "QtCore",
    "QtDBus",
    "QtDesigner",
    "QtGui",
    "QtHelp",
    "QtNetwork",
    "QtOpenGL",
    "QtOpenGLWidgets",
    "QtPrintSupport",
    "QtQml",
    "QtQuick",
    "QtQuickControls2",
    "QtQuickWidgets",
    "QtSql",
    "QtSvg",
    "QtSvgWidgets",
    "QtTest",
    "QtUiTools",
    "QtWidgets",
    "QtXml",
}


def _dependencies() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [re.split(r"[<>=!~ ;\[]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]


def _qt_modules_imported() -> set[str]:
    found: set[str] = set()
    for folder in ("dropletcleaner", "packaging"):
        for source in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "PySide6" and len(parts) > 1 and parts[1].startswith("Qt"):
                        found.add(parts[1])
    return found


def test_qt_comes_from_pyside6_essentials_not_the_meta_package() -> None:
    deps = _dependencies()
    assert "pyside6-essentials" in deps
    assert "pyside6" not in deps and "pyside6-addons" not in deps


def test_every_qt_module_the_app_imports_is_in_essentials() -> None:
    used = _qt_modules_imported()
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    assert used <= ESSENTIALS, used - ESSENTIALS


def test_every_package_of_the_source_tree_is_installed() -> None:
    """A sub-package missing from the list works in a checkout and breaks a wheel."""
    listed = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "dropletcleaner").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
