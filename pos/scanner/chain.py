"""The decoder chain: one frame, several cheap looks at it, the codes found in frame coordinates.

The order and the passes come from `bench/decode.py` on the labelled photo set (see the table in
`tests/scanner/README` of the closing note): zxing-cpp on the frame as it is reads most codes in
2-3 ms; what it misses is mostly small codes (an upscaled pass), over- or under-exposed codes
(histogram equalisation, local contrast) and damaged or moiré codes that ZBar reads after a
downscale with a light blur. A pass runs only while it can still add something: a frame with
exactly one code is the counter's everyday case and stops there; no code yet, or several (a sheet
of codes may hold more), goes on to the next pass.
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
        max_side: int = MAX_SIDE,
        exhaustive: bool = False,
    ) -> None:
        self.passes = tuple(passes)
        self.max_side = max_side
        self.exhaustive = exhaustive
        self._decoders: dict[str, Decoder] = {}
        self.missing: dict[str, str] = {}
        for p in self.passes:
            if p.decoder in self._decoders or p.decoder in self.missing:
                continue
            try:
                self._decoders[p.decoder] = make_decoder(p.decoder)
            except DecoderUnavailable as exc:
                self.missing[p.decoder] = exc.reason  # the chain goes on without it
        if not self._decoders:
            raise DecoderUnavailable(self.name, "aucune bibliothèque de décodage installée")
        self._clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))

    def decode(self, gray: np.ndarray, *, passes: Sequence[int] | None = None) -> list[Code]:
        """All the passes as measured, or only those whose indexes are given (live scanning)."""
        img = as_gray(gray)
        if img is None:
            return []
        base = 1.0
        if max(img.shape) > self.max_side:
            base = self.max_side / max(img.shape)
            img = cv2.resize(img, None, fx=base, fy=base, interpolation=cv2.INTER_AREA)
        found: list[Code] = []
        unread: list[Code] = []  # symbols located but not read yet
        chosen = self.passes if passes is None else [self.passes[i] for i in passes]
        for p in chosen:
            decoder = self._decoders.get(p.decoder)
            if decoder is None:
                continue
            view, scale = self._prepare(img, p)
            if isinstance(decoder, ZxingDecoder):
                codes, failed = decoder.read(view)
                unread.extend(c.mapped(scale * base) for c in failed)
            else:
                codes = decoder.decode(view)
            for code in codes:
                mapped = code.mapped(scale * base)
                if not any(_same(mapped, seen) for seen in found):
                    found.append(mapped)
            unread = [u for u in unread if not any(_overlap(u, c) for c in found)]
            if found and not unread and not self.exhaustive:
                break
        return found

    def _prepare(self, img: np.ndarray, p: Pass) -> tuple[np.ndarray, float]:
        scale = 1.0
        if p.side is not None:
            scale = p.side / max(img.shape)
            if scale > 1.0 and not p.upscale:
                scale = 1.0
        if scale != 1.0:
            interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
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


def _same(a: Code, b: Code) -> bool:
    """The same physical code seen by two passes: same text, overlapping places."""
    return a.text == b.text and _overlap(a, b)
