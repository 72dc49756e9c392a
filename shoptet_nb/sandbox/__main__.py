"""Command line: ``python -m shoptet_nb.sandbox --port 8765 --seed 1 --products 500``.

Prints ``Sandbox shop at http://127.0.0.1:PORT`` and serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .options import SandboxOptions
from .server import serve

_DEFAULTS = SandboxOptions()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m shoptet_nb.sandbox",
        description="Serve a seeded fake Shoptet shop on 127.0.0.1 (any token is accepted).",
    )
    parser.add_argument("--port", type=int, default=8765, help="port, 0 for any free (8765)")
    parser.add_argument("--seed", type=int, default=0, help="catalogue seed (0)")
    parser.add_argument("--products", type=int, default=200, help="number of products (200)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="server latency (0)")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of faults 0..1 (0)")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the faults (0)")
    parser.add_argument("--no-limits", action="store_true", help="no concurrency/bucket limits")
    parser.add_argument("--bucket-capacity", type=int, default=200, help="bucket size (200)")
    parser.add_argument("--leak-per-s", type=float, default=10.0, help="bucket leak (10/s)")
    parser.add_argument("--slow-response-s", type=float, default=5.0, help="'slow' delay (5 s)")
    parser.add_argument(
        "--snapshot-job-s",
        type=float,
        default=_DEFAULTS.snapshot_job_s,
        help=f"how long a snapshot job runs ({_DEFAULTS.snapshot_job_s:g} s)",
    )
    parser.add_argument(
        "--no-job-webhook",
        action="store_true",
        help="no job:finished webhook registered: snapshots get 403 until one is POSTed",
    )
    parser.add_argument(
        "--languages", default="cs,sk,en", help="comma-separated, default first (cs,sk,en)"
    )
    parser.add_argument(
        "--photo-copies",
        type=float,
        default=0.0,
        help="share of products given duplicate and look-alike photos, 0..1 (0)",
    )
    parser.add_argument(
        "--picture-latency-ms", type=float, default=0.0, help="latency of image files (0)"
    )
    return parser


def options_from(argv: Sequence[str] | None = None) -> SandboxOptions:
    """The switches the command line asks for (``ValueError`` for bad values).

    >>> options_from(["--no-job-webhook", "--snapshot-job-s", "5"]).job_webhook
    False
    """
    return _options(_parser().parse_args(argv))


def _options(args: argparse.Namespace) -> SandboxOptions:
    return SandboxOptions(
        seed=args.seed,
        products=args.products,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        fault_seed=args.fault_seed,
        limits=not args.no_limits,
        bucket_capacity=args.bucket_capacity,
        leak_per_s=args.leak_per_s,
        slow_response_s=args.slow_response_s,
        snapshot_job_s=args.snapshot_job_s,
        job_webhook=not args.no_job_webhook,
        languages=tuple(code.strip() for code in args.languages.split(",") if code.strip()),
        photo_copies=args.photo_copies,
        picture_latency_ms=args.picture_latency_ms,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        options = _options(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    with serve(options, port=args.port) as running:
        print(f"Sandbox shop at {running.base_url}", flush=True)
        try:
            while not stop.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
    print("Sandbox shop stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
