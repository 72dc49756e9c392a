"""What a user hands the views, checked before any request: the language edited, the products
or frame an editor opens on, the photos of a worklist. Clear errors, no widget library."""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..columns import IMAGE_COLUMNS, IMAGE_KEY, typed
from ..errors import ArgumentError, FrameError
from .loading import Gallery, Photo, keys_of
from .model import frame_language, language_name

if TYPE_CHECKING:
    from ..client import ShoptetClient

__all__ = [
    "clean_caption",
    "editor_frame",
    "editor_language",
    "product_guids",
    "text_or_none",
    "worklist_languages",
    "worklist_photos",
]

_TAG = re.compile(r"<[^>]*>")
SPACES = re.compile(r"\s+")


def text_or_none(value: object) -> str | None:
    """A frame cell as ``str`` or ``None`` (pandas' NA and NaN become None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return str(value)


def clean_caption(text: str) -> str:
    """A caption without markup and stray spaces: the worklist's default suggestion.

    >>> clean_caption("  Red <b>backpack</b>&nbsp;side ")
    'Red backpack side'
    """
    plain = html.unescape(_TAG.sub(" ", text))
    return SPACES.sub(" ", plain).strip()


def require_photo_key(frame: Any, what: str, advice: str) -> pd.DataFrame:
    """``frame`` when it is a DataFrame with guid, gallery and name; else a FrameError that
    names ``what`` was given and says ``advice``."""
    if not isinstance(frame, pd.DataFrame):
        raise FrameError(
            f"{what} needs a DataFrame with guid, gallery and name, got {type(frame).__name__}"
        )
    missing = [c for c in IMAGE_KEY if c not in frame.columns]
    if missing:
        raise FrameError(f"{what} lacks the column(s) {', '.join(missing)}; {advice}")
    return frame


def editor_frame(images: Any) -> tuple[pd.DataFrame, list[Gallery]]:
    """An ``images=`` frame as the editor keeps it (typed, a copy, ``read_images``' notes kept)
    and its galleries in order."""
    require_photo_key(images, "images=", "pass a read_images() frame")
    frame = typed(images, IMAGE_COLUMNS)  # a new frame: the caller's is never touched
    frame.attrs = dict(images.attrs)  # what read_images noted (whole galleries)
    keys = frame[["guid", "gallery"]].drop_duplicates()
    return frame, [(str(g), str(gal)) for g, gal in keys.itertuples(index=False)]


def product_guids(
    products: Iterable[str] | pd.DataFrame | pd.Series, names: dict[str, str]
) -> list[str]:
    """The guids of ``products=`` (a list, a Series, or a frame with ``guid``), in order, once
    each; the product names a frame carries go into ``names`` (kept where known)."""
    if isinstance(products, pd.DataFrame):
        if "guid" not in products.columns:
            raise FrameError("products= as a frame needs a guid column")
        # An images frame names the product in product_name; a product list in name.
        column = "product_name" if "product_name" in products.columns else None
        if column is None and "name" in products.columns and "gallery" not in products:
            column = "name"
        if column is not None:
            for guid, label in products[["guid", column]].dropna().itertuples(index=False):
                names.setdefault(str(guid), str(label))
        values: Iterable[Any] = products["guid"].dropna()
    elif isinstance(products, pd.Series):
        values = products.dropna()
    elif isinstance(products, str):
        values = [products]
    else:
        values = products
    return list(dict.fromkeys(str(v) for v in values))


def editor_language(
    client: ShoptetClient, images: pd.DataFrame | None, language: str | None
) -> str | None:
    """The one language an editor edits, as frames carry it (None: the shop's default).

    Opened on a frame, the editor edits the frame's language; ``language=`` may name it (by
    code, the default's too) but not another one.
    """
    from ..read import language_key

    wanted = language_key(client, language)
    if not isinstance(images, pd.DataFrame):
        return wanted  # images= of a wrong type is refused with the other checks of the frame
    found = frame_language(images)
    if language is None or "language" not in images.columns:
        return found if language is None else wanted
    if wanted != found:
        raise ArgumentError(
            f"GalleryEditor: language={language!r}, but the frame's captions are in "
            f"{language_name(found)}; leave language= out (the editor edits the frame's "
            "language) or read the frame in that language"
        )
    return wanted


def worklist_languages(frame: pd.DataFrame) -> list[tuple[str | None, pd.DataFrame]]:
    """The languages of a worklist's frame, in the order they first come, each with its rows
    (None: the shop's default; a frame without ``language`` is all the default's)."""
    if not isinstance(frame, pd.DataFrame) or "language" not in frame.columns:
        return [(None, frame)]  # not a frame: worklist_photos says what is wrong
    values = frame["language"].astype("string")
    keys = values.fillna("").tolist()  # "" stands for the default while grouping
    out = []
    for code in dict.fromkeys(keys):
        rows = frame[[k == code for k in keys]]
        out.append((code or None, rows))
    return out or [(None, frame)]


def worklist_photos(frame: pd.DataFrame) -> tuple[list[Photo], dict[Photo, str]]:
    """The photos of a worklist frame, in order, and the suggestions it carries by photo.

    A findings frame (it has ``rule``) holds one row per finding, so one photo may come several
    times; any other frame should hold each photo once, and a repeat is dropped with a warning.
    """
    require_photo_key(
        frame,
        "CaptionWorklist: the frame",
        "pass a read_images() frame, a slice of it, or lint_captions() findings",
    )
    for column in IMAGE_KEY:
        empty = frame[column].isna() | (frame[column].astype("string").str.strip() == "")
        if empty.any():
            label = frame.index[empty.to_numpy()][0]
            raise FrameError(
                f"CaptionWorklist: row {label!r} has no {column}; every photo needs guid, "
                "gallery and name — drop or fill that row"
            )
    galleries = set(frame["gallery"].astype(str))
    unknown = galleries - {"shop", "shop360"}
    if unknown:
        raise FrameError(
            f"CaptionWorklist: unknown gallery {sorted(unknown)[0]!r}; use 'shop' or 'shop360'"
        )
    keys_all = keys_of(frame)
    keys = list(dict.fromkeys(keys_all))
    # The findings themselves are not kept: the grid checks every caption by the same rules,
    # live, so a fixed caption loses its finding at once.
    if "rule" not in frame.columns and len(keys) < len(keys_all):
        warnings.warn(
            f"CaptionWorklist: {len(keys_all) - len(keys)} repeated photo(s) (same guid, gallery "
            "and name) shown once; the first row of each is used",
            UserWarning,
            stacklevel=3,
        )
    suggestions: dict[Photo, str] = {}
    if "suggestion" in frame.columns:
        for key, text in zip(keys_all, frame["suggestion"], strict=True):
            value = text_or_none(text)
            if value is not None:
                suggestions.setdefault(key, value)
    return keys, suggestions
