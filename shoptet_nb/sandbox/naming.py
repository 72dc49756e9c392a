"""File names derived from an image: slug, seoName and the signed CDN names.

Shoptet builds ``seoName`` from the file name and a slug of the caption, and signs a CDN query
per cut; a change of the image re-signs them, which is how clients notice a renewed file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 50


def slugify(text: str | None, *, limit: int = _SLUG_MAX) -> str:
    """ASCII slug: ``"Dřevěná hračka Žirafa"`` → ``"drevena-hracka-zirafa"``."""
    if not text:
        return ""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def split_ext(name: str) -> tuple[str, str]:
    """``("IMG_1", ".jpg")`` for ``"IMG_1.jpg"``; a name without a dot has an empty extension."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext


def seo_name(name: str, description: str | None) -> str:
    """``100.jpg`` + ``"Fialové jablko"`` → ``100_fialove-jablko.jpg`` (no caption: the name)."""
    slug = slugify(description)
    if not slug:
        return name
    stem, ext = split_ext(name)
    return f"{stem}_{slug}{ext}"


def _signature(secret: str, *parts: object) -> str:
    text = "\x1f".join([secret, *(str(p) for p in parts)])
    return hashlib.blake2b(text.encode("utf-8"), digest_size=4).hexdigest()


def signed_name(
    seo: str, cut: str, width: int | None, height: int | None, ts: int, rev: int, secret: str
) -> str:
    """``seo`` plus a fake signed CDN query for one cut (``?ff=1&x=..&y=..&q=85&ts=..&sg=..``)."""
    size = f"&x={width}&y={height}" if width is not None and height is not None else ""
    sig = _signature(secret, seo, cut, ts, rev)
    return f"{seo}?ff=1{size}&q=85&ts={ts:08x}&sg={sig}"
