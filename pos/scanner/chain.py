"""The decoder chain: one frame, several cheap looks at it, the codes found in frame coordinates.

Order and passes come from `bench/decode.py` on the labelled photo set (272 photos, 652 QR codes).
zxing-cpp on the frame as it is reads most codes in 2-3 ms; what it misses is mostly small codes
(an upscaled pass), over- or under-exposed codes (histogram equalisation, local contrast) and
damaged or moiré codes that ZBar reads after a downscale and a light blur. A symbol zxing located
but could not read is retried on an enlarged crop around it. A pass runs only while it can add
something: once a code is read and no located symbol is left unread, the chain stops (the
counter's everyday frame costs one zxing call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from pos.scanner.codes import Code, point_in_polygon
from pos.scanner.decoders import (
    Decoder,
    DecoderUnavailable,
    ZxingDecoder,
    as_gray,
    make_decoder,
)

PREPARATIONS = ("none", "equalize", "clahe", "blur", "sharpen")


@dataclass(frozen=True)
class Pass:
    decoder: str  # a name of decoders.DECODER_NAMES
    prep: str = "none"  # one of PREPARATIONS
    side: int | None = None  # resize so the longest side is this many pixels (None: as it is)
    upscale: bool = True  # False: `side` only ever shrinks the frame

    @property
    def name(self) -> str:
        size = "" if self.side is None else f"@{self.side}"
        prep = "" if self.prep == "none" else f"+{self.prep}"
        return f"{self.decoder}{prep}{size}"


# Chosen by measurement (bench/decode.py, both sizes): each pass adds codes the earlier ones miss.
DEFAULT_PASSES: tuple[Pass, ...] = (
    Pass("zxing-cpp"),
    Pass("zxing-cpp", side=2560),  # small codes need pixels: +50 codes on 720p "lots"
    Pass("zxing-cpp", prep="equalize"),  # bright spots, over/under exposure
    Pass("zxing-cpp", prep="clahe", upscale=False),
    Pass("pyzbar", prep="blur", side=640, upscale=False),  # moiré, damaged, pathological
    Pass("zxing-cpp", prep="clahe", side=2560),  # small and unevenly lit: +11 codes at 720p
)

# A symbol zxing located but could not read is retried on a crop around it, enlarged to this side.
CROP_SIDE = 480
CROP_PASSES: tuple[Pass, ...] = (
    Pass("zxing-cpp", side=CROP_SIDE),
    Pass("zxing-cpp", prep="equalize", side=CROP_SIDE),
    Pass("pyzbar", side=CROP_SIDE),
    Pass("zxing-cpp", prep="clahe", side=CROP_SIDE),
)

# Frames larger than this are shrunk first: a 12 MP still costs seconds for nothing.
MAX_SIDE = 2560


class DecoderChain:
    """`decode(gray) -> list[Code]` through the passes, in the frame's own pixel coordinates."""

    name = "chain"

    def __init__(
        self,
        passes: Sequence[Pass] = DEFAULT_PASSES,
        *,
        crop_passes: Sequence[Pass] = CROP_PASSES,
        max_side: int = MAX_SIDE,
        max_crops: int = 12,
        exhaustive: bool = False,
    ) -> None:
        self.passes = tuple(passes)
        self.crop_passes = tuple(crop_passes)
        self.max_side = max_side
        self.max_crops = max_crops
        self.exhaustive = exhaustive
        self._decoders: dict[str, Decoder] = {}
        self.missing: dict[str, str] = {}
        for p in (*self.passes, *self.crop_passes):
            if p.decoder in self._decoders or p.decoder in self.missing:
                continue
            try:
                self._decoders[p.decoder] = make_decoder(p.decoder)
            except DecoderUnavailable as exc:
                self.missing[p.decoder] = exc.reason  # the chain goes on without it
        if not self._decoders:
            raise DecoderUnavailable(self.name, "aucune bibliothèque de décodage installée")
        self._clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))

    def decode(
        self,
        gray: np.ndarray,
        *,
        passes: Sequence[int] | None = None,
        max_crops: int | None = None,
    ) -> list[Code]:
        """All the passes as measured, or only those whose indexes are given, and at most
        `max_crops` close-ups (live scanning keeps each frame within its budget)."""
        max_crops = self.max_crops if max_crops is None else max_crops
        img = as_gray(gray)
        if img is None:
            return []
        base = 1.0
        if max(img.shape) > self.max_side:
            base = self.max_side / max(img.shape)
            img = cv2.resize(img, None, fx=base, fy=base, interpolation=cv2.INTER_AREA)
        # All in the pixels of `img`, back to the frame's at the end.
        found: list[Code] = []
        unread: list[Code] = []  # symbols located but not read yet
        tried: list[Code] = []  # ... and those already retried close up
        chosen = self.passes if passes is None else [self.passes[i] for i in passes]
        for p in chosen:
            codes, failed = self._run(p, img)
            _add(found, codes)
            unread.extend(failed)
            for spot in unread:
                if len(tried) < max_crops and not any(_overlap(spot, t) for t in tried):
                    tried.append(spot)
                    _add(found, self._close_up(img, spot))
            unread = [u for u in unread if not any(_overlap(u, c) for c in found)]
            if found and not unread and not self.exhaustive:
                break
        return [c.mapped(base) for c in found] if base != 1.0 else found

    def _run(self, p: Pass, img: np.ndarray) -> tuple[list[Code], list[Code]]:
        """One pass: the codes read and the symbols located but not read, in `img` pixels."""
        decoder = self._decoders.get(p.decoder)
        if decoder is None:
            return [], []
        view, scale = self._prepare(img, p)
        if isinstance(decoder, ZxingDecoder):
            codes, failed = decoder.read(view)
        else:
            codes, failed = decoder.decode(view), []
        return [c.mapped(scale) for c in codes], [c.mapped(scale) for c in failed]

    def _close_up(self, img: np.ndarray, spot: Code) -> list[Code]:
        """Retry a located but unread symbol on a crop around it, enlarged, with its own passes:
        a crop's histogram is the symbol's own, and its pixels can be multiplied cheaply."""
        pts = np.array(spot.polygon, dtype=np.float32)
        x, y, w, h = cv2.boundingRect(pts)
        margin = int(max(w, h) * 0.35) + 8  # the quiet zone, and an imprecise location
        x0, y0 = max(0, x - margin), max(0, y - margin)
        x1, y1 = min(img.shape[1], x + w + margin), min(img.shape[0], y + h + margin)
        crop = img[y0:y1, x0:x1]
        if min(crop.shape) < 16:
            return []
        for p in self.crop_passes:
            codes, _ = self._run(p, crop)
            if codes:
                return [c.mapped(1.0, x0, y0) for c in codes]
        return []

    def _prepare(self, img: np.ndarray, p: Pass) -> tuple[np.ndarray, float]:
        scale = 1.0
        if p.side is not None:
            scale = p.side / max(img.shape)
            if scale > 1.0 and not p.upscale:
                scale = 1.0
        if scale != 1.0:
            # Lanczos keeps module edges of small codes sharp when enlarging (+35 codes at 720p
            # over linear on the photo set); area averaging shrinks without aliasing.
            interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LANCZOS4
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=interp)
        if p.prep == "equalize":
            img = cv2.equalizeHist(img)
        elif p.prep == "clahe":
            img = self._clahe.apply(img)
        elif p.prep == "blur":
            img = cv2.GaussianBlur(img, (3, 3), 0)
        elif p.prep == "sharpen":
            img = cv2.addWeighted(img, 1.8, cv2.GaussianBlur(img, (0, 0), 2), -0.8, 0)
        return img, scale


def _overlap(a: Code, b: Code) -> bool:
    return point_in_polygon(a.centre, b.polygon) or point_in_polygon(b.centre, a.polygon)


def _add(found: list[Code], codes: list[Code]) -> None:
    found.extend(c for c in codes if not any(_same(c, seen) for seen in found))


def _same(a: Code, b: Code) -> bool:
    """The same physical code seen by two passes: same text, overlapping places."""
    return a.text == b.text and _overlap(a, b)
