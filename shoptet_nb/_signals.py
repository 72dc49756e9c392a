"""Hold Ctrl+C back while the package builds what an interrupt must return.

An interrupted apply returns its partial Result inside :class:`~shoptet_nb.Interrupted`. A
second Ctrl+C (or Jupyter's "Interrupt kernel" pressed twice) that lands while that Result is
being built would replace it with a bare ``KeyboardInterrupt``: the user would lose the row
statuses and the journal's name. Inside :func:`deferred_interrupts` a SIGINT is noted and
dropped instead: the caller is already on its way out with an ``Interrupted``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def deferred_interrupts() -> Iterator[list[int]]:
    """SIGINTs during the block are counted in the yielded list, not raised.

    Only the main thread receives signals in Python; elsewhere (or where the handler cannot be
    replaced) the block runs as it is.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def note(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    try:
        previous = signal.signal(signal.SIGINT, note)
    except (ValueError, OSError):  # an embedded interpreter that does not allow it
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)
