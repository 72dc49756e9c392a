#!/usr/bin/env bash
# Set up .venv; idempotent and quick when nothing changed.
#
#   bash scripts/setup.sh              # .venv with `pip install -e .[dev]` (tests, lint, docs)
#   bash scripts/setup.sh --demo       # only what the notebooks need: -e .[notebooks]
#   bash scripts/setup.sh --browsers   # ... plus Debian's chromium and fonts-liberation
#   source scripts/setup.sh [...]      # same, then activates .venv in the calling shell
#
# An extra is (re)installed when pyproject.toml changed since it was last installed: the sha256
# of pyproject.toml is kept per extra in .venv/.shoptet_nb-installed-<extra>. dev holds all of
# notebooks, so a dev install also counts for the demo; a demo venv is upgraded to dev by the
# first test run.
# Environment: PYTHON (interpreter to create .venv with, default python3).

_shoptet_nb_setup() (
    set -euo pipefail
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    cd "$root"

    browsers=0
    extra=dev
    for arg in "$@"; do
        case "$arg" in
            --browsers) browsers=1 ;;
            --demo) extra=notebooks ;;
            -h | --help)
                sed -n '2,13p' "${BASH_SOURCE[0]}"
                exit 0
                ;;
            *)
                echo "setup: unknown argument: $arg" >&2
                exit 2
                ;;
        esac
    done

    venv="$root/.venv"
    stamp="$venv/.shoptet_nb-installed-$extra"
    python="${PYTHON:-python3}"

    if [[ ! -x "$venv/bin/python" ]]; then
        if ! command -v "$python" >/dev/null 2>&1; then
            echo "setup: $python not found; install Python 3.10 or newer" >&2
            exit 1
        fi
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
            echo "setup: $("$python" --version 2>&1) is too old; Python 3.10 or newer is needed" >&2
            exit 1
        fi
        echo "setup: creating .venv with $("$python" --version 2>&1)"
        "$python" -m venv "$venv"
    fi

    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [[ "$extra" != dev && "$want" == "$(cat "$venv/.shoptet_nb-installed-dev" 2>/dev/null)" ]]; then
        have="$want" # dev is a superset of every other extra
    fi
    if [[ "$want" != "$have" ]]; then
        echo "setup: installing -e .[$extra] into .venv (pyproject.toml changed or first run)"
        rm -f "$stamp"
        log="$venv/pip-install.log"
        if ! { "$venv/bin/python" -m pip install --upgrade pip &&
            "$venv/bin/python" -m pip install -e ".[$extra]"; } >"$log" 2>&1; then
            tail -n 40 "$log" >&2
            echo "setup: pip install failed; full log in $log" >&2
            exit 1
        fi
        # A kernelspec that names this venv's interpreter, for JupyterLab and the notebook tests.
        "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 \
            --display-name "Python 3 (ipykernel)" >/dev/null
        # JupyterLab's app-wide settings: no "official Jupyter news?" prompt, no update check
        # (the demo has no internet to fetch them from anyway).
        mkdir -p "$venv/share/jupyter/lab/settings"
        cp scripts/jupyterlab-overrides.json "$venv/share/jupyter/lab/settings/overrides.json"
        echo "$want" >"$stamp"
    else
        echo "setup: .venv is up to date"
    fi

    if [[ "$browsers" == 1 ]]; then
        if [[ -x /usr/bin/chromium ]]; then
            echo "setup: chromium present"
        else
            echo "setup: installing Debian's chromium and fonts-liberation"
            sudo=()
            if [[ "$(id -u)" != 0 ]]; then
                sudo=(sudo)
            fi
            export DEBIAN_FRONTEND=noninteractive
            "${sudo[@]}" apt-get update -qq
            "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation \
                >/dev/null
            echo "setup: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')"
        fi
    fi
)

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
    # Sourced: run in a subshell (errors do not kill the caller), then activate .venv here.
    if _shoptet_nb_setup "$@"; then
        # shellcheck disable=SC1091
        source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin/activate"
        unset -f _shoptet_nb_setup
    else
        unset -f _shoptet_nb_setup
        return 1
    fi
else
    _shoptet_nb_setup "$@"
fi
