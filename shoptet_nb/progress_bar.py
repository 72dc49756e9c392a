"""Progress bars that read as sentences, in a notebook and on a terminal.

"Reading galleries: 120 of 400 galleries, 0:12 so far" rather than tqdm's "120/400
[00:12<00:30, 9.8it/s]"; where the total is not known (a snapshot's products), a count of what
was done ("Snapshot job ad24xod: 2500 products read") rather than "2500/?".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tqdm.auto import tqdm

#: With a total: the bar between the count and the time (a notebook draws its own bar there).
_COUNTED = "{desc}: {n_fmt} of {total_fmt} {unit} |{bar}| {elapsed} so far"
#: Without a total: no bar, no rate, only what was done.
_OPEN = "{desc}: {n_fmt} {unit} {verb}, {elapsed} so far"
#: A step with nothing to count yet (waiting for Shoptet): the description says it all.
_WAITING = "{desc}, {elapsed} so far"


def counted_bar(what: str, *, total: int, unit: str, disable: bool) -> tqdm[Any]:
    """A bar for ``total`` steps: "<what>: n of total <unit>". ``unit`` is plural ("galleries")."""
    return tqdm(total=total, desc=what, unit=unit, bar_format=_COUNTED, disable=disable)


def open_bar(what: str, *, unit: str, verb: str, disable: bool) -> tqdm[Any]:
    """A bar whose total is not known: "<what>: n <unit> <verb>" ("2500 products read");
    :func:`waiting` shows a step before the counting starts."""
    bar = tqdm(desc=what, unit=unit, disable=disable)
    bar.bar_format = _OPEN.replace("{verb}", verb)
    return bar


def waiting(bar: tqdm[Any], what: str) -> None:
    """Show ``what`` (a sentence such as "waiting for Shoptet") with the time so far."""
    bar.bar_format = _WAITING
    bar.set_description_str(what)


def counting(bar: tqdm[Any], what: str, *, verb: str) -> None:
    """Back to counting after :func:`waiting`: "<what>: n <unit> <verb>"."""
    bar.bar_format = _OPEN.replace("{verb}", verb)
    bar.set_description_str(what)


class Steps:
    """A write's progress as its ``progress=`` argument asks: a :func:`counted_bar` (True),
    nothing (False), or calls ``progress(done, total)`` (a widget's indicator), first with
    ``(0, total)``. Call :meth:`done` from one thread only (the one running the write)."""

    def __init__(
        self, what: str, *, total: int, unit: str, progress: bool | Callable[[int, int], None]
    ) -> None:
        self.total, self.count = total, 0
        self.report = progress if callable(progress) else None
        self.bar = counted_bar(what, total=total, unit=unit, disable=progress is not True)
        if self.report is not None:
            self.report(0, total)

    def done(self, n: int = 1) -> None:
        """``n`` more steps done."""
        if n <= 0:
            return
        self.count += n
        self.bar.update(n)
        if self.report is not None:
            self.report(self.count, self.total)

    def close(self) -> None:
        """Leave the bar as it stands (call once, in a ``finally``)."""
        self.bar.close()
