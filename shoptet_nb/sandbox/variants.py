"""Variant images: which variant shows which photo, and the ``PATCH /api/products/{guid}``
subset that sets it.

Shoptet's product detail lists ``variants[].image`` (a name from the product's gallery, or null)
and ``variants[].isProductDefaultImage`` (true when the variant shows the product's own main
image). A photo a variant shows cannot be deleted unless the delete also removes the reference
(``removeReference=true``; see ``deletes``).

The sandbox seeds references for a share of the products that have several variants
(``variant_image_share``), each variant showing a photo of gallery ``shop`` (sandbox decision:
only ``shop`` photos are referenced). ``PATCH /api/products/{guid}`` takes only
``{"data": {"variants": [{"code", "image"}]}}`` here (sandbox decision: a shop under test
needs nothing else); an unknown code is refused with 422 instead of creating a variant as
Shoptet does (sandbox decision: a client that sends an unknown code has a bug the test should
see, not a new variant).
"""

from __future__ import annotations

from typing import Any

from .exchange import ApiError, Call, Result
from .products import find, product_detail
from .validation import invalid, unexpected_keys

_VARIANT_KEYS = frozenset({"code", "image"})


def patch_product(call: Call) -> Result:
    """``PATCH /api/products/{guid}``: set or clear variant images (the subset above)."""
    product = find(call, call.params["guid"])
    changes = _check_body(call.request.json, product.codes)
    store = call.app.store
    for code, image in changes:
        try:
            store.set_variant_image(product, code, image, call.options)
        except KeyError:
            raise ApiError(
                422,
                "invalid-request-data",
                f'Image "{image}" does not exist within product "{product.guid}".',
                "data.variants.image",
            ) from None
    data = product_detail(
        store, call.request.base, product, call.options, call.language, with_images=False
    )
    return Result(200, data)


def _check_body(body: Any, codes: list[str]) -> list[tuple[str, str | None]]:
    """``[(code, image or None)]`` of a valid body; 422 ``invalid-request-data`` otherwise."""
    errors: list[dict[str, str]] = []
    variants: Any = None
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        errors.append(invalid('Body must be {"data": {...}}.', "payload"))
    else:
        errors += unexpected_keys(body, {"data"}, "")
        errors += unexpected_keys(body["data"], {"variants"}, "data")
        variants = body["data"].get("variants")
        if not isinstance(variants, list) or not variants:
            errors.append(invalid('"variants" must be a non-empty array.', "data.variants"))
    changes: list[tuple[str, str | None]] = []
    known = {code.upper(): code for code in codes}
    for i, item in enumerate(variants if isinstance(variants, list) and not errors else []):
        where = f"data.variants[{i}]"
        if not isinstance(item, dict):
            errors.append(invalid("Variant must be an object.", where))
            continue
        errors += unexpected_keys(item, _VARIANT_KEYS, where)
        code, image = item.get("code"), item.get("image")
        if not isinstance(code, str) or code.upper() not in known:
            errors.append(
                invalid(
                    f'Unknown variant code "{code}" (the sandbox creates no variants).',
                    f"{where}.code",
                )
            )
        elif "image" not in item or not (image is None or (isinstance(image, str) and image)):
            errors.append(invalid('"image" must be a file name or null.', f"{where}.image"))
        else:
            changes.append((known[code.upper()], image))
    if errors:
        error = ApiError(422, "invalid-request-data", errors[0]["message"], errors[0]["instance"])
        error.errors = errors
        raise error
    return changes
