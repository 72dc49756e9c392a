"""The gallery editor's figures: a usable 150-image gallery, response times, writes per move.

Three parts (issues 6 and 9):

1. **Browser** (skipped with ``--no-browser``): runs the two browser tests that measure it
   (Voila and JupyterLab, Debian Chromium via Playwright, sandbox on 127.0.0.1) and prints the
   figures they recorded. "Usable" is every card rendered and the last caption field enabled;
   the clock starts when the notebook cell that builds the editor has finished. Target in
   JupyterLab: under 1 s.
2. **Kernel response times** on the same 150-image gallery, in process: how long the Python
   side of a move, an undo, a caption and a save takes (what the browser waits for before it
   re-renders; the save includes plan, apply and the reload from the sandbox).
3. **Photos written for one move** on the sandbox's untidy galleries (gaps, ties, blanks):
   the rule the editor used before issue 9 (renumber the gallery 1..n in the new order) against
   ``fewest_priority_changes``, for one "move up" of each gallery's middle photo; then a few of
   those moves saved through the editor, counting the photos the sandbox saw PATCHed.

    python benchmarks/bench_widget.py                # 3 browser runs, then parts 2 and 3
    python benchmarks/bench_widget.py --no-browser   # parts 2 and 3 only
    python benchmarks/bench_widget.py --smoke        # 1 browser run, small samples
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TESTS = [
    "tests/browser/test_gallery_editor_browser.py::test_large_gallery_is_usable_fast_and_typing_stays_local",
    "tests/browser/test_gallery_editor_browser.py::test_jupyterlab_smoke",
]
#: The browser tests' catalogue: seed 38 has a 150-image gallery among 12 products.
SEED, PRODUCTS = 38, 12


# -- 1. browser ----------------------------------------------------------------------------------


def one_browser_run(folder: Path) -> dict[str, Any]:
    env = {**os.environ, "SHOPTET_NB_ARTIFACTS": str(folder)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        raise SystemExit(f"browser tests failed (exit {done.returncode})")
    return json.loads((folder / "browser-figures.json").read_text())  # type: ignore[no-any-return]


def browser(runs: int) -> None:
    rows = []
    for number in range(1, runs + 1):
        with tempfile.TemporaryDirectory(prefix="shoptet-nb-bench-widget-") as folder:
            figures = one_browser_run(Path(folder))
        lab = figures["jupyterlab_150_images_ms"]
        voila = figures["voila_150_images_ms"]
        typing = figures.get("keystroke_to_next_frame_ms_150_cards", {})
        rows.append((number, lab, voila, typing))
    print("Browser: a 150-image gallery")
    print(
        f"{'run':>3}  {'Lab: cell done → usable':>24}  {'Voila: first render → usable':>29}"
        f"  {'Voila: cell done → usable':>26}  {'load 1 min':>10}  keystroke → next frame"
    )
    for number, lab, voila, typing in rows:
        print(
            f"{number:>3}  {lab['cell_done_to_usable']:>21} ms  "
            f"{voila['first_render_to_usable']:>26} ms  {voila['cell_done_to_usable']:>23} ms  "
            f"{lab['load_average_1min']:>10}  {json.dumps(typing)}"
        )
    under = sum(1 for r in rows if r[1]["cell_done_to_usable"] < 1000)
    print(f"{runs} run(s); JupyterLab usable in under 1,000 ms after the cell: {under} of {runs}")
    print()


# -- 2. kernel response times --------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def spread(samples: list[float]) -> str:
    samples = sorted(samples)
    return (
        f"median {statistics.median(samples):7.1f} ms   max {samples[-1]:7.1f} ms   "
        f"(n={len(samples)})"
    )


def kernel_times(repeats: int) -> None:
    import shoptet_nb as sn

    client = sn.sandbox(seed=SEED, products=PRODUCTS, limits=False)
    shop = client.sandbox
    guid = max((p["guid"] for p in shop.products()), key=lambda g: len(shop.images(g)))
    count = len(shop.images(guid))
    opened: list[Any] = []
    open_ms = timed(lambda: opened.append(sn.GalleryEditor(client, product=guid, journal=False)))
    editor = opened[0]
    names = [c["name"] for c in editor.cards]
    moves = [timed(lambda n=n: editor.vue_move_up({"name": n})) for n in names[1 : repeats + 1]]
    undos = [timed(lambda: editor.vue_undo({})) for _ in range(repeats)]
    captions = [
        timed(lambda n=n: editor.vue_set_caption({"captions": {_key(editor, n): f"Photo {n}"}}))
        for n in names[:repeats]
    ]
    editor.reset()
    saves = []
    for i in range(max(2, repeats // 4)):
        editor.move_up(names[10 + i])
        editor.set_caption(names[20 + i], f"Saved caption {i}")
        saves.append(timed(lambda: editor.vue_save({})))
        assert editor.pending == 0, editor.notice
    print(f"Kernel response times, {count}-image gallery (sandbox in process)")
    print(f"  open (read, thumbnails, first render): {open_ms:7.1f} ms")
    print(f"  move up          {spread(moves)}")
    print(f"  undo             {spread(undos)}")
    print(f"  caption          {spread(captions)}")
    print(f"  save (1 move + 1 caption: plan, apply, reload)   {spread(saves)}")
    print()


def _key(editor: Any, name: str) -> str:
    return str(next(c["key"] for c in editor.cards if c["name"] == name))


# -- 3. photos written per move ------------------------------------------------------------------


def renumber_rule(priorities: dict[str, int | None], wanted: list[str]) -> dict[str, int]:
    """The rule the editor used before issue 9: renumber 1..n in the new order."""
    return {n: i for i, n in enumerate(wanted, start=1) if priorities[n] != i}


def writes_per_move(products: int, saved: int) -> None:
    import shoptet_nb as sn
    from shoptet_nb._order import shop_order
    from shoptet_nb.edits import fewest_priority_changes

    client = sn.sandbox(seed=0, products=products, limits=False)
    shop = client.sandbox
    before: list[int] = []
    after: list[int] = []
    untidy = 0
    candidates: list[tuple[str, str]] = []
    for product in shop.products():
        images = shop.images(product["guid"])
        if len(images) < 3:
            continue
        priorities = {i["name"]: i["priority"] for i in images}
        order = shop_order(priorities)
        values = [priorities[n] for n in order]
        untidy += values != list(range(1, len(values) + 1))
        middle = len(order) // 2
        wanted = [*order[: middle - 1], order[middle], order[middle - 1], *order[middle + 1 :]]
        before.append(len(renumber_rule(priorities, wanted)))
        after.append(len(fewest_priority_changes(priorities, wanted)))
        candidates.append((product["guid"], order[middle]))
    print(f"Photos written for one move up of the middle photo ({len(before)} galleries of 3+")
    print(f"photos, sandbox seed 0, {untidy} of them with gaps, ties or blanks)")
    print(
        f"  before (renumber 1..n): total {sum(before):5d}   mean {statistics.mean(before):5.2f}"
        f"   max {max(before):3d}"
    )
    print(
        f"  after (fewest writes):  total {sum(after):5d}   mean {statistics.mean(after):5.2f}"
        f"   max {max(after):3d}"
    )
    patched = []
    for guid, name in candidates[:saved]:
        editor = sn.GalleryEditor(client, product=guid, journal=False)
        editor.move_up(name)
        expected = len(editor.changes)
        shop.reset_stats()
        editor.save()
        photos = sum(shop.stats()["writes"].values())
        patched.append((expected, photos))
    same = sum(1 for expected, photos in patched if expected == photos)
    print(
        f"  saved through the editor: {len(patched)} moves, "
        f"{sum(p for _, p in patched)} photos PATCHed "
        f"({same} of {len(patched)} as many as the editor showed pending)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="browser runs")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser part")
    parser.add_argument("--smoke", action="store_true", help="one browser run, small samples")
    args = parser.parse_args()
    if not args.no_browser:
        browser(1 if args.smoke else args.runs)
    kernel_times(5 if args.smoke else 20)
    writes_per_move(40 if args.smoke else 200, 3 if args.smoke else 10)


if __name__ == "__main__":
    main()
