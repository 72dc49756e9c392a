"""Where new photos go in a gallery, and the fewest priority changes that put them there.

A new photo goes where its row says: ``position`` (1-based place in the gallery after the add;
equal positions keep the frame's order) or, by default, right after the last photo that has a
priority, in frame order. Photos without a priority stay last, untouched (a position past the
photos with a priority goes right after them): numbering them would rewrite photos nobody
asked to change.
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
    # A position past the photos with a priority means "after them": photos without one stay
    # last and untouched (putting a photo after them would number them all).
    end = len(wanted) - len(unnumbered)
    placed = sorted((at, n) for n, at in enumerate(new) if at is not None)
    for k, (at, n) in enumerate(placed):
        # Equal positions keep the frame's order: each goes after those placed before it.
        shared = sum(1 for other, _ in placed[:k] if other == at)
        wanted.insert(min(at - 1 + shared, end), names[n])
        end += 1
    changes = numbers_for(priorities, wanted, names)
    placement = Placement(wanted)
    placement.new = {name: changes[name] for name in names}
    placement.others = {n: p for n, p in changes.items() if n not in placement.new}
    return placement


def numbers_for(
    priorities: Mapping[str, int | None], wanted: Sequence[str], new: Sequence[str]
) -> dict[str, int]:
    """The fewest changes that give ``wanted`` order, with a number for every one of ``new``
    (names not in ``priorities``, or whose number is to be chosen again) and no tie.

    Each new photo stands in above every real priority (else, where that leaves no room,
    below every one), so it is never kept where it is. Raises
    :class:`~shoptet_nb._order.NoRoomError` when 1..65535 has no room.
    """
    fixed = {n: p for n, p in priorities.items() if n not in set(new)}
    numbered = [p for p in fixed.values() if p is not None]
    for above in (True, False):
        stand_in = {
            name: (MAX_PRIORITY + 1 + k) if above else (k - len(new)) for k, name in enumerate(new)
        }
        changes = fewest_priority_changes({**fixed, **stand_in}, wanted)
        missing = [name for name in new if name not in changes]
        if missing:
            # The order is already the shop's with the stand-ins where they stand: they go
            # right after the highest priority (or before the lowest).
            edge = max(numbered, default=0) if above else min(numbered, default=1)
            step = 1 if above else -1
            ordered = missing if above else missing[::-1]
            for k, name in enumerate(ordered, start=1):
                changes[name] = edge + step * k
        if all(1 <= changes[name] <= MAX_PRIORITY for name in new):
            return changes
    raise NoRoomError("no room for these photos between priorities 1 and 65535")


def with_names(placement: Placement, names: Mapping[str, str]) -> list[str]:
    """The wanted order with placeholders replaced by the new photos' real names; photos that
    did not come (failed) are left out."""
    return [
        names.get(n, n) for n in placement.wanted if not n.startswith(_PLACEHOLDER) or n in names
    ]
