"""``DELETE /api/products/{guid}/images/{gallery}/{imageName}``: delete one photo.

Synchronous, as documented: 200 with ``data`` null. A photo a variant shows is refused with
409 unless ``removeReference=true``, which deletes it and clears the references (the variants
then show the product's main image). Where Shoptet is silent (sandbox decisions, see
``shoptet-api.md``): an unknown photo is 404 ``invalid-request-data`` (Shoptet documents no
``image-not-found``); the refusal's code is ``image-referenced-by-variant`` and its message names
the variant codes; the next photo in admin order becomes the main image; the other photos keep
their priorities (gaps stay); the product's ``changeTime`` moves as for any image change
(``image_change_bumps_product``). The same DELETE while one is in flight is 423 (the write
lock of ``app``).
"""

from __future__ import annotations

from .exchange import ApiError, Call, Result
from .images import gallery_of
from .products import find
from .store import ReferencedImage

_TRUE, _FALSE = ("true", "1"), ("false", "0", "")


def delete_image(call: Call) -> Result:
    """Delete one photo (see the module docstring)."""
    product = find(call, call.params["guid"])
    gallery = gallery_of(call)
    name = call.params["imageName"]
    remove = _remove_reference(call)
    try:
        codes = call.app.store.remove_image(
            product, gallery, name, call.options, remove_reference=remove
        )
    except ReferencedImage as refused:
        raise ApiError(
            409,
            "image-referenced-by-variant",
            f'Image "{name}" is the image of variant(s) {", ".join(refused.codes)}; '
            "send removeReference=true to delete it and clear the reference.",
            name,
        ) from None
    if codes is None:
        raise ApiError(
            404,
            "invalid-request-data",
            f'Image "{name}" does not exist in gallery "{gallery}" of product "{product.guid}".',
            name,
        )
    return Result(200, None, images=1)


def _remove_reference(call: Call) -> bool:
    raw = call.param("removeReference")
    if raw is None or raw.lower() in _FALSE:
        return False
    if raw.lower() in _TRUE:
        return True
    raise ApiError(
        400,
        "invalid-parameter",
        f'Invalid "removeReference" parameter "{raw}". Expected true or false.',
        "removeReference",
    )
