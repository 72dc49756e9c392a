"""Revert of a delete: add each deleted photo back from its archive, or say honestly why not.

Shoptet adds photos only from a public URL that its own servers fetch, so a restore needs a
``stage``: a callable the user supplies that puts bytes somewhere public and returns the URL
(e.g. their own storage). Without one, every row says it cannot restore and where the archive
is: never a false success.

With a stage, each photo's archived bytes (checked against their sha256) are staged and added
again through a :data:`ReAdder` ("add these photos to these galleries, with these captions
and priorities; the new names in the same order"; one call for every gallery of the restore, so
that one wait on the job list answers for all its insert jobs), then: captions in the shop's
other languages (one PATCH per language, only where a caption differs from the default one), the
variants' references (only for variants that still show the product's main image, as the delete
left them), and a check that the new photo's original has the archived sha256. Shoptet gives a
re-added photo a new name and URL: each row says ``restored_as <new name>``. The other photos
kept their priorities through the delete, so the old priority puts it back in its place.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..client import ShoptetClient
from ..errors import APIError, ArgumentError, NetworkError, ShoptetError
from ..progress_bar import Steps
from .add.readd import ReAdd, ReAddGallery, readd
from .add.sources import judge
from .archive import ArchiveError, archived_bytes, original_url
from .delete_result import RESTORE_STATUSES, DeleteResult
from .journal import Archived, Deleted, Journal, Restored, decode_entries, read_journal
from .webp_png import ConversionError, is_webp, webp_to_png

#: The user's stager: the bytes of a photo → a public URL Shoptet's servers can fetch.
Stage = Callable[[bytes], str]


#: ``readd(client, [(guid, gallery, photos), ...]) -> new names per gallery`` (same order; None
#: where a photo was not added): the one call a restore needs from the add path.
ReAdder = Callable[[ShoptetClient, Sequence[ReAddGallery]], list[list[str | None]]]

#: The add path's re-add (``add_images``), used when ``revert_deletes`` is given none; None
#: makes a restore say per row that it cannot add photos, and where the archive is.
READD: ReAdder | None = readd

_ITEM = re.compile(r"^data\.images\[(\d+)\]")

_COLUMNS = ("guid", "gallery", "name", "product_name", "status", "message", "restored_as",
            "sha256", "restored_sha256")  # fmt: skip


def revert_deletes(
    source: DeleteResult | str | Path,
    *,
    client: ShoptetClient | None = None,
    stage: Stage | None = None,
    readd: ReAdder | None = None,
    journal: str | Path | bool | None = None,
    webp: str | None = None,
    progress: bool | Callable[[int, int], None] = True,
) -> DeleteResult:
    """Add back the photos a delete removed (see the module docstring); a row per photo the
    delete archived: ``restored`` (``restored_as``), ``not_restored`` (with where its archive
    is), ``failed`` or ``skipped`` (it was not deleted). ``webp="png"`` re-adds a WebP
    original as a lossless PNG (:mod:`.webp_png`); ``sha256`` and ``restored_sha256`` then
    differ, and the message says so. ``progress``: a bar of the photos whose restore is
    finished (True), none (False), or a callback ``(done, total)``, as for ``apply``."""
    if isinstance(source, DeleteResult):
        # The file, where there is one, also has the lines of earlier restores.
        file = source.journal_path
        raw = read_journal(file) if file is not None and file.is_file() else source.journal_entries
        entries = decode_entries(raw)
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
            total = sum(len(ks) for ks in todo.values())
            steps = Steps("Restoring photos", total=total, unit="photos", progress=progress)
            try:
                _Restorer(client, stage, readd, log, webp, steps.done).restore(
                    [
                        (guid, gallery, [archived[k] for k in ks], [rows[k] for k in ks])
                        for (guid, gallery), ks in todo.items()
                    ]
                )
            finally:
                steps.close()
    finally:
        log.close()
        if isinstance(source, DeleteResult) and path is None:
            # No file: the delete's result itself remembers what was restored.
            source.journal_entries.extend(log.entries)
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
        "sha256": entry.sha256,
        "restored_sha256": None,
    }


def _converted(row: dict[str, Any]) -> str:
    """What a row's message adds when the re-added file is not the archived original."""
    if row["restored_sha256"] in (None, row["sha256"]):
        return ""
    return (
        "; converted from WebP to PNG (lossless: the same pixels, not the same bytes): the "
        f"archived original has sha256 {row['sha256']}, the re-added PNG {row['restored_sha256']}"
    )


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


_Ready = list[tuple[Archived, dict[str, Any]]]


class _Restorer:
    """Adds the galleries' photos back and fills in their rows, with the fewest calls: one
    re-add for all galleries, then per gallery one PATCH per other language and one product
    PATCH for the references."""

    def __init__(
        self,
        client: ShoptetClient,
        stage: Stage,
        readd: ReAdder,
        log: Journal,
        webp: str | None,
        done: Callable[[int], None],
    ):
        self.client, self.stage, self.readd, self.log = client, stage, readd, log
        self.webp, self.done = webp, done
        self.default = client.default_language() or ""

    def restore(
        self, galleries: list[tuple[str, str, list[Archived], list[dict[str, Any]]]]
    ) -> None:
        """Stage every gallery's photos, re-add them all in one call, then finish each."""
        staged = [
            (guid, gallery, *self._stage(entries, rows))
            for guid, gallery, entries, rows in galleries
        ]
        staged = [s for s in staged if s[2]]
        if not staged:
            return
        try:
            names = self.readd(
                self.client, [(guid, gallery, photos) for guid, gallery, photos, _ in staged]
            )
        except ShoptetError as exc:
            for *_, ready in staged:
                for _, row in ready:
                    row.update(status="failed", message=f"not restored: adding failed: {exc}")
                self.done(len(ready))
            return
        for (guid, gallery, _, ready), new in zip(staged, names, strict=True):
            self._finish(guid, gallery, ready, new)
            self.done(len(ready))

    def _stage(
        self, entries: list[Archived], rows: list[dict[str, Any]]
    ) -> tuple[list[ReAdd], _Ready]:
        """The photos to re-add (archived bytes checked and staged) and their rows."""
        photos: list[ReAdd] = []
        ready: _Ready = []
        for entry, row in zip(entries, rows, strict=True):
            try:
                content = archived_bytes(entry)
            except ArchiveError as exc:
                row.update(status="failed", message=f"not restored: {exc}")
                self.done(1)
                continue
            # The add path's own rules (e.g. no WebP, which a CDN may have kept under a .jpg
            # name): a refused original is this row's, with its reason, before any upload.
            sent = self._sendable(entry, content, row)
            if sent is None:
                self.done(1)
                continue
            try:
                url = self.stage(sent)
            except Exception as exc:  # the user's stager: any failure is this row's
                row.update(status="failed", message=f"not restored: stage() failed: {exc}")
                self.done(1)
                continue
            photos.append(
                ReAdd(url, entry.captions.get(self.default), entry.priority, size=len(sent))
            )
            ready.append((entry, row))
            row["restored_sha256"] = hashlib.sha256(sent).hexdigest()
        return photos, ready

    def _finish(self, guid: str, gallery: str, ready: _Ready, names: list[str | None]) -> None:
        """One gallery after the re-add: journal, bytes, captions, references, row statuses."""
        added: list[tuple[Archived, str, list[str]]] = []
        for (entry, row), new in zip(ready, names, strict=True):
            if new is None:
                row.update(status="failed", message="not restored: the shop did not add it")
                continue
            self.log.write(
                Restored(
                    guid,
                    gallery,
                    None,
                    name=entry.name,
                    new_name=new,
                    sha256=row["restored_sha256"],
                )
            )
            row.update(restored_as=new)
            added.append((entry, new, self._check_bytes(entry, new, row["restored_sha256"])))
        problems = {new: found for _, new, found in added}
        self._captions(guid, gallery, [(e, n) for e, n, _ in added], problems)
        self._references(guid, [(e, n) for e, n, _ in added], problems)
        for (_, row), new in zip(ready, names, strict=True):
            if new is None:
                continue
            if problems[new]:
                row.update(
                    status="failed", message=f"restored_as {new}, but {'; '.join(problems[new])}"
                )
            else:
                row.update(status="restored", message=f"restored_as {new}{_converted(row)}")

    def _sendable(self, entry: Archived, content: bytes, row: dict[str, Any]) -> bytes | None:
        """The bytes to re-add (a WebP original's PNG when ``webp="png"``), or None with the
        row ended. No size limit: the add path's guard is for unknown suppliers' files, these
        are bytes the shop itself served (and their sha256 was checked)."""
        refused = judge(content, allow_webp=False, max_bytes=len(content))
        if not isinstance(refused, str):
            return content
        where = f"the original is at {entry.file}"
        if not is_webp(content):
            why = refused
        elif self.webp != "png":
            why = (
                "the original is WebP, which Shoptet's help says cannot be uploaded; pass "
                'webp="png" to re-add a lossless PNG of it (other bytes, the same pixels)'
            )
        else:
            try:
                return webp_to_png(content)
            except ConversionError as exc:
                why = f"the WebP original could not be converted to PNG: {exc}"
        row.update(status="failed", message=f"not restored: {why}; {where}")
        return None

    def _check_bytes(self, entry: Archived, new: str, sent: str) -> list[str]:
        """The new photo's original against the sha256 of the bytes re-added (the archived
        original's, or its PNG's): a problem, or none."""
        try:
            content = self.client.read_file(original_url(self.client, entry.gallery, new)).content
        except (ShoptetError, ArchiveError) as exc:
            return [f"its bytes could not be checked ({exc})"]
        if hashlib.sha256(content).hexdigest() != sent:
            return ["its bytes differ from the file re-added"]
        return []

    def _captions(
        self,
        guid: str,
        gallery: str,
        added: list[tuple[Archived, str]],
        problems: dict[str, list[str]],
    ) -> None:
        """One PATCH per other language, for the captions that differ from the default one
        (where they are equal the default caption shows anyway: no write needed)."""
        per_language: dict[str, list[dict[str, Any]]] = {}
        for entry, new in added:
            default_caption = entry.captions.get(self.default)
            for language, caption in entry.captions.items():
                if language != self.default and caption is not None and caption != default_caption:
                    per_language.setdefault(language, []).append(
                        {"name": new, "description": caption}
                    )
        for language, items in sorted(per_language.items()):
            try:
                envelopes = self.client.update_images(guid, gallery, items, language=language)
            except (APIError, NetworkError) as exc:
                for item in items:
                    problems[item["name"]].append(
                        f"its {language} caption was not restored ({exc})"
                    )
                continue
            size = self.client.settings.max_images_per_call
            for part, envelope in enumerate(envelopes):
                for error in envelope.errors:
                    # A skipped item is named by its place in that call: data.images[<i>].name
                    where = _ITEM.match(str(error.get("instance") or ""))
                    if where is None or part * size + int(where.group(1)) >= len(items):
                        continue
                    item = items[part * size + int(where.group(1))]
                    problems[item["name"]].append(
                        f"its {language} caption was not restored ({error.get('message')})"
                    )

    def _references(
        self, guid: str, added: list[tuple[Archived, str]], problems: dict[str, list[str]]
    ) -> None:
        """The variants' references, for variants that still show the product's main image."""
        wanted = [(code, new) for entry, new in added for code in entry.variant_codes]
        if not wanted:
            return
        try:
            product = self.client.get_product(guid)
        except (APIError, NetworkError) as exc:
            for _, new in wanted:
                problems[new].append(f"its variant references were not restored ({exc})")
            return
        free = {
            str(v.get("code"))
            for v in product.get("variants") or []
            if isinstance(v, dict) and v.get("image") is None
        }
        for code, new in wanted:
            if code not in free:
                problems[new].append(f"variant {code} shows another photo now: left alone")
        sent = [{"code": code, "image": new} for code, new in wanted if code in free]
        if not sent:
            return
        try:
            # Absolute values: a repeat after a lost answer sets the same references.
            self.client.request(
                "PATCH",
                f"/api/products/{quote(guid, safe='')}",
                json_body={"data": {"variants": sent}},
                retry_safe=True,
            )
        except (APIError, NetworkError) as exc:
            for item in sent:
                problems[item["image"]].append(f"its variant references were not restored ({exc})")
