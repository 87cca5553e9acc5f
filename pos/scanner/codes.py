"""What a decoder finds in a frame: the text, its symbology and where it lies, in frame pixels."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

Point = tuple[float, float]
Polygon = tuple[Point, Point, Point, Point]


class Symbology(Enum):
    QR = "QR"
    CODE_128 = "Code 128"
    EAN_13 = "EAN-13"
    OTHER = "other"


@dataclass(frozen=True)
class Code:
    text: str
    symbology: Symbology
    # Four corners in the pixel coordinates of the frame handed to `decode` (for linear codes the
    # rotated box around the bars).
    polygon: Polygon

    @property
    def centre(self) -> Point:
        xs = [p[0] for p in self.polygon]
        ys = [p[1] for p in self.polygon]
        return (sum(xs) / 4.0, sum(ys) / 4.0)

    def mapped(self, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0) -> Code:
        """The same code in another frame: `x_new = x / scale + dx` (undo a resize, then a crop)."""
        poly = tuple((x / scale + dx, y / scale + dy) for x, y in self.polygon)
        return Code(self.text, self.symbology, poly)  # type: ignore[arg-type]

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "format": self.symbology.value,
            "polygon": [[round(x, 1), round(y, 1)] for x, y in self.polygon],
        }


def quad_from_points(points: object) -> Polygon:
    """Four corners from any number of points (a decoder may give 2 for a line or a hull of 6)."""
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if len(pts) == 4:
        return tuple((float(x), float(y)) for x, y in pts)  # type: ignore[return-value]
    if len(pts) == 0:
        return ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0))
    import cv2  # local: keeps `codes` importable where OpenCV is missing

    box = cv2.boxPoints(cv2.minAreaRect(pts))
    return tuple((float(x), float(y)) for x, y in box)  # type: ignore[return-value]


def point_in_polygon(point: Point, polygon: object) -> bool:
    """Even-odd rule; the polygon is any list of (x, y) corners in order."""
    x, y = point
    pts = [(float(p[0]), float(p[1])) for p in polygon]  # type: ignore[attr-defined]
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / ((yj - yi) or 1e-12) + xi:
            inside = not inside
        j = i
    return inside
