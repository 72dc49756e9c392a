"""Where new photos go in a gallery, and the fewest priority changes that put them there.

A new photo goes where its row says: ``position`` (1-based place in the gallery after the add)
or, by default, right after the last photo that has a priority, in frame order. Photos without
a priority stay last, untouched: giving them one would rewrite photos nobody asked to change.
Existing photos keep the shop's order (priority, ties by name: Shoptet documents no order for
ties, so none is made up). The numbers come from :func:`shoptet_nb._order.fewest_priority_changes`,
with each new photo standing in as a priority above every real one, so it is always given one:
a POST without a priority lands where Shoptet pleases (undocumented).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..._order import MAX_PRIORITY, NoRoomError, fewest_priority_changes, shop_order

_PLACEHOLDER = "\x00new:"  # cannot be a file name


def placeholder(n: int) -> str:
    """The stand-in name of the ``n``-th new photo of a gallery."""
    return f"{_PLACEHOLDER}{n}"


@dataclass
class Placement:
    """A gallery's planned order: ``wanted`` (names, new photos as placeholders), the priority
    each new photo is sent with, and the changes of existing photos afterwards."""

    wanted: list[str]
    new: dict[str, int] = field(default_factory=dict)
    others: dict[str, int] = field(default_factory=dict)


def place(priorities: Mapping[str, int | None], new: Sequence[int | None]) -> Placement:
    """Plan where ``new`` photos go (each a 1-based position or None to append) in a gallery
    of ``priorities``. Raises :class:`~shoptet_nb._order.NoRoomError` past 65535 photos."""
    order = shop_order(priorities)
    numbered = [name for name in order if priorities[name] is not None]
    unnumbered = [name for name in order if priorities[name] is None]
    names = [placeholder(n) for n in range(len(new))]
    wanted = numbered + [names[n] for n, at in enumerate(new) if at is None] + unnumbered
    placed = sorted((at, n) for n, at in enumerate(new) if at is not None)
    for at, n in placed:
        wanted.insert(min(at - 1, len(wanted)), names[n])
    stand_in = {name: MAX_PRIORITY + 1 + n for n, name in enumerate(names)}
    changes = fewest_priority_changes({**priorities, **stand_in}, wanted)
    placement = Placement(wanted)
    top = max((p for p in priorities.values() if p is not None), default=0)
    for name in names:
        if name in changes:
            placement.new[name] = changes[name]
        else:
            # The wanted order is already the shop's with the stand-ins at the end of the
            # numbered photos: they follow the highest priority.
            top += 1
            placement.new[name] = top
    placement.others = {n: p for n, p in changes.items() if n not in stand_in}
    if max(placement.new.values(), default=0) > MAX_PRIORITY:
        raise NoRoomError("no priority above the gallery's highest is left (65535)")
    return placement


def with_names(placement: Placement, names: Mapping[str, str]) -> list[str]:
    """The wanted order with placeholders replaced by the new photos' real names; photos that
    did not come (failed) are left out."""
    return [
        names.get(n, n) for n in placement.wanted if not n.startswith(_PLACEHOLDER) or n in names
    ]
