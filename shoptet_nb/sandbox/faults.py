"""Seeded fault injection: which API request gets which fault, and how a carrier is told.

The n-th API request that passes the limiter draws from a hash of ``(fault_seed, n)``, so a run
with the same seed meets the same faults in the same order, whatever the wall clock does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .options import FAULT_KINDS, SandboxOptions


class DroppedConnection(Exception):
    """Raised by the app to tell its carrier to close the connection without a response."""


class SlowResponse(Exception):
    """Raised by the app, carrying a finished response its carrier should deliver late."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, delay_s: float):
        super().__init__(status)
        self.status = status
        self.headers = headers
        self.body = body
        self.delay_s = delay_s


@dataclass(frozen=True)
class Fault:
    """One drawn fault: ``kind`` from ``FAULT_KINDS``; ``after`` for drops after processing."""

    kind: str
    after: bool = False


def _uniforms(seed: int, n: int, stream: str = "fault") -> tuple[float, float, float]:
    digest = hashlib.blake2b(f"{stream}/{seed}/{n}".encode(), digest_size=24).digest()
    scale = float(1 << 64)
    return tuple(int.from_bytes(digest[i : i + 8], "big") / scale for i in (0, 8, 16))  # type: ignore[return-value]


def draw(options: SandboxOptions, n: int) -> Fault | None:
    """The fault of the n-th API request, or None."""
    if options.fault_rate <= 0.0:
        return None
    hit, pick, after = _uniforms(options.fault_seed, n)
    if hit >= options.fault_rate:
        return None
    weights = [max(0.0, options.fault_weights.get(kind, 0.0)) for kind in FAULT_KINDS]
    total = sum(weights)
    if total <= 0.0:
        return None
    point = pick * total
    for kind, weight in zip(FAULT_KINDS, weights, strict=True):
        if point < weight:
            return Fault(kind, after=kind == "drop" and after < options.drop_after_apply_share)
        point -= weight
    # Float rounding can leave ``point`` a hair above the total: take the last weighted kind.
    return Fault([k for k, w in zip(FAULT_KINDS, weights, strict=True) if w > 0][-1])


def draw_job(options: SandboxOptions, n: int) -> str | None:
    """The fault of the n-th job: ``"job_failed"``, ``"truncated_result"`` or None.

    Jobs draw from their own stream, so turning job faults on does not move the request faults.
    """
    failed, truncated, _ = _uniforms(options.fault_seed, n, "job")
    if failed < options.job_failure_rate:
        return "job_failed"
    if truncated < options.truncated_result_rate:
        return "truncated_result"
    return None
