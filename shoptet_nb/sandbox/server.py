"""The sandbox over loopback: a threaded ``wsgiref`` server on 127.0.0.1 only.

Faults become real network behaviour here: a dropped connection is closed without a byte of
response, a slow one is held ``slow_response_s`` before it is written.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from .faults import DroppedConnection, SlowResponse
from .options import SandboxOptions
from .shop import SandboxShop

HOST = "127.0.0.1"


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False  # a "slow" handler may still sleep; do not wait for it on stop
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind would reverse-resolve the address (getfqdn), which can stall.
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.server_address[1]
        self.setup_environ()


class _Handler(ServerHandler):
    dropped = False
    environ: dict[str, Any]

    def run(self, application: Any) -> None:
        try:
            self.setup_environ()
            try:
                self.result = application(self.environ, self.start_response)
            except SlowResponse as slow:
                time.sleep(slow.delay_s)
                self.start_response(slow.status, slow.headers)
                self.result = [slow.body]
            self.finish_response()
        except DroppedConnection:
            self.dropped = True
        except (ConnectionAbortedError, BrokenPipeError, ConnectionResetError):
            return  # the client went away (e.g. it timed out first)
        except Exception:
            try:
                self.handle_error()
            except Exception:
                self.close()
                raise


class _RequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and notebooks do not want an access log on stderr."""

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(
            self.rfile,
            cast("IO[bytes]", self.wfile),
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]
        if handler.dropped:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox being served: ``base_url`` like ``http://127.0.0.1:54321`` and its ``shop``."""

    base_url: str
    shop: SandboxShop


@contextlib.contextmanager
def serve(
    shop_or_options: SandboxShop | SandboxOptions | None = None, port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox shop on 127.0.0.1 (``port=0``: any free port) until the block ends.

    >>> import httpx
    >>> with serve(SandboxOptions(products=3)) as running:
    ...     httpx.get(running.base_url + "/_sandbox/stats").status_code
    200
    """
    if isinstance(shop_or_options, SandboxShop):
        shop = shop_or_options
    else:
        shop = SandboxShop(shop_or_options)
    server = _Server((HOST, port), _RequestHandler)
    server.set_app(shop.app)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"shoptet-nb-sandbox-{server.server_port}",
        daemon=True,
    )
    thread.start()
    try:
        yield RunningSandbox(base_url=f"http://{HOST}:{server.server_port}", shop=shop)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
