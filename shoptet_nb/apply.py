"""``apply``, ``update_images`` and ``revert``: they live in :mod:`shoptet_nb.write` (whose
docstring lists the Result's statuses); this module keeps ``from shoptet_nb.apply import ...``
working. The widgets look ``apply`` up here at each save."""

# ``name as name``: each is re-exported (strict mypy, ruff) without a second list of names.
from .write import RESULT_STATUSES as RESULT_STATUSES
from .write import Progress as Progress
from .write import Result as Result
from .write import apply as apply
from .write import combine_results as combine_results
from .write import dry_run_result as dry_run_result
from .write import revert as revert
from .write import unsent_result as unsent_result
from .write import update_images as update_images
