"""Running work on a few threads for one client: ``map`` and the stop event of a run.

:meth:`~shoptet_nb.http_client.HttpClient.map` is the only caller. It lives apart from HTTP
because it knows nothing of requests: it runs a function over items with a bounded queue and
tells the function (through :func:`current_stop`) when the run was stopped, so that a request
made in a worker can refuse to start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Work queued ahead of the pool in map(). Refills happen in the caller's thread, which must win
# the GIL back from busy workers first; a deep queue keeps the workers from idling meanwhile.
_QUEUED_AHEAD = 256
# The stop event of the map() whose worker runs in this thread: requests made there check it.
_scope = threading.local()


def current_stop() -> threading.Event | None:
    """The stop event of the run this thread works for (set on an interrupt), if any."""
    return getattr(_scope, "stop", None)


def map_items(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    threaded: bool,
    stop: threading.Event | None,
) -> Generator[tuple[T, R | BaseException], None, None]:
    """``fn`` over ``items`` on up to ``workers`` threads, yielding ``(item, value or
    exception)`` as they end (the contract is ``HttpClient.map``'s); ``threaded=False`` (one
    worker, or a transport that gains nothing from threads) runs them one by one."""
    # Inside another map's worker, follow that run's stop event, but leave setting it to
    # that map: a failure in this inner loop is not an interrupt of the outer run.
    inherited = stop is None and current_stop() is not None
    stop = stop or current_stop() or threading.Event()
    if workers == 1 or not threaded:
        # Nothing to overlap: threads would only contend for the GIL.
        yield from _serial_map(fn, items, None if inherited else stop)
        return

    def work(item: T) -> R:
        outer = current_stop()
        _scope.stop = stop
        try:
            return fn(item)
        finally:
            _scope.stop = outer

    iterator = iter(items)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shoptet")
    running: dict[Future[R], T] = {}
    finished = False

    def submit_next() -> bool:
        if stop.is_set():
            return False
        try:
            item = next(iterator)
        except StopIteration:
            return False
        running[pool.submit(work, item)] = item
        return True

    try:
        for _ in range(max(workers * 2, _QUEUED_AHEAD)):
            if not submit_next():
                break
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                item = running.pop(future)
                error = future.exception()
                yield (item, error) if error is not None else (item, future.result())
                submit_next()
        finished = True
    finally:
        if not finished and not inherited:
            stop.set()
        # Queued items never start; the ones in flight end on their own.
        pool.shutdown(wait=False, cancel_futures=True)
        if not finished:
            # Wait for the calls in flight, so that their outcome is recorded before the
            # caller goes on. A second interrupt lands here and returns at once.
            wait([f for f in running if not f.cancelled()])


def _serial_map(
    fn: Callable[[T], R], items: Iterable[T], stop: threading.Event | None
) -> Generator[tuple[T, R | BaseException], None, None]:
    """map() without threads: each item in the caller's thread (an interrupt lands in fn).

    ``stop`` is set when the caller stops early; None leaves it to an outer map.
    """
    finished = False
    try:
        for item in items:
            if stop is not None and stop.is_set():
                break
            outcome: R | BaseException
            try:
                outcome = fn(item)
            except Exception as exc:  # reported per item, as the threads do
                outcome = exc
            yield item, outcome
        finished = True
    finally:
        if not finished and stop is not None:
            stop.set()
