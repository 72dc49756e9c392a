"""Pure edits on an image frame (the frame ``read_images`` returns): renumber, reorder, caption.

Every function here takes a frame with the columns of ``IMAGE_COLUMNS`` (one row per image),
never changes it, and returns a new frame with the same index, the same columns and the same
dtypes; columns of your own ride along untouched. Nothing here talks to the shop: look at the
result, then hand it to the planner.

*Gallery order* is the order Shoptet shows a gallery in: priority ascending, images without a
priority last, ties broken by file name. :func:`gallery_order` is the one place that rule lives.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import ArgumentError, FrameError

__all__ = ["fill_captions", "gallery_order", "move_to_front", "renumber", "sort_gallery"]

#: Shoptet accepts priorities in this range on PATCH.
MIN_PRIORITY = 1
MAX_PRIORITY = 65535

_GROUP = ["guid", "gallery"]
_ORDER_COLUMNS = ["guid", "gallery", "name", "priority"]
#: Placeholders ``fill_captions`` computes itself (they win over a column of the same name).
_COMPUTED = ("count", "n", "stem")


def _check_columns(df: pd.DataFrame, needed: Iterable[str], func: str) -> None:
    """Raise FrameError when ``df`` lacks a column or has an image without its key."""
    if not isinstance(df, pd.DataFrame):
        raise FrameError(f"{func}() needs a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise FrameError(
            f"{func}() needs the column(s) {', '.join(missing)}; "
            "pass the frame read_images() returns (or add them)"
        )
    for column in ("guid", "gallery", "name"):
        if column in needed and df[column].isna().any():
            label = df.index[df[column].isna().to_numpy()][0]
            raise FrameError(
                f"{func}(): row {label!r} has no {column}; every image needs guid, gallery "
                "and name — drop or fill that row"
            )


def _priorities(df: pd.DataFrame, func: str) -> pd.Series:
    """The priority column as Int64, or FrameError when it holds something else."""
    try:
        return df["priority"].astype("Int64")
    except (TypeError, ValueError) as exc:
        raise FrameError(
            f"{func}(): priority must hold whole numbers or <NA> ({exc}); fix the column first"
        ) from exc


def _sorted_positions(df: pd.DataFrame, func: str) -> np.ndarray:
    """Row positions of ``df`` sorted by guid, gallery, then gallery order."""
    keys = pd.DataFrame(
        {
            "guid": df["guid"].astype("string").to_numpy(),
            "gallery": df["gallery"].astype("string").to_numpy(),
            "priority": _priorities(df, func).to_numpy(),
            "name": df["name"].astype("string").to_numpy(),
        }
    )
    # Nulls only ever occur in priority (the key columns were checked), and they go last —
    # the same tie-breaking the server uses to pick the main image. Stable, so duplicate
    # names keep their row order.
    ordered = keys.sort_values(
        ["guid", "gallery", "priority", "name"], kind="stable", na_position="last"
    )
    return ordered.index.to_numpy()


def gallery_order(df: pd.DataFrame) -> pd.Series:
    """The 1-based position of each image in its gallery, as Shoptet shows it.

    Gallery order is priority ascending, images without a priority last, ties by file name;
    the first image of gallery ``shop`` is the product's main image. Returns an ``int64``
    Series with the index of ``df``.

    >>> images["n"] = gallery_order(images)
    >>> images[images["n"] == 1]                 # the first image of every gallery
    """
    _check_columns(df, _ORDER_COLUMNS, "gallery_order")
    positions = _sorted_positions(df, "gallery_order")
    group = df[_GROUP].iloc[positions].astype("string")
    within = group.groupby(_GROUP, sort=False, dropna=False).cumcount().to_numpy() + 1
    result = np.empty(len(df), dtype="int64")
    result[positions] = within
    return pd.Series(result, index=df.index, name="n")


def sort_gallery(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with its rows sorted by guid, gallery and gallery order (index kept).

    >>> sort_gallery(images)[["guid", "gallery", "name", "priority"]]
    """
    _check_columns(df, _ORDER_COLUMNS, "sort_gallery")
    return df.iloc[_sorted_positions(df, "sort_gallery")].copy()


def renumber(df: pd.DataFrame, start: int = 1, step: int = 1) -> pd.DataFrame:
    """Give every gallery the priorities ``start, start+step, ...`` in its current order.

    The gallery order does not change (images without a priority become the last ones); only
    the numbers do, so gaps, ties and nulls disappear. Row order and index are kept.
    Raises FrameError when a gallery would need a priority above 65535.

    >>> renumber(images, start=10, step=10)      # 10, 20, 30 ... leaves room to insert
    """
    _check_columns(df, _ORDER_COLUMNS, "renumber")
    for label, value in (("start", start), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ArgumentError(f"renumber(): {label} must be a whole number, got {value!r}")
    if not MIN_PRIORITY <= start <= MAX_PRIORITY:
        raise ArgumentError(f"renumber(): start must be between 1 and 65535, got {start}")
    if step < 1:
        raise ArgumentError(f"renumber(): step must be 1 or more, got {step}")
    out = df.copy()
    n = gallery_order(df).to_numpy()
    highest = start + (n - 1) * step
    if len(df) and highest.max() > MAX_PRIORITY:
        worst = int(highest.argmax())
        guid, gallery = df["guid"].iloc[worst], df["gallery"].iloc[worst]
        count = int(n[worst])
        fit = (MAX_PRIORITY - start) // max(count - 1, 1)
        raise FrameError(
            f"renumber(): gallery {gallery} of product {guid} has {count} images and would "
            f"reach priority {int(highest[worst])} (max 65535); use step={fit} or less, "
            "or a smaller start"
        )
    out["priority"] = pd.array(highest, dtype="Int64")
    return out


def _front_priorities(ordered: list[float], own: float) -> tuple[float, dict[int, int]]:
    """New priority of the image moved to the front, and the changes to the others.

    ``ordered`` holds the other images' priorities in gallery order (NaN for none); the
    returned dict maps an index into ``ordered`` to its new priority.
    """
    present = [(i, p) for i, p in enumerate(ordered) if not np.isnan(p)]
    if not present:
        return (float(MIN_PRIORITY) if np.isnan(own) else own), {}
    lowest = present[0][1]
    if not np.isnan(own) and own < lowest:
        return own, {}
    if lowest - 1 >= MIN_PRIORITY:
        return lowest - 1, {}
    # No room below: take 1 and push the images in the way up by one, in order, stopping at
    # the first gap; equal priorities stay equal so ties keep their order (by name).
    changes: dict[int, int] = {}
    floor, previous_old, previous_new = MIN_PRIORITY, None, MIN_PRIORITY
    for i, old in present:
        if old == previous_old:
            value = previous_new
        else:
            value = max(int(old), floor + 1)
            if value == old:
                break
        if value > MAX_PRIORITY:
            raise FrameError("no room below priority 65535")
        changes[i] = value
        floor, previous_old, previous_new = value, old, value
    return float(MIN_PRIORITY), changes


def move_to_front(df: pd.DataFrame, guid: str, name: str, *, gallery: str = "shop") -> pd.DataFrame:
    """Make image ``name`` the first of its gallery (for ``shop``: the product's main image).

    The rule, chosen to touch as few rows as possible:

    * if the image's priority is already lower than every other priority in the gallery,
      nothing changes (a tie is not enough: it is broken);
    * otherwise it gets one less than the lowest other priority (1 if no other image has one);
    * if that would be below 1, it gets 1 and the images now in its way move up by one, in
      gallery order and only as far as needed: the first gap ends the shift, ties stay ties,
      images without a priority stay without one (they already come last).

    The ``is_main_image`` column, when present, is set for this gallery: True for the image
    moved to the front of ``shop``, False for every other image of the gallery (and for every
    image of ``shop360``). That is a prediction: the server decides, and reading the gallery
    after the update confirms it.

    >>> edited = move_to_front(images, guid, "back.jpg")
    """
    _check_columns(df, _ORDER_COLUMNS, "move_to_front")
    in_gallery = ((df["guid"] == guid) & (df["gallery"] == gallery)).fillna(False).to_numpy(bool)
    is_target = in_gallery & (df["name"] == name).fillna(False).to_numpy(bool)
    hits = int(is_target.sum())
    if hits == 0:
        if not in_gallery.any():
            raise FrameError(
                f"move_to_front(): product {guid} has no images in gallery {gallery}; "
                "check guid and gallery"
            )
        names = df["name"].to_numpy()[in_gallery]
        more = " ..." if len(names) > 5 else ""
        raise FrameError(
            f"move_to_front(): no image {name!r} in gallery {gallery} of product {guid}; "
            f"it has {', '.join(map(str, names[:5]))}{more}"
        )
    if hits > 1:
        raise FrameError(
            f"move_to_front(): image {name!r} appears {hits} times in gallery {gallery} of "
            f"product {guid}; drop the duplicate rows first"
        )

    priority = _priorities(df, "move_to_front").to_numpy(dtype="float64", na_value=np.nan)
    gallery_rows = np.flatnonzero(in_gallery)
    n = gallery_order(df.iloc[gallery_rows]).to_numpy()
    ordered_rows = gallery_rows[np.argsort(n, kind="stable")]
    target = int(np.flatnonzero(is_target)[0])
    others = ordered_rows[ordered_rows != target]
    try:
        own, changes = _front_priorities(priority[others].tolist(), priority[target])
    except FrameError:
        raise FrameError(
            f"move_to_front(): gallery {gallery} of product {guid} has no room below "
            "priority 65535; call renumber() first"
        ) from None
    priority[target] = own
    for i, value in changes.items():
        priority[others[i]] = value

    out = df.copy()
    out["priority"] = pd.array(priority, dtype="Float64").astype("Int64")
    if "is_main_image" in out.columns:
        main = out["is_main_image"].copy()
        main.iloc[gallery_rows] = False
        if gallery == "shop":
            main.iloc[target] = True
        out["is_main_image"] = main
    return out


def _placeholders(template: str) -> list[str]:
    """The field names a str.format template uses (``{a.b}`` and ``{a[0]}`` count as ``a``)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ArgumentError(f"fill_captions(): the template is malformed ({exc})") from exc
    names: list[str] = []
    for _, field, spec, _ in parsed:
        if field is None:
            continue
        names.append(field.split(".", 1)[0].split("[", 1)[0])
        if spec:
            names.extend(_placeholders(spec))
    return names


def _text(values: pd.Series) -> pd.Series:
    """Strings with Python semantics (``re``, ``casefold``) whatever the default storage."""
    return values.astype(pd.StringDtype("python"))


def _stem(names: pd.Series) -> pd.Series:
    """File names without their last extension (``a.b.jpg`` → ``a.b``; ``.jpg`` stays)."""
    return _text(names).str.replace(r"(?<=[^.])\.[^.]*$", "", regex=True)


def _blank(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    return value


def fill_captions(df: pd.DataFrame, template: str, *, only_empty: bool = True) -> pd.DataFrame:
    """Write captions (the ``description`` column) from a ``str.format`` template.

    Placeholders: ``{product_name}``, ``{n}`` (1-based position in gallery order), ``{count}``
    (images in the gallery), ``{name}`` (file name), ``{stem}`` (file name without extension),
    ``{gallery}``, ``{guid}`` and any other column of the frame (``n``, ``count`` and ``stem``
    are computed even if a column has that name). Format specs work (``{n:02d}``). A missing
    value (e.g. no product name) becomes an empty string; the result is trimmed and runs of
    spaces collapse to one, so an empty placeholder leaves no gap. A row whose caption would
    come out empty is left as it was.

    With ``only_empty=True`` (the default) only images without a caption (null, empty or only
    whitespace) are filled; ``only_empty=False`` overwrites every caption.

    >>> fill_captions(images, "{product_name} – photo {n} of {count}")
    """
    if not isinstance(template, str):
        raise ArgumentError(f"fill_captions(): template must be a string, got {template!r}")
    _check_columns(df, [*_ORDER_COLUMNS, "description"], "fill_captions")
    allowed = sorted({*_COMPUTED, "product_name", *map(str, df.columns)})
    used = list(dict.fromkeys(_placeholders(template)))
    unknown = [p for p in used if p not in allowed]
    if unknown:
        raise FrameError(
            f"fill_captions(): unknown placeholder {', '.join('{' + p + '}' for p in unknown)}; "
            f"use {', '.join('{' + p + '}' for p in allowed)}"
        )

    out = df.copy()
    caption = _text(df["description"])
    if only_empty:
        todo = (caption.str.strip().fillna("") == "").to_numpy(bool)
    else:
        todo = np.ones(len(df), dtype=bool)
    rows = np.flatnonzero(todo)
    if not len(rows):
        return out

    columns: dict[str, list[object]] = {}
    if {"n", "count"} & set(used):
        n = pd.Series(gallery_order(df).to_numpy())
        count = n.groupby([df["guid"].to_numpy(), df["gallery"].to_numpy()]).transform("size")
        columns["n"] = n.iloc[rows].tolist()
        columns["count"] = count.iloc[rows].tolist()
    if "stem" in used:
        columns["stem"] = _stem(df["name"].iloc[rows]).tolist()
    for field in used:
        if field not in columns:
            source = df[field].iloc[rows] if field in df.columns else pd.Series([None] * len(rows))
            columns[field] = source.tolist()

    texts: list[str] = []
    for i, row in enumerate(rows):
        fields = {key: _blank(values[i]) for key, values in columns.items()}
        try:
            texts.append(template.format(**fields))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise FrameError(
                f"fill_captions(): the template fails for image {df['name'].iloc[row]!r} of "
                f"product {df['guid'].iloc[row]} ({exc}); check its format specs"
            ) from exc
    filled = _text(pd.Series(texts)).str.replace(r" {2,}", " ", regex=True).str.strip()
    keep = (filled.str.len() > 0).to_numpy(bool)
    description = out["description"].copy()
    description.iloc[rows[keep]] = filled[keep].tolist()
    out["description"] = description
    return out
