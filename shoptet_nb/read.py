"""Reading galleries into a frame: ``read_images``."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from datetime import datetime
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from .client import GALLERIES, ShoptetClient
from .columns import IMAGE_COLUMNS, empty_frame
from .errors import APIError, ArgumentError, FrameError, Interrupted, NetworkError, ShoptetError
from .frames import errors_to_frame, images_to_frame

#: ``images.attrs`` key under which read_images leaves the products it could not read.
READ_ERRORS_ATTR = "read_errors"

#: ``images.attrs`` key under which read_images leaves how many photos each gallery it read
#: held (see :func:`whole_galleries`).
GALLERY_SIZES_ATTR = "gallery_sizes"


class GallerySizes(dict[str, int]):
    """Photos per gallery as read, keyed ``"guid/gallery"`` (JSON-able, as ``to_parquet`` needs).

    pandas deep-copies ``attrs`` at nearly every operation on a frame; the sizes are never
    changed after the read, so every copy shares this one object instead of copying a
    shop-sized dict each time.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> GallerySizes:
        return self


def whole_galleries(images: pd.DataFrame) -> set[tuple[str, str]]:
    """The galleries ``(guid, gallery)`` of which ``images`` holds every photo, as read.

    A frame ``read_images`` returned, or one filtered down to whole products, holds whole
    galleries; a filtered worklist (some photos of a gallery) does not, and neither does a
    frame whose origin is unknown (built by hand, loaded from a file): only a whole gallery
    can be reordered safely, since the fewest priority writes depend on every photo's.

    >>> whole_galleries(images[images["description"].isna()])   # doctest: +SKIP
    set()
    """
    sizes = images.attrs.get(GALLERY_SIZES_ATTR)
    if not isinstance(sizes, dict) or not len(images):
        return set()
    photos = images.drop_duplicates(["guid", "gallery", "name"])
    counts: dict[tuple[str, str], int] = {}
    for guid, gallery in zip(photos["guid"], photos["gallery"], strict=True):
        key = (str(guid), str(gallery))
        counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if sizes.get(f"{key[0]}/{key[1]}") == n}


ProductsArg = None | str | Sequence[str] | pd.DataFrame | pd.Series


def read_images(
    client: ShoptetClient,
    products: ProductsArg = None,
    *,
    gallery: str | Sequence[str] = "shop",
    language: str | None = None,
    changed_since: datetime | str | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Read product galleries into one tidy frame: a row per image (see ``IMAGE_COLUMNS``).

    ``products`` is None (the whole shop, all pages), a list of guids, or a frame with a
    ``guid`` column. ``gallery`` is ``"shop"``, ``"shop360"`` or a list of both.
    ``changed_since`` keeps only products changed since then (Shoptet's ``changeTimeFrom``),
    so a refresh re-reads only what changed. A product that cannot be read does not stop the
    others: the failures are in :func:`read_errors` of the result, and a warning counts them.
    ``language`` reads the captions of another language; the frame's ``language`` column says
    which (``<NA>`` for the shop's default), and edits made in the frame are written back in it.
    An interrupt (Ctrl+C, "Interrupt kernel") stops new requests at once and raises
    :class:`~shoptet_nb.Interrupted`, whose ``result`` is the frame of the galleries read so far.

    >>> images = shoptet_nb.read_images(client, ["1c5a...-..."])   # doctest: +SKIP
    """
    galleries = _galleries(gallery)
    errors: list[dict[str, Any]] = []
    try:
        targets = _products(client, products, changed_since, language, errors)
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted while listing the products: no gallery read yet (exc.result is empty)",
            empty_frame(IMAGE_COLUMNS),
        ) from None
    jobs = [(guid, name, g) for guid, name in targets for g in galleries]
    url_for = url_builder(client)
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    bar = tqdm(total=len(jobs), desc="Reading galleries", unit="gallery", disable=not progress)
    interrupted = False
    try:
        # closing(): an interrupt anywhere in the loop stops the reads still queued.
        with closing(
            client.map(lambda j: client.list_images_envelope(j[0], j[2], language=language), jobs)
        ) as outcomes:
            for job, outcome in outcomes:
                guid, _, g = job
                bar.update()
                if isinstance(outcome, (APIError, NetworkError)):
                    errors.append(_error_record(guid, g, outcome))
                    continue
                if isinstance(outcome, BaseException):
                    raise outcome
                results[(guid, g)] = list((outcome.data or {}).get("images") or [])
                for item in outcome.errors:  # a 200 that still reports problems is kept
                    errors.append(_item_record(guid, g, item, outcome.status, outcome.request_id))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    ordered = sorted(jobs, key=lambda j: (j[0], galleries.index(j[2])))
    frame = images_to_frame(
        ((guid, name, results[(guid, g)]) for guid, name, g in ordered if (guid, g) in results),
        url_for,
        language=language_key(client, language),
    )
    frame.attrs[READ_ERRORS_ATTR] = errors
    frame.attrs[GALLERY_SIZES_ATTR] = GallerySizes(
        {f"{guid}/{g}": len(images) for (guid, g), images in results.items()}
    )
    if interrupted:
        raise Interrupted(
            f"interrupted: read {len(results)} of {len(jobs)} galleries; exc.result is the frame "
            "read so far (read_images the products missing from it to finish)",
            frame,
        ) from None
    if errors:
        warnings.warn(
            f"{len(errors)} gallery read(s) failed; see shoptet_nb.read_errors(images)",
            stacklevel=2,
        )
    return frame


def read_errors(images: pd.DataFrame) -> pd.DataFrame:
    """The reads that failed when ``images`` was read, as a tidy frame (``ERROR_COLUMNS``)."""
    return errors_to_frame(images.attrs.get(READ_ERRORS_ATTR, []))


def _galleries(gallery: str | Sequence[str]) -> list[str]:
    chosen = [gallery] if isinstance(gallery, str) else list(gallery)
    unknown = [g for g in chosen if g not in GALLERIES]
    if unknown or not chosen:
        raise ArgumentError(
            f"unknown gallery {unknown or chosen!r}: use 'shop', 'shop360' or ['shop', 'shop360']"
        )
    return list(dict.fromkeys(chosen))


def _guid_list(products: ProductsArg) -> list[str] | None:
    if products is None:
        return None
    if isinstance(products, pd.DataFrame):
        if "guid" not in products.columns:
            raise FrameError("the products frame needs a 'guid' column (as read_images returns)")
        values: Iterable[Any] = products["guid"]
    elif isinstance(products, str):
        values = [products]
    else:
        values = products
    guids = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ArgumentError(f"product guids must be non-empty strings, got {value!r}")
        guids.append(value.strip())
    return list(dict.fromkeys(guids))


def _products(
    client: ShoptetClient,
    products: ProductsArg,
    changed_since: datetime | str | None,
    language: str | None,
    errors: list[dict[str, Any]],
) -> list[tuple[str, str | None]]:
    guids = _guid_list(products)
    if guids == []:
        return []
    listed = client.list_products(
        change_time_from=changed_since, product_guids=guids, language=language
    )
    names = {p["guid"]: p.get("name") for p in listed if isinstance(p.get("guid"), str)}
    if guids is None:
        return sorted(names.items())
    for guid in guids:
        if guid not in names and changed_since is None:
            errors.append(
                {
                    "guid": guid,
                    "gallery": None,
                    "error_code": "product-not-found",
                    "message": f"product {guid} is not in the shop",
                    "instance": guid,
                    "http_status": 404,
                    "request_id": None,
                }
            )
    return sorted((g, names[g]) for g in guids if g in names)


def language_key(client: ShoptetClient, language: str | None) -> str | None:
    """``language`` as frames carry it: None for the shop's default, by name or by None.

    When the shop's default cannot be learnt (``client.default_language()`` fails or is
    unknown), an explicit code is kept apart from None.

    >>> language_key(client, "cs"), language_key(client, "sk")   # doctest: +SKIP
    (None, 'sk')
    """
    if language is None:
        return None
    try:
        default = client.default_language()
    except ShoptetError:
        default = None
    return None if language == default else language


def url_builder(client: ShoptetClient) -> Callable[[str], str | None]:
    """name → full URL of its ``detail`` cut (the shop's cuts are read once per client)."""
    prefix = client.image_url("", "detail")
    return (lambda name: prefix + name) if prefix else (lambda name: None)


def _error_record(guid: str, gallery: str, exc: APIError | NetworkError) -> dict[str, Any]:
    if isinstance(exc, APIError):
        return {
            "guid": guid,
            "gallery": gallery,
            "error_code": exc.error_code,
            "message": exc.message,
            "instance": exc.instance,
            "http_status": exc.status,
            "request_id": exc.request_id,
        }
    return {
        "guid": guid,
        "gallery": gallery,
        "error_code": "network-error",
        "message": str(exc),
        "instance": None,
        "http_status": None,
        "request_id": None,
    }


def _item_record(
    guid: str, gallery: str, item: dict[str, Any], status: int, request_id: str | None
) -> dict[str, Any]:
    return {
        "guid": guid,
        "gallery": gallery,
        "error_code": item.get("errorCode"),
        "message": item.get("message"),
        "instance": item.get("instance"),
        "http_status": status,
        "request_id": request_id,
    }


__all__ = ["read_errors", "read_images"]
