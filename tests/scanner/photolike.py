"""Real barcode images for the scanner tests: made with segno and zxing-cpp's writer, then made to
look photographed (perspective, blur, noise, JPEG, low contrast, inversion, rotation, small)."""

from __future__ import annotations

import cv2
import numpy as np
import segno
import zxingcpp

CARD_TOKEN_TEXT = "23166621"  # a card number as a QR / Code 128 carries it
TICKET = "202611220042"  # a voucher ticket number (Code 128 on the printed voucher)
EAN = "4006381333931"


def qr(text: str, *, module: int = 8, error: str = "m") -> np.ndarray:
    """A QR code as grey pixels, black on white, with its 4-module quiet zone."""
    matrix = np.array(segno.make_qr(text, error=error).matrix, dtype=np.uint8)
    matrix = np.pad(matrix, 4)
    return np.kron(1 - matrix, np.ones((module, module), dtype=np.uint8)) * 255


def linear(text: str, fmt: str, *, scale: int = 3, height: int = 120) -> np.ndarray:
    """A Code 128 or EAN-13 by zxing-cpp's writer, made taller (a printed barcode has height)."""
    code = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, fmt))
    img = np.asarray(zxingcpp.write_barcode_to_image(code, scale=scale))
    row = img[img.shape[0] // 2]
    return np.pad(np.repeat(row[None, :], height, axis=0), 20, constant_values=255)


def scene(
    code: np.ndarray,
    *,
    size: tuple[int, int] = (1280, 720),
    at: tuple[int, int] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, tuple[float, float]]:
    """The code pasted on a textured background frame; returns the frame and the code's centre."""
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    bg = 110 + 60 * np.sin(xx / 97.0) * np.cos(yy / 61.0) + rng.normal(0, 6, (h, w))
    frame = np.clip(bg, 0, 255).astype(np.uint8)
    ch, cw = code.shape
    x, y = at if at is not None else ((w - cw) // 2, (h - ch) // 2)
    frame[y : y + ch, x : x + cw] = code
    return frame, (x + cw / 2, y + ch / 2)


def perspective(frame: np.ndarray, centre: tuple[float, float], strength: float = 0.18):
    """Tilt the whole frame like a phone held at an angle; returns frame and moved centre."""
    h, w = frame.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    d = strength
    dst = np.float32([[w * d, h * d * 0.5], [w * (1 - d * 0.3), 0], [w, h], [0, h * (1 - d)]])
    m = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(frame, m, (w, h), borderValue=128)
    c = cv2.perspectiveTransform(np.float32([[centre]]), m)[0, 0]
    return out, (float(c[0]), float(c[1]))


def rotate(frame: np.ndarray, centre: tuple[float, float], degrees: float):
    h, w = frame.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out = cv2.warpAffine(frame, m, (w, h), borderValue=128)
    c = m @ np.array([centre[0], centre[1], 1.0])
    return out, (float(c[0]), float(c[1]))


def blur(frame: np.ndarray, sigma: float = 1.6) -> np.ndarray:
    return cv2.GaussianBlur(frame, (0, 0), sigma)


def noise(frame: np.ndarray, sigma: float = 14.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)


def jpeg(frame: np.ndarray, quality: int = 30) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def low_contrast(frame: np.ndarray, span: int = 40, floor: int = 150) -> np.ndarray:
    return (floor + frame.astype(np.float32) * (span / 255.0)).astype(np.uint8)


def invert(frame: np.ndarray) -> np.ndarray:
    return 255 - frame
