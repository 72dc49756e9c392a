#!/usr/bin/env bash
# The documentation site (mkdocs.yml, docs/): serve it while you edit, or build it as CI does.
#
#   bash scripts/docs.sh           # http://127.0.0.1:8000 (PORT=8001 for another port), reloads on edits
#   bash scripts/docs.sh build     # site/, warnings as errors, as CI does (scripts/build_docs.sh)
#
# Sets up .venv first (the dev extra, which holds the docs extra). Nothing is fetched from the
# internet while building: an external link must be listed in scripts/known_links.txt instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# Material for MkDocs prints a banner about MkDocs 2 on every run; the pins keep MkDocs 1.
export NO_MKDOCS_2_WARNING=1

case "${1:-serve}" in
    build) PATH="$root/.venv/bin:$PATH" exec bash scripts/build_docs.sh ;;
    serve) exec .venv/bin/mkdocs serve --strict --dev-addr "127.0.0.1:${PORT:-8000}" ;;
    *)
        echo "docs: unknown command ${1}; use serve (the default) or build" >&2
        exit 2
        ;;
esac
