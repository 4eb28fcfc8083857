"""Architecture contract: the core never imports Qt; only the gui package does."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dropletcleaner"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "qtpy", "shiboken6")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_gui_imports_qt() -> None:
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0] != "gui" and _imports(p) & set(QT_MODULES)
    ]
    assert offenders == []


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert missing == []


def test_import_contracts_hold(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # pyproject.toml's [tool.importlinter] contracts: core imports neither front, and the
    # command line and the app import each other only where `gui` launches the app.
    from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

    monkeypatch.chdir(PACKAGE.parent)
    assert lint_imports(no_cache=True) == EXIT_STATUS_SUCCESS
