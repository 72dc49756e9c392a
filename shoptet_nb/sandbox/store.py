"""The shop's state: products and galleries behind one lock, plus the rules of a PATCH.

All reads hand out rendered copies (plain dicts), never the stored records, so nothing outside
this module can change the shop except through its methods.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import clock
from .catalogue import (
    ImageRecord,
    ProductRecord,
    make_galleries,
    make_products,
    seed_variant_images,
)
from .naming import seo_name, signed_name
from .options import SandboxOptions
from .photos import EXTRA_NAME, Photo, default_photo

_UNSET: Any = object()


def admin_order_key(image: ImageRecord) -> tuple[bool, int, str]:
    """Order of a gallery in the admin: priority ascending, null priorities last, ties by name."""
    return (image.priority is None, image.priority or 0, image.name)


def admin_order(images: Iterable[ImageRecord], options: SandboxOptions) -> list[ImageRecord]:
    """A gallery in admin order, equal priorities broken by the shop's ``tie_order``: by name,
    or (``"upload"``) in the order the photos were added; Shoptet documents neither."""
    if options.tie_order == "upload":
        # sorted() is stable and the gallery list is in upload order
        return sorted(images, key=lambda image: (image.priority is None, image.priority or 0))
    return sorted(images, key=admin_order_key)


class ReferencedImage(Exception):
    """A delete refused because variants show the photo (``codes``)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


@dataclass
class PatchOutcome:
    """What a PATCH did: images in response order, per-item errors, and which names were
    applied (every applied item) or changed (something actually differed)."""

    images: list[dict[str, Any]]
    errors: list[dict[str, str]]
    applied: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


class Store:
    """Thread-safe catalogue state for one ``SandboxOptions``."""

    def __init__(self, options: SandboxOptions, now: Callable[[], int] = clock.now) -> None:
        self._lock = threading.RLock()
        self._now = now
        self._seed = options.seed
        self._photo_copies = options.photo_copies
        self._variant_share = options.variant_image_share
        self._secret = f"sandbox-{options.seed}"
        self._products = make_products(options.seed, options.products)
        self._by_guid = {p.guid: p for p in self._products}
        self._by_code = {code: p for p in self._products for code in p.codes}
        #: File names of deleted photos: their files answer 404 (see :meth:`file_gone`).
        self._deleted_files: set[str] = set()

    # --- lookup ----------------------------------------------------------------------------
    @property
    def seed(self) -> int:
        """Seed the catalogue was made from."""
        return self._seed

    def product(self, guid: str) -> ProductRecord | None:
        """The stored product, or None (callers must hold no reference past the lock)."""
        return self._by_guid.get(guid)

    def product_by_code(self, code: str) -> ProductRecord | None:
        """The product owning the variant ``code`` (codes are upper-case; lookup ignores case)."""
        return self._by_code.get(code.upper())

    def all_products(self) -> Sequence[ProductRecord]:
        """All product records in catalogue order (headers only; do not mutate)."""
        return self._products

    def _galleries(self, product: ProductRecord) -> dict[str, list[ImageRecord]]:
        if product.galleries is None:
            galleries = make_galleries(self._seed, product, self._photo_copies)
            shop = sorted(galleries["shop"], key=admin_order_key)
            product.pinned_main = shop[0].name if shop else None
            product.galleries = galleries
            product.variant_images = seed_variant_images(
                self._seed,
                product.index,
                product.codes,
                [image.name for image in galleries["shop"]],
                self._variant_share,
            )
        return product.galleries

    def photo(self, name: str) -> Photo:
        """The photo a file name serves: an extra image's stored one, else the name's default.

        Extra images are named ``<product number>-<n>.<ext>``, so the product to look in is
        known without an index of every gallery (and its gallery is made on first use).
        """
        matched = EXTRA_NAME.match(name)
        if matched is not None:
            index = int(matched.group(1)) - 1
            if 0 <= index < len(self._products):
                with self._lock:
                    for image in self._galleries(self._products[index])["shop"]:
                        if image.name == name and image.photo is not None:
                            return image.photo
        return default_photo(self._seed, name)

    def file_gone(self, name: str) -> bool:
        """Whether ``name``'s files are gone: it was deleted and no gallery holds it now.

        Shoptet's CDN answers 404 for a deleted photo's file; the sandbox's seeded 360°
        photos share names across products, so a name is gone only once no gallery has it
        (galleries are made to look, which only a request for a deleted name pays for).
        """
        with self._lock:
            if name not in self._deleted_files:
                return False
            return not any(
                image.name == name
                for product in self._products
                for images in self._galleries(product).values()
                for image in images
            )

    def count_images(self, product: ProductRecord, gallery: str | None = None) -> int:
        """Images in one gallery, or in all of them."""
        with self._lock:
            galleries = self._galleries(product)
            if gallery is not None:
                return len(galleries[gallery])
            return sum(len(images) for images in galleries.values())

    def variant_images(self, product: ProductRecord) -> dict[str, str]:
        """Variant code → the photo it shows, for the variants that show one (a copy).

        Only a product with several variants can have references, so a single-variant product
        does not make its galleries here (a snapshot without images stays cheap).
        """
        if len(product.codes) < 2:
            return {}
        with self._lock:
            self._galleries(product)
            return dict(product.variant_images)

    # --- rendering -------------------------------------------------------------------------
    def _render(
        self,
        product: ProductRecord,
        image: ImageRecord,
        main: str | None,
        options: SandboxOptions,
        language: str,
    ) -> dict[str, Any]:
        ts = image.change_time or product.creation_time
        key = (image.description, ts, image.rev, options.image_cuts)
        if image.names_cache is None or image.names_cache[0] != key:
            seo = seo_name(image.name, image.description)
            signed = [
                (cut, signed_name(seo, cut, width, height, ts, image.rev, self._secret))
                for cut, width, height in options.image_cuts
            ]
            big = next((name for cut, name in signed if cut == "big"), None)
            if big is None:
                big = signed_name(seo, "big", None, None, ts, image.rev, self._secret)
            image.names_cache = (key, (seo, big, signed))
        seo, big, signed = image.names_cache[1]
        return {
            "name": image.name,
            "seoName": seo,
            "cdnName": big,
            "signedCdnNames": [{"type": cut, "name": name} for cut, name in signed],
            "priority": image.priority,
            "description": image.caption(language, options.default_language),
            "changeTime": clock.format_time(image.change_time),
            "isMainImage": image.gallery == "shop" and image.name == main,
            "gallery": image.gallery,
        }

    def _main_name(self, product: ProductRecord, options: SandboxOptions) -> str | None:
        shop = self._galleries(product)["shop"]
        if not shop:
            return None
        if options.main_image_follows_priority:
            return admin_order(shop, options)[0].name
        names = {image.name for image in shop}
        return product.pinned_main if product.pinned_main in names else None

    def images(
        self,
        product: ProductRecord,
        galleries: Iterable[str],
        options: SandboxOptions,
        language: str,
        *,
        only: set[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Rendered API image records of the galleries, each in admin order."""
        with self._lock:
            main = self._main_name(product, options)
            out = []
            for gallery in galleries:
                for image in admin_order(self._galleries(product)[gallery], options):
                    if only is None or image.name in only:
                        out.append(self._render(product, image, main, options, language))
            return out

    def main_image(
        self, product: ProductRecord, options: SandboxOptions, language: str
    ) -> dict[str, Any] | None:
        """The main image as the product list's ``mainImage`` (no isMainImage/gallery keys)."""
        with self._lock:
            main = self._main_name(product, options)
            if main is None:
                return None
            image = next(i for i in self._galleries(product)["shop"] if i.name == main)
            record = self._render(product, image, main, options, language)
            if record["priority"] is None:
                # The list schema wants an integer here; a shop whose priorities are all null
                # reports no main image rather than breaking the schema.
                return None
            del record["isMainImage"], record["gallery"]
            return record

    # --- writes ----------------------------------------------------------------------------
    def patch(
        self,
        product: ProductRecord,
        gallery: str,
        items: Sequence[Mapping[str, Any]],
        options: SandboxOptions,
        language: str,
    ) -> PatchOutcome:
        """Apply validated PATCH items (unknown names become errors; see the options)."""
        with self._lock:
            stored = {image.name: image for image in self._galleries(product)[gallery]}
            errors = [
                {
                    "errorCode": "invalid-request-data",
                    "message": (
                        f'Image "{item["name"]}" does not exist in gallery "{gallery}" '
                        f'of product "{product.guid}".'
                    ),
                    "instance": f"data.images[{i}].name",
                }
                for i, item in enumerate(items)
                if item["name"] not in stored
            ]
            if errors and options.unknown_image_policy == "reject":
                return PatchOutcome(images=[], errors=errors)
            outcome = PatchOutcome(images=[], errors=errors)
            now = self._now()
            for item in items:
                image = stored.get(item["name"])
                if image is None:
                    continue
                changed = self._apply(
                    image,
                    item.get("priority", _UNSET),
                    item.get("description", _UNSET),
                    language,
                    options,
                )
                outcome.applied.append(image.name)
                if changed or not options.renew_only_on_change:
                    self._touch(product, image, now, options)
                if changed:
                    outcome.changed.append(image.name)
            only = None if options.patch_returns == "gallery" else set(outcome.applied)
            outcome.images = self.images(product, [gallery], options, language, only=only)
            return outcome

    def set_image(
        self,
        product: ProductRecord,
        gallery: str,
        name: str,
        options: SandboxOptions,
        *,
        priority: Any = _UNSET,
        description: Any = _UNSET,
        language: str | None = None,
    ) -> bool:
        """Change one image as the admin would; True when something changed."""
        with self._lock:
            images = {image.name: image for image in self._galleries(product)[gallery]}
            if name not in images:
                raise KeyError(f"no image {name!r} in {product.guid}/{gallery}")
            image = images[name]
            changed = self._apply(
                image, priority, description, language or options.default_language, options
            )
            if changed:
                self._touch(product, image, self._now(), options)
            return changed

    # --- photo inserts and deletes (issue 17) ------------------------------------------------
    def gallery_names(self, product: ProductRecord, gallery: str) -> dict[str, int | None]:
        """Every photo of one gallery: name → priority (upload order)."""
        with self._lock:
            return {image.name: image.priority for image in self._galleries(product)[gallery]}

    def insert(
        self,
        product: ProductRecord,
        gallery: str,
        items: Sequence[tuple[str, int | None, str | None]],
        options: SandboxOptions,
    ) -> None:
        """Append new photos ``(name, priority, description)``; a missing priority appends
        after the gallery's highest (decision A3); the caption goes to the default language."""
        with self._lock:
            images = self._galleries(product)[gallery]
            now = self._now()
            for name, priority, description in items:
                if priority is None:
                    top = max((i.priority for i in images if i.priority is not None), default=0)
                    priority = min(65535, top + 1)
                images.append(ImageRecord(name, gallery, priority, description, now))
            if items:
                self._bump(product, now, options)

    def set_variant_image(
        self, product: ProductRecord, code: str, name: str | None, options: SandboxOptions
    ) -> bool:
        """Make variant ``code`` show photo ``name`` of gallery ``shop`` (None: the product's
        main image); KeyError for a name not in that gallery. True when something changed."""
        with self._lock:
            if name is not None and name not in {i.name for i in self._galleries(product)["shop"]}:
                raise KeyError(name)
            if product.variant_images.get(code) == name:
                return False
            if name is None:
                del product.variant_images[code]
            else:
                product.variant_images[code] = name
            self._bump(product, self._now(), options)
            return True

    def remove_image(
        self,
        product: ProductRecord,
        gallery: str,
        name: str,
        options: SandboxOptions,
        *,
        remove_reference: bool,
    ) -> list[str] | None:
        """Delete one photo. Returns the variant codes that showed it (their references are
        cleared), or None when it is not in the gallery. Raises ``ReferencedImage`` (nothing
        deleted) when variants show it and ``remove_reference`` is false."""
        with self._lock:
            images = self._galleries(product)[gallery]
            index = next((k for k, image in enumerate(images) if image.name == name), None)
            if index is None:
                return None
            codes = sorted(c for c, shown in product.variant_images.items() if shown == name)
            if gallery != "shop":
                codes = []  # only gallery ``shop`` photos are referenced (see variants.py)
            if codes and not remove_reference:
                raise ReferencedImage(codes)
            del images[index]
            self._deleted_files.add(name)
            for code in codes:
                del product.variant_images[code]
            if gallery == "shop" and product.pinned_main == name:
                # With a pinned main image, the next photo in admin order takes its place.
                rest = admin_order(images, options)
                product.pinned_main = rest[0].name if rest else None
            self._bump(product, self._now(), options)
            return codes

    @staticmethod
    def _bump(product: ProductRecord, now: int, options: SandboxOptions) -> None:
        if options.image_change_bumps_product:
            product.change_time = max(product.change_time, now)

    @staticmethod
    def _apply(
        image: ImageRecord,
        priority: Any,
        description: Any,
        language: str,
        options: SandboxOptions,
    ) -> bool:
        changed = False
        if priority is not _UNSET and priority != image.priority:
            image.priority = priority
            changed = True
        if description is not _UNSET:
            if language == options.default_language:
                if description != image.description:
                    image.description = description
                    changed = True
            elif image.caption(language, options.default_language) != description:
                image.i18n = {**(image.i18n or {}), language: description}
                changed = True
        return changed

    @staticmethod
    def _touch(
        product: ProductRecord, image: ImageRecord, now: int, options: SandboxOptions
    ) -> None:
        # A renewed image gets a new signature even within the same second (rev); with
        # ``image_change_bumps_product`` the product's changeTime moves so that
        # ``changeTimeFrom`` finds it.
        image.change_time = now
        image.rev += 1
        if options.image_change_bumps_product:
            product.change_time = max(product.change_time, now)
