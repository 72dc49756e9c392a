"""``apply``, ``update_images`` and ``revert``: they live in :mod:`shoptet_nb.write` (whose
docstring lists the Result's statuses); this module keeps ``from shoptet_nb.apply import ...``
working. The widgets look ``apply`` up here at each save."""

from .write import (
    RESULT_STATUSES,
    Progress,
    Result,
    apply,
    combine_results,
    dry_run_result,
    revert,
    unsent_result,
    update_images,
)

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
