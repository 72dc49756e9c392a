"""Bytes and content hashes: of each source (is it an image, how big) and of a gallery's photos.

A photo counts as already in a gallery when one of the gallery's originals has the same bytes
(sha256): the same file again, e.g. a supplier feed imported twice. Everything is read without
the token (:meth:`ShoptetClient.read_file`). A gallery's originals are compared by size first
(one small ``Range`` read each, whose answer gives the file's size), and only an original as
big as a source is downloaded whole and hashed, so a gallery of 20 MB photos costs kilobytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...audit.facts import NeedBytes, UnknownFormat, sniff
from ...audit.fetch import photo_urls
from ...client import ShoptetClient
from ...errors import APIError, NetworkError

#: Largest source read, bytes (Shoptet documents no limit for product photos; a camera's
#: original is rarely above 30 MB).
MAX_SOURCE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """A source that is an image: its bytes' sha256, size and format."""

    sha256: str
    size: int
    format: str


def judge(data: bytes, *, allow_webp: bool, max_bytes: int) -> Source | str:
    """The :class:`Source` of downloaded bytes, or why they cannot be added."""
    if len(data) > max_bytes:
        return f"the source is larger than {max_bytes} bytes"
    try:
        found = sniff(data)
        image_format = "JPEG" if isinstance(found, NeedBytes) else found.format
    except UnknownFormat:
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html", b"<")):
            return "the source is an HTML page, not an image (a login or error page?)"
        return "the source is not a JPEG, PNG, GIF or WebP image"
    if image_format == "WEBP" and not allow_webp:
        return (
            "the source is WebP, which Shoptet's help says cannot be uploaded; convert it to "
            "JPEG or PNG, or pass allow_webp=True to send it anyway"
        )
    return Source(hashlib.sha256(data).hexdigest(), len(data), image_format)


def download(client: ShoptetClient, url: str, max_bytes: int) -> bytes | str:
    """A source's bytes (at most ``max_bytes`` + 1), or why they could not be read."""
    try:
        part = client.read_file(url, length=max_bytes + 1)
    except APIError as exc:
        return f"the source answered HTTP {exc.status}"
    except NetworkError as exc:
        return f"the source could not be downloaded ({exc})"
    if part.status not in (200, 206):
        return f"the source answered HTTP {part.status}; give the address it leads to"
    if part.total is not None and part.total > max_bytes:
        return f"the source is {part.total} bytes, larger than {max_bytes}"
    return part.content


def original_hashes(
    client: ShoptetClient,
    orig_path: str,
    names: Iterable[str],
    sizes: set[int],
    mapper: Callable[[Callable[[str], Any], list[str]], Iterable[tuple[str, Any]]],
) -> tuple[dict[str, str], list[str]]:
    """``{sha256: name}`` of the photos among ``names`` whose original is one of ``sizes``
    bytes (the others cannot equal a source), and the photos that could not be read (then
    nothing can be said about duplicates). ``mapper`` runs the reads (``client.map``)."""

    def hash_of(name: str) -> str | None:
        url = orig_path + name
        head = client.read_file(url, length=1)
        if head.total is not None and head.total not in sizes:
            return None
        return hashlib.sha256(client.read_file(url).content).hexdigest()

    found: dict[str, str] = {}
    unread: list[str] = []
    for name, digest in mapper(hash_of, list(names)):
        if isinstance(digest, BaseException):
            unread.append(f"{name} ({type(digest).__name__}: {digest})")
        elif isinstance(digest, str):
            found.setdefault(digest, name)
    return found, unread


def new_photo_hashes(
    client: ShoptetClient, names: list[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """``{sha256: [names]}`` of these photos' originals (read whole, without the token), and
    the names whose original could not be read."""
    orig_path = photo_urls(client)[0]
    hashes: dict[str, list[str]] = {}
    unread: list[str] = []
    for name, data in client.map(lambda n: client.read_file(orig_path + n).content, names):
        if isinstance(data, bytes):
            hashes.setdefault(hashlib.sha256(data).hexdigest(), []).append(name)
        else:
            unread.append(name)
    return hashes, unread
