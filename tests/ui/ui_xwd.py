"""Read an `xwd` screen dump (32 bits per pixel, TrueColor) into a QImage, to save it as PNG."""

import struct
from pathlib import Path

from PySide6.QtGui import QImage


def xwd_to_qimage(path: Path) -> QImage:
    data = Path(path).read_bytes()
    fields = struct.unpack(">25I", data[:100])
    header_size, _version, _fmt, _depth, width, height = fields[:6]
    byte_order, bits_per_pixel, bytes_per_line = fields[7], fields[11], fields[12]
    ncolors = fields[19]
    start = header_size + 12 * ncolors
    pixels = bytearray(data[start : start + bytes_per_line * height])
    if bits_per_pixel == 24:  # some servers dump 3 bytes a pixel (rows padded)
        fmt = QImage.Format.Format_BGR888 if byte_order == 0 else QImage.Format.Format_RGB888
        return QImage(bytes(pixels), width, height, bytes_per_line, fmt).copy()
    if bits_per_pixel != 32:
        raise ValueError(f"xwd with {bits_per_pixel} bits per pixel")
    if byte_order == 1:  # MSBFirst: XRGB in memory; QImage RGB32 wants BGRX (little endian)
        for i in range(0, len(pixels), 4):
            pixels[i : i + 4] = pixels[i : i + 4][::-1]
    image = QImage(bytes(pixels), width, height, bytes_per_line, QImage.Format.Format_RGB32)
    return image.copy()
