"""The snapshot path of ``read_images``: one product a line → the same triples as the galleries.

A line of the result file is a product in Shoptet's product-detail format; with
``include=images`` it holds the images of both galleries, each naming its ``gallery``. Each line
is checked before it is used: a line that breaks the part of the schema the frame relies on
becomes a row of ``read_errors`` and the other lines are read. Nothing here speaks HTTP: the
client downloads and decompresses (``ShoptetClient.snapshot_lines``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from sys import intern
from typing import Any

from .client import GALLERIES

#: Shoptet's time format, as the images' ``changeTime`` must have it.
_SHOPTET_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:?\d\d\Z")
# A million images hold a few distinct galleries and times: one string object each, not a
# million copies (the frame of a whole catalogue must stay well under a gigabyte).
_GALLERY_NAMES = {name: name for name in GALLERIES}
_GUID_IN_TEXT = re.compile(rb'"guid"\s*:\s*"([^"]{1,100})"')

#: ``(guid, product_name, image records)``: what both read paths hand to ``images_to_frame``.
Gallery = tuple[str, "str | None", list[dict[str, Any]]]


class LineError(ValueError):
    """A line that breaks the schema; ``guid`` when the line names one."""

    def __init__(self, message: str, guid: str | None) -> None:
        super().__init__(message)
        self.guid = guid


def product_of_line(line: bytes, galleries: Sequence[str]) -> Gallery:
    """The product's guid, name and its images of ``galleries`` (in that gallery order).

    Raises :class:`LineError` for a line that is not a product with a valid ``images`` list.
    """
    try:
        record = json.loads(line)
    except ValueError as exc:
        found = _GUID_IN_TEXT.search(line)
        guid = found.group(1).decode("utf-8", "replace") if found else None
        raise LineError(f"not JSON ({exc})", guid) from exc
    if not isinstance(record, dict):
        raise LineError("not a JSON object", None)
    guid = record.get("guid")
    if not isinstance(guid, str) or not guid:
        raise LineError("no product guid", None)
    name = record.get("name")
    if name is not None and not isinstance(name, str):
        raise LineError("the product name is not a string", guid)
    images = record.get("images")
    if not isinstance(images, list):
        raise LineError("no images list (was the job started with include=images?)", guid)
    chosen = []
    for index, image in enumerate(images):
        if not _image_fits(image):
            raise LineError(f"images[{index}]: {_image_problem(image)}", guid)
        gallery = image["gallery"] = _GALLERY_NAMES[image["gallery"]]
        if gallery in galleries:
            change_time = image.get("changeTime")
            if change_time is not None:
                image["changeTime"] = intern(change_time)
            chosen.append(image)
    if len(galleries) > 1:
        rank = {g: i for i, g in enumerate(galleries)}
        chosen.sort(key=lambda image: rank[image["gallery"]])  # stable: API order kept
    return guid, name, chosen


def _image_fits(image: Any) -> bool:
    """The fast check of a million images: :func:`_image_problem` then says what is wrong."""
    if type(image) is not dict:
        return False
    get = image.get
    name, priority, description, change_time = (
        get("name"),
        get("priority"),
        get("description"),
        get("changeTime"),
    )
    return (
        type(name) is str
        and name != ""
        and get("gallery") in GALLERIES
        and (priority is None or type(priority) is int)
        and (description is None or type(description) is str)
        and (
            change_time is None
            or (type(change_time) is str and _SHOPTET_TIME.match(change_time) is not None)
        )
        and type(get("seoName")) is str
        and type(get("cdnName")) is str
        and type(get("isMainImage", False)) is bool
    )


def _image_problem(image: Any) -> str | None:
    if not isinstance(image, dict):
        return "not an object"
    name = image.get("name")
    if not isinstance(name, str) or not name:
        return "no file name"
    if image.get("gallery") not in GALLERIES:
        return f"unknown gallery {image.get('gallery')!r}"
    priority = image.get("priority")
    if priority is not None and (not isinstance(priority, int) or isinstance(priority, bool)):
        return f"priority {priority!r} is not an integer"
    description = image.get("description")
    if description is not None and not isinstance(description, str):
        return "description is not a string"
    change_time = image.get("changeTime")
    if change_time is not None and (
        not isinstance(change_time, str) or not _SHOPTET_TIME.match(change_time)
    ):
        return f"changeTime {change_time!r} is not a Shoptet time"
    for key in ("seoName", "cdnName"):
        if not isinstance(image.get(key), str):
            return f"{key} is not a string"
    if not isinstance(image.get("isMainImage", False), bool):
        return "isMainImage is not a boolean"
    return None


def products_of_lines(
    lines: Iterable[bytes],
    galleries: Sequence[str],
    *,
    keep: Callable[[str], bool] | None,
    on_error: Callable[[int, LineError], None],
    on_line: Callable[[], object],
) -> Iterator[Gallery]:
    """The galleries of each product line that ``keep`` accepts; bad lines go to ``on_error``.

    ``on_error(line_number, error)`` receives each line that breaks the schema, unless it
    names a product ``keep`` turns away.
    """
    for number, line in enumerate(lines, start=1):
        on_line()
        try:
            guid, name, images = product_of_line(line, galleries)
        except LineError as exc:
            if keep is None or exc.guid is None or keep(exc.guid):
                on_error(number, exc)
            continue
        if keep is None or keep(guid):
            yield guid, name, images
