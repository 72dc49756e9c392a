"""The shop's side of the diff: a given base checked, and what it lacks read fresh."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from ..client import ShoptetClient
from ..columns import IMAGE_COLUMNS, typed
from ..errors import FrameError
from ..frames import rename_api_columns
from ..read import READ_ERRORS_ATTR, read_images
from .keys import KEY, image_key, language_keys


def check_base(client: ShoptetClient, base: object, todo: pd.DataFrame) -> pd.DataFrame:
    """``base`` typed, its languages keyed as the plan keys them; refused if it cannot serve."""
    if not isinstance(base, pd.DataFrame):
        raise FrameError(f"base must be a DataFrame from read_images, got {type(base).__name__}")
    base = rename_api_columns(base)
    needed = ["guid", "gallery", "name", "priority", "description", "change_time"]
    missing = [c for c in needed if c not in base.columns]
    if missing:
        raise FrameError(
            f"base lacks column(s) {missing}: pass the frame read_images returned, unedited"
        )
    typed_base = typed(base, IMAGE_COLUMNS)
    typed_base["language"] = language_keys(client, typed_base["language"].astype("object"))
    if not typed_base.empty:
        have = set(typed_base["language"])
        other = sorted(set(todo["language"]) - have)
        if other:
            shown = ", ".join(repr(code or None) for code in sorted(have))
            wanted = ", ".join(repr(code or None) for code in other)
            raise FrameError(
                f"base was read in language {shown} but the edits are in {wanted} (None = the "
                "shop's default): captions differ by language, so this base cannot show what "
                "the edits change. Pass a base read with read_images(..., language=...) in the "
                "edits' language, or leave base out"
            )
    return typed_base


def base_for(
    client: ShoptetClient,
    todo: pd.DataFrame,
    given: pd.DataFrame | None,
    progress: bool,
) -> tuple[pd.DataFrame, frozenset[tuple[str, str, str]], dict[tuple[str, str], dict[str, Any]]]:
    """The images to diff against, which galleries were read fresh, and failed reads.

    A photo the given base lacks is read from the shop (its gallery then mixes base rows and
    fresh ones, so it is not counted as fresh: apply re-reads it before writing).
    """
    parts = []
    fresh: set[tuple[str, str, str]] = set()
    failures: dict[tuple[str, str], dict[str, Any]] = {}
    columns = list(IMAGE_COLUMNS)
    if given is not None:
        parts.append(given)
    covered = image_key(given).unique() if given is not None else None
    in_base = (
        set(zip(given["guid"], given["gallery"], given["language"], strict=True))
        if given is not None
        else set()
    )
    for code, group in todo.groupby("language", sort=True):
        language = str(code)
        wanted = group[KEY]
        if covered is not None:
            wanted = wanted[~image_key(wanted).isin(covered)]
        needed = wanted[["guid", "gallery"]].drop_duplicates()
        if needed.empty:
            continue
        galleries = sorted(needed["gallery"].unique())
        with warnings.catch_warnings():
            # Unreadable products become row statuses here, not a warning.
            warnings.simplefilter("ignore", UserWarning)
            # Gallery by gallery, never a snapshot: a snapshot shows the shop as it was when its
            # job ran (maybe minutes ago), so apply would have to read every gallery again
            # before writing it; these reads are fresh and spare apply that second read.
            read = read_images(
                client,
                sorted(needed["guid"].unique()),
                gallery=galleries,
                language=language or None,
                progress=progress,
                method="galleries",
            )
        parts.append(read.assign(language=language))
        for item in read.attrs.get(READ_ERRORS_ATTR, []):
            failures[(item["guid"], item.get("gallery") or "*")] = item
        for guid, gallery in needed.itertuples(index=False):
            if (guid, gallery, language) not in in_base:
                fresh.add((guid, gallery, language))
    frames = [p[columns] for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=columns), frozenset(fresh), failures
    combined = pd.concat(frames, ignore_index=True)
    return combined.drop_duplicates(KEY), frozenset(fresh), failures
