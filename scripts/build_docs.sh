#!/usr/bin/env bash
# Build the documentation site as CI does, with every warning an error: a link to a page or an
# anchor that does not exist, an external link scripts/known_links.txt does not list, a
# docstring mkdocstrings cannot read.
#
#   bash scripts/build_docs.sh                       # into site/
#   bash scripts/build_docs.sh --site-dir /tmp/site  # extra arguments go to `mkdocs build`
#
# Uses the mkdocs on PATH: scripts/docs.sh build and scripts/test.sh set up .venv first.
# Not --quiet: with mkdocs 1.6, --quiet drops the warnings before --strict counts them, so a
# site with broken links built "successfully". The INFO lines are left out instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Material for MkDocs prints a banner about MkDocs 2 on every run; the pins keep MkDocs 1.
export NO_MKDOCS_2_WARNING=1
mkdocs build --strict "$@" 2>&1 | sed -u '/^INFO /d'
