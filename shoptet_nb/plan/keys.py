"""How a plan names one image in one language: the key every step of planning merges on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..client import ShoptetClient
from ..read import language_key

KEY = ["guid", "gallery", "name", "language"]
NO_LANGUAGE = ""  # stands for "the shop's default language" in merge keys


def image_key(frame: pd.DataFrame) -> pd.MultiIndex:
    """One text key per row (``KEY``'s columns; a null language is the shop's default)."""
    return pd.MultiIndex.from_arrays(
        [frame[c].astype("object").fillna(NO_LANGUAGE).astype(str) for c in KEY]
    )


def language_keys(client: ShoptetClient, languages: pd.Series) -> pd.Series:
    """Language codes as the plan keys them: the shop's default, by name or null, is ``""``."""
    out = languages.astype("object").copy()
    text = np.fromiter((isinstance(v, str) for v in out), dtype=bool, count=len(out))
    for code in pd.unique(out[text]):
        out[text & (out == code).to_numpy()] = language_key(client, code) or NO_LANGUAGE
    out[out.isna()] = NO_LANGUAGE  # anything else is an invalid row and keeps its value
    return out
