"""The shape of the house that import-linter cannot say: only pos/ui imports Qt.

Which top-level package may import which (pos, central, hdf_common) is in pyproject.toml's
import-linter contracts, run by CI (`lint-imports`).
"""

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
