#!/usr/bin/env bash
# Check the Binder set-up without Docker, as Binder (repo2docker) would build it:
#   1. a copy of the repository's files (tracked or not ignored) in a temp dir,
#   2. a fresh venv there: pip install -r binder/requirements.txt, then binder/postBuild,
#   3. `jupyter labextension list` shows jupyter-vuetify and the widget manager enabled,
#   4. every notebooks/*.ipynb executes in that venv with no Shoptet token,
#   5. `repo2docker --no-build --debug .` (from .venv) accepts the configuration.
# Set KEEP_BINDER_CHECK=1 to keep the temp dir.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh >/dev/null

work="$(mktemp -d -t shoptet-nb-binder.XXXXXX)"
if [[ "${KEEP_BINDER_CHECK:-}" == 1 ]]; then
    echo "binder: keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
t0=$SECONDS
say() { echo "binder: [$((SECONDS - t0)) s] $*"; }

# 1. What a clone would hold.
mkdir "$work/repo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$work/repo"
else
    tar --exclude=.venv --exclude=artifacts --exclude=build --exclude='*.egg-info' \
        --exclude=.git -cf - . | tar -xf - -C "$work/repo"
fi
say "copied the repository to $work/repo"

want="$(sed -n 's/^python-\([0-9.]*\).*/\1/p' binder/runtime.txt)"
have="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$want" != "$have" ]]; then
    echo "binder: warning: binder/runtime.txt asks for Python $want, checking with $have" >&2
fi

# 2. The environment.
python3 -m venv "$work/venv"
export PATH="$work/venv/bin:$PATH"
export VIRTUAL_ENV="$work/venv"
unset PYTHONPATH
if ! { python -m pip install --upgrade pip &&
    python -m pip install -r "$work/repo/binder/requirements.txt"; } >"$work/pip.log" 2>&1; then
    tail -n 40 "$work/pip.log" >&2
    echo "binder: pip install -r binder/requirements.txt failed" >&2
    exit 1
fi
say "installed binder/requirements.txt"
(cd "$work/repo" && ./binder/postBuild) >"$work/postBuild.log" 2>&1 || {
    cat "$work/postBuild.log" >&2
    echo "binder: binder/postBuild failed" >&2
    exit 1
}
say "ran binder/postBuild"
python -m pip check

# 3. Widget extensions.
extensions="$(jupyter labextension list 2>&1 | sed 's/\x1b\[[0-9;]*m//g')"
for name in jupyter-vuetify @jupyter-widgets/jupyterlab-manager; do
    if ! grep -Eq "^[[:space:]]*${name} v[^ ]+ enabled[[:space:]]+OK" <<<"$extensions"; then
        echo "$extensions" >&2
        echo "binder: lab extension $name is not installed and enabled" >&2
        exit 1
    fi
done
say "lab extensions jupyter-vuetify and @jupyter-widgets/jupyterlab-manager enabled"
default_url="$(cd "$work/repo" && jupyter server --show-config 2>/dev/null |
    sed -n 's/^ *\.default_url *= *//p' | tr -d "'\"")"
if [[ "$default_url" != /lab/tree/notebooks/01_quick_start.ipynb ]]; then
    echo "binder: ServerApp.default_url is '$default_url', not the quick start" >&2
    exit 1
fi
say "JupyterLab opens on $default_url"

# 4. Notebooks, with the kernel of the Binder venv.
shopt -s nullglob
notebooks=("$work"/repo/notebooks/*.ipynb)
if [[ ${#notebooks[@]} -eq 0 ]]; then
    say "SKIPPED the notebooks: notebooks/ has no .ipynb yet"
else
    (cd "$work/repo" && env -u SHOPTET_PRIVATE_API_TOKEN -u SHOPTET_ACCESS_TOKEN \
        python scripts/run_notebooks.py notebooks/*.ipynb)
    say "executed ${#notebooks[@]} notebook(s)"
fi

# 5. repo2docker's own reading of the configuration (prints a Dockerfile; needs no Docker).
if ! "$root/.venv/bin/repo2docker" --no-build --debug "$work/repo" >"$work/repo2docker.log" 2>&1; then
    cat "$work/repo2docker.log" >&2
    echo "binder: repo2docker --no-build failed" >&2
    exit 1
fi
if ! grep -q 'binder/postBuild' "$work/repo2docker.log"; then
    cat "$work/repo2docker.log" >&2
    echo "binder: repo2docker did not pick up binder/postBuild" >&2
    exit 1
fi
say "repo2docker --no-build accepted binder/"
say "OK"
