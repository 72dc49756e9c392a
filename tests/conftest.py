"""Shared pytest fixtures."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# --- sandbox: every response the sandbox sends is checked against the OpenAPI file ----------
#
# The observer runs in whichever thread served the request (test thread, client worker,
# loopback server thread), so it only records; the fixture fails the test afterwards.


@pytest.fixture(autouse=True)
def _sandbox_speaks_openapi(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Validate every sandbox exchange of the test against Shoptet's OpenAPI file."""
    from shoptet_nb.sandbox import app

    from openapi import (
        SpecViolation,
        spec,
        validate_component,
        validate_request,
        validate_response,
    )

    if request.node.path.name.startswith("test_sandbox"):
        spec()  # load the 54k-line file now, not inside a timed request

    violations: list[str] = []
    lock = threading.Lock()

    def observe(method: str, template: str, status: int, request: Any, response: Any) -> None:
        try:
            if template == "/api-results/{file}":
                if status == 200 and isinstance(response, bytes) and response[:1] == b"{":
                    # An image insert's result (a sandbox decision, see sandbox/inserts.py):
                    # its errors are the envelope's Errors.
                    validate_component("Errors", json.loads(response)["errors"], "insert result")
                elif status == 200 and isinstance(response, bytes):
                    # A snapshot line is productSnapshot, which is allOf product.
                    for n, line in enumerate(_complete_lines(response), 1):
                        validate_component("product", json.loads(line), f"snapshot line {n}")
                return
            if not template.startswith("/api/"):
                return
            validate_response(method, template, status, response)
            # Only bodies the sandbox accepted: a test may send a broken one on purpose.
            if (method, status) in (("PATCH", 200), ("POST", 201), ("POST", 202)):
                validate_request(method, template, request)
        except SpecViolation as exc:
            with lock:
                violations.append(str(exc))

    app.add_observer(observe)
    try:
        yield violations
    finally:
        app.remove_observer(observe)
    if violations:
        shown = "\n".join(violations[:5])
        pytest.fail(f"{len(violations)} sandbox exchange(s) broke the OpenAPI file:\n{shown}")


def _complete_lines(packed: bytes) -> list[bytes]:
    """The whole lines of a gzip JSON Lines file; of a truncated one (a fault the sandbox
    injects on purpose), the lines that decompressed completely."""
    try:
        return gzip.decompress(packed).splitlines()
    except (EOFError, OSError, zlib.error):
        partial = zlib.decompressobj(wbits=31).decompress(packed)
        return partial.splitlines()[:-1]


@pytest.fixture
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal folder of the test's own (``$SHOPTET_NB_JOURNAL_DIR``); a module may have an
    autouse one of its own."""
    folder = tmp_path / "journal"
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(folder))
    return folder
