"""Generated holder portraits: initials on a coloured background, as JPEG (no real photo needed)."""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache

import cv2
import numpy as np

WIDTH, HEIGHT = 240, 300


def _initials(first_name: str, last_name: str) -> str:
    letters = "".join(n[:1] for n in (first_name, last_name) if n)
    # Hershey fonts draw ASCII only: "É" becomes "E".
    ascii_only = unicodedata.normalize("NFKD", letters).encode("ascii", "ignore").decode()
    return ascii_only.upper() or "?"


@lru_cache(maxsize=256)
def portrait(card_number: str, first_name: str, last_name: str) -> bytes:
    """A deterministic portrait for a card: the same card always gets the same picture."""
    digest = hashlib.sha256(card_number.encode()).digest()
    hue = digest[0] * 180 // 256
    hsv = np.array([[[hue, 120, 200]]], dtype=np.uint8)
    bgr = [int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]]
    img = np.full((HEIGHT, WIDTH, 3), bgr, dtype=np.uint8)
    # A head-and-shoulders silhouette, lighter than the background.
    light = tuple(min(255, int(c) + 45) for c in bgr)
    cv2.ellipse(img, (WIDTH // 2, HEIGHT + 40), (110, 120), 0, 180, 360, light, -1)
    cv2.circle(img, (WIDTH // 2, 115), 62, light, -1)
    text = _initials(first_name, last_name)
    font = cv2.FONT_HERSHEY_DUPLEX
    scale = 2.0
    (tw, th), _ = cv2.getTextSize(text, font, scale, 3)
    cv2.putText(img, text, ((WIDTH - tw) // 2, 115 + th // 2), font, scale, (255, 255, 255), 3,
                cv2.LINE_AA)  # fmt: skip
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return bytes(buf.tobytes())
