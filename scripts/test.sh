#!/usr/bin/env bash
# The whole test suite, the same command locally and in CI:
#   ruff check, ruff format --check, mypy, the documentation build (mkdocs build --strict),
#   pytest (extra arguments go to pytest), and the Binder check (scripts/check_binder.sh) when
#   CI=true or with --binder.
#
#   bash scripts/test.sh
#   bash scripts/test.sh -k notebooks -x
#   bash scripts/test.sh --binder
#
# Every step runs even if an earlier one failed; the exit code is non-zero if any failed.
# pytest collecting no test (exit 5) is a failure. Artefacts (screenshots, junit.xml) go to
# artifacts/.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

binder=0
[[ "${CI:-}" == true ]] && binder=1
pytest_args=()
for arg in "$@"; do
    if [[ "$arg" == --binder ]]; then
        binder=1
    else
        pytest_args+=("$arg")
    fi
done

bash scripts/setup.sh --browsers || { echo "test: setup failed" >&2; exit 1; }
# shellcheck disable=SC1091
source .venv/bin/activate

export SHOPTET_NB_CHROMIUM="${SHOPTET_NB_CHROMIUM:-/usr/bin/chromium}"
export SHOPTET_NB_ARTIFACTS="${SHOPTET_NB_ARTIFACTS:-$root/artifacts}"
mkdir -p "$SHOPTET_NB_ARTIFACTS"

failed=()
step() {
    local name="$1"
    shift
    echo
    echo "==> $name: $*"
    local started=$SECONDS rc=0
    "$@" || rc=$?
    if [[ "$rc" == 0 ]]; then
        echo "==> $name: ok ($((SECONDS - started)) s)"
    else
        if [[ "$name" == pytest && "$rc" == 5 ]]; then
            echo "==> pytest: no test was collected" >&2
        fi
        echo "==> $name: FAILED, exit $rc ($((SECONDS - started)) s)" >&2
        failed+=("$name")
    fi
}

step ruff ruff check .
step ruff-format ruff format --check .
step mypy mypy
# Warnings as errors: a broken link or anchor, an unlisted external link, or a docstring
# mkdocstrings cannot read fails (scripts/build_docs.sh says why it is not --quiet).
step docs bash scripts/build_docs.sh --site-dir "$SHOPTET_NB_ARTIFACTS/site"
step pytest python -m pytest --junitxml="$SHOPTET_NB_ARTIFACTS/junit.xml" "${pytest_args[@]}"
if [[ "$binder" == 1 ]]; then
    step binder bash scripts/check_binder.sh
fi

echo
if [[ ${#failed[@]} -eq 0 ]]; then
    echo "test: all steps succeeded"
else
    echo "test: FAILED steps: ${failed[*]}" >&2
    exit 1
fi
