"""Execute notebooks afresh against the sandbox shop (no Shoptet token in the environment).

    python scripts/run_notebooks.py notebooks/*.ipynb             # execute, report, store nothing
    python scripts/run_notebooks.py --in-place notebooks/*.ipynb  # ... and store the outputs

Each notebook runs in a new kernel of the interpreter running this script, with `notebooks/`
(the notebook's own folder) as working directory. Any error output fails the run, except in
cells tagged `raises-exception`. With --in-place the notebook is written back with its outputs
and without execution timings. Needs nbclient and ipykernel (both in the dev extra; Binder's
environment has them through JupyterLab).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

TOKEN_ENV_VARS = ("SHOPTET_PRIVATE_API_TOKEN", "SHOPTET_ACCESS_TOKEN")
CELL_TIMEOUT_S = 300
KERNEL_NAME = "python3"


def scrub_environment() -> None:
    """Remove every Shoptet token from this process's environment (the kernel inherits it)."""
    for name in list(os.environ):
        if name in TOKEN_ENV_VARS or (name.startswith("SHOPTET_") and "TOKEN" in name):
            del os.environ[name]


def pin_kernel_to_this_interpreter(kernels_root: Path) -> None:
    """Make kernel `python3` run `sys.executable`, whatever kernelspecs the user has."""
    spec_dir = kernels_root / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(kernels_root), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    )


def strip_execution_metadata(nb: nbformat.NotebookNode) -> None:
    """Drop what holds timings or machine paths; keep tags and the kernelspec."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return problems


def run(path: Path, in_place: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
    )
    started = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as exc:
        print(f"FAIL {path}: {exc}", file=sys.stderr)
        return False
    problems = error_outputs(nb)
    if problems:
        print(f"FAIL {path}:", *problems, sep="\n  ", file=sys.stderr)
        return False
    if in_place:
        strip_execution_metadata(nb)
        nbformat.validate(nb)
        nbformat.write(nb, path)
    print(f"ok   {path} ({time.monotonic() - started:.1f} s{', stored' if in_place else ''})")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--in-place", action="store_true", help="store the outputs")
    args = parser.parse_args()
    scrub_environment()
    with tempfile.TemporaryDirectory(prefix="shoptet-nb-kernel-") as kernels_root:
        pin_kernel_to_this_interpreter(Path(kernels_root))
        results = [run(path, args.in_place) for path in args.notebooks]
    failed = results.count(False)
    print(f"notebooks: {len(results) - failed} ok, {failed} with errors")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
