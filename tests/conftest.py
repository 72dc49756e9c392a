"""Shared pytest fixtures."""

from __future__ import annotations

import threading
from collections.abc import Iterator
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

    from openapi import SpecViolation, spec, validate_request, validate_response

    if request.node.path.name.startswith("test_sandbox"):
        spec()  # load the 54k-line file now, not inside a timed request

    violations: list[str] = []
    lock = threading.Lock()

    def observe(method: str, template: str, status: int, request: Any, response: Any) -> None:
        if not template.startswith("/api/"):
            return
        try:
            validate_response(method, template, status, response)
            # Only bodies the sandbox accepted: a test may send a broken one on purpose.
            if method == "PATCH" and status == 200:
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
