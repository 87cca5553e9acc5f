"""The shape of the house: only pos/ui imports Qt; the terminal reuses only central.qrtoken."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def test_only_pos_ui_imports_qt():
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in (ROOT / "pos").rglob("*.py")
        if "ui" not in p.relative_to(ROOT / "pos").parts[:1]
        for name in _imports(p)
        if name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"}
    ]
    assert offenders == []


def test_terminal_uses_only_the_token_module_of_the_service():
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in (ROOT / "pos").rglob("*.py")
        for name in _imports(p)
        if name.startswith("central") and name not in {"central", "central.qrtoken"}
    ]
    assert offenders == []


def test_service_never_imports_the_terminal():
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in (ROOT / "central").rglob("*.py")
        for name in _imports(p)
        if name.split(".")[0] == "pos"
    ]
    assert offenders == []
