"""``export_captions``: a worklist of captions, one row a photo, written for a copywriter.

The rows are built here (:func:`_worklist`) and written as ``.csv`` here or as ``.xlsx`` by
:mod:`.xlsx_writer`; the hidden columns that make the round trip safe are declared in
:mod:`.layout`.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._sheet_cells import REPLACEMENT, UNWRITABLE
from ..edits import _check_columns
from ..errors import ArgumentError, FrameError
from ..lint import check_max_length, lint_captions
from ..read import read_images
from .layout import KEY, SHEET_COLUMNS, file_kind, key_check, require_openpyxl
from .xlsx_writer import write_xlsx

if TYPE_CHECKING:
    from ..client import ShoptetClient

#: Data rows an .xlsx sheet holds (1,048,576 rows, one of them the header).
_XLSX_MAX_ROWS = 1_048_575


def export_captions(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    max_length: int = 125,
    client: ShoptetClient | None = None,
    progress: bool = True,
) -> Path:
    """Write a worklist of captions to ``path`` (``.xlsx`` or ``.csv``) for a copywriter.

    ``frame`` is any frame with ``guid``, ``gallery`` and ``name``: a ``read_images`` frame, a
    slice of it, or ``lint_captions`` findings (their messages become the ``findings`` column).
    One row per photo and language, in the frame's order; a photo listed twice is written
    once, with a warning (findings are joined, that is not a duplicate). Columns: ``guid``,
    ``gallery``, ``name``, ``language``, ``product_name``, ``url``, ``description`` (the
    caption to edit), ``length``, ``findings`` (``lint_captions`` messages at export time,
    ``max_length`` for too long), and the hidden ``original_description``, ``change_time`` and
    ``key_check`` that let :func:`read_captions` tell an edit from an untouched cell, catch
    altered keys, and have the plan hold back (``conflict``) an edit of a photo changed in the
    shop since the export.

    The conflict check needs each photo's ``change_time`` as read with its caption: frames
    from ``read_images`` and ``lint_captions`` carry it. For a frame without it (no
    ``change_time`` column, or one with nothing in it), pass ``client=``: those photos are read
    from the shop (a progress bar unless ``progress=False``) and exported with the shop's
    caption and time; without ``client`` such a frame is a FrameError before anything is
    written. A sheet whose times are lost on the way back is still checked when read back,
    against the caption exported.

    The ``.xlsx`` has a frozen header, an auto filter, a ``length`` formula that counts as the
    copywriter types (red over ``max_length``), and sheet protection without a password: only
    the ``description`` cells are editable; columns may be resized and rows filtered. A second
    sheet, "How to fill in", explains it. A ``.csv`` is UTF-8 with a byte order mark (so Excel
    reads Czech text right), comma-separated, with ``length`` as a number; it is meant for
    other tools: Excel runs cells that start with ``=`` as formulas, use the ``.xlsx`` there.
    Characters a spreadsheet cannot hold (control characters other than tab and line breaks)
    are written as U+FFFD. Returns the path written.

    >>> findings = shoptet_nb.lint_captions(images)
    >>> todo = shoptet_nb.select_photos(images, findings)  # by guid, gallery, language, name
    >>> shoptet_nb.export_captions(todo, "todo.xlsx")      # or export_captions(findings, ...)
    """
    check_max_length(max_length, "export_captions")
    _check_columns(frame, KEY, "export_captions")
    if client is not None:
        frame = _with_shop_reads(client, frame, progress)
    else:
        _check_times(frame)
    target = Path(path)
    kind = file_kind(target, "export_captions")
    if kind == "xlsx":
        require_openpyxl()  # a missing extra is said before any work is done
    rows = _worklist(frame, max_length)
    count = len(rows["key_check"])
    if kind == "xlsx":
        if count > _XLSX_MAX_ROWS:
            raise ArgumentError(
                f"export_captions(): {count:,} photos do not fit in one .xlsx sheet "
                f"({_XLSX_MAX_ROWS:,} rows at most): split the frame or write a .csv"
            )
        write_xlsx(rows, target, max_length)
    else:
        _write_csv(rows, target)
    return target


def _check_times(frame: pd.DataFrame) -> None:
    """FrameError for a frame that holds no photo's change_time: its sheet could not tell a
    caption someone changed after the export (a null here and there is the shop's own: an
    image Shoptet gives no changeTime)."""
    times = frame["change_time"] if "change_time" in frame.columns else None
    if frame.empty or (times is not None and times.notna().any()):
        return
    raise FrameError(
        f"export_captions(): the frame has no change_time for its {len(frame)} row(s) (lint "
        "findings of a frame without it, or a frame built by hand), and the sheet needs each "
        "photo's time to hold back an edit of a caption someone changes in the shop after the "
        "export. Pass client= to read the photos from the shop: export_captions(frame, path, "
        "client=client); or export the read_images rows: "
        "export_captions(shoptet_nb.select_photos(images, findings), path)"
    )


def _with_shop_reads(client: ShoptetClient, frame: pd.DataFrame, progress: bool) -> pd.DataFrame:
    """``frame`` with the caption, time and CDN name of the shop for rows without a time:
    a time is only worth its caption read with it."""
    times = frame["change_time"] if "change_time" in frame.columns else None
    lacking = (
        pd.Series(True, index=frame.index)
        if times is None
        else pd.to_datetime(times, utc=True, errors="coerce", format="ISO8601").isna()
    )
    if not lacking.any():
        return frame
    out = frame.copy()
    languages = (
        out["language"].astype("string")
        if "language" in out.columns
        else pd.Series(pd.NA, index=out.index, dtype="string")
    )
    for code in languages[lacking].unique():
        rows = lacking & (languages.isna() if pd.isna(code) else languages == code).to_numpy()
        subset = out[rows]
        read = read_images(
            client,
            sorted(subset["guid"].astype(str).unique()),
            gallery=sorted(subset["gallery"].astype(str).unique()),
            language=None if pd.isna(code) else str(code),
            progress=progress,
        )
        shop = read.set_index(KEY)
        keys = pd.MultiIndex.from_frame(subset[KEY].astype(str))
        found = keys.isin(shop.index)
        for column in ("description", "change_time", "cdn_name", "product_name", "url"):
            values = shop[column].reindex(keys)
            if column not in out.columns:
                out[column] = pd.Series(index=out.index, dtype=values.dtype)
            elif column == "change_time":
                out[column] = pd.to_datetime(
                    out[column], utc=True, errors="coerce", format="ISO8601"
                )
            target = subset.index[found]
            out.loc[target, column] = values[found].to_numpy()
    return out


def _strings(values: pd.Series) -> list[str | None]:
    """Text for the file: nulls become None, characters the file cannot hold U+FFFD."""
    text = values.astype("string")
    if text.str.contains(UNWRITABLE, regex=True).fillna(False).any():
        text = text.str.replace(UNWRITABLE, REPLACEMENT, regex=True)
    # copy=True: a view would let the next line write into the caller's frame.
    plain = text.to_numpy(dtype=object, copy=True)
    plain[text.isna().to_numpy()] = None
    return plain.tolist()


def _worklist(frame: pd.DataFrame, max_length: int) -> dict[str, list[Any]]:
    """One value per photo for each of the SHEET_COLUMNS: plain Python (None for empty)."""
    findings_given = {"rule", "message"} <= set(map(str, frame.columns))
    # A photo's caption is per language: the same photo in two languages is two rows.
    language = (
        frame["language"].astype("string")
        if "language" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    keys = list(zip(*(frame[c].astype(str).tolist() for c in KEY), language.tolist(), strict=True))
    repeated = pd.Series(keys, dtype=object).duplicated().to_numpy()
    if repeated.any() and not findings_given:
        warnings.warn(
            f"export_captions(): {int(repeated.sum())} row(s) repeat a photo (guid, gallery, "
            "name, language) listed before; each photo is written once, from its first row",
            UserWarning,
            stacklevel=3,
        )
    photos = frame[~repeated].assign(language=language[~repeated])

    def column(name: str) -> pd.Series:
        if name in photos.columns:
            return photos[name]
        return pd.Series(pd.NA, index=photos.index, dtype="string")

    messages: list[tuple[tuple[Any, ...], Any]] = []
    if findings_given:
        messages = list(zip(keys, frame["message"].tolist(), strict=True))
    else:
        lintable = photos.assign(priority=column("priority"), description=column("description"))
        for code, group in lintable.groupby(lintable["language"], dropna=False, sort=False):
            linted = lint_captions(group, max_length=max_length)
            linted_keys = zip(*(linted[c].astype(str).tolist() for c in KEY), strict=True)
            messages += [
                ((*k, code), m)
                for k, m in zip(linted_keys, linted["message"].tolist(), strict=True)
            ]
    joined: dict[tuple[Any, ...], list[str]] = {}
    for key, message in messages:
        if isinstance(message, str) and message not in joined.setdefault(key, []):
            joined[key].append(message)

    rows: dict[str, list[Any]] = {name: _strings(column(name)) for name in SHEET_COLUMNS[:7]}
    rows["length"] = [len(v) if v is not None else 0 for v in rows["description"]]
    photo_keys = [k for k, dup in zip(keys, repeated, strict=True) if not dup]
    rows["findings"] = ["\n".join(joined.get(k, [])) or None for k in photo_keys]
    rows["original_description"] = rows["description"]
    times = pd.to_datetime(column("change_time"), utc=True, errors="coerce")
    rows["change_time"] = [None if pd.isna(t) else t.isoformat() for t in times]
    rows["key_check"] = [
        key_check(*k)
        for k in zip(rows["guid"], rows["gallery"], rows["name"], rows["language"], strict=True)
    ]
    return rows


def _write_csv(rows: dict[str, list[Any]], path: Path) -> None:
    # utf-8-sig: the byte order mark is how Excel knows the file is UTF-8 (Czech diacritics).
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(SHEET_COLUMNS)
        writer.writerows(zip(*(rows[c] for c in SHEET_COLUMNS), strict=True))
