"""Whatever arrives as a frame (empty, tiny, huge, odd dtype or shape), no decoder crashes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pos.scanner.chain import DecoderChain
from pos.scanner.decoders import DECODER_NAMES, Decoder, as_gray, make_decoder

from . import photolike as pl

DECODERS: list[Decoder] = [make_decoder(n) for n in DECODER_NAMES]
CHAIN = DecoderChain()

DTYPES = st.sampled_from(
    [np.uint8, np.int8, np.uint16, np.int32, np.int64, np.float32, np.float64, np.bool_]
)
SHAPES = st.one_of(
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=90),
    st.tuples(st.integers(0, 70), st.integers(0, 70), st.sampled_from([1, 2, 3, 4, 5])),
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=hnp.arrays(DTYPES, SHAPES, elements=None))
def test_odd_frames_never_crash(frame: np.ndarray) -> None:
    for decoder in [*DECODERS, CHAIN]:
        codes = decoder.decode(frame)
        assert isinstance(codes, list)


@pytest.mark.parametrize("value", [None, "frame", 3.5, [[0, 255], [255, 0]], b"\x00" * 64])
def test_things_that_are_not_arrays(value: object) -> None:
    for decoder in [*DECODERS, CHAIN]:
        assert decoder.decode(value) == []  # type: ignore[arg-type]


def test_huge_frame_is_bounded_and_still_read() -> None:
    code = pl.qr(pl.CARD_TOKEN_TEXT, module=64)
    frame = np.full((5000, 9000), 200, np.uint8)
    frame[1000 : 1000 + code.shape[0], 5000 : 5000 + code.shape[1]] = code
    gray = as_gray(frame)
    assert gray is not None and max(gray.shape) <= 8192
    assert [c.text for c in CHAIN.decode(frame)] == [pl.CARD_TOKEN_TEXT]


def test_float_and_16_bit_frames_read_like_8_bit() -> None:
    frame, _ = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6))
    for variant in (frame / 255.0, frame.astype(np.uint16) * 257, frame.astype(np.float32) - 128):
        assert [c.text for c in CHAIN.decode(variant)] == [pl.CARD_TOKEN_TEXT]


def test_non_contiguous_view_is_read() -> None:
    frame, _ = pl.scene(pl.qr(pl.CARD_TOKEN_TEXT, module=6))
    wide = np.repeat(frame, 2, axis=1)[:, ::2]  # a strided view, as a crop or a slice gives
    assert not wide.flags["C_CONTIGUOUS"]
    assert [c.text for c in CHAIN.decode(wide)] == [pl.CARD_TOKEN_TEXT]


def test_extreme_float_values_are_quietly_normalised() -> None:
    extreme = np.array([[1e308, -1e308, np.inf, np.nan] * 8] * 32)
    with np.errstate(all="raise"):
        gray = as_gray(extreme)
    assert gray is not None and gray.dtype == np.uint8 and gray.max() == 255
