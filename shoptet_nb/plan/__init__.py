"""Validate a frame of edits and diff it against the shop: ``plan_updates`` → :class:`Plan`.

Planning never writes. Every input row gets a status and a reason:

==============  ================================================================
would_update    the image exists and at least one field differs: it will be sent
unchanged       the image already has these values, or the row changes nothing
invalid         the row breaks a rule (the reason says how to fix it); not sent
not_found       the product or the image is not in the shop
conflict        the edits frame has ``change_time`` and the photo changed in the shop since
                it was read: a value that differs from the shop's may be stale; not sent
failed          the product's gallery could not be read to diff against
==============  ================================================================

Null means unchanged: NaN, None or ``pd.NA`` leaves a field as it is; an empty string clears a
caption. An edits frame with ``change_time`` (a frame ``read_images`` returned) is compared with
the shop as of that time; a frame without it is compared with the shop as it is now.
An optional ``invalid_reason`` column marks rows the caller already knows must not be sent
(``read_captions`` sets it for a spreadsheet row whose key cells were altered): such a row is
``invalid`` with that reason, whatever else it holds.

The steps live in their own modules: :mod:`.edits_frame` (the frame's shape),
:mod:`.row_rules` (each row's values), :mod:`.shop_base` (the shop's side), :mod:`.diff` (old
against new), :mod:`.classify` (statuses, conflicts), :mod:`.patch_calls` (what is sent),
:mod:`.model` (the :class:`Plan`) and :mod:`.updates` (``plan_updates``, which runs them).
"""

from .classify import ALREADY_DONE
from .edits_frame import INVALID_REASON
from .keys import KEY
from .model import PLAN_STATUSES, Plan, count_statuses, split_plan
from .patch_calls import request_item, request_items
from .row_rules import MAX_CAPTION_LENGTH, PRIORITY_MAX, PRIORITY_MIN
from .updates import plan_updates

__all__ = [
    "ALREADY_DONE",
    "INVALID_REASON",
    "KEY",
    "MAX_CAPTION_LENGTH",
    "PLAN_STATUSES",
    "PRIORITY_MAX",
    "PRIORITY_MIN",
    "Plan",
    "count_statuses",
    "plan_updates",
    "request_item",
    "request_items",
    "split_plan",
]
