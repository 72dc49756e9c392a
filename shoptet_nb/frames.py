"""API records <-> tidy DataFrames. Converts only: no HTTP here.

The API's image record (``name``, ``priority``, ``description``, ``changeTime``, ``seoName``,
``cdnName``, ``isMainImage``, ``gallery``) becomes one row of :data:`~shoptet_nb.columns.
IMAGE_COLUMNS`. Columns are built as whole lists and cast once, so 100,000 images convert in a
fraction of a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from .columns import ERROR_COLUMNS, IMAGE_COLUMNS, typed

#: Shoptet writes ``2018-05-29T09:02:27+0200``: an offset without a colon and no fractions.
SHOPTET_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"

#: camelCase API names → the frame's snake_case names (users may paste either).
API_TO_FRAME = {
    "productGuid": "guid",
    "changeTime": "change_time",
    "seoName": "seo_name",
    "cdnName": "cdn_name",
    "isMainImage": "is_main_image",
    "productName": "product_name",
}


def parse_times(values: Iterable[Any]) -> pd.Series:
    """Shoptet timestamps → timezone-aware UTC datetimes (null stays ``NaT``)."""
    # Images share their times (a catalogue import stamps thousands alike): parse each once.
    codes, uniques = pd.factorize(pd.Series(list(values), dtype="object"))
    parsed = pd.to_datetime(
        pd.Series(uniques, dtype="object"), format=SHOPTET_TIME_FORMAT, utc=True, errors="coerce"
    ).astype(IMAGE_COLUMNS["change_time"])  # type: ignore[call-overload]
    # Code -1 (a null time) takes NaT.
    return pd.Series(parsed.array.take(codes, allow_fill=True))


def frame_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an image record a frame keeps (plain values only).

    Readers that hold thousands of galleries until they build a frame keep this instead of the
    whole record: without the nested lists (``signedCdnNames``) the garbage collector stops
    tracking these dicts, so full collections, which walk every tracked object, stay cheap.
    """
    return {key: record.get(key) for key in IMAGE_RECORD_FIELDS}


# Frame column ← record field, for the columns read straight from an image record.
_RECORD_COLUMNS = (
    ("gallery", "gallery"),
    ("name", "name"),
    ("priority", "priority"),
    ("description", "description"),
    ("change_time", "changeTime"),
    ("seo_name", "seoName"),
    ("cdn_name", "cdnName"),
    ("is_main_image", "isMainImage"),
)
#: The fields of a server's image record that :func:`images_to_frame` reads.
IMAGE_RECORD_FIELDS = tuple(key for _, key in _RECORD_COLUMNS)


def images_to_frame(
    galleries: Iterable[tuple[str, str | None, Sequence[Mapping[str, Any]]]],
    url_for: Callable[[str], str | None],
    *,
    language: str | None = None,
) -> pd.DataFrame:
    """Rows of IMAGE_COLUMNS from ``(guid, product_name, image records)`` triples, in order.

    ``language`` is the language the records were read in, None for the shop's default (every
    reader passes it here, so every images frame says which language its captions are in).
    """
    # Gallery by gallery, a comprehension per field rather than an append per value: a whole
    # shop is hundreds of thousands of rows. Only the values are kept, not the records (a
    # snapshot streams them).
    columns: dict[str, list[Any]] = {name: [] for name in IMAGE_COLUMNS}
    fields = [(columns[column], key) for column, key in _RECORD_COLUMNS]
    for guid, product_name, records in galleries:
        count = len(records)
        columns["guid"].extend([guid] * count)
        columns["language"].extend([language] * count)
        columns["product_name"].extend([product_name] * count)
        for column, key in fields:
            column.extend([record.get(key) for record in records])
    columns["url"] = [url_for(name) if isinstance(name, str) else None for name in columns["name"]]
    times = parse_times(columns.pop("change_time"))
    frame = pd.DataFrame(columns)
    frame["change_time"] = times.array  # to_numpy() would box a Timestamp per row
    frame["priority"] = pd.array(columns["priority"], dtype="Int64")
    return typed(frame, IMAGE_COLUMNS)


def errors_to_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Error items (already flattened with guid, gallery, http_status, ...) → ERROR_COLUMNS."""
    frame = pd.DataFrame(list(records), columns=list(ERROR_COLUMNS))
    return typed(frame, ERROR_COLUMNS)


def rename_api_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with camelCase API column names turned into the frame's names."""
    renames = {k: v for k, v in API_TO_FRAME.items() if k in frame.columns and v not in frame}
    return frame.rename(columns=renames)
