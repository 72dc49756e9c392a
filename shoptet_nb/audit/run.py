"""``audit_images``: the facts of every photo of a frame, from the cache or the file hosts."""

from __future__ import annotations

import os
from contextlib import closing
from typing import Any

import pandas as pd

from .._limits import Cancelled
from ..client import ShoptetClient
from ..columns import AUDIT_COLUMNS, IMAGE_KEY, typed
from ..edits import _check_columns
from ..errors import APIError, Interrupted, NetworkError
from ..progress_bar import counted_bar
from .cache import FactsCache, Key, resolve_cache
from .facts import UnknownFormat
from .fetch import PhotoUrls, inspect_photo, photo_urls
from .hashing import pillow
from .result import ImageAudit
from .rules import RULES_2027, duplicate_groups, findings

_FACT_COLUMNS = ("width", "height", "bytes", "format", "ext_matches", "phash")


def audit_images(
    client: ShoptetClient,
    images: pd.DataFrame,
    *,
    cache: bool | str | os.PathLike[str] = True,
    progress: bool = True,
) -> ImageAudit:
    """Audit the photos of an images frame: size, format, file size, duplicates. Read-only.

    ``images`` is the frame :func:`~shoptet_nb.read_images` returns (``guid``, ``gallery``,
    ``name``; ``change_time``, ``language``, ``priority`` and ``is_main_image`` are used when
    present). For each photo not in the cache it reads the first 16 KB of the original (format
    from its bytes, never from its name; pixel size; the file size from ``Content-Range``) and
    the smallest cut whole (a perceptual hash), without the token, at most three at once,
    retried like API calls. ``cache`` is True (the user's cache folder), a folder, or False:
    facts are kept by (guid, gallery, name, change_time), so a second audit of an unchanged shop
    downloads nothing. Needs Pillow: ``pip install 'shoptet-nb[images]'``.

    An interrupt stops new downloads and raises :class:`~shoptet_nb.Interrupted` whose
    ``result`` is the audit so far (photos not reached: ``not_attempted``); what was learnt is
    cached, so running again carries on.

    >>> audit = shoptet_nb.audit_images(client, shoptet_nb.read_images(client))  # doctest: +SKIP
    >>> audit.photos[audit.photos.findings.map(lambda f: "below_500" in f)]    # doctest: +SKIP
    >>> audit.to_replace(), audit.to_delete()                                   # doctest: +SKIP
    """
    _check_columns(images, IMAGE_KEY, "audit_images")
    folder = resolve_cache(cache)
    pillow()  # before any request: a missing extra is said at once
    original_path, small_path = photo_urls(client)
    frame = images.reset_index(drop=True)
    keys = _keys(frame, original_path)
    store = FactsCache(folder) if folder is not None else None
    try:
        known = store.get_many(dict.fromkeys(keys)) if store is not None else {}
        todo = list(dict.fromkeys(k for k in keys if k not in known))
        learnt: dict[Key, dict[str, Any]] = {}
        failures: dict[Key, str] = {}
        interrupted = _download(client, todo, original_path, small_path, learnt, failures, progress)
        if store is not None and learnt:
            store.put_many(learnt)
    finally:
        if store is not None:
            store.close()
    audit = _assemble(frame, images.index, keys, known, learnt, failures)
    audit.stats.update(
        cached=sum(k in known for k in dict.fromkeys(keys)),
        downloaded=sum(int(f.get("downloaded", 0)) for f in learnt.values()),
        requests=sum(int(f.get("requests", 0)) for f in learnt.values()),
        failed=len(failures),
    )
    if interrupted:
        raise Interrupted(
            f"interrupted: audited {len(learnt) + len(known)} of {len(set(keys))} photos; "
            "exc.result is the audit so far (run audit_images again to carry on: what was "
            "read is cached)",
            audit,
        )
    return audit


def _keys(frame: pd.DataFrame, origin: str) -> list[Key]:
    times = (
        pd.to_datetime(frame["change_time"], utc=True, errors="coerce")
        if "change_time" in frame
        else pd.Series(pd.NaT, index=frame.index)
    )
    stamps = ["" if pd.isna(t) else t.isoformat() for t in times]
    return [
        (origin, str(g), str(gal), str(n), t)
        for g, gal, n, t in zip(frame["guid"], frame["gallery"], frame["name"], stamps, strict=True)
    ]


def _download(
    client: ShoptetClient,
    todo: list[Key],
    original_path: str,
    small_path: str,
    learnt: dict[Key, dict[str, Any]],
    failures: dict[Key, str],
    progress: bool,
) -> bool:
    """Fetch the facts of ``todo`` into ``learnt``/``failures``; True when interrupted."""

    def one(key: Key) -> dict[str, Any]:
        name = key[3]
        urls = PhotoUrls(original_path + name, small_path + name)
        return inspect_photo(client, name, urls)

    bar = counted_bar("Auditing photos", total=len(todo), unit="photos", disable=not progress)
    try:
        with closing(client.map(one, todo)) as outcomes:
            for key, outcome in outcomes:
                bar.update()
                if isinstance(outcome, Cancelled):
                    continue  # never sent: not attempted
                if isinstance(outcome, (APIError, NetworkError, UnknownFormat, OSError)):
                    failures[key] = f"{type(outcome).__name__}: {outcome}"
                elif isinstance(outcome, BaseException):
                    raise outcome
                else:
                    learnt[key] = outcome
    except KeyboardInterrupt:
        return True
    finally:
        bar.close()
    return False


def _assemble(
    frame: pd.DataFrame,
    index: pd.Index,
    keys: list[Key],
    known: dict[Key, dict[str, Any]],
    learnt: dict[Key, dict[str, Any]],
    failures: dict[Key, str],
) -> ImageAudit:
    rows: dict[str, list[Any]] = {c: [] for c in ("status", "message", *_FACT_COLUMNS)}
    for key in keys:
        facts = known.get(key) or learnt.get(key)
        if key in known:
            status, message = "cached", None
        elif key in learnt:
            status, message = "ok", None
        elif key in failures:
            status, message = "failed", failures[key]
        else:
            status, message = "not_attempted", "interrupted before this photo was read"
        rows["status"].append(status)
        rows["message"].append(message)
        for column in _FACT_COLUMNS:
            rows[column].append((facts or {}).get(column))
    photos = pd.DataFrame(
        {
            "guid": frame["guid"],
            "gallery": frame["gallery"],
            "name": frame["name"],
            "language": frame.get("language"),
            **{c: pd.Series(v, index=frame.index, dtype=object) for c, v in rows.items()},
            "url": [k[0] + k[3] for k in keys],
        }
    )
    width = photos["width"].astype("Float64")
    height = photos["height"].astype("Float64")
    photos["megapixels"] = (width * height / 1e6).round(2)
    photos["aspect"] = (width / height).round(3)
    # One hash per photo, even when the frame holds it once per language.
    first = ~photos.duplicated(IMAGE_KEY)
    groups = duplicate_groups(photos[first], list(photos.loc[first, "phash"]))
    by_key = dict(zip(photos.loc[first, IMAGE_KEY].itertuples(index=False), groups, strict=True))
    photos["duplicate_group"] = pd.array(
        [by_key[k] for k in photos[IMAGE_KEY].itertuples(index=False)], dtype="Int64"
    )
    photos["findings"] = findings(photos)
    photos = typed(photos, AUDIT_COLUMNS)
    photos.index = index
    order = frame[[c for c in ("priority", "is_main_image") if c in frame]].copy()
    order.index = index
    unique = photos.drop_duplicates(IMAGE_KEY)
    stats = {
        "photos": len(unique),
        "fail_2027": int(unique["findings"].map(lambda f: bool(set(f) & set(RULES_2027))).sum()),
        "duplicates": int(unique["duplicate_group"].notna().sum()),
    }
    return ImageAudit(photos=photos, stats=stats, _order=order)
