"""ShoptetClient: the client users hold, the HTTP layer plus Shoptet's asynchronous jobs.

The layers, bottom up: :mod:`shoptet_nb.api_client` speaks HTTP (:class:`ApiClient`),
:mod:`shoptet_nb.jobs` runs a job through it (queue, wait, download), and this module puts both
on one object. The job methods here only name the functions of ``jobs``, so ``jobs`` depends on
the HTTP layer and not the other way round: the import graph has no circle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from . import jobs
from .api_client import (
    GALLERIES,
    MAX_FILE_REDIRECTS,
    ApiClient,
    Envelope,
    FilePart,
    current_stop,
)
from .config import Settings, resolve_base_url, resolve_token
from .jobs import Job

__all__ = [
    "GALLERIES",
    "MAX_FILE_REDIRECTS",
    "ApiClient",
    "Envelope",
    "FilePart",
    "Job",
    "ShoptetClient",
    "connect",
    "current_stop",
]


class ShoptetClient(ApiClient):
    """A connection to one shop with one token. Create it with :func:`connect`.

    >>> client = shoptet_nb.connect()            # token from SHOPTET_PRIVATE_API_TOKEN
    >>> client.list_images(guid, "shop")[:1]     # doctest: +SKIP
    """

    # -- asynchronous jobs: the product snapshot (the logic lives in jobs.py) -----------------

    def start_snapshot(
        self,
        *,
        include: Sequence[str] = ("images",),
        product_guids: Sequence[str] | None = None,
        change_time_from: datetime | str | None = None,
        language: str | None = None,
        **filters: Any,
    ) -> Job:
        """Queue a product snapshot (one JSON line a product); the new job, ``pending``.

        ``include=("images",)`` adds both galleries; ``product_guids`` (≤ 50) or Shoptet's
        other filters (``visibility``, ``categoryGuid``, …) narrow it. Without a registered
        ``job:finished`` webhook Shoptet answers 403 (see :meth:`register_job_webhook`).

        >>> job = client.start_snapshot(visibility="visible")  # doctest: +SKIP
        """
        params = jobs.snapshot_params(
            include=include,
            product_guids=product_guids,
            change_time_from=change_time_from,
            language=language,
            filters=filters,
        )
        return jobs.start_snapshot(self, params)

    def job(self, job_id: str) -> Job:
        """A job's detail. Shoptet allows 10 of these for an unfinished job: wait with
        :meth:`wait_for_job`, which polls the job list instead."""
        return jobs.job_detail(self, job_id)

    def wait_for_job(
        self,
        job: Job | str,
        *,
        timeout: float = jobs.DEFAULT_TIMEOUT_S,
        on_status: Callable[[str], None] | None = None,
    ) -> Job:
        """Wait for a job to end; its detail once completed (errors: see ``jobs.wait_for_job``).

        >>> job = client.wait_for_job(client.start_snapshot(), timeout=600)  # doctest: +SKIP
        """
        if isinstance(job, str):
            job = self.job(job)
        return jobs.wait_for_job(
            self, job, timeout=timeout, on_status=on_status, clock=self._clock, sleep=self._sleep
        )

    def snapshot_lines(self, job: Job) -> Iterator[bytes]:
        """The lines of a completed snapshot's result file (one product each), streamed."""
        return jobs.result_lines(self, job)

    def register_job_webhook(self, url: str) -> dict[str, Any]:
        """Register the ``job:finished`` webhook Shoptet requires before it runs snapshots.

        Only when called: ``url`` is an http(s) address you control (Shoptet posts there when
        a job ends; shoptet_nb does not need the posts). One URL per event (else 422).

        >>> client.register_job_webhook("https://example.com/shoptet/jobs")  # doctest: +SKIP
        """
        return jobs.register_job_webhook(self, url)


def connect(
    token: str | None = None,
    *,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    **settings: Any,
) -> ShoptetClient:
    """A client for one shop.

    The token comes from ``token`` or the environment (``SHOPTET_PRIVATE_API_TOKEN``, sent as
    ``Shoptet-Private-API-Token``; else ``SHOPTET_ACCESS_TOKEN``, sent as
    ``Shoptet-Access-Token``); the base URL from ``base_url``, ``SHOPTET_BASE_URL`` or
    ``https://api.myshoptet.com``. Other keywords are :class:`~shoptet_nb.config.Settings`.

    >>> client = shoptet_nb.connect()                         # doctest: +SKIP
    >>> client = shoptet_nb.connect(getpass.getpass("Token")) # doctest: +SKIP
    """
    secret, header = resolve_token(token)
    chosen = replace(Settings(), base_url=resolve_base_url(base_url), **settings)
    return ShoptetClient(secret, header, chosen, transport=transport)
