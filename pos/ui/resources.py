"""One cached loader for the plain-file resources: SVG icons, the style sheet, sounds."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def path(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


@cache
def icon(name: str) -> QIcon:
    return QIcon(str(path("icons", f"{name}.svg")))


@cache
def style_sheet() -> str:
    return path("style", "counter.qss").read_text(encoding="utf-8")


def sound(name: str) -> Path:
    return path("sounds", f"{name}.wav")
