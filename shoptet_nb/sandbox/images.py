"""Gallery routes: ``GET`` and ``PATCH /api/products/{guid}/images/{gallery}``."""

from __future__ import annotations

from .catalogue import GALLERIES
from .exchange import ApiError, Call, Result
from .products import find
from .validation import check_patch_body


def gallery_of(call: Call) -> str:
    """The path's gallery: ``shop`` or ``shop360`` (else ``unknown_gallery_status``)."""
    gallery = call.params["gallery"]
    if gallery not in GALLERIES:
        raise ApiError(
            call.options.unknown_gallery_status,
            "gallery-not-found",
            f'Gallery "{gallery}" does not exist; use "shop" or "shop360".',
            gallery,
        )
    return gallery


def list_gallery(call: Call) -> Result:
    """The gallery's images in admin order."""
    product = find(call, call.params["guid"])
    gallery = gallery_of(call)
    images = call.app.store.images(product, [gallery], call.options, call.language)
    return Result(200, {"images": images}, images=len(images))


def patch_gallery(call: Call) -> Result:
    """Change captions and priorities (see ``store.Store.patch`` and the options)."""
    product = find(call, call.params["guid"])
    gallery = gallery_of(call)
    request, options = call.request, call.options
    if request.json is None and request.body.strip() not in (b"null",):
        raise ApiError(
            options.schema_error_status,
            "invalid-request-data",
            "Request body is not valid JSON.",
            "payload",
        )
    items, errors = check_patch_body(request.json)
    if errors:
        return Result(options.schema_error_status, errors=errors)
    outcome = call.app.store.patch(product, gallery, items, options, call.language)
    if not outcome.applied and outcome.errors and options.unknown_image_policy == "reject":
        return Result(400, errors=outcome.errors)
    call.app.stats.patched(f"{product.guid}/{gallery}", outcome.applied, outcome.changed)
    return Result(
        200,
        {"images": outcome.images},
        errors=outcome.errors or None,
        images=len(items),
    )
