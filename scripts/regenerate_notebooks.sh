#!/usr/bin/env bash
# Re-execute every notebooks/*.ipynb in place against the sandbox shop and store the outputs.
# No Shoptet token reaches the kernel; execution timings are not stored.
#
#   bash scripts/regenerate_notebooks.sh            # all notebooks
#   bash scripts/regenerate_notebooks.sh notebooks/01_quick_start.ipynb
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh

if [[ $# -gt 0 ]]; then
    notebooks=("$@")
else
    shopt -s nullglob
    notebooks=(notebooks/*.ipynb)
fi
if [[ ${#notebooks[@]} -eq 0 ]]; then
    echo "regenerate: no notebooks in notebooks/" >&2
    exit 1
fi
env -u SHOPTET_PRIVATE_API_TOKEN -u SHOPTET_ACCESS_TOKEN \
    .venv/bin/python scripts/run_notebooks.py --in-place "${notebooks[@]}"
