"""A seeded, deterministic fake of the part of the Shoptet REST API shoptet_nb uses.

It is the project's test oracle, so it shares no code with the client: standard library and
httpx only. Run it in-process (``SandboxShop.transport()``), over loopback (``serve``) or from
the command line (``python -m shoptet_nb.sandbox``).

>>> client = sandbox(seed=1, products=20)   # a shoptet_nb client wired to a fresh fake shop
>>> client.sandbox.stats()["requests"]
{}

Modules: ``options`` (switches), ``catalogue`` (seeded data), ``store`` (state and PATCH
rules), ``validation`` (PATCH schema), ``limits`` (concurrency and leaky bucket), ``faults``,
``naming`` (seoName/cdnName), ``clock`` (time formats), ``pictures`` (PNG files), ``photos``
(each image's seeded original: size, format, bytes, copies; header-true files served by byte
range, real PNG cuts), ``stats``,
``app`` (WSGI app: auth, limits, faults, envelope), ``routes`` (the route table), one module of
handlers per resource (``products``, ``images``, ``eshop``, ``jobs`` (snapshot, job list and
detail, result files), ``webhooks``, ``inserts`` (POST images as a job)) on
``exchange`` (request/result types), ``sources`` (staged source files), ``uploads`` (added
photos' bytes and names), ``results``
(gzip JSON Lines and where they are served), ``shop`` (``SandboxShop``), ``transport``,
``server``, ``__main__`` (CLI).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .options import FAULT_KINDS, SandboxOptions
from .server import RunningSandbox, serve
from .shop import SandboxShop
from .transport import SandboxTransport

__all__ = [
    "FAULT_KINDS",
    "RunningSandbox",
    "SANDBOX_BASE_URL",
    "SandboxOptions",
    "SandboxShop",
    "SandboxTransport",
    "sandbox",
    "serve",
]

#: Base URL the in-process client uses; image URLs the shop reports are built from it.
SANDBOX_BASE_URL = "http://sandbox.shoptet-nb.test"


def sandbox(
    seed: int = 0,
    *,
    products: int = 200,
    latency_ms: float = 0.0,
    fault_rate: float = 0.0,
    limits: bool = True,
    token: str = "sandbox-token",  # noqa: S107 - the sandbox accepts any token
    settings: Mapping[str, Any] | None = None,
    **options: Any,
) -> Any:
    """A ``shoptet_nb`` client talking in-process to a fresh sandbox shop.

    ``settings`` go to the client (``shoptet_nb.Settings`` fields such as ``max_attempts`` or
    ``timeout``); ``options`` are further ``SandboxOptions`` switches. The shop is reachable as
    ``client.sandbox`` (a ``SandboxShop``) for stats and oracle checks.
    """
    # Imported here: the sandbox itself must not depend on the client it is judging.
    from shoptet_nb.client import connect

    shop = SandboxShop(
        SandboxOptions(
            seed=seed,
            products=products,
            latency_ms=latency_ms,
            fault_rate=fault_rate,
            limits=limits,
            **options,
        )
    )
    client = connect(
        token, base_url=SANDBOX_BASE_URL, transport=shop.transport(), **dict(settings or {})
    )
    client.sandbox = shop
    return client
