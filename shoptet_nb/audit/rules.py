"""The audit's rules: from each photo's facts to its findings. Pure: frames in, frames out.

Google Merchant Center, from 31 January 2027: every product image at least 500×500 px
(1500×1500 recommended), no file over 16 MB or 64 megapixels, and an extension that matches
the file's format. The other rules are housekeeping: the same photo twice in a gallery or in
several products, and products with a single photo.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .hashing import similar_pairs

#: Every rule, in the order a photo's findings are listed, with what to do about it.
AUDIT_RULES: dict[str, str] = {
    "below_500": "Smaller than 500 px on a side: Merchant Center refuses it from 2027; replace it",
    "below_1500": "500 to 1499 px on the shorter side: 1500 px or more is recommended",
    "over_16mb": "File over 16 MB: Merchant Center refuses it; save it smaller",
    "over_64mp": "Over 64 megapixels: Merchant Center refuses it; scale it down",
    "ext_mismatch": "The extension does not name the file's format: save it again in that format",
    "duplicate_in_gallery": "The same photo is in this gallery more than once: delete the copies",
    "duplicate_across_products": "The same photo is in another product too: check it belongs",
    "only_one_photo": "The only photo of its gallery: add more views",
}

#: Rules Merchant Center enforces from 2027: a photo with one of these must be replaced.
RULES_2027 = ("below_500", "over_16mb", "over_64mp", "ext_mismatch")

MIN_SIDE = 500
RECOMMENDED_SIDE = 1500
MAX_BYTES = 16 * 1024 * 1024  # Google's "16 MB" read as MiB: a file of 16,000,001 bytes passes
MAX_PIXELS = 64_000_000


def duplicate_groups(keys: pd.DataFrame, hashes: Sequence[str | None]) -> pd.Series:
    """A group number per row for photos that are the same picture (NA when unique).

    ``keys`` has ``guid``, ``gallery``, ``name`` (one row per photo); numbers follow the
    rows' order, so the same input gives the same numbers.
    """
    known = [i for i, h in enumerate(hashes) if isinstance(h, str) and h]
    parent = list(range(len(hashes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in similar_pairs([str(hashes[i]) for i in known]):
        ra, rb = root(known[a]), root(known[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = [root(i) for i in range(len(hashes))]
    sizes = pd.Series(roots).value_counts()
    numbers: dict[int, int] = {}
    groups: list[int | None] = []
    for r in roots:
        if sizes[r] < 2:
            groups.append(None)
            continue
        groups.append(numbers.setdefault(r, len(numbers) + 1))
    return pd.Series(pd.array(groups, dtype="Int64"), index=keys.index)


def findings(photos: pd.DataFrame) -> pd.Series:
    """A tuple of rule names per photo (in :data:`AUDIT_RULES` order; empty when none).

    ``photos`` needs ``guid``, ``gallery``, ``name``, ``width``, ``height``, ``bytes``,
    ``ext_matches`` and ``duplicate_group``; a photo whose facts are missing (it failed)
    gets only the findings that do not need them.
    """
    short = np.fmin(photos["width"].astype("Float64"), photos["height"].astype("Float64"))
    pixels = photos["width"].astype("Float64") * photos["height"].astype("Float64")
    group = photos["duplicate_group"]
    in_gallery = _shared(photos, group, ["guid", "gallery"])
    across = _spans_products(photos, group)
    per_gallery = photos.groupby(["guid", "gallery"], sort=False)["name"].transform("nunique")
    checks = {
        "below_500": short < MIN_SIDE,
        "below_1500": (short >= MIN_SIDE) & (short < RECOMMENDED_SIDE),
        "over_16mb": photos["bytes"].astype("Float64") > MAX_BYTES,
        "over_64mp": pixels > MAX_PIXELS,
        "ext_mismatch": photos["ext_matches"].astype("boolean") == False,  # noqa: E712 - NA stays NA
        "duplicate_in_gallery": in_gallery,
        "duplicate_across_products": across,
        "only_one_photo": per_gallery == 1,
    }
    flags = pd.DataFrame(
        {
            rule: pd.Series(check, index=photos.index).fillna(False).astype(bool)
            for rule, check in checks.items()
        }
    )
    names = np.array(list(AUDIT_RULES), dtype=object)
    return pd.Series(
        [tuple(names[row]) for row in flags[list(AUDIT_RULES)].to_numpy()],
        index=photos.index,
        dtype=object,
    )


def _shared(photos: pd.DataFrame, group: pd.Series, by: list[str]) -> pd.Series:
    """Whether another photo (another name) of the same group shares the ``by`` columns."""
    names = photos["name"].where(group.notna())
    counts = names.groupby([group, *(photos[c] for c in by)], dropna=True).transform("nunique")
    return counts.reindex(photos.index).fillna(0) > 1


def _spans_products(photos: pd.DataFrame, group: pd.Series) -> pd.Series:
    """Whether the photo's group holds photos of more than one product."""
    products = photos["guid"].where(group.notna())
    counts = products.groupby(group, dropna=True).transform("nunique")
    return counts.reindex(photos.index).fillna(0) > 1
