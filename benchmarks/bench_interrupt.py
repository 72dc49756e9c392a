"""Interrupt an apply: how fast control comes back, what is still sent, what the journal misses.

    python benchmarks/bench_interrupt.py            # 56 galleries at 60 ms latency, 6 runs
    python benchmarks/bench_interrupt.py --smoke    # 24 galleries at 20 ms latency, 3 runs (CI)

Each run applies one plan (a new caption on every image and the second image moved to the
front, per gallery) to a fresh loopback sandbox and sends the process a real SIGINT (what
Jupyter's "Interrupt kernel" sends) once the shop has received a given number of PATCHes; a
"double" run sends a second SIGINT while the first waits for the calls in flight. The shop (the
oracle) then says, per run:

* seconds from the (last) interrupt to control back in the caller;
* PATCHes the shop received after the first interrupt (at most the calls in flight, 3);
* galleries whose images changed but that have no ``intent`` line in the journal, when control
  came back and after the last worker ended (target 0);
* galleries ``revert(journal_path, client=client)`` did not restore (captions and order).

``tests/test_interrupt.py`` and the interrupt soak in ``tests/test_faults.py`` use the pieces
below (edits, the gate, the interrupter, the journal check) at small sizes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from _harness import IMAGES, loopback, summary, table

import shoptet_nb as sn
from shoptet_nb.journal import read_journal
from shoptet_nb.sandbox import SandboxOptions, SandboxShop

State = dict[str, tuple[tuple[Any, Any, Any], ...]]


def gallery_edits(shop: SandboxShop, n: int) -> pd.DataFrame:
    """For the first n galleries with 2+ images, all with a priority: a new caption on every
    image, and the second image moved to the front (the two priorities swapped)."""
    rows: list[dict[str, Any]] = []
    galleries = 0
    for product in shop.products():
        images = shop.images(product["guid"], "shop")
        priorities = [image["priority"] for image in images]
        if len(images) < 2 or None in priorities or priorities[0] == priorities[1]:
            continue
        for k, image in enumerate(images):
            swapped = {0: priorities[1], 1: priorities[0]}.get(k, image["priority"])
            rows.append(
                {
                    "guid": product["guid"],
                    "gallery": "shop",
                    "name": image["name"],
                    "priority": swapped,
                    "description": f"Přerušeno {galleries}/{k} ✓",
                }
            )
        galleries += 1
        if galleries == n:
            break
    return pd.DataFrame(rows)


def prepare(client: sn.ShoptetClient, n: int) -> tuple[pd.DataFrame, State, sn.Plan]:
    """The edits of :func:`gallery_edits`, the galleries' state before, and their plan."""
    edits = gallery_edits(client.sandbox, n)
    before = gallery_state(client.sandbox, list(dict.fromkeys(edits["guid"])))
    return edits, before, sn.plan_updates(client, edits, progress=False)


def gallery_state(shop: SandboxShop, guids: list[str]) -> State:
    """Each gallery's (name, priority, caption) in admin order: order and captions at once."""
    return {
        guid: tuple(
            # Shoptet cannot set a caption back to null: revert writes "" for it.
            (image["name"], image["priority"], image["description"] or "")
            for image in shop.images(guid, "shop")
        )
        for guid in guids
    }


def changed(shop: SandboxShop, before: State) -> set[str]:
    """Galleries whose captions or order differ from ``before``."""
    now = gallery_state(shop, list(before))
    return {guid for guid in before if now[guid] != before[guid]}


def journaled(path: Path | None) -> set[str]:
    """Galleries with an ``intent`` line (written before the call is sent) in the journal."""
    if path is None or not path.exists():
        return set()
    return {e["guid"] for e in read_journal(path) if e.get("event") == "intent"}


def patches(shop: SandboxShop) -> int:
    """PATCHes the shop has received (counted when the request arrives)."""
    return int(shop.stats()["requests"].get(f"PATCH {IMAGES}", 0))


def image_reads(shop: SandboxShop) -> int:
    """Gallery reads (GETs of the images endpoint) the shop has received."""
    return int(shop.stats()["requests"].get(f"GET {IMAGES}", 0))


def workers_alive() -> int:
    """Worker threads of shoptet_nb's client.map still running."""
    return sum(t.name.startswith("shoptet_") and t.is_alive() for t in threading.enumerate())


def wait_for_workers(timeout: float = 30.0) -> bool:
    """Wait until every client.map worker has ended; False if some still run at the timeout."""
    deadline = time.monotonic() + timeout
    while workers_alive():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class GatedTransport(httpx.BaseTransport):
    """Passes requests on, but while the gate is closed holds each answer before returning it.

    The request has reached the shop (and a PATCH has landed) when its answer is held: a call
    "in flight" that cannot finish until :meth:`open` is called.
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self.held = 0
        self.in_flight = 0  # requests inside this transport right now

    def close_gate(self) -> None:
        with self._lock:
            self.held = 0  # answers held from now on
        self._open.clear()

    def open(self) -> None:
        self._open.set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.in_flight += 1
        try:
            response = self.inner.handle_request(request)
            if not self._open.is_set():
                with self._lock:
                    self.held += 1
                self._open.wait(60)
            return response
        finally:
            with self._lock:
                self.in_flight -= 1

    def close(self) -> None:
        self.inner.close()


@dataclass
class Interrupts:
    """What the interrupter did: PATCHes (and its own count) at the first SIGINT, when it sent
    each."""

    at_patches: int | None = None
    counted: int | None = None
    sent_at: tuple[float, ...] = ()


class Interrupter(threading.Thread):
    """Sends SIGINT to the main thread once ``count()`` has grown by ``at``, while a call is
    held.

    It closes the gate first and waits for an answer to be held there, so the run cannot end
    before the signal lands; with ``double`` it sends a second SIGINT ``hold_s`` later, while
    the run waits for that held call, and opens the gate only after it (or leaves that to the
    caller with ``release=False``).
    """

    def __init__(
        self,
        shop: SandboxShop,
        gate: GatedTransport,
        at: int,
        *,
        double: bool = False,
        hold_s: float = 0.2,
        count: Any = patches,
        release: bool = True,
    ) -> None:
        super().__init__(name="interrupter", daemon=True)
        self.shop, self.gate, self.at, self.double, self.hold_s = shop, gate, at, double, hold_s
        self.count = count
        self.release = release  # False: the caller opens the gate (after looking at the run)
        self.done = Interrupts()
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            start = self.count(self.shop)  # `at` counts from now: the shop may be reused
            while self.count(self.shop) - start < self.at:
                if self.stop.wait(0.001):
                    return
            self.gate.close_gate()
            while not self.gate.held:
                if self.stop.wait(0.001):
                    return
            self.done.at_patches = patches(self.shop)
            self.done.counted = self.count(self.shop)
            sent = [_interrupt_main()]
            if self.double:
                time.sleep(self.hold_s)
                sent.append(_interrupt_main())
            self.done.sent_at = tuple(sent)
        finally:
            if self.release or not self.done.sent_at:
                self.gate.open()


def _interrupt_main() -> float:
    """A real SIGINT to the main thread, as Ctrl+C or Jupyter's "Interrupt kernel" sends."""
    at = time.perf_counter()
    signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
    return at


@contextmanager
def interrupting(
    shop: SandboxShop, gate: GatedTransport, at: int, **kwargs: Any
) -> Iterator[Interrupter]:
    """Run an Interrupter for the duration of the block (it stands down if never triggered)."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        raise RuntimeError("SIGINT must raise KeyboardInterrupt in the main thread")
    interrupter = Interrupter(shop, gate, at, **kwargs)
    interrupter.start()
    try:
        yield interrupter
    finally:
        interrupter.stop.set()
        interrupter.join(10)


@dataclass
class Run:
    label: str
    galleries: int
    seconds_to_control: float | None
    patches_after: int | None
    missing_at_control: int
    missing_at_end: int
    not_restored: int
    statuses: dict[str, int]
    rows: int
    accounted: int
    message: str


def interrupted_apply(
    n: int, at: int, *, double: bool, latency_ms: float, seed: int, journal: Path
) -> Run:
    """One apply of ``n`` galleries over loopback, interrupted at the ``at``-th PATCH."""
    with loopback(SandboxOptions(seed=seed, products=n * 2 + 10, latency_ms=latency_ms)) as (
        base_url,
        shop,
    ):
        gate = GatedTransport(httpx.HTTPTransport())
        client = sn.connect("interrupt-token", base_url=base_url, transport=gate)
        client.sandbox = shop
        try:
            edits, before, plan = prepare(client, n)
            caught: BaseException | None = None
            with interrupting(shop, gate, at, double=double) as interrupter:
                try:
                    sn.apply(plan, progress=False, journal=journal)
                except KeyboardInterrupt as exc:  # sn.Interrupted is one
                    caught = exc
                back = time.perf_counter()
                missing_at_control = len(changed(shop, before) - journaled(journal))
            sent_at = interrupter.done.sent_at
            wait_for_workers()
            gate.open()
            after = patches(shop)
            missing_at_end = len(changed(shop, before) - journaled(journal))
            result = getattr(caught, "result", None)
            statuses = dict(result.counts) if result is not None else {}
            rows = len(edits)
            accounted = int(result.rows["status"].notna().sum()) if result is not None else 0
            if journaled(journal):
                sn.revert(journal, client=client, progress=False, journal=False)
            not_restored = len(changed(shop, before))
        finally:
            client.close()
    at_patches = interrupter.done.at_patches
    return Run(
        label=f"{'double' if double else 'single'} at PATCH {at}",
        galleries=len(before),
        seconds_to_control=back - sent_at[-1] if sent_at else None,
        patches_after=after - at_patches if at_patches is not None else None,
        missing_at_control=missing_at_control,
        missing_at_end=missing_at_end,
        not_restored=not_restored,
        statuses={k: v for k, v in statuses.items() if v},
        rows=rows,
        accounted=accounted,
        message=str(caught) if caught is not None else "(not interrupted)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="24 galleries at 20 ms, 3 runs")
    parser.add_argument("--journal-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    n, latency = (24, 20.0) if args.smoke else (56, 60.0)
    moments = [(1, False), (n // 2, False), (n // 2, True)]
    if not args.smoke:
        moments += [(n - 8, False), (3, True), (n - 8, True)]
    folder = args.journal_dir or Path(os.environ.get("TMPDIR", "/tmp")) / "bench_interrupt"
    folder.mkdir(parents=True, exist_ok=True)
    runs = []
    for number, (at, double) in enumerate(moments):
        journal = folder / f"run-{os.getpid()}-{number}.jsonl"
        journal.unlink(missing_ok=True)
        run = interrupted_apply(
            n, at, double=double, latency_ms=latency, seed=60 + number, journal=journal
        )
        runs.append(run)
        print(
            f"{run.label}: {run.seconds_to_control or float('nan'):.3f} s to control, "
            f"{run.patches_after} PATCHes after the interrupt, "
            f"{run.missing_at_control}/{run.missing_at_end} changed galleries missing from the "
            f"journal (at control/at end), {run.not_restored} not restored by revert; "
            f"{run.statuses}",
            flush=True,
        )
        print(f"    {run.message}", flush=True)
    print()
    print(
        table(
            f"Interrupting an apply of {n} galleries at {latency:.0f} ms latency (loopback)",
            ["run", "s to control", "PATCHes after", "missing", "not restored"],
            [
                [
                    r.label,
                    r.seconds_to_control if r.seconds_to_control is not None else "-",
                    r.patches_after if r.patches_after is not None else "-",
                    r.missing_at_control + r.missing_at_end,
                    r.not_restored,
                ]
                for r in runs
            ],
        )
    )
    summary(
        rows=sum(r.rows for r in runs),
        accounted=sum(r.accounted for r in runs),
        runs=len(runs),
        interrupted=sum(r.seconds_to_control is not None for r in runs),
        patches_after=[r.patches_after for r in runs],
        missing_from_journal=sum(r.missing_at_control + r.missing_at_end for r in runs),
        not_restored=sum(r.not_restored for r in runs),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
