"""Validate sandbox traffic against Shoptet's official OpenAPI file.

The YAML (54k lines) is loaded once per process with the C loader. A response is checked
against its operation's schema for that status when the spec has one, otherwise against the
envelope every Shoptet answer shares (``data`` / ``errors`` per ``Errors`` / ``metadata`` per
``Metadata``). ``$ref``s resolve through a ``referencing`` registry holding the whole document.

Locate the file with ``SHOPTET_OPENAPI`` or as ``<repo>/../shared/shoptet-openapi.yaml``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_SPEC_URI = "urn:shoptet-openapi"

__all__ = [
    "SpecViolation",
    "spec",
    "spec_path",
    "validate_component",
    "validate_request",
    "validate_response",
]


class SpecViolation(AssertionError):
    """A body does not match the OpenAPI file."""


def spec_path() -> Path:
    """Where the OpenAPI file is read from."""
    override = os.environ.get("SHOPTET_OPENAPI")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "shoptet-openapi.yaml"


_load_lock = threading.RLock()  # re-entered: _validator → _registry → spec


def _parse(path: Path) -> dict[str, Any]:
    # Parsing 54k lines of YAML takes seconds; a pickle in the user's own cache directory,
    # keyed by the YAML's hash, makes later sessions start at once (only our own pickles are
    # read: the directory is private to the user, not the shared /tmp).
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    cache_dir = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "shoptet_nb"
    cache = cache_dir / f"openapi-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError), cache.open("rb") as handle:
        loaded: dict[str, Any] = pickle.load(handle)
        return loaded
    document: dict[str, Any] = yaml.load(raw, Loader=yaml.CSafeLoader)
    with contextlib.suppress(OSError):
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump(document, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
    return document


@functools.cache
def _spec() -> dict[str, Any]:
    document = _parse(spec_path())
    # YAML reads `200:` as an int; JSON pointers (and JSON) need string keys.
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
    return document


def spec() -> dict[str, Any]:
    """The parsed OpenAPI document (loaded once, even when several threads ask at once)."""
    with _load_lock:
        return _spec()


@functools.cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    return Registry().with_resource(_SPEC_URI, resource)


def _pointer(*parts: object) -> str:
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/".join(escaped)


@functools.cache
def _cached_validator(pointer: str) -> OAS31Validator:
    return OAS31Validator({"$ref": f"{_SPEC_URI}#/{pointer}"}, registry=_registry())


def _validator(pointer: str) -> OAS31Validator:
    with _load_lock:
        return _cached_validator(pointer)


def _check(pointer: str, body: Any, what: str) -> None:
    errors = sorted(_validator(pointer).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [
            f"  at {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:300]}"
            for e in errors[:10]
        ]
        more = f"\n  ... and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise SpecViolation(f"{what} breaks the OpenAPI schema:\n" + "\n".join(lines) + more)


def _operation(method: str, path_template: str) -> dict[str, Any] | None:
    path = spec()["paths"].get(path_template)
    if path is None:
        return None
    operation: dict[str, Any] | None = path.get(method.lower())
    return operation


def _status_key(responses: dict[str, Any], status: int) -> str | None:
    return str(status) if str(status) in responses else None


def validate_response(method: str, path_template: str, status: int, body: Any) -> None:
    """Raise ``SpecViolation`` unless ``body`` fits the spec for this operation and status."""
    what = f"{method.upper()} {path_template} → {status}"
    operation = _operation(method, path_template)
    if operation is not None:
        responses = operation.get("responses", {})
        key = _status_key(responses, status)
        if key is not None:
            content = responses[key].get("content", {}).get("application/json")
            if content is not None and "schema" in content:
                pointer = _pointer(
                    "paths",
                    path_template,
                    method.lower(),
                    "responses",
                    key,
                    "content",
                    "application/json",
                    "schema",
                )
                _check(pointer, body, what)
                # Schemas of some error statuses leave the envelope loose; hold them to it too.
                if status >= 400:
                    _check_envelope(body, what)
                return
    _check_envelope(body, what)


def _check_envelope(body: Any, what: str) -> None:
    if not isinstance(body, dict):
        raise SpecViolation(f"{what}: body is not a JSON object")
    missing = {"data", "errors", "metadata"} - set(body)
    if missing:
        raise SpecViolation(f"{what}: envelope lacks {sorted(missing)}")
    extra = set(body) - {"data", "errors", "metadata"}
    if extra:
        raise SpecViolation(f"{what}: envelope has unknown members {sorted(extra)}")
    _check(_pointer("components", "schemas", "Errors"), body["errors"], what + " errors")
    _check(_pointer("components", "schemas", "Metadata"), body["metadata"], what + " metadata")
    if not isinstance(body["data"], dict | None):
        raise SpecViolation(f"{what}: data is neither an object nor null")


def validate_request(method: str, path_template: str, body: Any) -> None:
    """Raise ``SpecViolation`` unless ``body`` fits the operation's request schema."""
    what = f"{method.upper()} {path_template} request"
    operation = _operation(method, path_template)
    if operation is None or "requestBody" not in operation:
        raise SpecViolation(f"{what}: the spec has no request body for this operation")
    pointer = _pointer(
        "paths",
        path_template,
        method.lower(),
        "requestBody",
        "content",
        "application/json",
        "schema",
    )
    _check(pointer, body, what)


def validate_component(name: str, body: Any, what: str) -> None:
    """Raise ``SpecViolation`` unless ``body`` fits ``components/schemas/<name>``."""
    _check(_pointer("components", "schemas", name), body, what)
