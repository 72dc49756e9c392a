"""ApiClient: the only place in the package that speaks HTTP, put together from its parts.

- :mod:`shoptet_nb.http_client`: :class:`~shoptet_nb.http_client.HttpClient`, the one request
  path (the token's in-flight slots, pacing on the rate-limit bucket, retries, the envelope)
  and ``map`` (:mod:`shoptet_nb._thread_map` runs it);
- :mod:`shoptet_nb.endpoints`: the Shoptet endpoints as methods (products, galleries, the shop);
- :mod:`shoptet_nb.file_downloads`: files outside the API (images, a job's result), never sent
  the token.

Users hold a :class:`~shoptet_nb.client.ShoptetClient`, this class plus the asynchronous jobs
(``shoptet_nb.jobs``). The jobs are a layer above this one: they send their requests through
it, and nothing here knows of them, so the import graph has no circle. The names below stay
importable from here (and from :mod:`shoptet_nb.client`) wherever they are defined.
"""

from __future__ import annotations

from ._thread_map import current_stop as current_stop
from .endpoints import GALLERIES as GALLERIES
from .endpoints import ShopEndpoints
from .file_downloads import FileDownloads
from .file_downloads import FilePart as FilePart
from .http_client import MAX_FILE_REDIRECTS as MAX_FILE_REDIRECTS
from .http_client import Envelope as Envelope


class ApiClient(ShopEndpoints, FileDownloads):
    """A connection to one shop with one token: requests, pages, images, files.

    Users hold its subclass :class:`~shoptet_nb.client.ShoptetClient`, made by
    :func:`~shoptet_nb.client.connect`.
    """
