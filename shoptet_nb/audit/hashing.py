"""A perceptual hash of a photo: what it shows, not its bytes, so copies hash alike.

The hash has two parts, written as 64 hex digits:

* a DCT hash of the brightness (16 hex digits, 64 bits): the picture shrunk to 32×32 grey
  levels, its 2-D DCT, and for the 8×8 lowest frequencies (the DC term left out) whether each
  is above their median. Resizing and re-encoding move fine detail, not these, so copies differ
  in a few bits; distinct photos in about half;
* a colour layout (96 hex digits): the mean red, green and blue of a 4×4 grid, a byte each. Two
  photos of one set-up in other colours (a product's colour variants) share their brightness
  structure, not their colours: this part keeps them apart, cell by cell (a recoloured object
  fills only a few cells, so a mean over the grid would hide it).

Two photos are the same when both parts are close (:func:`same_photo`). The thresholds come
from generated photos (``tests/test_audit_hashing.py``): copies resized to a sixth or saved
as JPEG of quality 40 differ in at most 4 bits and 10 colour levels per cell; shifted or
recoloured look-alikes in 10 bits or 50 levels and more. Pillow (the
``shoptet-nb[images]`` extra) decodes the file; the maths is numpy.
"""

from __future__ import annotations

import functools
import io
from typing import Any

import numpy as np

from ..errors import ShoptetError

#: Most differing DCT bits for two hashes to be the same photo (of 64).
MAX_BITS = 8
#: Largest colour difference of one grid cell (|ΔR| + |ΔG| + |ΔB|, of 765) for the same photo.
MAX_COLOUR = 24
_SIDE = 32
_LOW = 8
_GRID = 4
_DCT_HEX = 16
# Set bits of every byte value, for counting differing bits with numpy < 2 too.
_POPCOUNT = np.array([bin(n).count("1") for n in range(256)], dtype=np.uint8)


def pillow() -> Any:
    """The ``PIL.Image`` module, or a :class:`ShoptetError` saying which extra installs it."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise ShoptetError(
            "the image audit needs Pillow to read photos: pip install 'shoptet-nb[images]'"
        ) from exc
    return Image


@functools.lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    k = np.arange(_SIDE)
    matrix = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * _SIDE))
    matrix[0] *= np.sqrt(1 / _SIDE)
    matrix[1:] *= np.sqrt(2 / _SIDE)
    return matrix


def photo_hash(data: bytes) -> str:
    """The perceptual hash of an image file's bytes (any format Pillow reads).

    >>> photo_hash(open("photo.jpg", "rb").read())       # doctest: +SKIP
    'c3a1…'
    """
    image_module = pillow()
    with image_module.open(io.BytesIO(data)) as opened:
        picture = opened.convert("RGB")
    box = image_module.Resampling.BOX
    grey = np.asarray(picture.convert("L").resize((_SIDE, _SIDE), box), dtype=np.float64)
    dct = _dct_matrix() @ grey @ _dct_matrix().T
    low = dct[:_LOW, :_LOW].flatten()[1:]  # the DC term is the mean brightness: left out
    bits = np.concatenate([[False], low > np.median(low)])
    dct_part = int("".join("1" if b else "0" for b in bits), 2)
    colours = np.asarray(picture.resize((_GRID, _GRID), box), dtype=np.uint8)
    colour_part = colours.tobytes().hex()
    return f"{dct_part:0{_DCT_HEX}x}{colour_part}"


def split_hashes(hashes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(DCT parts as uint64, colour grids as int8 arrays of 48) of hex hashes."""
    dct = np.array([int(h[:_DCT_HEX], 16) for h in hashes], dtype=np.uint64)
    colours = np.frombuffer(
        b"".join(bytes.fromhex(h[_DCT_HEX:]) for h in hashes), dtype=np.uint8
    ).reshape(len(hashes), _GRID * _GRID * 3)
    return dct, colours


def bit_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Differing bits between uint64 arrays (broadcast)."""
    xor = np.bitwise_xor(a, b)
    as_bytes = xor.view(np.uint8).reshape(*xor.shape, 8)
    counts: np.ndarray = _POPCOUNT[as_bytes].sum(axis=-1, dtype=np.int64)
    return counts


def same_photo(a: str, b: str) -> bool:
    """Whether two hashes are the same photo (a copy: exact, resized or re-encoded)."""
    dct, colours = split_hashes([a, b])
    bits = int(bit_distance(dct[0:1], dct[1:2])[0])
    colour = int(_cell_distance(colours[0:1], colours[1:2])[0])
    return bits <= MAX_BITS and colour <= MAX_COLOUR


def _cell_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Largest |ΔR| + |ΔG| + |ΔB| over the grid's cells, row by row."""
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16))
    cells: np.ndarray = diff.reshape(len(diff), _GRID * _GRID, 3).sum(axis=2).max(axis=1)
    return cells


def similar_pairs(hashes: list[str], chunk: int = 512) -> list[tuple[int, int]]:
    """Index pairs (i < j) of hashes that are the same photo, compared all against all.

    In chunks of rows, so memory stays at ``chunk × len(hashes)``: 10,000 photos take about a
    second.
    """
    if len(hashes) < 2:
        return []
    dct, colours = split_hashes(hashes)
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(hashes), chunk):
        rows = slice(start, min(start + chunk, len(hashes)))
        bits = bit_distance(dct[rows, None], dct[None, :])
        close_i, close_j = np.nonzero(bits <= MAX_BITS)
        keep = close_j > close_i + start
        close_i, close_j = close_i[keep] + start, close_j[keep]
        if close_i.size == 0:
            continue
        colour = _cell_distance(colours[close_i], colours[close_j])
        for i, j in zip(close_i[colour <= MAX_COLOUR], close_j[colour <= MAX_COLOUR], strict=True):
            pairs.append((int(i), int(j)))
    return pairs
