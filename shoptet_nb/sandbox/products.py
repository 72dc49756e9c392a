"""Product routes: the list, the detail (by guid or variant code), and the product-detail
record the snapshot file reuses line by line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import clock
from .catalogue import GALLERIES, ProductRecord, category_guid, category_name, supplier_guid
from .catalogue import supplier_name as _supplier_name
from .exchange import (
    ApiError,
    Call,
    Result,
    error_item,
    filter_by_times,
    includes,
    int_param,
    paginator,
)
from .options import SandboxOptions
from .store import Store

#: Most guids or codes one ``productGuids``/``productCodes`` filter may name.
MAX_IDS = 50

#: The product time filters both the list and the snapshot accept.
PRODUCT_TIME_BOUNDS: Sequence[tuple[str, Any, bool]] = (
    ("changeTimeFrom", lambda p: p.change_time, True),
    ("changeTimeTo", lambda p: p.change_time, False),
    ("creationTimeFrom", lambda p: p.creation_time, True),
    ("creationTimeTo", lambda p: p.creation_time, False),
)


def id_list(call: Call, name: str) -> tuple[list[str] | None, dict[str, str] | None]:
    """``(ids, None)`` for a comma-separated ``productGuids``/``productCodes`` parameter,
    ``(None, None)`` when absent, ``(None, error item)`` when empty or over ``MAX_IDS``."""
    raw = call.param(name)
    if raw is None:
        return None, None
    wanted = [part for part in (piece.strip() for piece in raw.split(",")) if part]
    if not wanted:
        return None, error_item("missing-parameter", f'Missing value for parameter "{name}".', name)
    if len(wanted) > MAX_IDS:
        return None, error_item(
            "invalid-parameter",
            f'Invalid "{name}" parameter. Expected max. {MAX_IDS} elements, '
            f"but {len(wanted)} given.",
            name,
        )
    return wanted, None


def find(call: Call, guid: str) -> ProductRecord:
    """The stored product, or 404 ``product-not-found``."""
    product = call.app.store.product(guid)
    if product is None:
        raise ApiError(404, "product-not-found", f'Product "{guid}" not found.', guid)
    return product


def list_products(call: Call) -> Result:
    """``GET /api/products``: one page of product summaries (``include=images``: mainImage)."""
    request, options, store = call.request, call.options, call.app.store
    page = int_param(request, "page", 1, 1, 1_000_000)
    per_page = int_param(request, "itemsPerPage", 20, 1, options.max_items_per_page)
    products: list[ProductRecord] = list(store.all_products())
    wanted, problem = id_list(call, "productGuids")
    if problem is not None:
        raise ApiError(400, problem["errorCode"], problem["message"], problem["instance"])
    if wanted is not None:
        # As documented: with productGuids no other filter applies.
        chosen = set(wanted)
        products = [p for p in products if p.guid in chosen]
    else:
        visibility = call.param("visibility")
        if visibility:
            products = [p for p in products if p.visibility == visibility]
        products = filter_by_times(request, products, PRODUCT_TIME_BOUNDS)
    total = len(products)
    chunk = products[(page - 1) * per_page : page * per_page]
    items, images = [], 0
    with_images = "images" in includes(request)
    for product in chunk:
        item = summary(request.base, store.seed, product)
        if with_images:
            item["mainImage"] = store.main_image(product, options, call.language)
            images += item["mainImage"] is not None
        items.append(item)
    data = {"products": items, "paginator": paginator(total, page, per_page, len(items))}
    return Result(200, data, images=images)


def detail(call: Call) -> Result:
    """``GET /api/products/{guid}``."""
    return _detail_result(call, find(call, call.params["guid"]))


def detail_by_code(call: Call) -> Result:
    """``GET /api/products/code/{code}``: the product owning the variant code."""
    code = call.params["code"]
    product = call.app.store.product_by_code(code)
    if product is None:
        raise ApiError(404, "product-not-found", f'Product with code "{code}" not found.', code)
    return _detail_result(call, product)


def _detail_result(call: Call, product: ProductRecord) -> Result:
    with_images = "images" in includes(call.request)
    data = product_detail(
        call.app.store, call.request.base, product, call.options, call.language, with_images
    )
    return Result(200, data, images=len(data.get("images", ())))


def summary(base: str, seed: int, product: ProductRecord) -> dict[str, Any]:
    """The product as the list shows it (the detail starts from this)."""
    return {
        "guid": product.guid,
        "type": "product",
        "name": product.name,
        "url": f"{base}/{product.slug}/",
        "visibility": product.visibility,
        "creationTime": clock.format_time(product.creation_time),
        "changeTime": clock.format_time(product.change_time),
        "brand": _brand(product),
        "supplier": _supplier(seed, product),
        "defaultCategory": {
            "guid": category_guid(seed, product.category),
            "name": category_name(product.category),
            "visible": True,
        },
    }


def product_detail(
    store: Store,
    base: str,
    product: ProductRecord,
    options: SandboxOptions,
    language: str,
    with_images: bool,
) -> dict[str, Any]:
    """The product-detail record (``components/schemas/product``); with images of both
    galleries when asked. A snapshot line is exactly this."""
    data = summary(base, store.seed, product)
    images = store.variant_images(product)
    data.update(
        {
            "shortDescription": f"<p>{product.name}</p>",
            "description": f"<p>{product.name} z testovacího obchodu.</p>",
            "metaDescription": None,
            "internalNote": None,
            "hsCode": None,
            "isVariant": len(product.codes) > 1,
            "variants": [_variant(product, code, images) for code in product.codes],
        }
    )
    if with_images:
        data["images"] = store.images(product, GALLERIES, options, language)
    return data


def _brand(product: ProductRecord) -> dict[str, str] | None:
    if product.brand is None:
        return None
    return {"code": product.brand[0], "name": product.brand[1]}


def _supplier(seed: int, product: ProductRecord) -> dict[str, str] | None:
    if product.supplier is None:
        return None
    return {"guid": supplier_guid(seed, product.supplier), "name": _supplier_name(product.supplier)}


def _variant(product: ProductRecord, code: str, images: dict[str, str]) -> dict[str, Any]:
    price = 99 + (product.index * 37) % 900
    return {
        "code": code,
        "ean": None,
        "stock": f"{(product.index * 7) % 50}.000",
        "unit": "ks",
        "weight": "0.500",
        "width": "10.0",
        "height": "5.0",
        "depth": "2.0",
        "visible": True,
        "price": f"{price}.00",
        "commonPrice": None,
        "manufacturerCode": None,
        "pluCode": None,
        "isbn": None,
        "serialNo": None,
        "mpn": None,
        "includingVat": True,
        "vatRate": "21.00",
        "currencyCode": "CZK",
        "minStockSupply": None,
        "actionPrice": None,
        "amountDecimalPlaces": 0,
        "negativeStockAllowed": "no-global",
        "image": images.get(code),
        "isProductDefaultImage": code not in images,
        "name": None,
    }
