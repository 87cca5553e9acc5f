"""One cached loader for the plain-file resources: SVG icons, the style sheet, sounds."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from pos import about

# The source tree's resources/, or the bundle's copy (sys._MEIPASS/resources).
RESOURCES = about.resources_dir()


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
