"""A WebP original as a lossless PNG, for a restore that asks for it (``webp="png"``).

Shoptet's help says WebP cannot be uploaded (the sandbox's ``insert_webp="reject"``,
ambiguity A6 of shoptet-api.md), so a deleted WebP original cannot come back as it was. Asked
to, a restore re-adds a PNG of the same pixels instead: PNG is lossless, so the pixels Pillow
decodes from the WebP are kept exactly (a lossy WebP's are its decoded pixels, not the
camera's), with its ICC profile and EXIF. The bytes differ: a row says so, with both sha256s.
Pillow is the ``images`` extra, not a base dependency: without it the row says how to add it.
"""

from __future__ import annotations

import io
from typing import Any

#: The one conversion a restore offers for WebP originals.
WEBP_CHOICES = ("png",)


class ConversionError(Exception):
    """The WebP original could not be converted (the message says why)."""


def is_webp(data: bytes) -> bool:
    """Whether ``data`` is a WebP file (RIFF container, WEBP form), whatever its name."""
    return len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def webp_to_png(data: bytes) -> bytes:
    """The PNG of a still WebP image's pixels; :class:`ConversionError` when it cannot be."""
    try:
        from PIL import Image
    except ImportError:
        raise ConversionError('webp="png" needs Pillow: pip install "shoptet_nb[images]"') from None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if getattr(image, "n_frames", 1) > 1:
                raise ConversionError("an animated WebP: a PNG would keep only its first frame")
            image.load()
            extra: dict[str, Any] = {
                key: image.info[key] for key in ("icc_profile", "exif") if image.info.get(key)
            }
            out = io.BytesIO()
            image.save(out, "PNG", **extra)
    except ConversionError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a file it cannot decode
        raise ConversionError(f"Pillow could not decode it ({type(exc).__name__}: {exc})") from exc
    return out.getvalue()
