"""``DELETE /api/products/{guid}/images/{gallery}/{imageName}`` (deleteOneProductImage), minimal.

Only what undoing an insert needs: the photo leaves the gallery, 200 ``{"data": null}``; an
unknown name is 404 (decision A10). Variant references (409 without ``removeReference``) are
not modelled here: the full route with references comes with the delete work of issue 17, which
replaces this module.
"""

from __future__ import annotations

from .exchange import ApiError, Call, Result
from .images import checked_gallery
from .products import find


def delete_image(call: Call) -> Result:
    """Delete one photo of a gallery."""
    product = find(call, call.params["guid"])
    gallery, name = checked_gallery(call), call.params["imageName"]
    if not call.app.store.remove(product, gallery, name, call.options):
        raise ApiError(
            404,
            "invalid-request-data",
            f'Image "{name}" does not exist in gallery "{gallery}" of product "{product.guid}".',
            name,
        )
    return Result(200, None)
