"""Reading galleries into a frame: ``read_images``."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from datetime import datetime
from typing import Any

import pandas as pd

from .client import GALLERIES, ShoptetClient
from .columns import IMAGE_COLUMNS, empty_frame
from .errors import (
    APIError,
    ArgumentError,
    AuthenticationError,
    FrameError,
    Interrupted,
    NetworkError,
    ShoptetError,
)
from .frames import errors_to_frame, frame_fields, images_to_frame
from .jobs import DEFAULT_TIMEOUT_S, MAX_GUIDS_PER_SNAPSHOT, Job, resume_job
from .progress_bar import counted_bar, counting, open_bar, waiting
from .snapshot import LineError, products_of_lines

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


#: How ``read_images`` reads: ``auto`` chooses, see :data:`SNAPSHOT_FROM_GALLERIES`.
METHODS = ("auto", "snapshot", "galleries")

#: ``method="auto"`` uses the snapshot from this many gallery reads up (products × galleries).
#: Why 150: Shoptet's bucket holds 200 drops and the client keeps 10 % free, so about 180
#: gallery reads run at full speed (3 at a time) and finish in seconds; past that, reads are
#: paced to the bucket's 10 drops a second (1,000 galleries ≈ 100 s, 10,000 ≈ 17 min) and
#: leave the bucket full for the writes that follow. A snapshot costs a dozen requests (for a
#: job of a minute) and the job's run time, seconds to minutes whatever the list's length.
SNAPSHOT_FROM_GALLERIES = 150


def read_images(
    client: ShoptetClient,
    products: ProductsArg = None,
    *,
    gallery: str | Sequence[str] = "shop",
    method: str = "auto",
    job_id: str | None = None,
    language: str | None = None,
    changed_since: datetime | str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    progress: bool = True,
) -> pd.DataFrame:
    """Read product galleries into one tidy frame: a row per image (see ``IMAGE_COLUMNS``).

    ``products`` is None (the whole shop), a list of guids, or a frame with a ``guid``
    column. ``gallery`` is ``"shop"``, ``"shop360"``, ``"all"`` or a list of both.
    ``changed_since`` keeps only products changed since then (Shoptet's ``changeTimeFrom``),
    so a refresh re-reads only what changed. A product that cannot be read does not stop the
    others: the failures are in :func:`read_errors` of the result, and a warning counts them.
    ``language`` reads the captions of another language; the frame's ``language`` column says
    which (``<NA>`` for the shop's default), and edits made in the frame are written back in it.
    An interrupt (Ctrl+C, "Interrupt kernel") stops new requests at once and raises
    :class:`~shoptet_nb.Interrupted`, whose ``result`` is the frame of the galleries read so far.

    ``method`` says how: ``"galleries"`` reads each product's gallery (a request each);
    ``"snapshot"`` has Shoptet write the whole catalogue (or ≤ 50 listed products) into one
    file (a handful of requests, then a wait of up to ``timeout`` seconds for the job) and
    keeps the listed products; ``"auto"`` (the default) takes the snapshot for the whole shop
    and from :data:`SNAPSHOT_FROM_GALLERIES` gallery reads up, and falls back to galleries
    with a warning when Shoptet refuses snapshots. Both give the same frame. ``job_id`` reads
    a snapshot job started earlier (after a kernel restart, or a timeout) while its result is
    valid. ``images.attrs["read"]`` says how the frame was read.

    >>> images = shoptet_nb.read_images(client, ["1c5a...-..."])   # doctest: +SKIP
    >>> everything = shoptet_nb.read_images(client, gallery="all")  # doctest: +SKIP
    >>> resumed = shoptet_nb.read_images(client, job_id="ad24xod")  # doctest: +SKIP
    """
    galleries = _galleries(gallery)
    guids = _guid_list(products)
    _check_method(method, job_id, changed_since, timeout)
    started = time.perf_counter()
    errors: list[dict[str, Any]] = []
    job: Job | None = None
    if job_id is not None:
        job = resume_job(client, job_id.strip())
    elif guids != [] and (
        method == "snapshot" or (method == "auto" and _worth_a_snapshot(guids, galleries))
    ):
        job = _start_snapshot(client, guids, changed_since, language, must=method == "snapshot")
    try:
        if job is not None:
            frame = _read_by_snapshot(
                client, job, guids, galleries, changed_since, language, timeout, progress, errors
            )
        else:
            frame = _read_by_galleries(
                client, guids, galleries, changed_since, language, progress, errors
            )
    except Interrupted as stopped:
        if isinstance(stopped.result, pd.DataFrame):
            _describe_read(stopped.result, errors, job, started)
        raise
    _describe_read(frame, errors, job, started)
    if errors:
        warnings.warn(
            f"{len(errors)} gallery read(s) failed; see shoptet_nb.read_errors(images)",
            stacklevel=2,
        )
    return frame


def _describe_read(
    frame: pd.DataFrame, errors: list[dict[str, Any]], job: Job | None, started: float
) -> None:
    """Leave in ``frame.attrs`` what the read could not read, how many photos each gallery it
    read holds (so :func:`whole_galleries` can tell a slice from a whole gallery), and how."""
    frame.attrs[READ_ERRORS_ATTR] = errors
    keys = frame["guid"].astype(str) + "/" + frame["gallery"].astype(str)
    frame.attrs[GALLERY_SIZES_ATTR] = GallerySizes(
        {str(key): int(n) for key, n in keys.value_counts(sort=False).items()}
    )
    frame.attrs["read"] = {
        "method": "galleries" if job is None else "snapshot",
        "job_id": None if job is None else job.job_id,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _check_method(
    method: str, job_id: str | None, changed_since: datetime | str | None, timeout: float
) -> None:
    if method not in METHODS:
        raise ArgumentError(f"unknown method {method!r}: use 'auto', 'snapshot' or 'galleries'")
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ArgumentError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if job_id is None:
        return
    if not isinstance(job_id, str) or not job_id.strip():
        raise ArgumentError(f"job_id must be the id of a snapshot job, got {job_id!r}")
    if method == "galleries":
        raise ArgumentError("job_id reads a snapshot job: use method='auto' or 'snapshot'")
    if changed_since is not None:
        raise ArgumentError(
            "job_id reads a job that already ran with its own filters: leave out changed_since"
        )


def _worth_a_snapshot(guids: list[str] | None, galleries: list[str]) -> bool:
    return guids is None or len(guids) * len(galleries) >= SNAPSHOT_FROM_GALLERIES


def _start_snapshot(
    client: ShoptetClient,
    guids: list[str] | None,
    changed_since: datetime | str | None,
    language: str | None,
    *,
    must: bool,
) -> Job | None:
    """The started job, or None (with a warning) when ``auto`` meets Shoptet's refusal."""
    # Shoptet ignores every other filter next to productGuids, so a changed_since read takes
    # the changed products of the whole shop and keeps the listed ones here.
    narrow = guids is not None and len(guids) <= MAX_GUIDS_PER_SNAPSHOT and changed_since is None
    try:
        return client.start_snapshot(
            product_guids=guids if narrow else None,
            change_time_from=changed_since,
            language=language,
        )
    except AuthenticationError as exc:
        if must or exc.status != 403:
            raise
        warnings.warn(
            f"Shoptet refused the product snapshot ({exc}); reading gallery by gallery "
            "instead, one request each. To enable the fast path, register a job:finished "
            "webhook once, with an https URL you control: "
            "client.register_job_webhook('https://…') (Shoptet runs snapshots only then), and "
            "give the token the rights for products.",
            SnapshotRefusedWarning,
            stacklevel=3,
        )
        return None


class SnapshotRefusedWarning(UserWarning):
    """``read_images(method="auto")`` read gallery by gallery because Shoptet refused a snapshot."""


def _read_by_snapshot(
    client: ShoptetClient,
    job: Job,
    guids: list[str] | None,
    galleries: list[str],
    changed_since: datetime | str | None,
    language: str | None,
    timeout: float,
    progress: bool,
    errors: list[dict[str, Any]],
) -> pd.DataFrame:
    what = f"Snapshot job {job.job_id}"
    bar = open_bar(what, unit="products", verb="read", disable=not progress)
    try:
        if not job.finished or not job.result_url:

            def show(status: str) -> None:
                waiting(bar, f"{what}: waiting for Shoptet (the job is {status})")

            job = client.wait_for_job(job, timeout=timeout, on_status=show)
        counting(bar, what, verb="read")
        wanted = None if guids is None else set(guids)
        seen: set[str] = set()

        def keep(guid: str) -> bool:
            if wanted is not None and guid not in wanted:
                return False
            seen.add(guid)
            return True

        def bad_line(number: int, exc: LineError) -> None:
            errors.append(
                {
                    "guid": exc.guid,
                    "gallery": None,
                    "error_code": "invalid-snapshot-line",
                    "message": f"line {number} of snapshot job {job.job_id}: {exc}",
                    "instance": f"line {number}",
                    "http_status": None,
                    "request_id": None,
                }
            )

        lines = client.snapshot_lines(job)
        products = products_of_lines(
            lines, galleries, keep=keep, on_error=bad_line, on_line=lambda: bar.update()
        )
        # A resumed job was read in its own language (Shoptet's detail says which).
        read_in = language if language is not None else job.language
        if language is not None and job.language is not None and job.language != language:
            raise ArgumentError(
                f"snapshot job {job.job_id} was read in {job.language!r}, not {language!r}: "
                "leave out language, or start a new read in that language"
            )
        frame = images_to_frame(
            products, url_builder(client), language=language_key(client, read_in)
        )
    except KeyboardInterrupt:
        # The job runs on at Shoptet: its file can still be read while it is valid.
        raise Interrupted(
            f"interrupted while reading snapshot job {job.job_id}: nothing kept (exc.result is "
            f"empty); the job goes on, read_images(client, job_id={job.job_id!r}) reads it",
            empty_frame(IMAGE_COLUMNS),
        ) from None
    finally:
        bar.close()
    if guids is not None and changed_since is None:
        errors.extend(_not_found(guid) for guid in guids if guid not in seen)
    # The file's lines come in Shoptet's order; the gallery path's order is by guid.
    if frame["guid"].is_monotonic_increasing:
        return frame
    order = frame["guid"].sort_values(kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def _read_by_galleries(
    client: ShoptetClient,
    guids: list[str] | None,
    galleries: list[str],
    changed_since: datetime | str | None,
    language: str | None,
    progress: bool,
    errors: list[dict[str, Any]],
) -> pd.DataFrame:
    try:
        targets = _products(client, guids, changed_since, language, errors)
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted while listing the products: no gallery read yet (exc.result is empty)",
            empty_frame(IMAGE_COLUMNS),
        ) from None
    jobs = [(guid, name, g) for guid, name in targets for g in galleries]
    url_for = url_builder(client)
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    bar = counted_bar("Reading galleries", total=len(jobs), unit="galleries", disable=not progress)
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
                results[(guid, g)] = [
                    frame_fields(record) for record in (outcome.data or {}).get("images") or []
                ]
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
    if interrupted:
        raise Interrupted(
            f"interrupted: read {len(results)} of {len(jobs)} galleries; exc.result is the frame "
            "read so far (read_images the products missing from it to finish)",
            frame,
        ) from None
    return frame


def read_errors(images: pd.DataFrame) -> pd.DataFrame:
    """The reads that failed when ``images`` was read, as a tidy frame (``ERROR_COLUMNS``)."""
    return errors_to_frame(images.attrs.get(READ_ERRORS_ATTR, []))


def _galleries(gallery: str | Sequence[str]) -> list[str]:
    if gallery == "all":
        return list(GALLERIES)
    chosen = [gallery] if isinstance(gallery, str) else list(gallery)
    unknown = [g for g in chosen if g not in GALLERIES]
    if unknown or not chosen:
        raise ArgumentError(
            f"unknown gallery {unknown or chosen!r}: use 'shop', 'shop360', 'all' or "
            "['shop', 'shop360']"
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
    guids: list[str] | None,
    changed_since: datetime | str | None,
    language: str | None,
    errors: list[dict[str, Any]],
) -> list[tuple[str, str | None]]:
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
            errors.append(_not_found(guid))
    return sorted((g, names[g]) for g in guids if g in names)


def _not_found(guid: str) -> dict[str, Any]:
    return {
        "guid": guid,
        "gallery": None,
        "error_code": "product-not-found",
        "message": f"product {guid} is not in the shop",
        "instance": guid,
        "http_status": 404,
        "request_id": None,
    }


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


__all__ = ["SnapshotRefusedWarning", "read_errors", "read_images"]
