"""The seeded catalogue: products with Czech names, variants with codes, and messy galleries.

Everything is derived from ``(seed, product index)`` with string-seeded ``random.Random`` (seeded
through SHA-512, so it does not depend on ``PYTHONHASHSEED``), which makes each product
reproducible on its own: product headers are made up front (cheap), galleries only when a
product is first touched, so a 10,000-product shop starts at once.

The galleries are deliberately untidy, the way real shops are: priorities that are null, start
above 1, have gaps and ties; captions that are null, empty, duplicated, equal to the file name,
padded with whitespace, contain markup or run past 125 characters.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field

from .naming import slugify
from .photos import Photo, extra_photos

#: Galleries the shop knows.
GALLERIES: tuple[str, ...] = ("shop", "shop360")

# Catalogue time span: 2021-01-01 .. 2024-06-30 (UTC epoch seconds), well before any test runs.
_EPOCH_START = 1_609_459_200
_EPOCH_END = 1_719_705_600

_BASES = (
    "Dřevěná hračka",
    "Čokoláda hořká",
    "Keramický hrnek",
    "Lněný ubrus",
    "Vlněná čepice",
    "Skleněná váza",
    "Kožená peněženka",
    "Bylinný čaj",
    "Medový perník",
    "Plyšový medvěd",
    "Zahradní lavice",
    "Dětské tričko",
    "Pánská košile",
    "Dámské šaty",
    "Nerezová láhev",
    "Svíčka s vůní levandule",
    "Řezací deska z buku",
    "Šátek z hedvábí",
    "Ořechové máslo",
    "Porcelánový talíř",
    "Batoh do přírody",
    "Stolní lampa",
    "Žehlicí prkno",
    "Sušené švestky",
    "Přírodní mýdlo",
    "Ručně malovaná kraslice",
    "Čajová konvice",
    "Kuchyňská zástěra",
    "Hřebínek z rohoviny",
    "Dýňová semínka",
)
_QUALIFIERS = (
    "Žirafa",
    "70 %",
    "modrá",
    "červená",
    "zelená",
    "velká",
    "malá",
    "s potiskem",
    "Šumava",
    "Krkonoše",
    "Beskydy",
    "bílá",
    "černá",
    "dárková sada",
    "0,5 l",
    "250 g",
    "XL",
    "pro děti",
    "ručně šitý",
    "řada Jaro",
)
_VIEWS = (
    "Pohled zepředu",
    "Pohled zboku",
    "Detail materiálu",
    "Balení",
    "Celkový pohled",
    "Ukázka použití",
    "Zadní strana",
    "Detail šití",
    "Rozměry výrobku",
    "V interiéru",
    "Na modelce",
    "Dárkové balení",
    "Štítek s údaji",
    "Barevné provedení",
    "Příslušenství",
)
_LONG_TAIL = (
    "výrobek je vyroben z kvalitních materiálů od českých výrobců, splňuje všechny "
    "bezpečnostní normy a hodí se jako dárek pro celou rodinu, přátele i kolegy v práci"
)
_BRANDS = (
    ("jelinek", "Jelínek"),
    ("moravia", "Moravia"),
    ("tescoma", "Tescoma"),
    ("orion", "Orion"),
)
_CATEGORIES = ("Hračky", "Potraviny", "Domácnost", "Oblečení", "Zahrada", "Dárky")
_SUPPLIERS = ("Dodavatel Brno s.r.o.", "Velkoobchod Ostrava a.s.")
_VISIBILITY = ("visible",) * 8 + ("hidden", "detailOnly")
_SIZES = ("S", "M", "L")


@dataclass(slots=True)
class ImageRecord:
    """One stored image. ``description`` is the default-language caption; ``i18n`` holds
    captions set through ``?language=`` for other languages (absent: the default one shows)."""

    name: str
    gallery: str
    priority: int | None
    description: str | None
    change_time: int | None
    rev: int = 0
    i18n: dict[str, str | None] | None = None
    photo: Photo | None = None  # an extra image's photo (others: ``photos.default_photo``)
    # Rendered seoName/signed names, keyed by what they derive from (rendering is the hot path).
    names_cache: tuple[object, tuple[str, str, list[tuple[str, str]]]] | None = None

    def caption(self, language: str, default_language: str) -> str | None:
        """The caption as seen in ``language``."""
        if language != default_language and self.i18n and language in self.i18n:
            return self.i18n[language]
        return self.description


@dataclass(slots=True)
class ProductRecord:
    """One stored product; ``galleries`` is None until first touched (then filled lazily)."""

    index: int
    guid: str
    name: str
    slug: str
    visibility: str
    creation_time: int
    change_time: int
    codes: list[str]
    brand: tuple[str, str] | None
    category: int
    supplier: int | None
    galleries: dict[str, list[ImageRecord]] | None = None
    pinned_main: str | None = field(default=None)
    # Variant code → the shop-gallery image it shows (set with the galleries; see variants.py).
    variant_images: dict[str, str] = field(default_factory=dict)


def _guid(seed: int, index: int) -> str:
    digest = hashlib.blake2b(f"shoptet-nb/{seed}/{index}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def category_guid(seed: int, category: int) -> str:
    """Deterministic guid of one of the shop's categories."""
    return _guid(seed, -1000 - category)


def supplier_guid(seed: int, supplier: int) -> str:
    """Deterministic guid of one of the shop's suppliers."""
    return _guid(seed, -2000 - supplier)


def make_products(seed: int, count: int) -> list[ProductRecord]:
    """The product headers of the catalogue (galleries come later, see ``make_galleries``)."""
    products = []
    for index in range(count):
        rng = random.Random(f"{seed}/{index}/product")
        name = f"{rng.choice(_BASES)} {rng.choice(_QUALIFIERS)}"
        created = rng.randrange(_EPOCH_START, _EPOCH_END - 86_400 * 30)
        changed = rng.randrange(created, _EPOCH_END)
        variants = rng.choice((1, 1, 1, 2, 3))
        code = f"P{index + 1:05d}"
        codes = [code] if variants == 1 else [f"{code}-{s}" for s in _SIZES[:variants]]
        products.append(
            ProductRecord(
                index=index,
                guid=_guid(seed, index),
                name=name,
                slug=f"{slugify(name, limit=40)}-{index + 1}",
                visibility=rng.choice(_VISIBILITY),
                creation_time=created,
                change_time=changed,
                codes=codes,
                brand=rng.choice((*_BRANDS, None)),
                category=rng.randrange(len(_CATEGORIES)),
                supplier=rng.choice((0, 1, None)),
            )
        )
    return products


def category_name(category: int) -> str:
    """Display name of category number ``category``."""
    return _CATEGORIES[category]


def supplier_name(supplier: int) -> str:
    """Display name of supplier number ``supplier``."""
    return _SUPPLIERS[supplier]


def _gallery_size(rng: random.Random, index: int) -> int:
    # A few fixed indices guarantee the awkward cases even in a small catalogue.
    if index == 1:
        return rng.randint(101, 150)
    if index == 2:
        return 0
    if index == 4:
        return rng.randint(3, 12)  # carries the markup caption
    roll = rng.random()
    if roll < 0.02:
        return rng.randint(101, 150)
    if roll < 0.07:
        return 0
    if roll < 0.12:
        return rng.randint(1, 2)
    if roll < 0.22:
        return rng.randint(13, 40)
    return rng.randint(3, 12)


def _image_names(rng: random.Random, product: ProductRecord, count: int) -> list[str]:
    style = rng.choice(("number", "slug", "camera"))
    names: list[str] = []
    seen: set[str] = set()
    start = rng.randint(1, 900)
    while len(names) < count:
        k = len(names)
        if style == "number":
            name = f"{start + k}.jpg"
        elif style == "slug":
            name = f"{product.slug}-{k + 1}.{rng.choice(('jpg', 'jpg', 'png', 'webp'))}"
        else:
            name = f"IMG_{rng.randint(1000, 9999)}.jpg"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _priorities(rng: random.Random, count: int, *, keep_one: bool) -> list[int | None]:
    pattern = rng.choices(("seq", "offset", "gaps", "ties", "nulls"), weights=(40, 15, 20, 10, 15))[
        0
    ]
    values: list[int | None]
    if pattern == "seq":
        values = list(range(1, count + 1))
    elif pattern == "offset":
        first = rng.randint(2, 20)
        values = list(range(first, first + count))
    elif pattern == "gaps":
        values, current = [], rng.randint(1, 10)
        for _ in range(count):
            values.append(current)
            current += rng.choice((1, 2, 5, 10))
    elif pattern == "ties":
        values = [k // 2 + 1 for k in range(count)]
    else:
        values = [None if rng.random() < 0.3 else k + 1 for k in range(count)]
        if keep_one and count and all(v is None for v in values):
            values[0] = 1
    if rng.random() < 0.25:
        # Admin order need not follow the file names.
        rng.shuffle(values)
    return [min(v, 65535) if v is not None else None for v in values]


def _captions(rng: random.Random, product: ProductRecord, names: list[str]) -> list[str | None]:
    pool = rng.sample(_VIEWS, k=rng.randint(2, 5))  # a small pool makes duplicates happen
    captions: list[str | None] = []
    for name in names:
        roll = rng.random()
        caption: str | None
        if roll < 0.10:
            caption = None
        elif roll < 0.17:
            caption = ""
        elif roll < 0.22:
            caption = name
        elif roll < 0.25:
            caption = f"  {rng.choice(pool)} "
        elif roll < 0.28:
            caption = f"{product.name} – {_LONG_TAIL}"
        elif roll < 0.60:
            caption = rng.choice(pool)
        else:
            caption = f"{product.name} – {rng.choice(_VIEWS).lower()}"
        captions.append(caption)
    return captions


def make_galleries(
    seed: int, product: ProductRecord, photo_copies: float = 0.0
) -> dict[str, list[ImageRecord]]:
    """The galleries of one product, the same for the same seed and product index.

    ``photo_copies`` > 0 appends seeded copies and look-alikes to the shop gallery (see
    ``photos.extra_photos``); they draw from a random stream of their own, so the rest of the
    catalogue is the same with or without them.
    """
    rng = random.Random(f"{seed}/{product.index}/images")
    galleries: dict[str, list[ImageRecord]] = {}
    count = _gallery_size(rng, product.index)
    names = _image_names(rng, product, count)
    captions = _captions(rng, product, names)
    if product.index == 4 and captions:
        # One or two captions in the whole shop carry markup, as pasted from an old admin.
        captions[0] = f"<b>akce</b> {product.name}"
    priorities = _priorities(rng, count, keep_one=True)
    galleries["shop"] = [
        ImageRecord(
            name=name,
            gallery="shop",
            priority=priority,
            description=caption,
            change_time=_image_time(rng, product),
        )
        for name, caption, priority in zip(names, captions, priorities, strict=True)
    ]
    last = max((p for p in priorities if p is not None), default=0)
    for k, (name, photo) in enumerate(extra_photos(seed, product.index, names, photo_copies)):
        galleries["shop"].append(
            ImageRecord(
                name=name,
                gallery="shop",
                priority=min(65535, last + k + 1),
                description=None,
                change_time=product.change_time,
                photo=photo,
            )
        )
    if product.index == 3 or rng.random() < 0.15:
        frames = rng.randint(8, 36)
        galleries["shop360"] = [
            ImageRecord(
                name=f"360-{k + 1:02d}.jpg",
                gallery="shop360",
                priority=k + 1,
                description=None if rng.random() < 0.5 else f"Otočení {k * 360 // frames}°",
                change_time=_image_time(rng, product),
            )
            for k in range(frames)
        ]
    else:
        galleries["shop360"] = []
    return galleries


def _image_time(rng: random.Random, product: ProductRecord) -> int | None:
    if rng.random() < 0.03:
        return None  # images imported before Shoptet tracked changes
    return rng.randint(product.creation_time, product.change_time)


def seed_variant_images(
    seed: int, product_index: int, codes: list[str], shop_names: list[str], share: float
) -> dict[str, str]:
    """The seeded references of one product: variant code → photo name (most variants none).

    A product with several variants gets references with probability ``share``; then each of
    its variants shows one of the gallery's photos with probability one half, so some variants
    keep the product's main image.
    """
    if len(codes) < 2 or not shop_names or share <= 0:
        return {}
    rng = random.Random(f"{seed}/{product_index}/variant-images")
    if rng.random() >= share:
        return {}
    return {code: rng.choice(shop_names) for code in codes if rng.random() < 0.5}
