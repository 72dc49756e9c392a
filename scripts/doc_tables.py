"""The documentation's reference tables, generated from the code so that they cannot drift.

    python scripts/doc_tables.py            # print the tables
    python scripts/doc_tables.py --write    # rewrite them in the pages under docs/
    python scripts/doc_tables.py --check    # exit 1 if a page is out of date

Each table sits in one page under ``docs/`` (``docs/reference/``) between
``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``.
Column names and dtypes come from ``shoptet_nb.columns``, statuses from the docstrings of
``shoptet_nb.plan`` and ``shoptet_nb.apply``, settings from ``Settings``, sandbox switches from
``SandboxOptions`` (its field docstrings). The one-line meanings of columns and settings are
written here: a column or setting without one fails the script, so a new one gets documented.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import inspect
import itertools
import re
import sys
from pathlib import Path

import pandas as pd

from shoptet_nb import columns
from shoptet_nb.config import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"

COLUMN_MEANINGS = {
    "guid": "the product's guid (Shoptet's product id)",
    "gallery": "`shop` (photos) or `shop360` (360° photos)",
    "name": "the image's file name: with guid and gallery, the key of an image",
    "priority": "place in the gallery, lowest first (1–65535); `<NA>` = none, shown last",
    "description": "the caption (alt text); `<NA>` = none",
    "change_time": "when Shoptet last changed the image (UTC); the conflict check compares it",
    "seo_name": "the image's SEO file name, made by Shoptet",
    "cdn_name": "the image's file name on Shoptet's CDN, made by Shoptet",
    "is_main_image": "the product's main image (the first photo of `shop`), as the shop says",
    "url": "the image in the shop's `detail` size",
    "product_name": "the product's name",
    "language": "language of the edit (`<NA>` = the shop's default)",
    "status": "what happened to the row: see [Statuses](statuses.md)",
    "reason": "why the row has its status (for `invalid`: how to fix it)",
    "old_priority": "priority before",
    "new_priority": "priority after (planned, or as the server confirmed)",
    "old_description": "caption before",
    "new_description": "caption after (planned, or as the server confirmed)",
    "http_status": "HTTP status of the call that sent the row",
    "error_code": "Shoptet's `errorCode` (`network-error` when no answer came)",
    "message": "why the row was not updated, or the error's message",
    "request_id": "Shoptet's request id: quote it to Shoptet support",
    "instance": "the part of the request the error is about, e.g. `data.images[3].name`",
    "rule": "the lint rule: `empty`, `file_name`, `duplicate`, `too_long`, `whitespace`, `markup`",
    "original_description": "the caption when the sheet was exported",
    "invalid_reason": "why the row must not be sent (its key cells were altered); `<NA>` = fine",
    "width": "pixels across, from the original file's header",
    "height": "pixels down, from the original file's header",
    "bytes": "size of the original file (from `Content-Range`); `<NA>` = the host did not say",
    "format": "`JPEG`, `PNG`, `WEBP` or `GIF`, read from the file's bytes (not its name)",
    "ext_matches": "whether the file name's extension names that format",
    "megapixels": "width × height / 1,000,000",
    "aspect": "width / height",
    "phash": "perceptual hash of the photo (64 DCT bits, then a 4×4 colour grid; hex)",
    "duplicate_group": "photos showing the same picture share a number; `<NA>` = unique",
    "findings": "tuple of the audit rules the photo breaks (see `shoptet_nb.audit.AUDIT_RULES`)",
    "photos": "photos in the gallery",
    "fail_2027": "photos breaking a rule Merchant Center enforces from 2027",
    "below_500": "photos under 500 px on a side",
    "below_1500": "photos 500–1499 px on the shorter side",
    "over_16mb": "files over 16 MB",
    "over_64mp": "photos over 64 megapixels",
    "ext_mismatch": "files whose extension does not name their format",
    "duplicate_in_gallery": "photos with a copy in the same gallery",
    "duplicate_across_products": "photos also in another product",
    "only_one_photo": "the gallery holds one photo",
    "failed": "photos the audit could not read",
    "smallest_side": "the smallest side of any of its photos, pixels",
}

#: Where a column means something else in one frame: (columns table, column) → meaning.
COLUMN_MEANINGS_IN = {
    ("IMAGE_COLUMNS", "language"): (
        "the language the captions were read in (`<NA>` = the shop's default)"
    ),
    ("ERROR_COLUMNS", "message"): "the server's message (or the network error)",
    ("ERROR_COLUMNS", "http_status"): "HTTP status of the answer that carried the error",
    ("LINT_COLUMNS", "message"): "what is wrong and what to do about it",
    ("LINT_COLUMNS", "description"): "the caption as found",
    ("CAPTION_EDITS_COLUMNS", "change_time"): "the image's `change_time` when the sheet was "
    "exported: a photo changed since is a `conflict` in the plan",
    ("CAPTION_EDITS_COLUMNS", "description"): "the caption typed in the sheet; `<NA>` = "
    'unchanged (untouched or empty cell), `""` = clear (`[clear]` typed)',
    ("AUDIT_COLUMNS", "status"): "`ok` (read now), `cached`, `failed` (see `message`) or "
    "`not_attempted` (interrupted first)",
    ("AUDIT_COLUMNS", "message"): "why the photo could not be read",
    ("AUDIT_COLUMNS", "url"): "the original file (`orig` cut)",
    ("AUDIT_COLUMNS", "language"): "as in the images frame given",
}

#: (frame, where users meet it, the columns table).
FRAMES: list[tuple[str, str, str]] = [
    ("images", "`read_images()`, `Result.images`, `GalleryEditor.images`", "IMAGE_COLUMNS"),
    ("plan rows", "`Plan.rows` (same index as the edits frame)", "PLAN_COLUMNS"),
    ("result rows", "`Result.rows` (same index as the edits frame)", "RESULT_COLUMNS"),
    ("errors", "`Result.errors`, `read_errors(images)`", "ERROR_COLUMNS"),
    ("lint findings", "`lint_captions()`", "LINT_COLUMNS"),
    (
        "caption edits",
        "`read_captions()` (index `sheet_row`: the spreadsheet's row number)",
        "CAPTION_EDITS_COLUMNS",
    ),
    ("image audit", "`audit_images().photos` (same index as the images frame)", "AUDIT_COLUMNS"),
    ("image audit by gallery", "`audit_images().products`", "AUDIT_PRODUCT_COLUMNS"),
]

SETTING_MEANINGS = {
    "base_url": "API address (`SHOPTET_BASE_URL` or `connect(base_url=...)` set it too)",
    "timeout": "seconds to wait for a response before the attempt counts as timed out",
    "max_attempts": "attempts per request, the first included (1 = no retries)",
    "max_in_flight": "requests in flight at once for one token (1–3; Shoptet allows 3)",
    "backoff_base": "first backoff delay, seconds (doubles each attempt, full jitter)",
    "backoff_max": "longest backoff delay, seconds",
    "retry_after_cap": "longest wait a `Retry-After` header may impose, seconds",
    "bucket_leak_per_s": "leak rate of Shoptet's leaky bucket, drops per second",
    "bucket_reserve": "share of the bucket kept free: pacing starts above 1 − this",
    "pace": "pace on `X-RateLimit-Bucket-Filling` (False: only the in-flight cap)",
    "max_images_per_call": "images per PATCH call (1–100; Shoptet's maximum is 100)",
    "user_agent": "the `User-Agent` header",
}

#: A default longer than this is not printed in the switches table.
LONG_DEFAULT = 40


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def dtype_name(dtype: object) -> str:
    if isinstance(dtype, pd.DatetimeTZDtype):
        return f"datetime64[{dtype.unit}, {dtype.tz}]"
    return str(dtype)


def columns_section() -> str:
    parts = []
    for title, where, attribute in FRAMES:
        table: dict[str, object] = getattr(columns, attribute)
        missing = [name for name in table if name not in COLUMN_MEANINGS]
        if missing:
            raise SystemExit(f"doc_tables: no meaning for column(s) {missing}; add them")
        rows = [
            [
                f"`{name}`",
                f"`{dtype_name(dtype)}`",
                COLUMN_MEANINGS_IN.get((attribute, name), COLUMN_MEANINGS[name]),
            ]
            for name, dtype in table.items()
        ]
        parts.append(
            f"**{title}**: {where} (`shoptet_nb.columns.{attribute}`)\n\n"
            + markdown_table(["column", "dtype", "meaning"], rows)
        )
    return "\n\n".join(parts)


def docstring_table(module_name: str) -> list[list[str]]:
    """The rows of the ``====  ====`` table in a module's docstring."""
    # By module name: ``shoptet_nb.write.apply`` as an attribute is the function, not a module.
    doc = inspect.getdoc(importlib.import_module(module_name)) or ""
    rows: list[list[str]] = []
    inside = 0
    for line in doc.splitlines():
        if re.fullmatch(r"=+\s+=+", line.strip()):
            inside += 1
            continue
        if inside == 1 and line.strip():
            if line.startswith(" ") and rows:  # a continued description
                rows[-1][1] += " " + line.strip()
            else:
                status, _, text = line.partition(" ")
                rows.append([status, text.strip()])
    return [[f"`{status}`", re.sub(r"``(.+?)``", r"`\1`", text)] for status, text in rows]


#: The photo verbs' statuses: ``(title, module, constant, {status: meaning})``. The statuses
#: come from the constant (the code's own list); a status without a meaning here, or a meaning
#: for a status the code no longer has, fails the script, so the page stays in step.
PHOTO_STATUSES = [
    (
        "**Add** (`add_images()`; `AddResult.rows.status`)",
        "shoptet_nb.write.add.result",
        "ADD_STATUSES",
        {
            "added": "in the gallery now, under `name`",
            "would_add": "(dry run) would be sent, with `priority`",
            "skipped_duplicate": "the gallery already has this file (`name`), or an earlier "
            "row sends it",
            "invalid": "the row or its source breaks a rule (the message says which); not sent",
            "failed": "sent, but the shop did not add it (its reason from the job), or the "
            "outcome is unknown (the message says what to do)",
            "conflict": "cannot be told apart from someone else's photo; nothing guessed",
            "not_attempted": "not sent: the run was interrupted first",
        },
    ),
    (
        "**Revert of an add** (`revert(add_result)`; `AddResult.rows.status`)",
        "shoptet_nb.write.add.result",
        "REVERT_STATUSES",
        {
            "deleted": "a photo the add added, deleted now",
            "restored": "a photo the add moved, back at its old priority",
            "unchanged": "a photo the add moved that has its old priority already",
            "not_found": "gone already (or, for a cut-off run, never added: the message says "
            "which)",
            "conflict": "moved since by someone else, or a photo that cannot be told from a "
            "colleague's: left alone",
            "failed": "the call failed, or a job is still running (revert again later)",
        },
    ),
    (
        "**Delete** (`delete_images()`; `DeleteResult.rows.status`)",
        "shoptet_nb.write.delete_result",
        "DELETE_STATUSES",
        {
            "deleted": "archived, then deleted (the shop answered 200; or the answer was lost "
            "and a read, or the retried DELETE's 404, shows it gone: the message says which)",
            "would_delete": "(dry run) would be archived and deleted",
            "blocked": "a variant shows it: not deleted (pass `remove_references=True`)",
            "not_found": "no such product or photo in the plan's read",
            "conflict": "changed in the shop since the plan: not deleted, plan again",
            "failed": "its product could not be read, or its original could not be archived "
            "(not deleted), or the DELETE failed (see the message)",
            "invalid": "the row names no photo, an unknown gallery, or repeats an earlier row",
            "not_attempted": "the run stopped (an interrupt) before this photo",
        },
    ),
    (
        "**Restore** (`revert(delete_result, stage=...)`; `DeleteResult.rows.status`, a row per "
        "photo the delete archived)",
        "shoptet_nb.write.delete_result",
        "RESTORE_STATUSES",
        {
            "restored": "added back (`restored_as` its new name) with its captions, order and "
            'variant references; a WebP original re-added as PNG (`webp="png"`) says so, '
            "`sha256` and `restored_sha256` differ",
            "not_restored": "no `stage` (or no way to add photos): the message says where its "
            "archive is",
            "failed": 'not restored (e.g. a WebP original without `webp="png"`, a failed '
            "stage, the shop did not add it), or restored but a caption, reference or the "
            "bytes' check failed: see the message",
            "skipped": "not deleted by the delete, or restored already (`restored_as`)",
        },
    ),
]


def photo_statuses() -> str:
    """The photo verbs' status tables (see :data:`PHOTO_STATUSES`)."""
    parts = []
    for title, module, constant, meanings in PHOTO_STATUSES:
        statuses = getattr(importlib.import_module(module), constant)
        if set(statuses) != set(meanings):
            raise SystemExit(
                f"doc_tables: {module}.{constant} is {statuses}, but the meanings are for "
                f"{tuple(meanings)}: update PHOTO_STATUSES"
            )
        rows = [[f"`{status}`", meanings[status]] for status in statuses]
        parts.append(f"{title}:\n\n" + markdown_table(["status", "meaning"], rows))
    return "\n\n".join(parts)


def statuses_section() -> str:
    return (
        "**Plan** (`plan_updates()`, `Plan.rows.status`; nothing is written):\n\n"
        + markdown_table(["status", "meaning"], docstring_table("shoptet_nb.plan"))
        + "\n\n**Result** (`apply()`, `update_images()`, `revert()`; `Result.rows.status`):\n\n"
        + markdown_table(["status", "meaning"], docstring_table("shoptet_nb.write"))
        + "\n\n"
        + photo_statuses()
    )


def settings_section() -> str:
    rows = []
    for field in dataclasses.fields(Settings):
        if field.name not in SETTING_MEANINGS:
            raise SystemExit(f"doc_tables: no meaning for setting {field.name}; add it")
        rows.append([f"`{field.name}`", f"`{field.default!r}`", SETTING_MEANINGS[field.name]])
    return markdown_table(["setting", "default", "meaning"], rows)


def field_docs(cls: type) -> dict[str, str]:
    """The docstring below each field of a dataclass (its source read with ``ast``)."""
    source = inspect.getsource(cls)
    body = ast.parse(source).body[0]
    assert isinstance(body, ast.ClassDef)
    docs: dict[str, str] = {}
    statements = body.body
    for node, following in itertools.pairwise(statements):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = " ".join(following.value.value.split())
    return docs


def sandbox_section() -> str:
    cls = importlib.import_module("shoptet_nb.sandbox.options").SandboxOptions
    docs = field_docs(cls)
    rows = []
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            default = field.default
        else:
            default = field.default_factory()  # type: ignore[misc]
        shown = repr(default)
        if isinstance(default, dict) and len(set(default.values())) == 1:
            shown = f"{next(iter(default.values()))!r} each"
        elif len(shown) > LONG_DEFAULT:
            shown = "see `options.py`"
        else:
            shown = f"`{shown}`"
        text = re.sub(r"``(.+?)``", r"`\1`", docs.get(field.name, ""))
        rows.append([f"`{field.name}`", shown, text])
    return markdown_table(["switch", "default", "meaning"], rows)


SECTIONS = {
    "columns": columns_section,
    "statuses": statuses_section,
    "settings": settings_section,
    "sandbox-switches": sandbox_section,
}


def marker(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- generated:{re.escape(name)} -->\n).*?(<!-- /generated:{re.escape(name)} -->)",
        re.DOTALL,
    )


def pages() -> dict[Path, str]:
    """Every Markdown page under docs/."""
    return {path: path.read_text(encoding="utf-8") for path in sorted(DOCS.rglob("*.md"))}


def render(current: dict[Path, str]) -> dict[Path, str]:
    """The pages with every generated table rebuilt; each table must sit in exactly one page."""
    wanted = dict(current)
    for name, build in SECTIONS.items():
        holders = [path for path, text in current.items() if marker(name).search(text)]
        if len(holders) != 1:
            found = ", ".join(str(path.relative_to(DOCS)) for path in holders) or "no page"
            raise SystemExit(f"doc_tables: the {name!r} table must be in one page; found {found}")
        (path,) = holders
        table = build()
        wanted[path] = marker(name).sub(
            lambda m, table=table: m.group(1) + table + "\n" + m.group(2), wanted[path]
        )
    return wanted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="rewrite the tables in docs/")
    group.add_argument("--check", action="store_true", help="fail if a page is out of date")
    args = parser.parse_args()
    if not (args.write or args.check):
        for name, build in SECTIONS.items():
            print(f"<!-- generated:{name} -->\n{build()}\n")
        return 0
    current = pages()
    wanted = render(current)
    stale = [path for path in current if wanted[path] != current[path]]
    if args.check:
        if stale:
            names = ", ".join(str(path.relative_to(DOCS)) for path in stale)
            print(f"doc_tables: out of date: {names}; run scripts/doc_tables.py --write")
            return 1
        print("doc_tables: the tables in docs/ are up to date")
        return 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"doc_tables: updated {path.relative_to(DOCS)}")
    if not stale:
        print("doc_tables: the tables in docs/ are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
