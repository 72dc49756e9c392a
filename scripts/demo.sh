#!/usr/bin/env bash
# Set up .venv if needed (the package with what the notebooks need: the `notebooks` extra, no
# development tools), then run JupyterLab on the quick-start notebook until Ctrl+C.
# Without a Shoptet token in the environment the notebooks use the in-process sandbox shop.
#
#   bash scripts/demo.sh                          # http://127.0.0.1:8888/... (next free port)
#   PORT=9000 bash scripts/demo.sh                # another port
#   bash scripts/demo.sh --ServerApp.log_level=DEBUG   # extra arguments go to JupyterLab
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh --demo

notebook="notebooks/01_quick_start.ipynb"
if [[ ! -f "$notebook" ]]; then
    echo "demo: $notebook not found" >&2
    exit 1
fi

py=.venv/bin/python
port="${PORT:-$("$py" - <<'PY'
import socket

for port in range(8888, 8988):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
)}"
token="${JUPYTER_TOKEN:-$("$py" -c 'import secrets; print(secrets.token_hex(24))')}"
args=(
    --no-browser
    --ServerApp.ip=127.0.0.1
    --ServerApp.port="$port"
    --ServerApp.port_retries=0
    --ServerApp.root_dir="$root"
    --IdentityProvider.token="$token"
    # notebook_shim (classic-notebook config compatibility, unused by JupyterLab 4) reads every
    # ServerApp trait on start, which fires "ServerApp.token config is deprecated" although
    # the token is set the current way, above.
    --ServerApp.jpserver_extensions=notebook_shim=False
)
if [[ "$(id -u)" == 0 ]]; then
    args+=(--ServerApp.allow_root=True)
fi

echo
echo "demo: open http://127.0.0.1:$port/lab/tree/$notebook?token=$token"
echo "demo: JupyterLab runs until you stop it here with Ctrl+C"
echo
exec "$py" -m jupyterlab "${args[@]}" "$@"
