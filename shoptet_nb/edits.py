"""Pure edits on an image frame (the frame ``read_images`` returns): renumber, reorder, caption.

Every function here takes a frame with the columns of ``IMAGE_COLUMNS`` (one row per image),
never changes it, and returns a new frame with the same index, the same columns and the same
dtypes (except a priority column that cannot hold whole numbers, which becomes ``Int64``, and
a caption column that cannot hold text, which becomes ``string``); columns of your own ride
along untouched. Nothing here talks to the shop: look at the
result, then hand it to the planner.

*Gallery order* is the order Shoptet shows a gallery in: priority ascending, images without a
priority last, ties broken by file name. :func:`gallery_order` is the one place that rule lives
for frames; :func:`fewest_priority_changes` (in ``_order``) decides which priorities a new
order rewrites, for ``reorder``, ``move_to_front`` and the gallery editor.
"""

from __future__ import annotations

import string
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ._order import MAX_PRIORITY, MIN_PRIORITY, NoRoomError, fewest_priority_changes
from .errors import ArgumentError, FrameError

__all__ = [
    "MAX_PRIORITY",
    "MIN_PRIORITY",
    "fewest_priority_changes",
    "fill_captions",
    "gallery_order",
    "move_to_front",
    "renumber",
    "reorder",
    "select_photos",
    "sort_gallery",
]

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


def _languages(df: pd.DataFrame) -> np.ndarray:
    """Each row's language ("" for the shop's default, or a frame without the column)."""
    if "language" not in df.columns:
        return np.full(len(df), "", dtype=object)
    return df["language"].astype("object").fillna("").astype(str).to_numpy(dtype=object)


def _sorted_positions(df: pd.DataFrame, func: str) -> np.ndarray:
    """Row positions of ``df`` sorted by guid, gallery, language, then gallery order.

    A frame read in several languages holds each gallery once per language: each is its own
    run of rows, so positions and counts are per language, as the shop shows them.
    """
    keys = pd.DataFrame(
        {
            "guid": df["guid"].astype("string").to_numpy(),
            "gallery": df["gallery"].astype("string").to_numpy(),
            "language": _languages(df),
            "priority": _priorities(df, func).to_numpy(),
            "name": df["name"].astype("string").to_numpy(),
        }
    )
    # Nulls only ever occur in priority (the key columns were checked), and they go last —
    # the same tie-breaking the server uses to pick the main image. Stable, so duplicate
    # names keep their row order.
    ordered = keys.sort_values(
        ["guid", "gallery", "language", "priority", "name"], kind="stable", na_position="last"
    )
    return ordered.index.to_numpy()


def gallery_order(df: pd.DataFrame) -> pd.Series:
    """The 1-based position of each image in its gallery, as Shoptet shows it.

    Gallery order is priority ascending, images without a priority last, ties by file name;
    the first image of gallery ``shop`` is the product's main image. A frame read in several
    languages is ordered per language (each language's rows hold the whole gallery). Returns
    an ``int64`` Series with the index of ``df``.

    >>> images["n"] = gallery_order(images)
    >>> images[images["n"] == 1]                 # the first image of every gallery
    """
    _check_columns(df, _ORDER_COLUMNS, "gallery_order")
    positions = _sorted_positions(df, "gallery_order")
    group = df[_GROUP].iloc[positions].astype("string").assign(language=_languages(df)[positions])
    within = group.groupby([*_GROUP, "language"], sort=False).cumcount().to_numpy() + 1
    result = np.empty(len(df), dtype="int64")
    result[positions] = within
    return pd.Series(result, index=df.index, name="n")


def select_photos(images: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``images`` that are photos ``listed`` names (findings, say), as a copy.

    Photos are matched by their whole key, guid, gallery, name and (where both frames have
    the column) language: a file name alone is not a photo, since every product may have a
    ``1.jpg``. Row order and index of ``images`` are kept.

    >>> findings = lint_captions(images)
    >>> worklist = select_photos(images, findings)   # the photos with a finding, nothing else
    """
    key = ["guid", "gallery", "name"]
    _check_columns(images, key, "select_photos")
    _check_columns(listed, key, "select_photos")
    use_language = "language" in images.columns and "language" in listed.columns

    def keys(frame: pd.DataFrame) -> pd.MultiIndex:
        parts = [frame[c].astype("string").to_numpy() for c in key]
        if use_language:
            parts.append(_languages(frame))
        return pd.MultiIndex.from_arrays(parts)

    return images[keys(images).isin(keys(listed))].copy()


def sort_gallery(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with its rows sorted by guid, gallery and gallery order (index kept).

    >>> sort_gallery(images)[["guid", "gallery", "name", "priority"]]
    """
    _check_columns(df, _ORDER_COLUMNS, "sort_gallery")
    return df.iloc[_sorted_positions(df, "sort_gallery")].copy()


def renumber(df: pd.DataFrame, start: int = 1, step: int = 1) -> pd.DataFrame:
    """Give every gallery the priorities ``start, start+step, ...`` in its current order.

    The gallery order does not change (images without a priority become the last ones); only
    the numbers do, so gaps, ties and nulls disappear. Row order, index and the priority
    column's dtype are kept (a float column stays float).
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
    out["priority"] = _with_priorities(df["priority"], np.arange(len(df)), highest.tolist())
    return out


def _with_priorities(column: pd.Series, positions: np.ndarray, values: list[int]) -> pd.Series:
    """``column`` with ``values`` at row ``positions``, in the column's own dtype if it can.

    A float, Int64, int or object column keeps its dtype; one that cannot hold the new
    numbers (a string column, an int8 too small) becomes Int64, the dtype read_images gives.
    """
    updated = column.copy()
    if not len(positions):
        return updated
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)  # pandas' "incompatible dtype" upcast
            updated.iloc[positions] = values
    except (TypeError, ValueError, FutureWarning):
        updated = _priorities(column.to_frame("priority"), "reorder").copy()
        updated.iloc[positions] = values
    return updated


def _gallery_rows(
    df: pd.DataFrame, guid: str, gallery: str, func: str
) -> tuple[np.ndarray, dict[str, list[int]]]:
    """Row positions of one gallery in gallery order, one per photo, and every row of each photo.

    A frame read in several languages holds a photo once per language; its priority is one
    for all of them, so those rows must agree. FrameError if none, or a name repeats within
    one language.
    """
    in_gallery = ((df["guid"] == guid) & (df["gallery"] == gallery)).fillna(False).to_numpy(bool)
    if not in_gallery.any():
        raise FrameError(
            f"{func}(): product {guid} has no images in gallery {gallery}; check guid and gallery"
        )
    rows = np.flatnonzero(in_gallery)
    names = df["name"].iloc[rows]
    language = (
        df["language"].iloc[rows].astype("object").fillna("").astype(str).to_numpy()
        if "language" in df.columns
        else np.full(len(rows), "")
    )
    twice = pd.DataFrame({"name": names.to_numpy(), "language": language}).duplicated()
    repeated = names[twice.to_numpy()].unique().tolist()
    if repeated:
        hits = int(((names == repeated[0]).to_numpy() & (language == language[twice][0])).sum())
        raise FrameError(
            f"{func}(): image {repeated[0]!r} appears {hits} times in gallery {gallery} of "
            f"product {guid}; drop the duplicate rows first"
        )
    every: dict[str, list[int]] = {}
    for position, name in zip(rows, names, strict=True):
        every.setdefault(str(name), []).append(int(position))
    priority = _priorities(df, func)
    for name, positions in every.items():
        if len(positions) > 1 and priority.iloc[positions].nunique(dropna=False) > 1:
            raise FrameError(
                f"{func}(): image {name!r} of product {guid} has different priorities in its "
                "languages' rows; one priority serves every language of a photo: make them agree"
            )
    first = rows[~names.duplicated().to_numpy()]
    n = gallery_order(df.iloc[first]).to_numpy()
    return first[np.argsort(n, kind="stable")], every


def _reorder(
    df: pd.DataFrame, guid: str, names: Sequence[str], gallery: str, func: str
) -> pd.DataFrame:
    """The work of ``reorder`` and ``move_to_front`` (``func`` names the caller in errors)."""
    _check_columns(df, _ORDER_COLUMNS, func)
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ArgumentError(f"{func}(): names must be a list of file names, got {names!r}")
    rows, every = _gallery_rows(df, guid, gallery, func)
    current = [str(name) for name in df["name"].iloc[rows]]
    repeated = sorted(str(name) for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise FrameError(f"{func}(): {', '.join(map(repr, repeated))} named more than once")
    present = set(current)
    unknown = [name for name in names if name not in present]
    if unknown:
        more = " ..." if len(current) > 5 else ""
        raise FrameError(
            f"{func}(): no image {', '.join(map(repr, unknown))} in gallery {gallery} of "
            f"product {guid}; it has {', '.join(current[:5])}{more}"
        )
    named = set(names)
    wanted = [*names, *(name for name in current if name not in named)]
    priority = _priorities(df, func)
    before = {
        name: None if pd.isna(value) else int(value)
        for name, value in zip(current, priority.iloc[rows], strict=True)
    }
    try:
        changes = fewest_priority_changes(before, wanted)
    except NoRoomError as exc:
        raise FrameError(f"{func}(): gallery {gallery} of product {guid}: {exc}") from None

    out = df.copy()
    # Every language's row of a photo gets its priority: one priority serves them all.
    positions = [p for name in changes for p in every[name]]
    values = [changes[name] for name in changes for _ in every[name]]
    out["priority"] = _with_priorities(df["priority"], np.array(positions, dtype=int), values)
    if "is_main_image" in out.columns:
        main = out["is_main_image"].copy()
        main.iloc[[p for name_rows in every.values() for p in name_rows]] = False
        if gallery == "shop":
            main.iloc[every[wanted[0]]] = True
        out["is_main_image"] = main
    return out


def reorder(
    df: pd.DataFrame, guid: str, names: Sequence[str], *, gallery: str = "shop"
) -> pd.DataFrame:
    """Put the images ``names`` first in one gallery, in that order, with the fewest writes.

    ``names`` may list the whole gallery or only its first images: the images it does not
    name keep their current relative order after the named ones. Only the priorities that
    must change do (each changed priority is a write that renews the photo's ``changeTime``
    and CDN URL): the largest set of images whose priorities already follow the new order
    keep theirs, the others get numbers between their neighbours (see
    :func:`fewest_priority_changes`). Images without a priority that stay at the end keep
    none. The priority column keeps its dtype.

    The ``is_main_image`` column, when present, is set for this gallery: True for the first
    image of ``shop``, False for every other image of the gallery (and for every image of
    ``shop360``). That is a prediction: the server decides, and reading the gallery after the
    update confirms it.

    A frame holding several languages (a row per photo and language) works too: a priority is
    one for all languages of a photo, so every row of a moved photo gets it (its rows must
    agree to begin with).

    Raises FrameError for a name that is not in the gallery, a name given twice, or a
    gallery that holds the same file name twice in one language.

    >>> edited = reorder(images, guid, ["side.jpg", "front.jpg"])   # these two first
    """
    return _reorder(df, guid, names, gallery, "reorder")


def move_to_front(df: pd.DataFrame, guid: str, name: str, *, gallery: str = "shop") -> pd.DataFrame:
    """Make image ``name`` the first of its gallery (for ``shop``: the product's main image).

    The same rule as :func:`reorder` with one name, so it touches as few images as possible:
    usually only the image itself, which gets one less than the lowest priority; when there is
    no room below, the fewest images change instead (often the old first image goes up rather
    than the new one down, or images share a priority their names put in the right order). An
    image already first changes nothing, ties included (Shoptet breaks them by name). Images
    without a priority stay without one unless they have to move.

    The ``is_main_image`` column, when present, is set for this gallery: True for the image
    moved to the front of ``shop``, False for every other image of the gallery (and for every
    image of ``shop360``). That is a prediction: the server decides, and reading the gallery
    after the update confirms it.

    >>> edited = move_to_front(images, guid, "back.jpg")
    """
    return _reorder(df, guid, [name], gallery, "move_to_front")


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

    A caption column that cannot hold text (an all-NaN float column, as pandas reads an empty
    column from a CSV) comes back as ``string`` dtype when anything is filled.

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
        count = n.groupby(
            [df["guid"].to_numpy(), df["gallery"].to_numpy(), _languages(df)]
        ).transform("size")
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
    if keep.any() and not (
        pd.api.types.is_object_dtype(description) or pd.api.types.is_string_dtype(description)
    ):
        # A column that cannot hold text (pandas reads an empty caption column as all-NaN
        # float64) becomes the string dtype read_images gives captions.
        description = description.astype("string")
    description.iloc[rows[keep]] = filled[keep].tolist()
    out["description"] = description
    return out
