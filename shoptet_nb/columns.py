"""The one table of every column shoptet_nb puts in a DataFrame, with its dtype.

Every frame the package returns is built from these declarations, so the README's column tables,
the readers and the tests all agree. Nullable pandas dtypes are used throughout so that a missing
value stays ``<NA>`` instead of turning an integer column into floats.
"""

from __future__ import annotations

import pandas as pd

#: Columns of the frame ``read_images`` returns (and ``Result.images``): one row per image.
IMAGE_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "language": "string",
    "priority": "Int64",
    "description": "string",
    "change_time": pd.DatetimeTZDtype("ns", "UTC"),
    "seo_name": "string",
    "cdn_name": "string",
    "is_main_image": "boolean",
    "url": "string",
    "product_name": "string",
}

#: The key of an image: a product, one of its galleries, and the image's file name.
IMAGE_KEY = ["guid", "gallery", "name"]

#: The fields a PATCH can change, in the order the API documents them.
EDITABLE_FIELDS = ["priority", "description"]

#: Per-row columns of ``Plan.rows`` (same index as the edits frame).
PLAN_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "language": "string",
    "status": "string",
    "reason": "string",
    "old_priority": "Int64",
    "new_priority": "Int64",
    "old_description": "string",
    "new_description": "string",
}

#: Per-row columns of ``Result.rows`` (same index as the edits frame).
RESULT_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "language": "string",
    "status": "string",
    "http_status": "Int64",
    "error_code": "string",
    "message": "string",
    "request_id": "string",
    "old_priority": "Int64",
    "new_priority": "Int64",
    "old_description": "string",
    "new_description": "string",
}

#: Columns of ``Result.errors`` and of the errors frame ``read_images`` attaches.
ERROR_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "error_code": "string",
    "message": "string",
    "instance": "string",
    "http_status": "Int64",
    "request_id": "string",
}

#: Columns of ``lint_captions``: one row per finding.
LINT_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "rule": "string",
    "message": "string",
    "description": "string",
    "language": "string",
    "change_time": pd.DatetimeTZDtype("ns", "UTC"),
    "cdn_name": "string",
}

#: Columns of ``read_captions``: an edits frame read from a spreadsheet (index: the sheet's row).
CAPTION_EDITS_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "language": "string",
    "description": "string",
    "product_name": "string",
    "url": "string",
    "original_description": "string",
    "change_time": pd.DatetimeTZDtype("ns", "UTC"),
    "invalid_reason": "string",
}

#: Columns of ``ImageAudit.photos`` (``audit_images``): one row per input row (a photo).
AUDIT_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "language": "string",
    "status": "string",
    "message": "string",
    "width": "Int64",
    "height": "Int64",
    "bytes": "Int64",
    "format": "string",
    "ext_matches": "boolean",
    "megapixels": "Float64",
    "aspect": "Float64",
    "phash": "string",
    "duplicate_group": "Int64",
    "findings": "object",
    "url": "string",
}

#: Columns of ``ImageAudit.products``: one row per (product, gallery) audited.
AUDIT_PRODUCT_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "photos": "Int64",
    "fail_2027": "Int64",
    "below_500": "Int64",
    "below_1500": "Int64",
    "over_16mb": "Int64",
    "over_64mp": "Int64",
    "ext_mismatch": "Int64",
    "duplicate_in_gallery": "Int64",
    "duplicate_across_products": "Int64",
    "only_one_photo": "boolean",
    "failed": "Int64",
    "smallest_side": "Int64",
}


def empty_frame(columns: dict[str, object]) -> pd.DataFrame:
    """An empty frame with the declared columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})  # type: ignore[call-overload]


def typed(frame: pd.DataFrame, columns: dict[str, object]) -> pd.DataFrame:
    """Return ``frame`` restricted to ``columns``, in their order, cast to their dtypes."""
    out = pd.DataFrame(index=frame.index)
    for name, dtype in columns.items():
        if name in frame.columns:
            out[name] = frame[name].astype(dtype)  # type: ignore[call-overload]
        else:  # all missing, in the column's own null (NA, NaT)
            out[name] = pd.Series(index=frame.index, dtype=dtype)  # type: ignore[call-overload]
    return out
