"""Shared pieces of the benchmark scripts: tables, a recording transport, loopback clients.

Not a public module: the scripts import it from their own folder (``python benchmarks/x.py``
puts ``benchmarks/`` on ``sys.path``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

import shoptet_nb as sn
from shoptet_nb.sandbox import SandboxOptions, SandboxShop, serve

IMAGES = "/api/products/{guid}/images/{gallery}"


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: text columns left-aligned, numbers right-aligned."""
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    # Text columns read left to right, numbers line up on the right.
    left = [bool(rows) and isinstance(rows[0][i], str) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [
            row[i].ljust(widths[i]) if left[i] else row[i].rjust(widths[i]) for i in range(len(row))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [line(cells[0]), rule, *(line(r) for r in cells[1:])]
    return "\n".join([title, "=" * len(title), *body])


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def summary(**data: Any) -> None:
    """One machine-readable line the smoke test reads (counts, never timings)."""
    print("SUMMARY " + json.dumps(data, sort_keys=True, default=str), flush=True)


@dataclass
class Exchange:
    method: str
    path: str
    status: int | None
    started: float
    ended: float


class RecordingTransport(httpx.BaseTransport):
    """Wraps a transport and records every exchange's method, status and timing."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        status: int | None = None
        try:
            response = self.inner.handle_request(request)
            status = response.status_code
            return response
        finally:
            with self._lock:
                self.exchanges.append(
                    Exchange(request.method, request.url.path, status, started, time.perf_counter())
                )

    def close(self) -> None:
        self.inner.close()

    def phase(self, method: str) -> tuple[int, float]:
        """(number of exchanges, seconds from the first start to the last end) of a method."""
        chosen = [e for e in self.exchanges if e.method == method and "/images/" in e.path]
        if not chosen:
            return 0, 0.0
        return len(chosen), max(e.ended for e in chosen) - min(e.started for e in chosen)


@contextmanager
def loopback(options: SandboxOptions) -> Iterator[tuple[str, SandboxShop]]:
    """A sandbox served on 127.0.0.1 (any free port) for the duration of the block."""
    with serve(options) as running:
        yield running.base_url, running.shop


def loopback_client(
    base_url: str, shop: SandboxShop, *, token: str = "bench-token", **settings: Any
) -> tuple[sn.ShoptetClient, RecordingTransport]:
    """A client over real loopback HTTP whose exchanges are recorded."""
    recorder = RecordingTransport(httpx.HTTPTransport())
    client = sn.connect(token, base_url=base_url, transport=recorder, **settings)
    client.sandbox = shop
    return client, recorder


def stats(base_url: str) -> dict[str, Any]:
    """The sandbox's counters, over HTTP like any outside observer."""
    return httpx.get(base_url + "/_sandbox/stats", timeout=10).json()  # type: ignore[no-any-return]


def api_requests(counters: dict[str, Any]) -> int:
    """Requests the shop saw on the API (pictures and /_sandbox/ excluded)."""
    return sum(n for key, n in counters["requests"].items() if " /api/" in key)


def one_edit_per_product(shop: SandboxShop, n: int, text: str = "Benchmark {i}") -> pd.DataFrame:
    """Edits that change the caption of the first image of the first n products with images.

    The shop is asked directly (the oracle), so no API request is spent on choosing.
    """
    rows = []
    for product in shop.products():
        images = shop.images(product["guid"], "shop")
        if not images:
            continue
        first = images[0]
        caption = text.format(i=len(rows))
        if first.get("description") == caption:
            caption += " (new)"
        rows.append({"guid": product["guid"], "gallery": "shop", "name": first["name"]})
        rows[-1]["description"] = caption
        if len(rows) == n:
            break
    if len(rows) < n:
        raise SystemExit(f"the sandbox has only {len(rows)} products with images, {n} wanted")
    return pd.DataFrame(rows)


def products_for(n_with_images: int) -> int:
    """How many catalogue products to make so that about n have at least one image."""
    return int(n_with_images * 1.1) + 10
