"""In-process ``httpx`` transport: calls the sandbox's WSGI app directly, no socket.

It is a small WSGI bridge of its own (rather than ``httpx.WSGITransport``) so that the sandbox's
network faults look the same as over loopback: a dropped connection raises
``httpx.RemoteProtocolError``, and a slow answer sleeps the client's read timeout and raises
``httpx.ReadTimeout``. The transport keeps no state, so several client threads may share it;
the app counts their concurrency per token exactly as the loopback server would.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx

from .faults import DroppedConnection, SlowResponse

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SandboxTransport(httpx.BaseTransport):
    """Send ``httpx`` requests to a WSGI app in the calling thread.

    >>> from shoptet_nb.sandbox import SandboxShop
    >>> client = httpx.Client(transport=SandboxShop(products=3).transport(),
    ...                       base_url="http://sandbox.test")
    >>> client.get("/api/eshop").status_code  # no token
    401
    """

    def __init__(self, app: WSGIApp, *, sleeps: Callable[[], bool] | None = None) -> None:
        self._app = app
        self._sleeps = sleeps

    def gains_from_concurrency(self) -> bool:
        """Whether requests from parallel threads finish sooner than one after another.

        The app runs in the caller's thread and holds the GIL while it works, so threads only
        help while it sleeps (latency, slow faults). Clients may ask, and run serially when not.
        """
        return True if self._sleeps is None else self._sleeps()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run the app for one request and wrap its answer (or its fault) for ``httpx``."""
        body = request.read()
        environ = self._environ(request, body)
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = [status, headers]
            return lambda data: None

        try:
            result = self._app(environ, start_response)
            try:
                content = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except DroppedConnection as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc
        except SlowResponse as slow:
            timeout = request.extensions.get("timeout") or {}
            read_timeout = timeout.get("read")
            if read_timeout is not None:
                time.sleep(read_timeout)
                raise httpx.ReadTimeout("The read operation timed out", request=request) from slow
            time.sleep(slow.delay_s)
            started[:] = [slow.status, slow.headers]
            content = slow.body
        status, headers = started
        return httpx.Response(
            int(status.split(" ", 1)[0]),
            headers=headers,
            stream=httpx.ByteStream(content),
            request=request,
        )

    @staticmethod
    def _environ(request: httpx.Request, body: bytes) -> dict[str, Any]:
        url = request.url
        raw_path = url.raw_path.split(b"?", 1)[0]
        default_port = 443 if url.scheme == "https" else 80
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            # PEP 3333: PATH_INFO is the unquoted path as latin-1-decoded bytes.
            "PATH_INFO": unquote_to_bytes(raw_path.decode("ascii")).decode("latin-1"),
            "QUERY_STRING": url.query.decode("ascii"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(url.port or default_port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        for key, value in request.headers.multi_items():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[name] = value
            else:
                http_name = f"HTTP_{name}"
                environ[http_name] = (
                    f"{environ[http_name]},{value}" if http_name in environ else value
                )
        return environ
