"""The API's route table: (method, path template) → handler, and the matcher the app uses.

Templates are Shoptet's own (as in its OpenAPI file), so the stats and the schema checks of the
tests key on them. Literal segments win over parameters by order: ``/api/products/snapshot``
is listed before ``/api/products/{guid}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import deletes, eshop, images, inserts, jobs, products, variants, webhooks
from .exchange import Call, Result

Handler = Callable[[Call], Result]


@dataclass(frozen=True)
class Route:
    """One operation: its method, path template and handler."""

    method: str
    template: str
    handler: Handler


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/products", products.list_products),
    Route("GET", "/api/products/snapshot", jobs.start_snapshot),
    Route("GET", "/api/products/code/{code}", products.detail_by_code),
    Route("GET", "/api/products/{guid}", products.detail),
    Route("PATCH", "/api/products/{guid}", variants.patch_product),
    Route("GET", "/api/products/{guid}/images/{gallery}", images.list_gallery),
    Route("PATCH", "/api/products/{guid}/images/{gallery}", images.patch_gallery),
    Route("POST", "/api/products/{guid}/images/{gallery}", inserts.create_images),
    Route("DELETE", "/api/products/{guid}/images/{gallery}/{imageName}", deletes.delete_image),
    Route("GET", "/api/eshop", eshop.eshop),
    Route("GET", "/api/system/jobs", jobs.list_jobs),
    Route("GET", "/api/system/jobs/{jobId}", jobs.job_detail),
    Route("GET", "/api/webhooks", webhooks.list_webhooks),
    Route("POST", "/api/webhooks", webhooks.register_webhooks),
)

_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    dict.fromkeys((r.template, tuple(r.template.strip("/").split("/"))) for r in ROUTES)
)


@dataclass(frozen=True)
class Match:
    """A path matched to a template: its parameters and the handlers by method."""

    template: str
    params: dict[str, str]
    handlers: dict[str, Handler]


def match(path: str) -> Match | None:
    """The first template the path fits, or None.

    >>> match("/api/products/abc/images/shop").params
    {'guid': 'abc', 'gallery': 'shop'}
    """
    parts = path.strip("/").split("/")
    for template, segments in _TEMPLATES:
        if len(segments) != len(parts):
            continue
        params: dict[str, str] = {}
        for segment, part in zip(segments, parts, strict=True):
            if segment.startswith("{"):
                params[segment[1:-1]] = part
            elif segment != part:
                break
        else:
            handlers = {r.method: r.handler for r in ROUTES if r.template == template}
            return Match(template, params, handlers)
    return None
