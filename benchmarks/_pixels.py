"""Decodable WebP originals and a pixel comparison, for ``bench_delete.py``'s ``webp="png"`` run.

The sandbox's seeded originals are header-true filler (nothing in shoptet_nb decodes an
original), so a seeded WebP original cannot be converted to PNG nor its pixels compared. The
benchmark swaps each picked seeded WebP photo for a real WebP file of the same scene (the
sandbox's detail cut, a real PNG, re-encoded as lossy WebP by Pillow), added through the add
path with the sandbox's ``insert_webp="accept"`` switch (as a shop that took WebP once, or a
CDN, would hold it), with the same priority, captions and variant references; the seeded
photo is then deleted. Not a public module.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

import shoptet_nb as sn
from shoptet_nb.sandbox import SandboxShop

LANGUAGES = ("cs", "sk", "en")


def decode(data: bytes) -> tuple[Any, str, bytes] | None:
    """``(size, mode, pixels)`` of an image Pillow decodes, None when it cannot."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.size, image.mode, image.tobytes()
    except Exception:  # Pillow raises many kinds for a file it cannot decode
        return None


def real_webp_originals(client: sn.ShoptetClient, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each seeded WebP photo swapped for a decodable WebP one in its place."""
    from PIL import Image

    shop: SandboxShop = client.sandbox
    webp = [r for r in frame.itertuples() if shop.photo(r.name).format == "WEBP"]
    if not webp:
        return frame
    adds: list[dict[str, Any]] = []
    for r in webp:
        image = next(i for i in shop.images(r.guid) if i["name"] == r.name)
        picture = client.read_file(str(client.image_url(r.name, "detail"))).content
        out = io.BytesIO()
        with Image.open(io.BytesIO(picture)) as shown:
            shown.convert("RGB").save(out, "WEBP", quality=80)
        adds.append(
            {
                "guid": r.guid,
                "gallery": r.gallery,
                "source_url": shop.stage(out.getvalue()),
                "description": image["description"],
                "priority": image["priority"],
            }
        )
    shop.set_options(insert_webp="accept")
    added = sn.add_images(
        client, pd.DataFrame(adds), allow_webp=True, skip_duplicates=False, progress=False
    )
    shop.set_options(insert_webp="reject")
    assert added.rows["status"].eq("added").all(), added.rows["message"].tolist()
    rename = {(r.guid, r.name): str(new) for r, new in zip(webp, added.rows["name"], strict=True)}
    for (guid, old), new in rename.items():
        for lang in LANGUAGES[1:]:
            caption = next(i for i in shop.images(guid, language=lang) if i["name"] == old)
            shop.set_image(guid, "shop", new, description=caption["description"], language=lang)
        for code, shown_name in shop.variant_images(guid).items():
            if shown_name == old:
                shop.set_variant_image(guid, code, new)
    gone = sn.delete_images(
        client,
        pd.DataFrame({"guid": [g for g, _ in rename], "name": [n for _, n in rename]}),
        remove_references=True,
        journal=False,
        progress=False,
    )
    assert gone.rows["status"].eq("deleted").all(), gone.rows["message"].tolist()
    frame = frame.copy()
    frame["name"] = [
        rename.get((g, n), n) for g, n in zip(frame["guid"], frame["name"], strict=True)
    ]
    return frame
