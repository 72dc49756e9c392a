"""Settings of a connection, from arguments and the environment.

The token is wrapped in :class:`Secret` as soon as it is read, so that no repr, log record or
exception message the package produces can show it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_BASE_URL = "https://api.myshoptet.com"

PRIVATE_TOKEN_ENV = "SHOPTET_PRIVATE_API_TOKEN"
ACCESS_TOKEN_ENV = "SHOPTET_ACCESS_TOKEN"
BASE_URL_ENV = "SHOPTET_BASE_URL"

PRIVATE_TOKEN_HEADER = "Shoptet-Private-API-Token"
ACCESS_TOKEN_HEADER = "Shoptet-Access-Token"

# Add-on (access) tokens look like 123456-a-111-<32 hex>; private ones 123456-p-100-<32 hex>.
_ACCESS_TOKEN_SHAPE = re.compile(r"^\d+-a-\d+-")

_HOW_TO_SET = (
    "No Shoptet API token. Set the environment variable SHOPTET_PRIVATE_API_TOKEN (Premium "
    "private API) or SHOPTET_ACCESS_TOKEN (add-on access token), or pass "
    "shoptet_nb.connect(token=...) from getpass.getpass(); never type it into a saved cell. "
    "To try the package without a shop, use shoptet_nb.sandbox()."
)


class Secret:
    """A string that never shows itself in ``repr``/``str``/format."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: only for the HTTP header."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickles end up in files and caches: a token must not travel that way.
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Settings:
    """How a client talks to the API. Every number has Shoptet's documented value by default."""

    base_url: str = DEFAULT_BASE_URL
    #: Seconds to wait for a response before the attempt counts as timed out.
    timeout: float = 30.0
    #: Attempts per request, the first included (1 disables retries).
    max_attempts: int = 5
    #: Requests in flight at once for one token: Shoptet allows 3.
    max_in_flight: int = 3
    #: Exponential backoff: first delay and upper bound, in seconds (full jitter below them).
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    #: The longest wait a Retry-After header may impose, in seconds.
    retry_after_cap: float = 60.0
    #: Leaky bucket: Shoptet's documented leak rate, and the share of the bucket kept free so
    #: that a long run slows down before it meets 429s.
    bucket_leak_per_s: float = 10.0
    bucket_reserve: float = 0.1
    #: Set False to switch off pacing on X-RateLimit-Bucket-Filling (the 3-in-flight cap stays).
    pace: bool = True
    #: Images per PATCH call: Shoptet's maximum is 100.
    max_images_per_call: int = 100
    user_agent: str = field(default="shoptet-nb/0.1 (+python-httpx)")

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, "
                f"got {self.base_url!r}"
            )
        numbers: tuple[str, ...] = ("timeout", "backoff_base", "backoff_max", "retry_after_cap")
        numbers += ("bucket_leak_per_s", "bucket_reserve", "max_attempts", "max_in_flight")
        numbers += ("max_images_per_call",)
        for name in numbers:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"setting {name} must be a number, got {value!r}")
        checks = [
            ("timeout", self.timeout > 0),
            ("max_attempts", self.max_attempts >= 1),
            ("max_in_flight", 1 <= self.max_in_flight <= 3),
            ("backoff_base", self.backoff_base >= 0),
            ("backoff_max", self.backoff_max >= self.backoff_base),
            ("retry_after_cap", self.retry_after_cap >= 0),
            ("bucket_leak_per_s", self.bucket_leak_per_s > 0),
            ("bucket_reserve", 0 <= self.bucket_reserve < 1),
            ("max_images_per_call", 1 <= self.max_images_per_call <= 100),
        ]
        for name, ok in checks:
            if not ok:
                raise ConfigError(
                    f"setting {name}={getattr(self, name)!r} is out of range "
                    "(max_in_flight must be 1-3, Shoptet's limit; max_images_per_call 1-100)"
                )


def resolve_token(token: str | None) -> tuple[Secret, str]:
    """The token and the header it goes in: from the argument, else the environment."""
    if token is not None:
        if not isinstance(token, str):
            raise ConfigError(f"token must be a string, got {type(token).__name__}")
        token = token.strip()
        if not token:
            raise ConfigError(_HOW_TO_SET)
        header = ACCESS_TOKEN_HEADER if _ACCESS_TOKEN_SHAPE.match(token) else PRIVATE_TOKEN_HEADER
        return Secret(token), header
    private = os.environ.get(PRIVATE_TOKEN_ENV, "").strip()
    if private:
        return Secret(private), PRIVATE_TOKEN_HEADER
    access = os.environ.get(ACCESS_TOKEN_ENV, "").strip()
    if access:
        return Secret(access), ACCESS_TOKEN_HEADER
    raise ConfigError(_HOW_TO_SET)


def resolve_base_url(base_url: str | None) -> str:
    """The base URL from the argument, else ``SHOPTET_BASE_URL``, else Shoptet's."""
    chosen = base_url or os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL
    return chosen.rstrip("/")


def token_in_environment() -> bool:
    """Whether a token is set in the environment (notebooks use the sandbox when not)."""
    return any(os.environ.get(name, "").strip() for name in (PRIVATE_TOKEN_ENV, ACCESS_TOKEN_ENV))
