"""Writing to the shop: run a :class:`~shoptet_nb.plan.Plan` (``apply``, ``update_images``) and
undo it (``revert``).

``apply`` re-reads each changed gallery once, just before writing it, and refuses to overwrite an
image that changed on the server since the plan's base (status ``conflict``) unless
``force=True``. It then sends the plan's PATCH calls, at most three at a time, and accounts for
every input row:

==============  ================================================================
updated         sent, and the server's answer (or, when it was lost, a read of the gallery
                afterwards) shows the new values
unchanged       nothing to send (already had these values, or the row changes nothing)
invalid         the row broke a rule; never sent
not_found       the product or image is not in the shop
conflict        changed on the server since the plan; not overwritten
failed          the call failed or the server skipped the image, or revert could not
                restore it exactly (a priority that was null); see the message
not_attempted   not sent because the run stopped (``on_error="stop"``, the token
                expired, or an interrupt): apply the same edits again to finish
would_update    (dry run only) would be sent
==============  ================================================================

An interrupt (Ctrl+C, Jupyter's "Interrupt kernel") stops new requests at once, waits for the
calls in flight (a second interrupt stops waiting) and raises :class:`~shoptet_nb.Interrupted`,
whose ``result`` is this partial Result; the journal has a line for every gallery that was sent.

The package, one purpose a module: :mod:`.verbs` (``apply``, ``update_images``), :mod:`.revert`
(and :mod:`.restore_order`, for priorities Shoptet cannot clear), :mod:`.run` (the threaded run
and the interrupt), :mod:`.gallery` (one gallery's write steps), :mod:`.state` (what the workers
share), :mod:`.assemble` and :mod:`.result` (the Result and its merging), :mod:`.journal` (the
typed journal every writer and reader uses) and :mod:`.values`. Deleting photos:
:mod:`.delete_plan`, :mod:`.delete_run` (``delete_images``), :mod:`.archive`,
:mod:`.delete_result` and :mod:`.delete_revert` (what ``revert`` does with a delete's result).
"""

from .result import (
    RESULT_STATUSES,
    Result,
    combine_results,
    dry_run_result,
    unsent_result,
)
from .revert import revert
from .run import Progress
from .verbs import apply, update_images

__all__ = [
    "RESULT_STATUSES",
    "Progress",
    "Result",
    "apply",
    "combine_results",
    "dry_run_result",
    "revert",
    "unsent_result",
    "update_images",
]
