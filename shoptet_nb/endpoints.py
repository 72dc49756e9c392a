"""The Shoptet endpoints shoptet_nb calls, as client methods: products, galleries, the shop.

Each method names one endpoint and its parameters; the request itself (limits, retries, the
envelope) is :meth:`~shoptet_nb.http_client.HttpClient.request`'s. :mod:`shoptet_nb.read`
turns what these return into frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ._times import format_shoptet_time
from .errors import ArgumentError
from .http_client import Envelope, HttpClient

GALLERIES = ("shop", "shop360")
_MAX_GUIDS_PER_FILTER = 50  # Shoptet's limit for the productGuids filter


class ShopEndpoints(HttpClient):
    """The endpoint methods of :class:`~shoptet_nb.api_client.ApiClient` (see there)."""

    #: What GET /api/eshop answered, once read (see _eshop_info).
    _eshop: dict[str, Any] | None = None

    def list_products(
        self,
        *,
        change_time_from: datetime | str | None = None,
        product_guids: Sequence[str] | None = None,
        language: str | None = None,
        items_per_page: int = 1000,
    ) -> list[dict[str, Any]]:
        """Every product of the shop (all pages), optionally filtered.

        ``change_time_from`` keeps products changed since then; ``product_guids`` keeps those
        products (sent in chunks of 50, Shoptet's limit per call).
        """
        base: dict[str, Any] = {"itemsPerPage": items_per_page, "language": language}
        if change_time_from is not None:
            base["changeTimeFrom"] = format_shoptet_time(change_time_from)
        if product_guids is not None:
            guids = list(dict.fromkeys(product_guids))
            chunks = [
                guids[i : i + _MAX_GUIDS_PER_FILTER]
                for i in range(0, len(guids), _MAX_GUIDS_PER_FILTER)
            ]
            # The chunks are independent: read them side by side, keep their order.
            found: dict[int, list[dict[str, Any]]] = {}
            for number, outcome in self.map(
                lambda n: self._all_pages({**base, "productGuids": ",".join(chunks[n])}),
                range(len(chunks)),
            ):
                if isinstance(outcome, BaseException):
                    raise outcome
                found[number] = outcome
            return [product for number in sorted(found) for product in found[number]]
        return self._all_pages(base)

    def _all_pages(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        first = self.request("GET", "/api/products", params={**params, "page": 1})
        pages: dict[int, list[dict[str, Any]]] = {1: _products_of(first)}
        page_count = int(((first.data or {}).get("paginator") or {}).get("pageCount") or 1)
        rest = range(2, page_count + 1)
        for page, result in self.map(
            lambda p: self.request("GET", "/api/products", params={**params, "page": p}), rest
        ):
            if isinstance(result, BaseException):
                raise result
            pages[page] = _products_of(result)
        return [product for page in sorted(pages) for product in pages[page]]

    def get_product(
        self, guid: str, *, include_images: bool = False, language: str | None = None
    ) -> dict[str, Any]:
        """One product's detail (``include=images`` adds its images)."""
        params = {"include": "images" if include_images else None, "language": language}
        data = self.request("GET", f"/api/products/{_seg(guid)}", params=params).data
        return dict(data or {})

    def get_product_by_code(self, code: str, *, language: str | None = None) -> dict[str, Any]:
        """The product that has a variant with this code."""
        path = f"/api/products/code/{_seg(code)}"
        return dict(self.request("GET", path, params={"language": language}).data or {})

    def list_images_envelope(
        self, guid: str, gallery: str = "shop", *, language: str | None = None
    ) -> Envelope:
        """The gallery's images as the raw envelope (keeps request id and any errors)."""
        _check_gallery(gallery)
        path = f"/api/products/{_seg(guid)}/images/{_seg(gallery)}"
        return self.request("GET", path, params={"language": language})

    def list_images(
        self, guid: str, gallery: str = "shop", *, language: str | None = None
    ) -> list[dict[str, Any]]:
        """The gallery's images in admin order, as the API's records."""
        envelope = self.list_images_envelope(guid, gallery, language=language)
        return list((envelope.data or {}).get("images") or [])

    def update_images(
        self,
        guid: str,
        gallery: str,
        items: Sequence[dict[str, Any]],
        *,
        language: str | None = None,
    ) -> list[Envelope]:
        """PATCH captions and priorities, in calls of at most 100 images; one envelope a call.

        A 200 whose ``errors`` lists skipped images is returned as is (see ``Envelope.errors``);
        an error status raises :class:`~shoptet_nb.errors.APIError`.
        """
        _check_gallery(gallery)
        if not items:
            raise ArgumentError("update_images needs at least one image")
        path = f"/api/products/{_seg(guid)}/images/{_seg(gallery)}"
        size = self.settings.max_images_per_call
        envelopes = []
        for start in range(0, len(items), size):
            chunk = [dict(item) for item in items[start : start + size]]
            envelopes.append(
                self.request(
                    "PATCH",
                    path,
                    params={"language": language},
                    json_body={"data": {"images": chunk}},
                    # PATCH sets absolute values, so a repeat after a lost answer is harmless.
                    retry_safe=True,
                    cost=1 + len(chunk) // 10,
                )
            )
        return envelopes

    def _eshop_info(self) -> dict[str, Any]:
        # One read serves the image cuts and the languages: both are fixed for a session.
        if self._eshop is None:
            data = self.request("GET", "/api/eshop", params={"include": "imageCuts"}).data
            self._eshop = dict(data or {})
        return self._eshop

    def image_cuts(self) -> list[dict[str, Any]]:
        """The shop's image cuts (``name``, ``width``, ``height``, ``urlPath``, ``cdnPath``)."""
        return list(self._eshop_info().get("imageCuts") or [])

    def default_language(self) -> str | None:
        """The shop's default language code (e.g. ``"cs"``), or None when the shop does not say.

        Read once from ``GET /api/eshop``: ``languages[].isDefault`` when the shop has foreign
        languages, else ``settings.eshopLanguage``. ``?language=`` with this code and no
        ``?language=`` at all address the same texts.

        >>> client.default_language()   # doctest: +SKIP
        'cs'
        """
        info = self._eshop_info()
        for language in info.get("languages") or []:
            if isinstance(language, dict) and language.get("isDefault"):
                code = language.get("code")
                if isinstance(code, str) and code:
                    return code
        code = (info.get("settings") or {}).get("eshopLanguage")
        return code if isinstance(code, str) and code else None

    def languages(self) -> list[str]:
        """The language codes the shop has (``?language=`` accepts them), [] when it does not say.

        Read with :meth:`default_language` (one ``GET /api/eshop`` per client).

        >>> client.languages()   # doctest: +SKIP
        ['cs', 'sk', 'en']
        """
        listed = self._eshop_info().get("languages") or []
        codes = [item.get("code") for item in listed if isinstance(item, dict)]
        known = [code for code in codes if isinstance(code, str) and code]
        default = self.default_language()
        return known or ([default] if default else [])

    def image_url(self, name: str, cut: str = "detail") -> str | None:
        """The full URL of an image file in one cut (``urlPath + name``)."""
        for item in self.image_cuts():
            if item.get("name") == cut and item.get("urlPath"):
                return str(item["urlPath"]) + name
        return None


def _products_of(envelope: Envelope) -> list[dict[str, Any]]:
    return list((envelope.data or {}).get("products") or [])


def _seg(value: str) -> str:
    """One path segment, escaped (guids are safe; product codes may hold anything)."""
    return quote(str(value), safe="")


def _check_gallery(gallery: str) -> None:
    if gallery not in GALLERIES:
        raise ArgumentError(
            f"unknown gallery {gallery!r}: use 'shop' (normal photos) or 'shop360' (360° photos)"
        )
