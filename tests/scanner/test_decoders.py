"""Each decoder and the chain read real generated codes made to look photographed."""

from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from pos.scanner import decoders
from pos.scanner.chain import DecoderChain
from pos.scanner.codes import Code, Symbology, point_in_polygon
from pos.scanner.decoders import DECODER_NAMES, DecoderUnavailable, make_decoder

from . import photolike as pl


@pytest.fixture(scope="module")
def chain() -> DecoderChain:
    return DecoderChain()


def _at(codes: list[Code], text: str, centre: tuple[float, float]) -> Code:
    """The code with that text whose polygon covers the place it was put in the frame."""
    hits = [c for c in codes if c.text == text and point_in_polygon(centre, c.polygon)]
    assert hits, f"{text!r} not read at {centre}: {codes}"
    return hits[0]


@pytest.mark.parametrize("name", DECODER_NAMES)
def test_every_decoder_reads_a_qr_in_a_720p_frame(name: str) -> None:
    frame, centre = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6))
    code = _at(make_decoder(name).decode(frame), pl.CARD_TOKEN_TEXT, centre)
    assert code.symbology is Symbology.QR


@pytest.mark.parametrize("name", ["zxing-cpp", "pyzbar"])
@pytest.mark.parametrize(
    ("text", "fmt", "symbology"),
    [(pl.TICKET, "Code128", Symbology.CODE_128), (pl.EAN, "EAN13", Symbology.EAN_13)],
)
def test_linear_codes(name: str, text: str, fmt: str, symbology: Symbology) -> None:
    frame, centre = pl.scene(pl.linear(text, fmt), seed=3)
    frame = pl.jpeg(pl.blur(frame, 0.8), 60)
    code = _at(make_decoder(name).decode(frame), text, centre)
    assert code.symbology is symbology


PHOTO_LIKE = {
    "perspective": lambda f, c: pl.perspective(f, c),
    "rotated 33°": lambda f, c: pl.rotate(f, c, 33),
    "blurred": lambda f, c: (pl.blur(f, 1.6), c),
    "noisy + jpeg": lambda f, c: (pl.jpeg(pl.noise(f, 14), 25), c),
    "low contrast": lambda f, c: (pl.low_contrast(f), c),
    "inverted (dark-mode phone)": lambda f, c: (pl.invert(f), c),
    "all at once": lambda f, c: (lambda fc: (pl.jpeg(pl.noise(pl.blur(fc[0], 1.0), 8), 40), fc[1]))(
        pl.perspective(*pl.rotate(f, c, -20), strength=0.12)
    ),
}


@pytest.mark.parametrize("how", list(PHOTO_LIKE))
def test_chain_reads_photo_like_frames(chain: DecoderChain, how: str) -> None:
    text = "HDF1:eyJhbGciOiJFZERTQSJ9.eyJjYXJkIjoiMjMxNjY2MjEifQ.c2lnbmF0dXJl"
    frame, centre = pl.scene(pl.qr(text, module=5), seed=7)
    frame, centre = PHOTO_LIKE[how](frame, centre)
    _at(chain.decode(frame), text, centre)


TOKEN = "HDF1:eyJhbGciOiJFZERTQSJ9.eyJjYXJk"


def _faded(frame: np.ndarray) -> np.ndarray:
    return pl.low_contrast(frame, span=14, floor=120)


def _tiny(frame: np.ndarray) -> np.ndarray:
    return pl.noise(frame, 4)


@pytest.mark.parametrize(
    ("why", "code", "finish"),
    [
        ("faded print: 14 grey levels between dark and light", pl.qr(TOKEN, module=5), _faded),
        (
            "small: 1.2 px a module in a 720p frame",
            cv2.resize(
                pl.qr(TOKEN, module=10), None, fx=0.12, fy=0.12, interpolation=cv2.INTER_AREA
            ),
            _tiny,
        ),
    ],
)
def test_chain_reads_what_zxing_alone_misses(chain: DecoderChain, why, code, finish) -> None:
    frame, centre = pl.scene(code, seed=4)
    frame = finish(frame)
    assert not make_decoder("zxing-cpp").decode(frame), why
    _at(chain.decode(frame), TOKEN, centre)


def test_chain_gives_polygons_in_the_coordinates_of_a_big_frame(chain: DecoderChain) -> None:
    # A 12 MP still is shrunk inside the chain; the polygon must come back in its own pixels.
    frame, centre = pl.scene(pl.qr(pl.TICKET, module=24), size=(4000, 3000), at=(2900, 300))
    code = _at(chain.decode(frame), pl.TICKET, centre)
    xs = [p[0] for p in code.polygon]
    assert 2900 <= min(xs) + 96 + 10 and max(xs) <= 2900 + code_width(pl.TICKET, 24) + 10


def code_width(text: str, module: int) -> int:
    return pl.qr(text, module=module).shape[1]


def test_several_codes_in_one_frame(chain: DecoderChain) -> None:
    frame, c1 = pl.scene(pl.qr("11111111", module=5), at=(100, 100))
    code2 = pl.qr("22222222", module=5)
    frame[400 : 400 + code2.shape[0], 800 : 800 + code2.shape[1]] = code2
    c2 = (800 + code2.shape[1] / 2, 400 + code2.shape[0] / 2)
    codes = chain.decode(frame)
    _at(codes, "11111111", c1)
    _at(codes, "22222222", c2)
    assert len(codes) == 2  # each seen by several passes, reported once


def test_colour_frame_is_read_like_grey(chain: DecoderChain) -> None:
    frame, centre = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6))
    bgr = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    _at(chain.decode(bgr), pl.CARD_TOKEN_TEXT, centre)


def test_a_missing_library_is_a_named_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)  # what `import` does when absent
    with pytest.raises(DecoderUnavailable) as err:
        decoders.PyzbarDecoder()
    assert err.value.name == "pyzbar"
    assert "pyzbar" in str(err.value)
    # The chain goes on with what it has, and says what is missing.
    chain = DecoderChain()
    assert "pyzbar" in chain.missing
    frame, centre = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6))
    _at(chain.decode(frame), pl.CARD_TOKEN_TEXT, centre)


def test_a_frame_without_code_gives_nothing(chain: DecoderChain) -> None:
    frame, _ = pl.scene(np.full((10, 10), 128, np.uint8))
    assert chain.decode(frame) == []
