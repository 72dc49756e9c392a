"""Seeded photo files: what each image's original is (size, format, bytes) and its pictures.

A photo is a :class:`Photo`: the *scene* it shows (equal scenes are the same photo: that is how
duplicates are seeded and how the oracle knows them), its pixel size, the format of the original
file and that file's size in bytes. The default photo of a file name is a pure function of
``(seed, name)``; the catalogue adds copies and look-alikes as extra images
(:func:`extra_photos`) whose photo it stores on the image.

Two kinds of files are served, both without Pillow (the base install has none):

* the ``orig`` cut is *header-true*: the real signature and header of its format (JPEG SOF,
  PNG IHDR, WebP VP8X), some JPEGs with large EXIF blocks before the SOF, then deterministic
  filler up to the photo's byte size. Any byte range of it is computed on its own, so a
  ``Range`` request on a 20 MB original costs microseconds and no memory. It does not decode
  as a picture (nothing in shoptet_nb decodes an original);
* the other cuts are real PNG pictures of the scene (``picture_size``), as a CDN's resized
  copies are: a resized copy is drawn with shifted edges, a re-encoded one with noise, a
  look-alike with the main object in another colour.

The same URL always serves the same bytes. File names that repeat across products (the
catalogue's ``105.jpg`` in two products) are one file, so they are duplicates too: the oracle
(:meth:`SandboxShop.photo`) says so through the scene.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import struct
import zlib
from dataclasses import dataclass, replace

from .pictures import encode_png

#: Formats an original can have, and the extensions that name each.
EXTENSIONS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",), "WEBP": (".webp",), "GIF": (".gif",)}
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
# Bytes per pixel of a typical photo in each format (quality 85 JPEG, lossy WebP, PNG).
_BYTES_PER_PIXEL = {"JPEG": 0.28, "WEBP": 0.16, "PNG": 1.3, "GIF": 0.6}
# Names of extra images: ``<product number>-<n>.<ext>`` with n >= 100, as Shoptet names a
# product's later photos; no catalogue name has this form (360° frames are ``360-01.jpg``).
EXTRA_NAME = re.compile(r"^(\d+)-(\d{3,})\.[a-z]+$")
_EXTRA_START = 100
_FILLER_BLOCK = 4096


@dataclass(frozen=True)
class Photo:
    """One original file: what it shows and what it is.

    ``variant`` says how it was made from its scene: ``original``, ``exact`` (the same file
    again), ``resized``, ``reencoded`` (copies: duplicates), ``lookalike`` (a distinct photo
    of the same set-up: not a duplicate).
    """

    scene: str
    width: int
    height: int
    format: str
    bytes: int
    variant: str = "original"
    exif: int = 0  # bytes of EXIF before a JPEG's SOF (large ones push it past 64 KB)

    @property
    def is_copy(self) -> bool:
        """Whether the file shows another photo's scene as a copy (a duplicate of it)."""
        return self.variant in ("exact", "resized", "reencoded")


def _rng(*parts: object) -> random.Random:
    # String seeds go through SHA-512 in random.Random: stable across processes.
    return random.Random("/".join(str(p) for p in ("photo", *parts)))


def _extension_format(name: str) -> str:
    ext = "." + name.rpartition(".")[2].lower()
    return next((fmt for fmt, exts in EXTENSIONS.items() if ext in exts), "JPEG")


def _size(rng: random.Random) -> tuple[int, int]:
    roll = rng.random()
    if roll < 0.06:
        short = rng.randint(180, 499)  # below Merchant Center's 500 px from 2027
    elif roll < 0.20:
        short = rng.randint(500, 1499)  # below the recommended 1500 px
    elif roll < 0.215:
        short = rng.randint(8100, 9000)  # over 64 megapixels
    else:
        short = rng.randint(1500, 4000)
    ratio = rng.choice((1.0, 1.0, 1.0, 4 / 3, 3 / 2, 16 / 9))
    long = max(short, round(short * ratio))
    return (long, short) if rng.random() < 0.7 else (short, long)


def _file_size(rng: random.Random, fmt: str, width: int, height: int) -> int:
    size = int(width * height * _BYTES_PER_PIXEL[fmt] * rng.uniform(0.7, 1.3))
    if rng.random() < 0.01:
        size = rng.randint(17_000_000, 30_000_000)  # an uncompressed export: over 16 MB
    return max(size, 2048)


def _format(rng: random.Random, name: str) -> str:
    named = _extension_format(name)
    if rng.random() >= 0.06:
        return named
    # The extension lies: a CDN's WebP under .jpg, a PNG saved as .jpg, a JPEG named .png.
    return {"JPEG": "WEBP", "PNG": "JPEG", "WEBP": "JPEG", "GIF": "PNG"}[named]


def default_photo(seed: int, name: str) -> Photo:
    """The photo a file name has unless the catalogue stored another one for it."""
    rng = _rng(seed, name)
    width, height = _size(rng)
    fmt = _format(rng, name)
    exif = 0
    if fmt == "JPEG" and rng.random() < 0.08:
        exif = rng.choice((30_000, 60_000, 120_000))  # camera EXIF with a thumbnail (or two)
    size = max(_file_size(rng, fmt, width, height), exif + 4096)  # the EXIF is in the file
    return Photo(name, width, height, fmt, size, exif=exif)


def copy_of(source: Photo, variant: str, rng: random.Random, name: str) -> Photo:
    """A copy (``exact``, ``resized``, ``reencoded``) or a ``lookalike`` of ``source``."""
    if variant == "exact":
        return replace(source, variant="exact")
    if variant == "resized":
        scale = rng.choice((0.5, 0.6, 0.75))
        width, height = max(1, round(source.width * scale)), max(1, round(source.height * scale))
        return Photo(
            source.scene,
            width,
            height,
            source.format,
            max(2048, int(source.bytes * scale**2)),
            "resized",
        )
    if variant == "reencoded":
        fmt = rng.choice(("JPEG", "WEBP"))  # saved again, perhaps by a CDN that makes WebP
        size = int(source.width * source.height * _BYTES_PER_PIXEL[fmt] * rng.uniform(0.5, 0.9))
        return Photo(source.scene, source.width, source.height, fmt, max(2048, size), "reencoded")
    if variant == "lookalike":
        return Photo(
            f"{source.scene}#lookalike",
            source.width,
            source.height,
            source.format,
            source.bytes,
            "lookalike",
        )
    raise ValueError(f"unknown variant {variant!r}")


def extra_name(product_index: int, n: int, ext: str) -> str:
    """The file name of a product's ``n``-th extra image."""
    return f"{product_index + 1}-{_EXTRA_START + n}{ext}"


def extra_photos(
    seed: int, product_index: int, names: list[str], share: float
) -> list[tuple[str, Photo]]:
    """The extra images (name, photo) seeded into one product's gallery.

    A share ``share`` of products gets one or two: an exact, resized or re-encoded copy of one
    of its photos, a look-alike of one (not a duplicate), and products in pairs (0-1, 2-3, …)
    share a photo across the pair (exact, resized or re-encoded in the second).
    """
    if share <= 0:
        return []
    rng = _rng(seed, "extra", product_index)
    out: list[tuple[str, Photo]] = []
    if names and rng.random() < share:
        source_name = rng.choice(names)
        source = default_photo(seed, source_name)
        variant = rng.choice(("exact", "resized", "reencoded", "lookalike"))
        ext = "." + source_name.rpartition(".")[2].lower()
        name = extra_name(product_index, len(out), ext)
        out.append((name, copy_of(source, variant, rng, name)))
    pair = product_index // 2
    pair_rng = _rng(seed, "pair", pair)
    if pair_rng.random() < share:
        shared = default_photo(seed, f"pair-{pair}.jpg")
        shared = replace(shared, scene=f"{seed}/pair/{pair}")
        if product_index % 2 == 1:
            variant = pair_rng.choice(("exact", "resized", "reencoded"))
            shared = copy_of(shared, variant, rng, "x.jpg")
        name = extra_name(product_index, len(out), ".jpg")
        out.append((name, shared))
    return out


# --- the original file: header-true, byte ranges computed on demand --------------------------


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _header(photo: Photo) -> tuple[bytes, bytes]:
    """(bytes before the filler, bytes after it) of the original file."""
    w, h = photo.width, photo.height
    if photo.format == "JPEG":
        head = b"\xff\xd8" + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        left = photo.exif
        while left > 0:  # an APP1 segment holds at most 65,533 bytes: split big EXIF
            part = min(left, 65_000)
            head += _jpeg_segment(0xE1, b"Exif\x00\x00" + bytes(part - 6))
            left -= part
        head += _jpeg_segment(0xDB, b"\x00" + bytes(range(1, 65)))
        head += _jpeg_segment(
            0xC0, struct.pack(">BHHB", 8, h, w, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
        )
        head += _jpeg_segment(0xDA, b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00")
        return head, b"\xff\xd9"
    if photo.format == "PNG":
        ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
        head = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
        # One IDAT holding the filler: its length field covers the rest minus IEND and CRC.
        rest = max(0, photo.bytes - len(head) - 8 - 4 - 12)
        return head + struct.pack(">I", rest) + b"IDAT", b"\x00\x00\x00\x00" + _png_chunk(
            b"IEND", b""
        )
    if photo.format == "WEBP":
        vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
        vp8x += (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
        riff_size = max(0, photo.bytes - 8)
        data = max(0, photo.bytes - 12 - len(vp8x) - 8)
        return b"RIFF" + struct.pack("<I", riff_size) + b"WEBP" + vp8x + b"VP8 " + struct.pack(
            "<I", data
        ), b""
    head = b"GIF89a" + struct.pack("<HH", w, h) + b"\x00\x00\x00"
    return head, b"\x3b"


@functools.lru_cache(maxsize=256)
def _filler_block(scene: str, variant: str) -> bytes:
    return hashlib.shake_256(f"{scene}/{variant}".encode()).digest(_FILLER_BLOCK)


def original_size(photo: Photo) -> int:
    """Bytes of the original file (at least its header)."""
    head, tail = _header(photo)
    return max(photo.bytes, len(head) + len(tail))


def original_range(photo: Photo, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` (exclusive) of the original file, without building it."""
    head, tail = _header(photo)
    total = original_size(photo)
    end = min(end, total)
    if start >= end:
        return b""
    filler_end = total - len(tail)
    out = bytearray()
    if start < len(head):
        out += head[start : min(end, len(head))]
    lo, hi = max(start, len(head)), min(end, filler_end)
    if lo < hi:
        # An exact copy is the same file: the same bytes as its original.
        block = _filler_block(
            photo.scene, "original" if photo.variant == "exact" else photo.variant
        )
        first = lo % _FILLER_BLOCK
        repeats = (first + hi - lo) // _FILLER_BLOCK + 1
        out += (block * repeats)[first : first + hi - lo]
    if end > filler_end:
        out += tail[max(0, start - filler_end) : end - filler_end]
    return bytes(out)


# --- the resized cuts: real pictures of the scene ------------------------------------------


def _colour(rng: random.Random) -> bytes:
    return bytes(rng.randrange(256) for _ in range(3))


@functools.lru_cache(maxsize=4096)
def cut_picture(photo: Photo, width: int, height: int) -> bytes:
    """A PNG of the photo's scene as a CDN cut of ``width`` × ``height`` pixels."""
    base_scene = photo.scene.removesuffix("#lookalike")
    rng = _rng("scene", base_scene)
    background = _colour(rng)
    shapes = []
    count = rng.randint(4, 7)
    for k in range(count):
        x0, y0 = rng.uniform(0, 0.8), rng.uniform(0, 0.8)
        x1, y1 = x0 + rng.uniform(0.12, 0.5), y0 + rng.uniform(0.12, 0.5)
        colour = _colour(rng)
        # The last shape is drawn on top: recolouring it always shows.
        if k == count - 1 and photo.variant == "lookalike":
            # The same set-up with the product in another colour (a colour variant's photo).
            colour = bytes(255 - c for c in colour)
        shapes.append((x0, y0, min(x1, 1.0), min(y1, 1.0), colour))
    rows = [bytearray(background * width) for _ in range(height)]
    for x0, y0, x1, y1, colour in shapes:
        left, right = round(x0 * width), round(x1 * width)
        top, bottom = round(y0 * height), round(y1 * height)
        right, bottom = min(right, width), min(bottom, height)
        if right <= left:
            continue
        span = colour * (right - left)
        for y in range(max(0, top), bottom):
            rows[y][3 * left : 3 * right] = span
    if photo.variant == "resized":
        # Scaled from another resolution: every edge is blended with its neighbour.
        for y, row in enumerate(rows):
            ahead = row[3:] + row[-3:]
            rows[y] = bytearray((a + b) // 2 for a, b in zip(row, ahead, strict=True))
    if photo.variant == "reencoded":
        noise = _rng("noise", photo.scene, photo.format)
        for row in rows:
            for i in range(0, len(row), 7):  # compression artefacts: small, scattered errors
                row[i] = min(255, max(0, row[i] + noise.randint(-6, 6)))
    return encode_png(width, height, [bytes(row) for row in rows])
