"""Issue 6, case 3: the toolkit's overhead over a hand-written httpx loop.

    python benchmarks/bench_overhead.py            # 10,000 products
    python benchmarks/bench_overhead.py --smoke    # 300 products (CI)

In-process sandbox (``client.sandbox.transport()``, no socket), latency 0, limits off. Both
runs change the caption of the first image of N products and send the same requests: the
product list in chunks of 50 guids, the image cuts, one GET and one PATCH per gallery. The
loop parses every answer as a careful script would; ``update_images`` also validates the
frame, diffs, builds Result frames. Each runner gets a fresh shop of the same seed; the best
of ``--repeat`` runs is compared. Ratio target: at most 1.5.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Any

import httpx
import pandas as pd
from _harness import IMAGES, one_edit_per_product, products_for, summary, table

import shoptet_nb as sn
from shoptet_nb.sandbox import SANDBOX_BASE_URL


def fresh(seed: int, products: int) -> tuple[sn.ShoptetClient, pd.DataFrame]:
    client = sn.sandbox(seed=seed, products=products_for(products), limits=False)
    return client, one_edit_per_product(client.sandbox, products, text="Overhead {i}")


def run_toolkit(client: sn.ShoptetClient, edits: pd.DataFrame) -> tuple[float, int]:
    started = time.perf_counter()
    result = sn.update_images(client, edits, progress=False, journal=False)
    wall = time.perf_counter() - started
    return wall, result.counts["updated"]


def run_loop(client: sn.ShoptetClient, edits: pd.DataFrame) -> tuple[float, int]:
    headers = {"Shoptet-Private-API-Token": "sandbox-token", "Content-Type": "application/json"}
    http = httpx.Client(
        base_url=SANDBOX_BASE_URL, transport=client.sandbox.transport(), headers=headers
    )
    updated = 0
    started = time.perf_counter()
    with http:
        guids = list(dict.fromkeys(edits["guid"]))
        names: dict[str, Any] = {}
        for start in range(0, len(guids), 50):
            params = {
                "itemsPerPage": 1000,
                "page": 1,
                "productGuids": ",".join(guids[start : start + 50]),
            }
            for product in http.get("/api/products", params=params).json()["data"]["products"]:
                names[product["guid"]] = product["name"]
        http.get("/api/eshop", params={"include": "imageCuts"}).json()
        for guid, gallery, name, description in edits[
            ["guid", "gallery", "name", "description"]
        ].itertuples(index=False):
            path = f"/api/products/{guid}/images/{gallery}"
            images = http.get(path).json()["data"]["images"]
            current = next(i for i in images if i["name"] == name)
            if current["description"] == description:
                continue
            body = {"data": {"images": [{"name": name, "description": description}]}}
            answer = http.patch(path, json=body).json()
            after = next(i for i in answer["data"]["images"] if i["name"] == name)
            updated += after["description"] == description and not answer.get("errors")
    return time.perf_counter() - started, updated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--smoke", action="store_true", help="300 products instead of 10,000")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2, help="runs per runner; best counts")
    args = parser.parse_args(argv)
    n = 300 if args.smoke else 10_000
    repeat = 1 if args.smoke else args.repeat
    best: dict[str, tuple[float, int, dict[str, int]]] = {}
    for attempt in range(repeat):
        for label, runner in (("update_images", run_toolkit), ("httpx loop", run_loop)):
            client, edits = fresh(args.seed, n)
            gc.collect()
            wall, updated = runner(client, edits)
            requests = client.sandbox.stats()["requests"]
            client.close()
            print(f"... run {attempt + 1}, {label}: {wall:.2f} s", flush=True)
            if label not in best or wall < best[label][0]:
                best[label] = (wall, updated, requests)
    toolkit, loop = best["update_images"], best["httpx loop"]
    same = {k: v for k, v in toolkit[2].items() if " /api/" in k} == {
        k: v for k, v in loop[2].items() if " /api/" in k
    }
    rows = [
        [label, n, updated, reqs.get(f"GET {IMAGES}", 0), reqs.get(f"PATCH {IMAGES}", 0), wall]
        for label, (wall, updated, reqs) in best.items()
    ]
    ratio = toolkit[0] / loop[0]
    print()
    print(
        table(
            f"Overhead: {n:,} products, in-process sandbox, latency 0, limits off "
            f"(best of {repeat})",
            ["runner", "rows", "updated", "gallery GETs", "PATCHes", "wall s"],
            rows,
        )
    )
    print(f"ratio update_images / httpx loop: {ratio:.2f} (target <= 1.5)")
    print(f"same requests by endpoint: {same}")
    summary(rows=2 * n, accounted=toolkit[1] + loop[1], same_requests=same)
    return 0 if same and toolkit[1] == n and loop[1] == n else 1


if __name__ == "__main__":
    sys.exit(main())
