"""Revert of a delete: add each deleted photo back from its archive, or say honestly why not.

Shoptet adds photos only from a public URL that its own servers fetch, so a restore needs a
``stage``: a callable the user supplies that puts bytes somewhere public and returns the URL
(e.g. their own storage). Without one, every row says it cannot restore and where the archive
is: never a false success.

With a stage, each photo's archived bytes (checked against their sha256) are staged and added
again through a :data:`ReAdder` ("add these photos to this gallery, with these captions and
priorities; the new names in the same order"), then: captions in the shop's other languages
(one PATCH per language, only where a caption differs from the default one), the variants'
references (only for variants that still show the product's main image, as the delete left
them), and a check that the new photo's original has the archived sha256. Shoptet gives a
re-added photo a new name and URL: each row says ``restored_as <new name>``. The other photos
kept their priorities through the delete, so the old priority puts it back in its place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..client import ShoptetClient
from ..errors import APIError, ArgumentError, NetworkError, ShoptetError
from .archive import ArchiveError, archived_bytes, original_url
from .delete_result import RESTORE_STATUSES, DeleteResult
from .journal import Archived, Deleted, Journal, Restored, decode_entries, read_journal

#: The user's stager: the bytes of a photo → a public URL Shoptet's servers can fetch.
Stage = Callable[[bytes], str]


@dataclass(frozen=True)
class ReAdd:
    """One photo to add back: where Shoptet fetches it, its default-language caption and its
    priority (None: let the shop place it)."""

    source_url: str
    description: str | None
    priority: int | None


#: ``readd(client, guid, gallery, photos) -> new names`` (same order; None where a photo was
#: not added): the one call a restore needs from the add path.
ReAdder = Callable[[ShoptetClient, str, str, Sequence[ReAdd]], list[str | None]]

#: The add path's re-add, used when ``revert_deletes`` is given none. None until ``add_images``
#: is wired in here (it is being built in parallel): a restore then says per row that it
#: cannot add photos yet, and where the archive is.
READD: ReAdder | None = None

_COLUMNS = ("guid", "gallery", "name", "product_name", "status", "message", "restored_as")


def revert_deletes(
    source: DeleteResult | str | Path,
    *,
    client: ShoptetClient | None = None,
    stage: Stage | None = None,
    readd: ReAdder | None = None,
    journal: str | Path | bool | None = None,
) -> DeleteResult:
    """Add back the photos a delete removed (see the module docstring); a row per photo the
    delete archived: ``restored`` (``restored_as``), ``not_restored`` (with where its archive
    is), ``failed`` or ``skipped`` (it was not deleted)."""
    if isinstance(source, DeleteResult):
        entries = decode_entries(source.journal_entries)
        client = client or source.client
        journal_default = source.journal_path
    else:
        if client is None:
            raise ArgumentError("revert(journal_path) needs client=: the shop to restore")
        entries = decode_entries(read_journal(source))
        journal_default = Path(source)
    readd = readd or READD
    archived = [e for e in entries if isinstance(e, Archived)]
    if not archived:
        raise ArgumentError("the journal archives no photo: nothing to restore")
    gone = {(e.guid, e.gallery, e.name) for e in entries if isinstance(e, Deleted)}
    done = {(e.guid, e.gallery, e.name): e.new_name for e in entries if isinstance(e, Restored)}
    rows = [_row(entry) for entry in archived]
    path = _journal_path(journal, journal_default)
    log = Journal(path)
    try:
        todo: dict[tuple[str, str], list[int]] = {}
        for k, entry in enumerate(archived):
            key = (entry.guid, entry.gallery, entry.name)
            if key not in gone:
                rows[k].update(status="skipped", message="it was not deleted: nothing to restore")
            elif key in done:
                rows[k].update(
                    status="skipped",
                    restored_as=done[key],
                    message=f"already restored_as {done[key]}",
                )
            elif stage is None or readd is None:
                rows[k].update(status="not_restored", message=_cannot(entry, stage is None))
            else:
                todo.setdefault((entry.guid, entry.gallery), []).append(k)
        if todo:
            assert stage is not None
            assert readd is not None
            restorer = _Restorer(client, stage, readd, log)
            for (guid, gallery), ks in todo.items():
                restorer.gallery(guid, gallery, [archived[k] for k in ks], [rows[k] for k in ks])
    finally:
        log.close()
    frame = pd.DataFrame(rows, columns=list(_COLUMNS))
    return DeleteResult(
        client,
        frame,
        None,
        journal_path=path,
        archive_dir=Path(archived[0].file).parents[2] if archived[0].file else None,
        journal_entries=log.entries,
        statuses=RESTORE_STATUSES,
    )


def _journal_path(journal: str | Path | bool | None, default: Path | None) -> Path | None:
    """The restore's own lines go after the delete's, in the same file, unless told otherwise."""
    if journal is False:
        return None
    if journal is None or journal is True:
        return default
    return Path(journal)


def _row(entry: Archived) -> dict[str, Any]:
    return {
        "guid": entry.guid,
        "gallery": entry.gallery,
        "name": entry.name,
        "product_name": entry.product_name,
        "status": None,
        "message": None,
        "restored_as": None,
    }


def _cannot(entry: Archived, no_stage: bool) -> str:
    why = (
        "cannot restore without stage=: Shoptet adds photos only from a public URL (pass "
        "stage=, a function that puts bytes somewhere public and returns the URL)"
        if no_stage
        else "cannot restore: this version has no way to add photos yet (no re-adder)"
    )
    return (
        f"{why}; the original (sha256 {entry.sha256}) is at {entry.file}, its captions, "
        f"priority and variant references at {entry.file}.json"
    )


class _Restorer:
    """Adds one gallery's photos back and fills in their rows."""

    def __init__(self, client: ShoptetClient, stage: Stage, readd: ReAdder, log: Journal):
        self.client, self.stage, self.readd, self.log = client, stage, readd, log
        self.default = client.default_language() or ""

    def gallery(
        self, guid: str, gallery: str, entries: list[Archived], rows: list[dict[str, Any]]
    ) -> None:
        photos: list[ReAdd] = []
        ready: list[tuple[Archived, dict[str, Any]]] = []
        for entry, row in zip(entries, rows, strict=True):
            try:
                url = self.stage(archived_bytes(entry))
            except ArchiveError as exc:
                row.update(status="failed", message=f"not restored: {exc}")
                continue
            except Exception as exc:  # the user's stager: any failure is this row's
                row.update(status="failed", message=f"not restored: stage() failed: {exc}")
                continue
            caption = entry.captions.get(self.default)
            photos.append(ReAdd(url, caption, entry.priority))
            ready.append((entry, row))
        if not photos:
            return
        try:
            names = self.readd(self.client, guid, gallery, photos)
        except ShoptetError as exc:
            for _, row in ready:
                row.update(status="failed", message=f"not restored: adding failed: {exc}")
            return
        for (entry, row), new in zip(ready, names, strict=True):
            if new is None:
                row.update(status="failed", message="not restored: the shop did not add it")
                continue
            self.log.write(Restored(guid, gallery, None, name=entry.name, new_name=new))
            row.update(restored_as=new)
            problems = self._finish(entry, new)
            if problems:
                row.update(status="failed", message=f"restored_as {new}, but {'; '.join(problems)}")
            else:
                row.update(status="restored", message=f"restored_as {new}")

    def _finish(self, entry: Archived, new: str) -> list[str]:
        """Bytes check, other languages' captions and variant references; what went wrong."""
        problems = []
        try:
            content = self.client.read_file(original_url(self.client, entry.gallery, new)).content
            if hashlib.sha256(content).hexdigest() != entry.sha256:
                problems.append("its bytes differ from the archived original")
        except (ShoptetError, ArchiveError) as exc:
            problems.append(f"its bytes could not be checked ({exc})")
        default_caption = entry.captions.get(self.default)
        for language, caption in sorted(entry.captions.items()):
            if language == self.default or caption == default_caption or caption is None:
                continue  # the default caption shows there anyway: no write needed
            try:
                self.client.update_images(
                    entry.guid,
                    entry.gallery,
                    [{"name": new, "description": caption}],
                    language=language,
                )
            except (APIError, NetworkError) as exc:
                problems.append(f"its {language} caption was not restored ({exc})")
        if entry.variant_codes:
            problems += self._references(entry, new)
        return problems

    def _references(self, entry: Archived, new: str) -> list[str]:
        try:
            product = self.client.get_product(entry.guid)
        except (APIError, NetworkError) as exc:
            return [f"variant references were not restored ({exc})"]
        free = {
            str(v.get("code"))
            for v in product.get("variants") or []
            if isinstance(v, dict) and v.get("image") is None
        }
        codes = [code for code in entry.variant_codes if code in free]
        taken = [code for code in entry.variant_codes if code not in free]
        problems = (
            [f"variant(s) {', '.join(taken)} show another photo now: left alone"] if taken else []
        )
        if codes:
            body = {"data": {"variants": [{"code": code, "image": new} for code in codes]}}
            try:
                self.client.request("PATCH", f"/api/products/{entry.guid}", json_body=body)
            except (APIError, NetworkError) as exc:
                problems.append(f"variant references were not restored ({exc})")
        return problems
