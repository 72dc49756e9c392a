"""``SandboxShop``: the Python handle on one sandbox shop (options, state, stats, oracle views)."""

from __future__ import annotations

from typing import Any

from .app import SandboxApp
from .catalogue import GALLERIES
from .options import SandboxOptions
from .photos import Photo
from .store import _UNSET
from .transport import SandboxTransport

# Switches fixed at creation: changing them would need a new catalogue.
_FROZEN = frozenset({"seed", "products", "photo_copies", "variant_image_share"})


class SandboxShop:
    """A seeded fake Shoptet shop, usable in-process (``transport()``) or over loopback
    (``serve``).

    >>> shop = SandboxShop(products=5, seed=1)
    >>> len(shop.products())
    5
    """

    def __init__(self, options: SandboxOptions | None = None, **changes: Any) -> None:
        base = options if options is not None else SandboxOptions()
        self._app = SandboxApp(base.replace(**changes) if changes else base)

    @property
    def options(self) -> SandboxOptions:
        """The switches in force now."""
        return self._app.options

    @property
    def app(self) -> SandboxApp:
        """The WSGI callable (mount it in any WSGI server, or use ``transport()``)."""
        return self._app

    def transport(self) -> SandboxTransport:
        """A new in-process ``httpx`` transport talking to this shop (thread-safe)."""

        def sleeps() -> bool:
            # Only latency and injected faults (slow answers, lock waits) make the shop wait.
            options = self.options
            return (
                options.latency_ms > 0 or options.picture_latency_ms > 0 or options.fault_rate > 0
            )

        return SandboxTransport(self._app, sleeps=sleeps)

    def set_options(self, **changes: Any) -> SandboxOptions:
        """Flip switches at run time, e.g. ``set_options(fault_rate=0.2, latency_ms=50)``."""
        frozen = _FROZEN & set(changes)
        if frozen:
            raise ValueError(f"{sorted(frozen)} cannot change after the shop was made")
        self._app.options = self._app.options.replace(**changes)
        return self._app.options

    def stats(self) -> dict[str, Any]:
        """What the shop saw; the same dict as ``GET /_sandbox/stats``."""
        return self._app.stats_snapshot()

    def reset_stats(self) -> None:
        """Zero the counters (``POST /_sandbox/reset-stats`` does the same)."""
        self._app.reset_stats()

    def expire_token(self, token: str) -> None:
        """From now on answer this token with 401 ``expired-token``."""
        self._app.expire_token(token)

    def freeze_clock(self) -> None:
        """Hold the shop's clock still (``advance_clock`` still moves it): every change then
        lands in the same whole second of ``changeTime``, as two quick changes can on Shoptet.
        """
        self._app.clock.freeze()

    def advance_clock(self, seconds: float) -> None:
        """Move the shop's clock forward: jobs run and results expire by it, and changes made
        from now on are stamped with it (latency and rate limits stay on real time).

        >>> shop = SandboxShop(products=2); shop.advance_clock(5.0)
        """
        self._app.clock.advance(seconds)

    def kill_job(self, job_id: str) -> bool:
        """Kill an unfinished job, as a shop's operator may; False when it already finished,
        ``KeyError`` for an unknown id."""
        return self._app.jobs.kill(job_id, self._app.clock.time())

    def stage(self, data: bytes, *, behaviour: str = "ok", base: str | None = None) -> str:
        """Serve ``data`` at a new URL and return it: a source for ``add_images`` (the shop's
        insert job fetches it in-process; a client reads it without the token).

        ``behaviour`` makes the URL misbehave: ``"missing"`` (404), ``"html"`` (an HTML page
        instead of the image), ``"slow"`` (answers after ``slow_source_s``; the shop gives up
        after ``source_timeout_s``). ``base``: the address the shop is served at over
        loopback (``RunningSandbox.base_url``); by default the in-process host. See ``sources``.

        >>> url = SandboxShop(products=1).stage(b"\\x89PNG\\r\\n\\x1a\\n...")
        >>> url.startswith("http://sources.sandbox.shoptet-nb.test/sandbox-sources/")
        True
        """
        if base is None:
            return self._app.sources.stage(data, behaviour)
        return self._app.sources.stage(data, behaviour, base)

    def photo(self, name: str) -> Photo:
        """The oracle's view of the file a name serves: scene, size, format, bytes, variant.

        Two names show the same photo (duplicates) exactly when their ``scene`` is equal.
        """
        return self._app.store.photo(name)

    def variant_images(self, guid: str) -> dict[str, str]:
        """Variant code → the photo it shows, for the product's variants that show one."""
        return self._app.store.variant_images(self._product(guid))

    def set_variant_image(self, guid: str, code: str, name: str | None) -> bool:
        """Make a variant show a photo of gallery ``shop`` (None: the product's main image), as
        the admin would; KeyError for an unknown product, code or photo."""
        product = self._product(guid)
        if code not in product.codes:
            raise KeyError(code)
        return self._app.store.set_variant_image(product, code, name, self.options)

    def _product(self, guid: str) -> Any:
        product = self._app.store.product(guid)
        if product is None:
            raise KeyError(guid)
        return product

    def products(self) -> list[dict[str, Any]]:
        """Every product as a plain dict: guid, name, codes, visibility, times (epoch seconds)."""
        return [
            {
                "guid": p.guid,
                "name": p.name,
                "codes": list(p.codes),
                "visibility": p.visibility,
                "creation_time": p.creation_time,
                "change_time": p.change_time,
            }
            for p in self._app.store.all_products()
        ]

    def images(
        self, guid: str, gallery: str = "shop", *, language: str | None = None
    ) -> list[dict[str, Any]]:
        """Deep copy of the gallery as the API would return it (admin order), for oracle
        checks; raises ``KeyError`` for an unknown guid or gallery."""
        product = self._app.store.product(guid)
        if product is None:
            raise KeyError(guid)
        if gallery not in GALLERIES:
            raise KeyError(gallery)
        options = self.options
        self._app.jobs.settle(self._app.clock.time())
        # Freshly rendered dicts: the caller may mutate them without touching the shop.
        return self._app.store.images(
            product, [gallery], options, language or options.default_language
        )

    def set_image(
        self,
        guid: str,
        gallery: str,
        name: str,
        *,
        description: Any = _UNSET,
        priority: Any = _UNSET,
        language: str | None = None,
    ) -> bool:
        """Change an image "behind the client's back" (as the shop admin would): on a change its
        changeTime and signed names renew and the product's changeTime moves. Returns whether
        anything changed."""
        product = self._app.store.product(guid)
        if product is None:
            raise KeyError(guid)
        if gallery not in GALLERIES:
            raise KeyError(gallery)
        if priority is not _UNSET and priority is not None and not 1 <= priority <= 65535:
            raise ValueError("priority must be 1..65535 or None")
        return self._app.store.set_image(
            product,
            gallery,
            name,
            self.options,
            priority=priority,
            description=description,
            language=language,
        )
