"""Tiny generated PNG pictures, so image URLs answer with a real (if dull) photo.

The encoder is the minimum of the PNG format (signature, IHDR, one IDAT, IEND; 8-bit RGB, no
filtering) on top of ``zlib``, to keep the sandbox free of Pillow. Colours come from a hash of
the file name, so the same name always gives the same picture.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """PNG bytes of an RGB picture given as ``height`` rows of ``3 * width`` bytes."""
    if len(rows) != height or any(len(row) != 3 * width for row in rows):
        raise ValueError("rows do not match the size")
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 (None) on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


@functools.lru_cache(maxsize=2048)
def picture(name: str, width: int = 96, height: int = 72) -> bytes:
    """A deterministic picture for an image file name: a background, a band and a square."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=9).digest()
    background, band, square = digest[0:3], digest[3:6], digest[6:9]
    side = max(1, min(width, height) // 3)
    left, top = (width - side) // 2, (height - side) // 2
    rows = []
    for y in range(height):
        band_from = (y * width) // max(1, height)
        row = bytearray(background * width)
        for x in range(band_from, min(width, band_from + width // 8)):
            row[3 * x : 3 * x + 3] = band
        if top <= y < top + side:
            row[3 * left : 3 * (left + side)] = square * side
        rows.append(bytes(row))
    return encode_png(width, height, rows)
