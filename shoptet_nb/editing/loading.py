"""Reading galleries for an editing session, and the frames a session hands its views.

Pure frame work and one read function (``read_images`` by default, a fake in tests); no widget
library. A gallery is ``(guid, gallery)``, a photo ``(guid, gallery, name)``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..columns import IMAGE_COLUMNS, IMAGE_KEY, typed
from ..errors import ShoptetError

if TYPE_CHECKING:
    from ..client import ShoptetClient
    from .model import EditModel

__all__ = [
    "Gallery",
    "Photo",
    "ReadFunction",
    "ReadProblem",
    "edited_frame",
    "galleries_of",
    "keys_of",
    "parse_photo_id",
    "photo_id",
    "read_galleries",
    "restrict",
]

#: A gallery: (product guid, gallery name).
Gallery = tuple[str, str]
#: A photo: (product guid, gallery name, file name).
Photo = tuple[str, str, str]
#: How a session reads the shop: ``read_images``' signature (``client, guids, *, gallery,
#: language, progress``).
ReadFunction = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class ReadProblem:
    """A gallery (or a whole read) that could not be read; ``str()`` is the sentence shown."""

    #: The product that failed, None when the whole read failed.
    guid: str | None
    #: Its gallery when the shop said which, else None (every gallery of the product).
    gallery: str | None
    message: str
    #: The error of a whole read that failed (None for one product's failure).
    error: ShoptetError | None = None

    def __str__(self) -> str:
        if self.guid is None:
            return f"Could not read the galleries from the shop: {self.message}"
        return f"Could not read product {self.guid}: {self.message}"

    def concerns(self, photo: Photo) -> bool:
        """Whether this problem is why ``photo`` could not be read."""
        if self.guid is None:
            return True
        return self.guid == photo[0] and self.gallery in (None, photo[1])


def read_galleries(
    read: ReadFunction,
    client: ShoptetClient,
    guids: Sequence[str],
    galleries: Sequence[str],
    *,
    language: str | None,
    progress: bool = False,
) -> tuple[pd.DataFrame | None, list[ReadProblem]]:
    """Read the galleries of ``guids`` (one ``read`` call) in ``language``.

    Returns the frame (None when the whole read failed) and the problems met: a product that
    cannot be read does not stop the others, and no warning is raised (the views show the
    problems instead).
    """
    gallery: str | list[str] = galleries[0] if len(galleries) == 1 else list(galleries)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # read failures are returned as problems instead
        try:
            frame = read(client, list(guids), gallery=gallery, language=language, progress=progress)
        except ShoptetError as exc:
            return None, [ReadProblem(None, None, str(exc), exc)]
    problems = [
        ReadProblem(
            str(item.get("guid")),
            str(item["gallery"]) if item.get("gallery") else None,
            str(item.get("message")),
        )
        for item in frame.attrs.get("read_errors") or []
    ]
    return frame, problems


def galleries_of(keys: Iterable[tuple[Any, ...]]) -> dict[str, list[str]]:
    """``{gallery name: [guid, ...]}`` of galleries or photos, in first-seen order."""
    out: dict[str, list[str]] = {}
    for key in keys:
        guids = out.setdefault(str(key[1]), [])
        if str(key[0]) not in guids:
            guids.append(str(key[0]))
    return out


def photo_id(key: Photo) -> str:
    """The id of a photo in a view: ``guid/gallery/name`` (names may hold ``/``)."""
    return "/".join(key)


def parse_photo_id(text: str) -> Photo:
    """Inverse of :func:`photo_id`."""
    guid, gallery, name = text.split("/", 2)
    return guid, gallery, name


def keys_of(frame: pd.DataFrame) -> list[Photo]:
    """The photo of every row of ``frame``, in order."""
    # Whole columns as plain str lists, zipped: row-wise itertuples is slow on 18,000 rows.
    columns = [frame[c].astype(str).tolist() for c in IMAGE_KEY]
    return list(zip(*columns, strict=True))


def restrict(frame: pd.DataFrame, keys: Sequence[Photo]) -> pd.DataFrame:
    """The rows of ``frame`` whose photo is in ``keys``, in the order of ``keys``."""
    order = {k: i for i, k in enumerate(keys)}
    frame = frame.drop_duplicates(IMAGE_KEY)
    positions = [order.get(k, -1) for k in keys_of(frame)]
    picked = frame.assign(_order=positions)
    picked = picked[picked["_order"] >= 0].sort_values("_order")
    return typed(picked.drop(columns="_order").reset_index(drop=True), IMAGE_COLUMNS)


def edited_frame(
    model: EditModel, galleries: Iterable[Gallery] | None = None, *, priorities: bool = False
) -> pd.DataFrame:
    """The galleries as they would be after saving (IMAGE_COLUMNS): every photo the model holds
    of them (all if None) but those marked for delete, in the wanted order, with the captions
    as edited and the first photo left of a ``shop`` gallery its main image (so a caption
    hint about the main image is about the photo that becomes main). Pending adds have no
    name yet: they are not rows (``model.pending_adds``). ``priorities=True`` also puts in the
    priorities a save would write (it builds the changes frame: leave it out where only
    captions matter)."""
    wanted = list(dict.fromkeys(model.keys if galleries is None else galleries))
    frame = model.base_frame(wanted)
    if frame.empty:
        return typed(frame, IMAGE_COLUMNS)
    keys = keys_of(frame)
    galleries_held = {(k[0], k[1]) for k in keys}
    gone = {(*key, n) for key in galleries_held for n in model.pending_deletes(*key)}
    if gone:
        frame = frame[[k not in gone for k in keys]].reset_index(drop=True)
        keys = keys_of(frame)
    place = {g: i for i, g in enumerate(wanted)}
    at: dict[Photo, int] = {}
    for key in galleries_held:
        kept = [n for n in model.order(*key) if (*key, n) not in gone]
        at.update({(*key, n): i for i, n in enumerate(kept)})
    # One sort key: the gallery's place, then the photo's place in the wanted order.
    size = len(frame) + 1
    sort_key = [place[(k[0], k[1])] * size + at.get(k, size - 1) for k in keys]
    frame = frame.assign(_at=sort_key)
    frame = frame.sort_values("_at", kind="stable").drop(columns="_at").reset_index(drop=True)
    keys = keys_of(frame)
    frame["description"] = pd.array([model.caption(*k) for k in keys], dtype="string")
    first = [at.get(k) == 0 for k in keys]
    shop = (frame["gallery"] == "shop").to_numpy()
    frame["is_main_image"] = pd.array(
        [f if s else m for f, s, m in zip(first, shop, frame["is_main_image"], strict=True)],
        dtype="boolean",
    )
    if priorities:
        changes = model.changes
        written = {
            (str(g), str(gal), str(n)): int(p)
            for g, gal, n, p in changes[[*IMAGE_KEY, "priority"]].itertuples(index=False)
            if not pd.isna(p)
        }
        frame["priority"] = pd.array(
            [written.get(k, p) for k, p in zip(keys, frame["priority"], strict=True)],
            dtype="Int64",
        )
    return typed(frame, IMAGE_COLUMNS)
