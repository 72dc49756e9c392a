"""The perceptual hash finds copies (exact, resized, re-encoded) and keeps look-alikes apart.

The photos are generated with Pillow: a scene of shapes, then copies made the way shops make
them (scaled down, saved as JPEG or WebP at low quality) and look-alikes (the same set-up with
the product in another colour, or shot a little to the side).
"""

from __future__ import annotations

import io
import random

import pytest

from shoptet_nb.audit import hashing
from shoptet_nb.audit.hashing import photo_hash, same_photo, similar_pairs

Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")
ImageFilter = pytest.importorskip("PIL.ImageFilter")

SCENES = 25


def scene(seed: int, *, recolour: bool = False, shift: int = 0) -> object:
    rng = random.Random(seed)
    width, height = 400, 300
    picture = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(picture)
    count = rng.randint(4, 8)
    for k in range(count):
        x0, y0 = rng.uniform(0, 0.8) * width, rng.uniform(0, 0.8) * height
        x1, y1 = x0 + rng.uniform(0.1, 0.5) * width, y0 + rng.uniform(0.1, 0.5) * height
        colour = tuple(rng.randrange(256) for _ in range(3))
        if recolour and k == count - 1:  # the product on top, in another colour
            colour = tuple(255 - c for c in colour)
        shape = draw.ellipse if k % 2 else draw.rectangle
        shape([x0 + shift, y0, x1 + shift, y1], fill=colour)
    return picture.filter(ImageFilter.GaussianBlur(1))


def encode(picture: object, fmt: str = "PNG", **options: object) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


def copies(picture: object) -> dict[str, bytes]:
    small = picture.resize((140, 105))  # type: ignore[attr-defined]
    return {
        "exact": encode(picture),
        "half size": encode(picture.resize((200, 150))),  # type: ignore[attr-defined]
        "thumbnail as JPEG 70": encode(small, "JPEG", quality=70),
        "JPEG 40": encode(picture, "JPEG", quality=40),
        "larger as WebP 50": encode(picture.resize((600, 450)), "WEBP", quality=50),  # type: ignore[attr-defined]
    }


def test_copies_are_found() -> None:
    missed = []
    for seed in range(SCENES):
        original = photo_hash(encode(scene(seed)))
        for label, data in copies(scene(seed)).items():
            if not same_photo(original, photo_hash(data)):
                missed.append((seed, label))
    assert missed == []


def test_look_alikes_and_distinct_photos_are_not_flagged() -> None:
    flagged = []
    for seed in range(SCENES):
        original = photo_hash(encode(scene(seed)))
        others = {
            "recoloured": scene(seed, recolour=True),
            "shot to the side": scene(seed, shift=40),
            "another scene": scene(seed + 1000),
        }
        for label, picture in others.items():
            if same_photo(original, photo_hash(encode(picture, "JPEG", quality=85))):
                flagged.append((seed, label))
    assert flagged == []


def test_similar_pairs_groups_across_chunks() -> None:
    hashes = [photo_hash(encode(scene(s))) for s in range(6)]
    hashes.append(photo_hash(encode(scene(2), "JPEG", quality=50)))
    # A chunk smaller than the list: the pair (2, 6) lies across chunks.
    assert similar_pairs(hashes, chunk=4) == [(2, 6)]
    assert similar_pairs(hashes[:1]) == []


def test_missing_pillow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pil(name: str, *args: object, **kwargs: object) -> object:
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(hashing.ShoptetError, match=r"shoptet-nb\[images\]"):
        hashing.pillow()
