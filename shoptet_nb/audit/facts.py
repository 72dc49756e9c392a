"""Format and pixel size of an image file from its first bytes, without decoding it.

Pure functions over bytes (no Pillow, no HTTP). The format comes from the file's signature,
never from its name: a CDN may serve WebP under a ``.jpg`` name. A JPEG's size sits in its SOF
segment, which large EXIF or ICC blocks can push past the first bytes read; the parser then
says where the next segment starts (:class:`NeedBytes`) so that the caller fetches a few bytes
there instead of the whole file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: Extensions by format, lower case with the dot.
FORMAT_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "PNG": (".png",),
    "WEBP": (".webp",),
    "GIF": (".gif",),
}

# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, with no length field.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


@dataclass(frozen=True)
class ImageFacts:
    """What the header says: ``format`` (``JPEG``, ``PNG``, ``WEBP``, ``GIF``) and pixels."""

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class NeedBytes:
    """The header goes on past the bytes given: read again from ``offset`` (a JPEG segment)."""

    offset: int


class UnknownFormat(ValueError):
    """The bytes are not a JPEG, PNG, WebP or GIF file (or its header is broken)."""


def extension_matches(name: str, image_format: str) -> bool:
    """Whether a file name's extension names ``image_format`` (``photo.JPG`` and JPEG: True)."""
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot >= 0 else ""
    return ext in FORMAT_EXTENSIONS.get(image_format, ())


def sniff(data: bytes, offset: int = 0, *, resume: bool = False) -> ImageFacts | NeedBytes:
    """The format and size from ``data``, the file's bytes starting at ``offset``.

    ``resume`` says that ``data`` continues a JPEG at a segment boundary returned earlier as
    :class:`NeedBytes` (only JPEG needs that). Raises :class:`UnknownFormat` when the bytes
    are no image file this reads.

    >>> png = b"\\x89PNG\\r\\n\\x1a\\n" + bytes(4) + b"IHDR" + (500).to_bytes(4, "big")
    >>> sniff(png + (100).to_bytes(4, "big"))
    ImageFacts(format='PNG', width=500, height=100)
    """
    if resume:
        return _jpeg(data, offset, 0)
    if offset != 0:
        raise ValueError("only a JPEG continues past the first read (resume=True)")
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data, 0, 2)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise UnknownFormat("PNG without an IHDR header")
        width, height = struct.unpack(">II", data[16:24])
        return ImageFacts("PNG", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageFacts("GIF", width, height)
    raise UnknownFormat("not a JPEG, PNG, WebP or GIF file")


def _jpeg(data: bytes, offset: int, position: int) -> ImageFacts | NeedBytes:
    """Walk JPEG segments from ``position`` in ``data`` (which starts at file ``offset``)."""
    while True:
        if position + 4 > len(data):
            return NeedBytes(offset + position)
        if data[position] != 0xFF:
            raise UnknownFormat(f"JPEG marker expected at byte {offset + position}")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        if marker in (0xD9, 0xDA):
            raise UnknownFormat("JPEG without a frame header before its image data")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _SOF_MARKERS:
            if position + 9 > len(data):
                return NeedBytes(offset + position)
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return ImageFacts("JPEG", width, height)
        if length < 2:
            raise UnknownFormat(f"JPEG segment of length {length} at byte {offset + position}")
        position += 2 + length


def _webp(data: bytes) -> ImageFacts:
    kind = data[12:16]
    if kind == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageFacts("WEBP", width, height)
    if kind == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageFacts("WEBP", width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return ImageFacts("WEBP", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    raise UnknownFormat("WebP without a VP8, VP8L or VP8X header")
