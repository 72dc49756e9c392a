"""Learn one photo's facts from as few bytes as the file hosts allow.

Two downloads a photo, both without the token (:meth:`ShoptetClient.read_file`): the first
:data:`HEAD_BYTES` of the original (``orig`` cut) for its format and size — the ``Range``
answer's ``Content-Range`` also gives the file's size, so no ``HEAD`` is sent — and the
smallest cut, whole, for the perceptual hash. A JPEG whose SOF lies past the first bytes (big
EXIF) costs one more small range per segment skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..client import ShoptetClient
from ..errors import ShoptetError
from .facts import ImageFacts, NeedBytes, UnknownFormat, extension_matches, sniff
from .hashing import photo_hash

#: Bytes read from the start of an original. JPEG SOF, PNG IHDR, WebP VP8X and GIF headers sit
#: in the first few hundred bytes unless EXIF comes first; 16 KB covers most such blocks.
HEAD_BYTES = 16 * 1024
#: Ranges read past the first before giving up on a JPEG's size (one per big segment).
MAX_EXTRA_RANGES = 8


@dataclass(frozen=True)
class PhotoUrls:
    """Where one photo's original and its smallest cut are."""

    original: str
    small: str


def inspect_photo(client: ShoptetClient, name: str, urls: PhotoUrls) -> dict[str, Any]:
    """The facts of one photo (JSON-ready: they go to the cache as they are).

    Keys: ``width``, ``height``, ``format``, ``bytes`` (None when the host does not say),
    ``ext_matches``, ``phash``, and what it cost: ``downloaded`` (bytes) and ``requests``.
    """
    part = client.read_file(urls.original, length=HEAD_BYTES)
    downloaded, requests = len(part.content), 1
    total = part.total
    found = sniff(part.content)
    while isinstance(found, NeedBytes):
        if requests > MAX_EXTRA_RANGES or (total is not None and found.offset >= total):
            raise UnknownFormat("the file ends before its JPEG frame header")
        part = client.read_file(urls.original, start=found.offset, length=HEAD_BYTES)
        downloaded, requests = downloaded + len(part.content), requests + 1
        if not part.content:
            raise UnknownFormat("the file ends before its JPEG frame header")
        found = sniff(part.content, found.offset, resume=True)
    facts: ImageFacts = found
    small = client.read_file(urls.small)
    downloaded, requests = downloaded + len(small.content), requests + 1
    return {
        "width": facts.width,
        "height": facts.height,
        "format": facts.format,
        "bytes": total,
        "ext_matches": extension_matches(name, facts.format),
        "phash": photo_hash(small.content),
        "downloaded": downloaded,
        "requests": requests,
    }


def photo_urls(client: ShoptetClient) -> tuple[str, str]:
    """(urlPath of the ``orig`` cut, urlPath of the smallest cut) of the shop.

    Raises :class:`~shoptet_nb.errors.ShoptetError` when the shop reports no ``orig`` cut.
    """
    cuts = [c for c in client.image_cuts() if isinstance(c, dict) and c.get("urlPath")]
    original = next((str(c["urlPath"]) for c in cuts if c.get("name") == "orig"), None)
    sized = [c for c in cuts if c.get("name") != "orig" and c.get("width") and c.get("height")]
    if original is None:
        raise ShoptetError(
            "the shop reports no 'orig' image cut (GET /api/eshop?include=imageCuts): "
            "the audit needs the originals' address"
        )
    smallest = min(sized, key=lambda c: int(c["width"]) * int(c["height"]), default=None)
    return original, str(smallest["urlPath"]) if smallest else original
