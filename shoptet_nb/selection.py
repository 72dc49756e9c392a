"""Pick the rows of an images frame that another frame names: ``select_photos``."""

from __future__ import annotations

import pandas as pd

from .errors import FrameError

__all__ = ["select_photos"]

#: What names a photo's caption: the product, its gallery, the language and the file name.
PHOTO_KEY = ["guid", "gallery", "language", "name"]


def select_photos(images: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``images`` whose photo ``keys`` names, by guid, gallery, language and name.

    ``keys`` is any frame with ``guid``, ``gallery`` and ``name`` (and ``language``), such as
    ``lint_captions`` findings: the result is the photos that have findings, each once, with
    every column of ``images`` (product name, URL, ``change_time``), in the frame's order and
    with its index. A file name alone is not a key: the same name recurs across products,
    galleries and languages. A frame without ``language`` means the shop's default language
    (``<NA>``), as in an edits frame; codes are compared as written.

    >>> findings = shoptet_nb.lint_captions(images)
    >>> worklist = shoptet_nb.select_photos(images, findings)
    """
    for label, frame in (("images", images), ("keys", keys)):
        if not isinstance(frame, pd.DataFrame):
            raise FrameError(
                f"select_photos(): {label} must be a DataFrame with guid, gallery and name "
                f"(a read_images frame, lint_captions findings), got {type(frame).__name__}"
            )
        missing = [c for c in PHOTO_KEY if c != "language" and c not in frame.columns]
        if missing:
            raise FrameError(
                f"select_photos(): {label} lacks the column(s) {', '.join(missing)}; a photo is "
                "named by guid, gallery and name (and language)"
            )
    wanted = _photo_keys(keys)
    return images[_photo_keys(images).isin(wanted)]


def _photo_keys(frame: pd.DataFrame) -> pd.MultiIndex:
    """One key per row; a null (or absent) language is ``""``, the shop's default."""
    columns = []
    for name in PHOTO_KEY:
        values = frame[name] if name in frame.columns else pd.Series(pd.NA, index=frame.index)
        columns.append(values.astype("object").fillna("").astype(str))
    return pd.MultiIndex.from_arrays(columns)
