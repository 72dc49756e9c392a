"""The shop's product list, searched by name, URL name or guid (the editor's product picker)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..client import ShoptetClient

__all__ = ["Catalogue", "fold"]

#: Matches a search offers.
SEARCH_LIMIT = 20


def fold(text: str) -> str:
    """Text for matching: case and accents ignored (``Čaj`` matches ``caj``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def catalogue_item(product: Mapping[str, Any]) -> dict[str, str]:
    """A product of the shop's list, for the search: what tells same-named ones apart.

    The product list carries no code (codes live on variants), so the product's URL name
    stands in for it when there is none, with the start of the guid.
    """
    guid = str(product.get("guid"))
    name = str(product.get("name") or guid)
    code = product.get("code")
    if not code:
        path = urlsplit(str(product.get("url") or "")).path.strip("/")
        code = path.rsplit("/", 1)[-1] if path else ""
    detail = " · ".join(x for x in (str(code or ""), f"guid {guid[:8]}…") if x)
    return {"guid": guid, "name": name, "detail": detail}


class Catalogue:
    """The shop's product list, read once (all pages, ``client.list_products``) on the first
    search; ``items`` are ``{guid, name, detail}``."""

    def __init__(self, client: ShoptetClient, language: str | None) -> None:
        self._client = client
        self._language = language
        self.items: list[dict[str, str]] | None = None

    def search(self, text: str) -> list[dict[str, str]]:
        """Products whose name, URL name or guid contains ``text`` (case and accents ignored),
        the first :data:`SEARCH_LIMIT`. Raises the client's error when the list cannot be read."""
        if self.items is None:
            listed = self._client.list_products(language=self._language)
            self.items = [catalogue_item(p) for p in listed if p.get("guid")]
        needle = fold(text.strip())
        return [
            item
            for item in self.items
            if not needle
            or needle in fold(item["name"])
            or needle in fold(item["detail"])
            or item["guid"].startswith(needle)
        ][:SEARCH_LIMIT]
