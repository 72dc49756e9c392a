"""Delete photos with their archive, then restore them: every row accounted, nothing lost.

    python benchmarks/bench_delete.py            # 200 photos (20 referenced), L = 50 ms, limits on
    python benchmarks/bench_delete.py --smoke    # L = 0, limits off, originals ≤ 2 MB (CI)

On a fresh in-process sandbox, the script picks photos of many products (main
images among them), gives each an own caption in the shop's other two languages and makes a
variant show every tenth of them (by hand, as the admin would). Then:

1. ``delete_images`` as a dry run without ``remove_references``: the referenced ones must be
   ``blocked``, the rest ``would_delete``, and nothing sent;
2. ``delete_images(remove_references=True)``: every photo archived (sha256 of the file in the
   archive = the shop's original) and deleted with one DELETE of its own, never the gallery's;
3. ``revert`` without a stage: every row ``not_restored`` and naming its archive file;
4. ``revert`` with a stage (the sandbox's own source host, ``SandboxShop.stage``): the photos
   come back through the real add path (``add_images``: a POST per gallery, the shop's insert
   job fetches the staged URL), then captions in the other languages and variant references.
   A WebP original (Shoptet's insert takes none) cannot come back as it was; its row says so
   and is counted as ``refused_webp``. The add path's 32 MB source limit does not apply to a
   restore (bytes the shop served): ``refused_too_large`` must be 0. The shop (the oracle)
   then says how many photos have identical bytes (the file the shop now serves under the
   new name), captions in all 3 languages, their place in the order, and their variant
   references back;
5. ``revert(..., webp="png")`` on the same delete: the photos already back are skipped, each
   WebP original comes back as a lossless PNG. Per photo the shop's file is compared with the
   archived original: identical bytes, or identical pixels (both decoded by Pillow: size,
   mode, pixels). The seeded WebP originals are header-true filler that nothing decodes, so the
   script first swaps each picked one for a real WebP file of the same scene
   (``_pixels.real_webp_originals``).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from _harness import summary, table
from _pixels import decode, real_webp_originals

import shoptet_nb as sn
from shoptet_nb.sandbox import SandboxShop
from shoptet_nb.sandbox.photos import original_range, original_size
from shoptet_nb.write.webp_png import is_webp

DELETE = "DELETE /api/products/{guid}/images/{gallery}/{imageName}"
GALLERY_DELETE = "DELETE /api/products/{guid}/images/{gallery}"
LANGUAGES = ("cs", "sk", "en")
JOB_LIST = "GET /api/system/jobs"
POST = "POST /api/products/{guid}/images/{gallery}"


def file_sha(shop: SandboxShop, name: str) -> str:
    """The sha256 of the file the shop serves as ``name``'s original (the oracle: an added
    photo's file is the bytes its insert job fetched, a catalogue photo's is computed)."""
    upload = shop.app.uploads.get(name)
    if upload is not None:
        return upload.sha256
    photo = shop.photo(name)
    return hashlib.sha256(original_range(photo, 0, original_size(photo))).hexdigest()


def pick(shop: SandboxShop, photos: int, referenced: int, max_bytes: int | None) -> pd.DataFrame:
    """Up to 2 photos of each product with 3+ photos of distinct priorities (a product's main
    photo first), until ``photos``; the first of them on a product with variants is made the
    image of a variant, until ``referenced``. ``max_bytes`` skips products with a larger
    original among the two (the smoke run keeps CI's disk use low)."""
    rows: list[dict[str, Any]] = []
    refs = 0
    for product in shop.products():
        guid = product["guid"]
        images = shop.images(guid)
        priorities = [i["priority"] for i in images]
        if len(images) < 3 or None in priorities or len(set(priorities)) < len(priorities):
            continue  # ties: the order after a restore would rest on an undocumented tie
        if max_bytes is not None and any(
            shop.photo(i["name"]).bytes > max_bytes for i in images[:2]
        ):
            continue
        refer = refs < referenced and len(product["codes"]) > 1
        if not refer and photos - len(rows) <= 2 * (referenced - refs):
            continue  # keep room for the references still to make
        for code in product["codes"]:
            shop.set_variant_image(guid, code, None)
        for k, image in enumerate(images[:2]):
            name = image["name"]
            shop.set_image(
                guid, "shop", name, description=f"Slovensky {guid[:4]} {k}", language="sk"
            )
            shop.set_image(guid, "shop", name, description=f"English {guid[:4]} {k}", language="en")
            if refer and k == 0:
                shop.set_variant_image(guid, product["codes"][0], name)
                refs += 1
            rows.append({"guid": guid, "gallery": "shop", "name": name})
            if len(rows) == photos:
                return pd.DataFrame(rows)
    raise SystemExit(f"the catalogue has only {len(rows)} suitable photos; raise --products")


def state(shop: SandboxShop, guids: list[str]) -> dict[str, Any]:
    return {
        guid: {
            "galleries": {lang: shop.images(guid, language=lang) for lang in LANGUAGES},
            "variants": shop.variant_images(guid),
        }
        for guid in guids
    }


def measure(
    shop: SandboxShop,
    guids: list[str],
    before: dict[str, Any],
    shas: dict[tuple[str, str], str],
    new_name: dict[tuple[str, str], str],
) -> dict[str, int]:
    """What the shop shows now for the photos ``new_name`` says came back: identical bytes,
    captions in 3 languages, products whose order is whole, variant references."""
    after = state(shop, guids)
    bytes_ok = sum(file_sha(shop, new) == shas[key] for key, new in new_name.items())
    captions_ok = order_ok = 0
    for guid in guids:
        rename = {name: new for (g, name), new in new_name.items() if g == guid}
        for lang in LANGUAGES:
            was = {
                rename.get(i["name"], i["name"]): i["description"]
                for i in before[guid]["galleries"][lang]
            }
            now = {i["name"]: i["description"] for i in after[guid]["galleries"][lang]}
            captions_ok += sum(now.get(rename[n]) == was[rename[n]] for n in rename)
        was_order = [rename.get(i["name"], i["name"]) for i in before[guid]["galleries"]["cs"]]
        order_ok += was_order == [i["name"] for i in after[guid]["galleries"]["cs"]]
    refs_before = {(g, c): n for g in guids for c, n in before[g]["variants"].items()}
    refs_ok = sum(
        after[g]["variants"].get(c) == new_name.get((g, n)) for (g, c), n in refs_before.items()
    )
    return {"bytes": bytes_ok, "captions": captions_ok, "order": order_ok, "references": refs_ok}


def head(file: str) -> bytes:
    """The first bytes of a file: enough to tell its format."""
    with open(file, "rb") as f:
        return f.read(12)


def names_back(result: sn.DeleteResult) -> dict[tuple[str, str], str]:
    """``(guid, old name) -> new name`` of the photos a restore says are back."""
    return {
        (r.guid, r.name): r.restored_as
        for r in result.rows.itertuples()
        if isinstance(r.restored_as, str)  # a row not restored has none (NaN)
    }


def pixels(
    shop: SandboxShop, files: dict[tuple[str, str], str], new_name: dict[tuple[str, str], str]
) -> dict[str, int]:
    """Per photo back: the shop's file against the archived original, as bytes and as pixels
    (both decoded by Pillow; an original Pillow cannot decode, e.g. the sandbox's filler
    JPEGs, is counted apart)."""
    counts = {"bytes": 0, "pixels": 0, "undecodable": 0, "same": 0}
    for key, new in new_name.items():
        original = Path(files[key]).read_bytes()
        upload = shop.app.uploads.get(new)
        served = upload.data if upload is not None else b""
        kept, shown = decode(original), decode(served)
        counts["bytes"] += served == original
        counts["undecodable"] += kept is None or shown is None
        counts["pixels"] += kept is not None and kept == shown
        counts["same"] += served == original or (kept is not None and kept == shown)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="200 photos, no latency (CI)")
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--referenced", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    limits, max_bytes = True, None
    if args.smoke:
        args.photos, args.referenced, args.latency_ms = 200, 20, 0.0
        limits, max_bytes = False, 2_000_000
    client = sn.sandbox(seed=3, products=6 * args.photos, latency_ms=args.latency_ms, limits=limits)
    shop: SandboxShop = client.sandbox
    frame = real_webp_originals(client, pick(shop, args.photos, args.referenced, max_bytes))
    guids = list(dict.fromkeys(frame["guid"]))
    before = state(shop, guids)
    shas = {(r.guid, r.name): file_sha(shop, r.name) for r in frame.itertuples()}
    folder = Path(tempfile.mkdtemp(prefix="bench-delete-"))
    timings: dict[str, float] = {}

    shop.reset_stats()
    started = time.perf_counter()
    dry = sn.delete_images(client, frame, dry_run=True)
    timings["plan (dry run)"] = time.perf_counter() - started
    sent_by_dry_run = shop.stats()["requests"].get(DELETE, 0)

    started = time.perf_counter()
    result = sn.delete_images(
        client, frame, remove_references=True, journal=folder / "delete.jsonl"
    )
    timings["delete"] = time.perf_counter() - started
    requests = shop.stats()["requests"]
    delete_api = sum(n for key, n in requests.items() if " /api/" in key)
    archived_bytes = shop.stats()["pictures"]["bytes"]
    archived_ok = sum(
        Path(str(r.archive_file)).is_file() and r.sha256 == shas[(r.guid, r.name)]
        for r in result.rows.itertuples()
    )

    started = time.perf_counter()
    honest = sn.revert(result)
    timings["revert, no stage"] = time.perf_counter() - started
    files = {(r.guid, r.name): str(r.archive_file) for r in result.rows.itertuples()}
    webp_originals = sum(is_webp(head(f)) for f in files.values())
    names_archive = sum(files[(r.guid, r.name)] in str(r.message) for r in honest.rows.itertuples())

    before_restore = dict(shop.stats()["requests"])
    started = time.perf_counter()
    restored = sn.revert(result, stage=shop.stage)
    timings["revert, with a stage"] = time.perf_counter() - started
    restore_requests = {
        key: n - before_restore.get(key, 0)
        for key, n in shop.stats()["requests"].items()
        if " /api/" in key and n > before_restore.get(key, 0)
    }
    first = measure(shop, guids, before, shas, names_back(restored))

    started = time.perf_counter()
    as_png = sn.revert(result, stage=shop.stage, webp="png")
    timings['revert again, webp="png"'] = time.perf_counter() - started
    whole = names_back(as_png)
    final = measure(shop, guids, before, shas, whole)
    compared = pixels(shop, files, whole)
    shutil.rmtree(folder, ignore_errors=True)  # the originals: up to GBs on a full run

    refs = len({(g, c) for g in guids for c in before[g]["variants"]})
    print(
        table(
            f"Delete {len(frame)} photos ({refs} referenced) of {len(guids)} "
            f"products, then restore (L = {args.latency_ms:g} ms, limits "
            f"{'on' if limits else 'off'}, in-process)",
            ["step", "seconds", "rows"],
            [
                [step, seconds, ", ".join(f"{k} {v}" for k, v in counts.items() if v)]
                for (step, seconds), counts in zip(
                    timings.items(),
                    [dry.counts, result.counts, honest.counts, restored.counts, as_png.counts],
                    strict=True,
                )
            ],
        )
    )
    n = len(frame)
    print(
        table(
            "What the shop shows",
            ["check", "value", "of"],
            [
                ["DELETEs sent by the dry run", sent_by_dry_run, 0],
                ["API requests of the dry run and the delete", delete_api, "-"],
                ["MB of originals archived", round(archived_bytes / 1e6, 1), "-"],
                ["API requests of the restore", sum(restore_requests.values()), "-"],
                ["  of them insert POSTs (one job each)", restore_requests.get(POST, 0), "-"],
                ["  of them job-list reads", restore_requests.get(JOB_LIST, 0), "-"],
                ["DELETE one photo", requests.get(DELETE, 0), n],
                ["DELETE a whole gallery", requests.get(GALLERY_DELETE, 0), 0],
                ["archived file = the shop's original (sha256)", archived_ok, n],
                ["revert without a stage naming its archive file", names_archive, n],
                ["restored: identical bytes", first["bytes"], n],
                ["restored: captions (3 languages)", first["captions"], 3 * n],
                ["products whose order is back", first["order"], len(guids)],
                ["variant references back", first["references"], refs],
            ],
        )
    )
    print(
        table(
            f'After revert(..., webp="png") on the same delete ({webp_originals} WebP originals)',
            ["check", "value", "of"],
            [
                ["photos back", len(whole), n],
                ["identical bytes (sha256 of the shop's file)", final["bytes"], n],
                ["identical bytes (file compared with the archive)", compared["bytes"], n],
                ["identical pixels (both decoded by Pillow)", compared["pixels"], n],
                ["  not decodable by Pillow (sandbox filler)", compared["undecodable"], "-"],
                ["identical bytes or identical pixels", compared["same"], n],
                ["captions (3 languages)", final["captions"], 3 * n],
                ["products whose order is back", final["order"], len(guids)],
                ["variant references back", final["references"], refs],
            ],
        )
    )
    # An original the add path refuses (WebP: Shoptet's insert takes none) cannot come back
    # as it was; its row says so. Every other photo must, and the products holding none of
    # those are whole.
    failed = restored.rows[restored.rows["status"].eq("failed")]
    webp = failed[failed["message"].str.contains("the original is WebP")]
    too_large = failed[failed["message"].str.contains("larger than")]
    summary(
        rows=n,
        webp_originals=webp_originals,
        refused_webp=len(webp),
        refused_too_large=len(too_large),
        products_all_restorable=len(set(guids) - set(webp["guid"]) - set(too_large["guid"])),
        accounted=int(result.rows["status"].notna().sum()),
        blocked_in_dry_run=dry.counts["blocked"],
        referenced=refs,
        deleted=result.counts["deleted"],
        delete_requests=requests.get(DELETE, 0),
        gallery_delete_requests=requests.get(GALLERY_DELETE, 0),
        dry_run_deletes=sent_by_dry_run,
        archived_ok=archived_ok,
        not_restored_without_stage=honest.counts["not_restored"],
        restored=restored.counts["restored"],
        bytes_ok=first["bytes"],
        captions_ok=first["captions"],
        order_ok=first["order"],
        products=len(guids),
        references_ok=first["references"],
        png_restored=as_png.counts["restored"],
        png_skipped=as_png.counts["skipped"],
        png_back=len(whole),
        png_bytes_ok=final["bytes"],
        png_bytes_compared=compared["bytes"],
        png_pixels_ok=compared["pixels"],
        png_undecodable=compared["undecodable"],
        png_same_picture=compared["same"],
        png_captions_ok=final["captions"],
        png_order_ok=final["order"],
        png_references_ok=final["references"],
        delete_api_requests=delete_api,
        restore_api_requests=restore_requests,
        restore_posts=restore_requests.get(POST, 0),
        restore_job_list_reads=restore_requests.get(JOB_LIST, 0),
    )


if __name__ == "__main__":
    main()
