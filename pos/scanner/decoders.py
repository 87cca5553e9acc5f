"""Barcode decoders behind one small interface: `decode(gray) -> list[Code]`.

Each library sits behind the same call (Electrum's qrreader idea) so the chain, the bench and the
command line can swap them; a library that is not installed is a `DecoderUnavailable` with its
name, never an ImportError in the middle of a scan.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar, Protocol, runtime_checkable

import cv2
import numpy as np

from pos.scanner.codes import Code, Symbology, quad_from_points

# Below this no QR code (21 modules) nor barcode can be read; above it a frame is surely not a
# camera frame and would only cost seconds.
MIN_SIDE = 16
MAX_SIDE = 8192


class DecoderUnavailable(RuntimeError):
    """The library behind a decoder is missing or broken (named so the UI can say which)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"décodeur {name} indisponible : {reason}")
        self.name = name
        self.reason = reason


@runtime_checkable
class Decoder(Protocol):
    name: str

    def decode(self, gray: np.ndarray) -> list[Code]: ...


def _import(name: str, module: str) -> Any:
    try:
        return importlib.import_module(module)
    except Exception as exc:  # ImportError, or OSError from a missing shared library (zbar)
        raise DecoderUnavailable(name, f"{type(exc).__name__}: {exc}") from exc


def as_gray(frame: object) -> np.ndarray | None:
    """An 8-bit, single-channel, C-contiguous view of any frame-like array; None if unusable.

    Camera frames are BGR uint8, but tests, files and other callers hand in grey, BGRA, 16-bit or
    float images: every decoder goes through here so none of them can crash on a strange input.
    """
    if not isinstance(frame, np.ndarray) or frame.size == 0:
        return None
    img = frame
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[2] in (3, 4))):
        return None
    if min(img.shape[:2]) < MIN_SIDE:
        return None
    if max(img.shape[:2]) > MAX_SIDE:
        step = -(-max(img.shape[:2]) // MAX_SIDE)
        img = img[::step, ::step]
    if img.dtype != np.uint8:
        converted = _to_uint8(img)
        if converted is None:
            return None
        img = converted
    if img.ndim == 3:
        img = cv2.cvtColor(
            np.ascontiguousarray(img),
            cv2.COLOR_BGR2GRAY if img.shape[2] == 3 else cv2.COLOR_BGRA2GRAY,
        )
    return np.ascontiguousarray(img)


def _to_uint8(img: np.ndarray) -> np.ndarray | None:
    if img.dtype == np.bool_:
        return img.astype(np.uint8) * 255
    if not (np.issubdtype(img.dtype, np.integer) or np.issubdtype(img.dtype, np.floating)):
        return None
    data = img.astype(np.float64)
    if not np.isfinite(data).all():
        data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
    data = np.clip(data, -1e300, 1e300)  # so that max - min cannot overflow
    if np.issubdtype(img.dtype, np.floating) and data.min() >= 0.0 and data.max() <= 1.0:
        data = data * 255.0  # the usual float convention: 0..1
    elif data.min() < 0.0 or data.max() > 255.0:
        lo, hi = float(data.min()), float(data.max())
        data = (data - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(data)
    return np.clip(data + 0.5, 0, 255).astype(np.uint8)


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class ZxingDecoder:
    """zxing-cpp: QR, Code 128 and EAN-13 in one call; the fastest and best reader measured."""

    name = "zxing-cpp"

    def __init__(
        self,
        *,
        try_rotate: bool = True,
        try_downscale: bool = True,
        try_invert: bool = True,
        binarizer: str = "LocalAverage",
    ) -> None:
        zx = _import(self.name, "zxingcpp")
        self._zx = zx
        self._formats = (zx.BarcodeFormat.QRCode, zx.BarcodeFormat.Code128, zx.BarcodeFormat.EAN13)
        self._symbologies = {
            zx.BarcodeFormat.QRCode: Symbology.QR,
            zx.BarcodeFormat.Code128: Symbology.CODE_128,
            zx.BarcodeFormat.EAN13: Symbology.EAN_13,
        }
        # Plain: the payload untouched (the default "HRI" rewrites GS1 data as "(01)...").
        self._options = {
            "formats": self._formats,
            "try_rotate": try_rotate,
            "try_downscale": try_downscale,
            "try_invert": try_invert,
            "text_mode": zx.TextMode.Plain,
            "binarizer": getattr(zx.Binarizer, binarizer),
        }

    def decode(self, gray: np.ndarray) -> list[Code]:
        return self.read(gray)[0]

    def read(self, gray: np.ndarray) -> tuple[list[Code], list[Code]]:
        """The codes read, and the symbols zxing located but could not read (text empty): the
        chain uses those to know a frame still holds something worth another pass."""
        img = as_gray(gray)
        if img is None:
            return [], []
        try:
            found = self._zx.read_barcodes(img, **self._options, return_errors=True)
        except Exception:  # a decoder bug must cost one frame, not the scanner
            return [], []
        codes: list[Code] = []
        failed: list[Code] = []
        for bc in found:
            pos = bc.position
            corners = [pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left]
            polygon = tuple((float(p.x), float(p.y)) for p in corners)
            symbology = self._symbologies.get(bc.format, Symbology.OTHER)
            if bc.valid and bc.text:
                codes.append(Code(bc.text, symbology, polygon))  # type: ignore[arg-type]
            else:
                failed.append(Code("", symbology, polygon))  # type: ignore[arg-type]
        return codes, failed


class PyzbarDecoder:
    """ZBar through pyzbar (needs Debian's libzbar0): slower, but reads some damaged codes."""

    name = "pyzbar"

    def __init__(self) -> None:
        module = _import(self.name, "pyzbar.pyzbar")
        self._decode = module.decode
        sym = module.ZBarSymbol
        self._symbols = [sym.QRCODE, sym.CODE128, sym.EAN13]
        self._symbologies = {
            "QRCODE": Symbology.QR,
            "CODE128": Symbology.CODE_128,
            "EAN13": Symbology.EAN_13,
        }

    def decode(self, gray: np.ndarray) -> list[Code]:
        img = as_gray(gray)
        if img is None:
            return []
        try:
            found = self._decode(img, symbols=self._symbols)
        except Exception:
            return []
        codes = []
        for d in found:
            text = _text(d.data)
            if not text:
                continue
            codes.append(
                Code(
                    text,
                    self._symbologies.get(d.type, Symbology.OTHER),
                    quad_from_points([(p.x, p.y) for p in d.polygon]),
                )
            )
        return codes


class OpenCVQRDecoder:
    """OpenCV's QR detector (classic, or the ArUco-based one): QR only, no extra library."""

    variants: ClassVar[dict[str, str]] = {
        "classic": "QRCodeDetector",
        "aruco": "QRCodeDetectorAruco",
    }

    def __init__(self, variant: str = "aruco") -> None:
        self.name = "opencv-qr" if variant == "classic" else f"opencv-qr-{variant}"
        cv2 = _import(self.name, "cv2")
        factory = getattr(cv2, self.variants[variant], None)
        if factory is None:
            raise DecoderUnavailable(self.name, f"cv2.{self.variants[variant]} absent")
        self._detector = factory()

    def decode(self, gray: np.ndarray) -> list[Code]:
        img = as_gray(gray)
        if img is None:
            return []
        try:
            ok, texts, points, _ = self._detector.detectAndDecodeMulti(img)
        except Exception:  # cv2.error, and UnicodeDecodeError on non-UTF-8 payloads
            return []
        if not ok or points is None:
            return []
        return [
            Code(text, Symbology.QR, quad_from_points(quad))
            for text, quad in zip(texts, points, strict=False)
            if text
        ]


def make_decoder(name: str) -> Decoder:
    """A single decoder by its name (see `DECODER_NAMES`)."""
    if name == "zxing-cpp":
        return ZxingDecoder()
    if name == "pyzbar":
        return PyzbarDecoder()
    if name == "opencv-qr":
        return OpenCVQRDecoder("classic")
    if name == "opencv-qr-aruco":
        return OpenCVQRDecoder("aruco")
    raise ValueError(f"unknown decoder {name!r}")


DECODER_NAMES = ("pyzbar", "zxing-cpp", "opencv-qr", "opencv-qr-aruco")
