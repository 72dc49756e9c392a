"""The switches of the sandbox shop: one frozen dataclass, every default documented.

Behaviour Shoptet does not document (the "decision" lines of ``shoptet-api.md``) is a switch here,
so a test can simulate a different real behaviour without editing the sandbox.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

#: Kinds of injected faults, in the order their weights are read.
FAULT_KINDS: tuple[str, ...] = ("500", "503", "423", "429", "drop", "slow")

#: Image cuts the shop reports: (name, width, height). ``orig`` has no fixed size, as in Shoptet.
DEFAULT_IMAGE_CUTS: tuple[tuple[str, int | None, int | None], ...] = (
    ("orig", None, None),
    ("big", 1024, 768),
    ("detail", 360, 270),
    ("category", 190, 142),
    ("related", 140, 105),
)


def _equal_weights() -> dict[str, float]:
    return dict.fromkeys(FAULT_KINDS, 1.0)


@dataclass(frozen=True)
class SandboxOptions:
    """Every switch of the sandbox shop; change one with ``dataclasses.replace`` or
    ``SandboxShop.set_options``.

    >>> SandboxOptions(products=10, fault_rate=0.1).limits
    True
    """

    # --- the seeded catalogue -------------------------------------------------------------
    seed: int = 0
    """Seed of the catalogue: same seed and size, same shop."""
    products: int = 200
    """Number of products in the catalogue."""
    languages: tuple[str, ...] = ("cs", "sk", "en")
    """Languages ``?language=`` accepts; the first is the shop's default."""

    # --- decisions (Shoptet is silent; see shoptet-api.md) --------------------------------
    unknown_image_policy: Literal["partial", "reject"] = "partial"
    """``partial``: a PATCH applies the known names and lists each unknown one in ``errors``
    (200). ``reject``: any unknown name → 400 ``invalid-request-data``, nothing changed."""
    patch_returns: Literal["gallery", "items"] = "gallery"
    """What a 200 PATCH returns: the whole gallery after the change, or only the named images."""
    schema_error_status: int = 422
    """Status of a PATCH body that breaks the JSON schema (nothing is changed)."""
    renew_only_on_change: bool = True
    """True: an applied item that changes nothing keeps changeTime/seoName/cdnName. False: every
    applied item is treated as a change (renewed), as a shop that always re-saves would do."""
    image_change_bumps_product: bool = True
    """True: a changed image moves its product's ``changeTime`` (so ``changeTimeFrom`` finds it).
    Shoptet's docs list image changes as product changes in the change log
    (``getLastProductChanges``) but do not say whether the product's ``changeTime`` moves."""
    main_image_follows_priority: bool = True
    """True: ``isMainImage`` marks the shop-gallery image with the lowest priority (null last,
    ties by name). False: the main image stays the one it was when the catalogue was made."""
    write_lock: Literal["identical", "url", "off"] = "identical"
    """423 for a PATCH while another is in flight: ``identical`` body to the same URL,
    any PATCH to the same ``url``, or ``off``."""
    write_lock_s: float = 5.0
    """A write lock is forgotten after this many seconds even if its request still runs."""
    unknown_gallery_status: int = 404
    """Status for a gallery other than ``shop``/``shop360``."""
    require_content_type: bool = True
    """API requests must send ``Content-Type: application/json`` (or
    ``application/vnd.shoptet.v1.0``); False accepts a missing one. A wrong one is always 400."""
    max_items_per_page: int = 1000
    """Largest ``itemsPerPage`` the product list accepts (more → 400 ``invalid-parameter``)."""
    image_cuts: tuple[tuple[str, int | None, int | None], ...] = DEFAULT_IMAGE_CUTS
    """Cuts reported by ``/api/eshop?include=imageCuts``: (name, width, height)."""
    tie_order: str = "name"
    """How the shop orders photos of equal priority (Shoptet documents no order): ``"name"``,
    by file name, or ``"upload"``, in the order they were added. Clients must not rely on
    either."""
    picture_size: tuple[int, int] = (96, 72)
    """Size in pixels of the generated PNG served for every cut but ``orig``."""
    photo_copies: float = 0.0
    """Share (0..1) of products given seeded duplicate photos: a copy (exact, resized or
    re-encoded) or a look-alike (not a copy) of one of their photos, and, for pairs of
    products, one photo shared across the pair (see ``photos.extra_photos``). Fixed when the
    shop is made. Every photo also has a seeded size, format and byte size (some below 500 px,
    some over 64 MP or 16 MB, some in another format than their extension says); the ``orig``
    cut serves a header-true file of it, honouring ``HEAD`` and ``Range``."""
    variant_image_share: float = 0.3
    """Share (0..1) of products with several variants whose variants show photos of their own
    (``variants[].image``): such photos cannot be deleted without ``removeReference=true``.
    Fixed when the shop is made; ``SandboxShop.set_variant_image`` sets one by hand."""
    picture_latency_ms: float = 0.0
    """Fixed latency of the picture host (image files), like ``latency_ms`` for the API."""

    # --- photo inserts (createProductImages; see sources.py and inserts.py) ---------------
    insert_job_s: float = 1.0
    """How long an image-insert job runs on the shop's clock (``pending`` for its first fifth);
    the photos appear in the gallery when it completes, never before."""
    insert_lock: bool = True
    """423 for a POST of images identical (URL and body) to one whose job has not finished:
    Shoptet locks "the same request two times in quick succession"; the sandbox holds that
    lock while the first request's job runs (decision)."""
    insert_webp: Literal["reject", "accept"] = "reject"
    """WebP sources: ``reject`` (the item fails ``file-upload-invalid-type``, as Shoptet's help
    says WebP cannot be uploaded) or ``accept`` (as the OpenAPI's Files section allows)."""
    max_source_bytes: int | None = None
    """Largest source file an insert takes (None: no limit, as for product images Shoptet
    documents none); a larger one fails ``file-upload-size-limit``."""
    slow_source_s: float = 3.0
    """How long a source staged as ``slow`` takes to answer (client and shop alike)."""
    source_timeout_s: float = 2.0
    """How long the shop's fetch of a source waits; a slower source fails the item."""

    job_webhook: bool = True
    """True: the shop has a ``job:finished`` webhook registered, so snapshots run out of the box.
    False: none until one is registered with ``POST /api/webhooks``; a snapshot meanwhile gets
    403 and no job is queued (as documented). The sandbox never calls the webhook's URL."""
    snapshot_job_s: float = 2.0
    """How long a snapshot job runs, on the shop's clock (``SandboxShop.advance_clock`` moves
    it): ``pending`` for the first fifth, then ``running``, then ``completed``."""
    job_result_valid_s: float = 86400.0
    """How long a finished job's result file stays (``validUntil``); after that the job reads
    ``expired`` and the file answers 404, as a deleted file on a web server does."""

    # --- limits ---------------------------------------------------------------------------
    limits: bool = True
    """Master switch for the concurrency limit and the leaky bucket (headers are always sent)."""
    max_concurrent: int = 3
    """Requests one token may have in flight; one more → 429 at once."""
    bucket_capacity: int = 200
    """Drops the per-token leaky bucket holds."""
    leak_per_s: float = 10.0
    """Drops the bucket loses per second."""
    cost_base: int = 1
    """Drops every processed request costs (decision)."""
    cost_per_10_images: int = 1
    """Extra drops per full 10 images read or written (decision)."""
    latency_ms: float = 0.0
    """Fixed server latency, slept while the request counts as in flight."""

    # --- fault injection ------------------------------------------------------------------
    fault_rate: float = 0.0
    """Share (0..1) of API requests that get an injected fault."""
    fault_seed: int = 0
    """Seed of the fault sequence: the n-th API request gets the same fault on every run."""
    fault_weights: Mapping[str, float] = field(default_factory=_equal_weights)
    """Relative weight of each kind in ``FAULT_KINDS``; missing kinds weigh 0."""
    drop_after_apply_share: float = 0.5
    """Share of ``drop`` faults that happen after the request was processed (a PATCH landed)."""
    job_failure_rate: float = 0.0
    """Share (0..1) of jobs that end ``failed`` with a ``log`` saying why (seeded by
    ``fault_seed`` and the job's number)."""
    truncated_result_rate: float = 0.0
    """Share (0..1) of completed jobs whose result file is cut short (a gzip stream without its
    end, served with the short length)."""
    result_redirects: int = 0
    """How many redirects (302, each to the next address of the same file) a job's result
    file answers with before the file itself, as a storage or CDN in front of it may (0: none).
    A number above the client's limit is a redirect loop."""
    slow_response_s: float = 5.0
    """How long the loopback server holds a ``slow`` response (in-process: the client's read
    timeout is slept instead and ``httpx.ReadTimeout`` raised)."""

    def __post_init__(self) -> None:
        if self.products < 0:
            raise ValueError("products must be >= 0")
        if not self.languages:
            raise ValueError("languages must name at least the default language")
        for name in (
            "fault_rate",
            "job_failure_rate",
            "truncated_result_rate",
            "photo_copies",
            "variant_image_share",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.tie_order not in ("name", "upload"):
            raise ValueError("tie_order must be 'name' or 'upload'")
        if self.result_redirects < 0:
            raise ValueError("result_redirects must be >= 0")
        if self.snapshot_job_s < 0 or self.job_result_valid_s <= 0:
            raise ValueError("snapshot_job_s must be >= 0 and job_result_valid_s positive")
        unknown = set(self.fault_weights) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {FAULT_KINDS}")
        if any(w < 0 for w in self.fault_weights.values()):
            raise ValueError("fault weights must be >= 0")
        if self.max_concurrent < 1 or self.bucket_capacity < 1 or self.leak_per_s <= 0:
            raise ValueError("max_concurrent, bucket_capacity and leak_per_s must be positive")

    @property
    def default_language(self) -> str:
        """The shop's default language (the first of ``languages``)."""
        return self.languages[0]

    def replace(self, **changes: object) -> SandboxOptions:
        """A copy with some switches changed (unknown names raise ``TypeError``)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
