"""A test double of the add path for restoring deleted photos (tests of the revert's own
logic that should not wait for insert jobs; ``revert`` uses the real add path,
``write/add/readd.py``, by default, and ``benchmarks/bench_delete.py`` measures that one).

``delete_revert.ReAdder`` is the one call a restore needs ("add these photos to these
galleries, with these captions and priorities; the new names"). The real one posts
``sourceUrl``s and follows the jobs. This double does what Shoptet's servers would do after
fetching each staged URL, inside the in-process sandbox: it adds a photo whose original file is
the staged bytes. The sandbox can only serve files it can compute (``photos.Photo``), so the
double knows the photos of the products under test by the sha256 of their originals and refuses
bytes it does not know (a restore that staged different bytes fails the test instead of
passing)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from shoptet_nb.sandbox import SandboxShop
from shoptet_nb.sandbox.catalogue import ImageRecord
from shoptet_nb.sandbox.photos import extra_name, original_range, original_size
from shoptet_nb.write.delete_revert import ReAdd

STAGE_HOST = "https://stage.example.test/"


def original_sha(shop: SandboxShop, name: str) -> str:
    photo = shop.photo(name)
    return hashlib.sha256(original_range(photo, 0, original_size(photo))).hexdigest()


class SandboxReAdder:
    """``stage`` (bytes → URL) and the ReAdder for the sandbox shop ``shop``."""

    def __init__(self, shop: SandboxShop, guids: Iterable[str]) -> None:
        self.shop = shop
        self.staged: dict[str, bytes] = {}
        self.photos = {
            original_sha(shop, image["name"]): shop.photo(image["name"])
            for guid in guids
            for image in shop.images(guid)
        }
        self.calls = 0

    def stage(self, content: bytes) -> str:
        url = STAGE_HOST + hashlib.sha256(content).hexdigest()
        self.staged[url] = content
        return url

    def __call__(
        self, client: Any, galleries: Sequence[tuple[str, str, Sequence[ReAdd]]]
    ) -> list[list[str | None]]:
        self.calls += 1
        return [self._gallery(guid, gallery, photos) for guid, gallery, photos in galleries]

    def _gallery(self, guid: str, gallery: str, photos: Sequence[ReAdd]) -> list[str | None]:
        store = self.shop.app.store
        product = store.product(guid)
        assert product is not None
        names: list[str | None] = []
        with store._lock:
            images = store._galleries(product)[gallery]
            taken = {image.name for image in images}
            for item in photos:
                content = self.staged[item.source_url]
                photo = self.photos[hashlib.sha256(content).hexdigest()]
                n = 0
                while extra_name(product.index, n, ".jpg") in taken:
                    n += 1
                name = extra_name(product.index, n, ".jpg")
                taken.add(name)
                images.append(
                    ImageRecord(
                        name=name,
                        gallery=gallery,
                        priority=item.priority,
                        description=item.description,
                        change_time=self.shop.app.clock.now(),
                        photo=photo,
                    )
                )
                names.append(name)
        return names
