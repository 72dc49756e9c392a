"""The plan of a delete: each photo with its variant references, whether it is the main image
and which photo becomes main; a status per input row before anything is deleted.

One read per product (its detail with images, which also lists its variants' images): a
photo a variant shows is ``blocked`` unless ``remove_references=True``, since Shoptet refuses
to delete it (409) and deleting it with ``removeReference`` changes what the variant shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..client import GALLERIES, ShoptetClient
from ..errors import APIError, ArgumentError, NetworkError, NotFoundError
from .values import plain

#: Columns of a delete plan's and result's ``rows`` (one row per input row, same index).
DELETE_ROW_COLUMNS = (
    "guid",
    "gallery",
    "name",
    "product_name",
    "status",
    "message",
    "is_main",
    "becomes_main",
    "variant_codes",
    "priority",
    "description",
)

_NEEDED = ("guid", "name")


@dataclass
class DeletePlan:
    """What ``delete_images`` will do: ``rows`` (``DELETE_ROW_COLUMNS``, one per input row)
    and, per product read, its detail (``products``: guid → the API's product record)."""

    client: ShoptetClient
    rows: pd.DataFrame
    remove_references: bool
    products: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status."""
        return {str(k): int(v) for k, v in self.rows["status"].value_counts().items()}


def plan_deletes(
    client: ShoptetClient, frame: pd.DataFrame, *, remove_references: bool = False
) -> DeletePlan:
    """Check ``frame`` (columns ``guid``, ``name``, optional ``gallery``, default ``shop``) and
    read each product once: a :class:`DeletePlan` with a status per row (``would_delete``,
    ``blocked``, ``not_found``, ``invalid``; ``failed`` when its product could not be read).
    Raises :class:`ArgumentError` for a frame it cannot read at all, before any request."""
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentError(f"delete_images takes a DataFrame, got {type(frame).__name__}")
    missing = [column for column in _NEEDED if column not in frame.columns]
    if missing:
        raise ArgumentError(
            f"the frame has no {' or '.join(repr(c) for c in missing)} column: a delete "
            "needs guid and name per photo (gallery is 'shop' unless given)"
        )
    rows = [_row(frame, position) for position in range(len(frame))]
    _mark_invalid(rows)
    guids = sorted({row["guid"] for row in rows if row["status"] is None})
    products: dict[str, dict[str, Any]] = {}
    failures: dict[str, tuple[str, str]] = {}
    for guid, outcome in client.map(lambda g: client.get_product(g, include_images=True), guids):
        if isinstance(outcome, NotFoundError):
            failures[guid] = ("not_found", "no product with this guid in the shop")
        elif isinstance(outcome, (APIError, NetworkError)):
            # Nothing true can be said of its photos: they are not touched.
            failures[guid] = ("failed", f"the product could not be read, not deleted: {outcome}")
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            products[guid] = outcome
    for row in rows:
        if row["status"] is not None:
            continue
        if row["guid"] in failures:
            status, message = failures[row["guid"]]
            row.update(status=status, message=message)
            continue
        _classify(row, products[row["guid"]], remove_references)
    _mark_new_mains(rows, products)
    table = pd.DataFrame(rows, index=frame.index, columns=list(DELETE_ROW_COLUMNS))
    return DeletePlan(client, table, remove_references, products)


def _row(frame: pd.DataFrame, position: int) -> dict[str, Any]:
    record = frame.iloc[position]  # by position: the caller's index may repeat labels
    # A blank gallery is the shop gallery, as for an add (a frame mixing both galleries).
    gallery = plain(record["gallery"]) if "gallery" in frame.columns else None
    gallery = "shop" if gallery is None else gallery
    row: dict[str, Any] = dict.fromkeys(DELETE_ROW_COLUMNS)
    row.update(guid=plain(record["guid"]), gallery=gallery, name=plain(record["name"]))
    row["is_main"] = False
    return row


def _mark_invalid(rows: list[dict[str, Any]]) -> None:
    seen: set[tuple[Any, Any, Any]] = set()
    for row in rows:
        key = (row["guid"], row["gallery"], row["name"])
        if not isinstance(row["guid"], str) or not row["guid"].strip():
            problem = "guid is empty"
        elif row["name"] is not None and not isinstance(row["name"], str):
            problem = f"name must be a photo's file name (text), got {row['name']!r}"
        elif not isinstance(row["name"], str) or not row["name"].strip():
            problem = "name is empty: say which photo to delete"
        elif row["gallery"] not in GALLERIES:
            problem = f"gallery must be 'shop' or 'shop360', not {row['gallery']!r}"
        elif key in seen:
            problem = "the same photo is listed twice; it is deleted once (see the first row)"
        else:
            seen.add(key)
            continue
        row.update(status="invalid", message=problem)


def references(product: dict[str, Any], name: str) -> list[str]:
    """The codes of the product's variants whose image is photo ``name``."""
    return sorted(
        str(v.get("code"))
        for v in product.get("variants") or []
        if isinstance(v, dict) and v.get("image") == name
    )


def gallery_images(product: dict[str, Any], gallery: str) -> list[dict[str, Any]]:
    """The product's photos of one gallery, in the order the API listed them (admin order)."""
    return [i for i in product.get("images") or [] if i.get("gallery", "shop") == gallery]


def _classify(row: dict[str, Any], product: dict[str, Any], remove_references: bool) -> None:
    row["product_name"] = product.get("name")
    image = next(
        (i for i in gallery_images(product, row["gallery"]) if i.get("name") == row["name"]),
        None,
    )
    if image is None:
        row.update(status="not_found", message=f"no photo {row['name']!r} in {row['gallery']}")
        return
    codes = references(product, row["name"]) if row["gallery"] == "shop" else []
    row.update(
        is_main=bool(image.get("isMainImage")),
        variant_codes=", ".join(codes) or None,
        priority=image.get("priority"),
        description=image.get("description"),
    )
    if codes and not remove_references:
        row.update(
            status="blocked",
            message=f"variant(s) {', '.join(codes)} show this photo: not deleted; "
            "remove_references=True deletes it and they show the product's main image",
        )
        return
    shown = f"; variant(s) {', '.join(codes)} will show the main image" if codes else ""
    row.update(status="would_delete", message=f"will be archived, then deleted{shown}")


def _mark_new_mains(rows: list[dict[str, Any]], products: dict[str, dict[str, Any]]) -> None:
    """On the row of a main photo that goes, the photo that becomes main (or a tie)."""
    going: dict[str, set[str]] = {}
    for row in rows:
        if row["status"] == "would_delete" and row["gallery"] == "shop":
            going.setdefault(row["guid"], set()).add(row["name"])
    for row in rows:
        if row["status"] != "would_delete" or not row["is_main"]:
            continue
        rest = [
            i
            for i in gallery_images(products[row["guid"]], "shop")
            if i["name"] not in going[row["guid"]]
        ]
        row["becomes_main"] = _next_main(rest)
        row["message"] += (
            f"; {row['becomes_main']} becomes the main image"
            if row["becomes_main"]
            else "; no photo is left: the product will have no main image"
        )


def _next_main(rest: list[dict[str, Any]]) -> str | None:
    """The photo with the lowest priority among ``rest``; several tied: all of them, since
    Shoptet documents no order for equal priorities."""
    ordered = [i for i in rest if i.get("priority") is not None]
    if not ordered:
        names = [str(i["name"]) for i in rest]
        if len(names) <= 1:
            return names[0] if names else None
        return f"one of {', '.join(names)} (no priorities)"
    lowest = min(i["priority"] for i in ordered)
    tied = [str(i["name"]) for i in ordered if i["priority"] == lowest]
    return tied[0] if len(tied) == 1 else f"one of {', '.join(tied)} (equal priority)"
