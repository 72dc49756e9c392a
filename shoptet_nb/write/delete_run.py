"""``delete_images``: archive each photo, then delete it with one DELETE of its own.

Never the whole-gallery DELETE: a colleague may have added a photo in the meantime. Per
product (products in parallel under the client's limits), the photos' captions are read in
every other shop language, then for each photo in turn: its original is downloaded into the
archive and journaled (:class:`~.journal.Archived`) *before* its DELETE is sent; a photo whose
original cannot be kept is not deleted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from ..client import ShoptetClient
from ..errors import (
    APIError,
    ConflictError,
    Interrupted,
    LockedError,
    NetworkError,
    NotFoundError,
    ServerError,
)
from ..progress_bar import Steps
from .archive import (
    ArchiveError,
    archive_dir_for,
    delete_journal_path,
    keep_original,
    write_sidecar,
)
from .delete_plan import DeletePlan, gallery_images, plan_deletes, references
from .delete_result import DeleteResult
from .journal import Archived, Deleted, Failed, Journal
from .verbs import planned

_EXTRA = ("http_status", "request_id", "sha256", "archive_file")


def delete_images(
    client: ShoptetClient,
    frame: pd.DataFrame,
    *,
    remove_references: bool = False,
    archive: str | Path | None = None,
    dry_run: bool | None = None,
    journal: str | Path | bool | None = None,
    progress: bool | Callable[[int, int], None] = True,
) -> DeleteResult:
    """Delete photos (rows ``guid``, ``name``, optional ``gallery``), each archived first.

    The plan lists each photo with the variants that show it, whether it is the main image
    and which photo becomes main. A photo a variant shows is ``blocked`` unless
    ``remove_references=True`` (the variant then shows the product's main image). Before each
    DELETE the original file (sha256), captions in every shop language, priority and variant
    references go into ``archive`` (default: a folder next to the journal). ``dry_run``
    defaults to True on a real shop and False on the sandbox. ``journal`` is a file path,
    None for a new file in the journal folder, or False for memory only (the archive is still
    written to disk). ``progress``: a bar of the photos done (True), none (False), or a
    callback ``(done, total)``, as for ``apply``. ``revert(result, stage=...)`` adds the
    photos back.

    >>> result = shoptet_nb.delete_images(client, frame, dry_run=False)  # doctest: +SKIP
    >>> result.rows[["name", "status", "becomes_main"]]                  # doctest: +SKIP
    """
    plan = planned(lambda: plan_deletes(client, frame, remove_references=remove_references))
    if dry_run is None:
        dry_run = not client.is_sandbox
    rows = plan.rows.copy()
    for column in _EXTRA:
        rows[column] = None
    if dry_run or not (rows["status"] == "would_delete").any():
        return DeleteResult(client, rows, plan, dry_run=bool(dry_run))
    path = (
        delete_journal_path(sandbox=client.is_sandbox)
        if journal is None or journal is True
        else None
        if journal is False
        else Path(journal)
    )
    folder = (
        Path(archive)
        if archive is not None
        else archive_dir_for(path or delete_journal_path(sandbox=client.is_sandbox))
    )
    run = _Run(plan, Journal(path), folder, rows)
    todo = rows["status"] == "would_delete"
    steps = Steps("Deleting photos", total=int(todo.sum()), unit="photos", progress=progress)
    with _interrupts(run), closing(steps):
        guids = sorted(set(rows.loc[todo, "guid"]))
        for guid, outcome in client.map(lambda g: _product(run, g), guids):
            if isinstance(outcome, BaseException):
                # A bug in one worker must not lose the other rows' statuses.
                for row, _, _ in run.todo(guid):
                    if row not in run.outcomes:
                        run.mark(row, "failed", f"{type(outcome).__name__}: {outcome}")
            steps.done(len(run.todo(guid)))
    return run.result()


class _Run:
    """What the workers share: the plan, the outcomes they record, the journal and archive."""

    def __init__(self, plan: DeletePlan, journal: Journal, folder: Path, rows: pd.DataFrame):
        self.plan, self.journal, self.folder, self.rows = plan, journal, folder, rows
        self.client = plan.client
        self.outcomes: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        # Rows by position (the caller's index may repeat labels); the workers never touch
        # the frame itself, only ``outcomes``.
        status = rows["status"].tolist()
        self._todo = [
            (k, guid, gallery, name)
            for k, (guid, gallery, name) in enumerate(
                zip(rows["guid"], rows["gallery"], rows["name"], strict=True)
            )
            if status[k] == "would_delete"
        ]

    def todo(self, guid: str) -> list[tuple[int, str, str]]:
        """``(row position, gallery, name)`` of the product's photos to delete."""
        return [(k, g, n) for k, pg, g, n in self._todo if pg == guid]

    def mark(self, position: int, status: str, message: str, **values: Any) -> None:
        with self._lock:
            self.outcomes[position] = {"status": status, "message": message, **values}

    def result(self) -> DeleteResult:
        self.journal.close()
        with self._lock:
            outcomes = dict(self.outcomes)
        columns = {column: self.rows[column].tolist() for column in self.rows.columns}
        for k, _, _, _ in self._todo:
            outcome = outcomes.get(k) or {
                "status": "not_attempted",
                "message": "not attempted: the run ended before it",
            }
            for column, value in outcome.items():
                columns[column][k] = value
        rows = pd.DataFrame(columns, index=self.rows.index, columns=self.rows.columns)
        return DeleteResult(
            self.client,
            rows,
            self.plan,
            journal_path=self.journal.path,
            archive_dir=self.folder,
            journal_entries=self.journal.entries,
        )


@contextmanager
def _interrupts(run: _Run) -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        path = run.journal.path
        where = f"journal {path}" if path is not None else "no journal file (journal=False)"
        raise Interrupted(
            f"interrupted: photos already deleted are archived in {run.folder} ({where}); "
            "exc.result has a row per photo (not_attempted ones were left alone); "
            "revert(exc.result, stage=...) adds the deleted ones back",
            run.result(),
        ) from None


def _product(run: _Run, guid: str) -> None:
    """One product's photos: captions in the other languages, then archive and delete each."""
    product = run.plan.products[guid]
    todo = run.todo(guid)
    for gallery in sorted({g for _, g, _ in todo}):
        mine = [(row, name) for row, g, name in todo if g == gallery]
        records = {i["name"]: i for i in gallery_images(product, gallery)}
        try:
            captions = _captions(run.client, guid, gallery, records)
        except (APIError, NetworkError) as exc:
            for row, _ in mine:
                run.mark(row, "failed", f"could not read its captions, not deleted: {exc}")
            continue
        for row, name in mine:
            if name not in captions:
                run.mark(row, "conflict", "changed or gone since the plan: not deleted; plan again")
                continue
            _archive_and_delete(run, row, product, records[name], captions[name])


def _short(exc: Exception) -> str:
    """What went wrong, in a few words (HTTP status or the exception's kind)."""
    return f"HTTP {exc.status}" if isinstance(exc, APIError) else type(exc).__name__


def _gone(client: ShoptetClient, guid: str, gallery: str, name: str) -> bool | None:
    """Whether a read of the gallery shows the photo gone (None when the read fails too)."""
    try:
        return name not in {i.get("name") for i in client.list_images(guid, gallery)}
    except (APIError, NetworkError):
        return None


def _captions(
    client: ShoptetClient, guid: str, gallery: str, records: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Photo name → {language: caption}, for the photos unchanged since the plan's read."""
    default = client.default_language() or ""
    captions = {name: {default: record.get("description")} for name, record in records.items()}
    for language in client.languages():
        if language == default:
            continue
        for image in client.list_images(guid, gallery, language=language):
            name = image.get("name")
            if name not in captions:
                continue
            if image.get("changeTime") != records[name].get("changeTime"):
                del captions[name]  # changed since the plan: the archive would not be what it saw
            else:
                captions[name][language] = image.get("description")
    return captions


def _archive_and_delete(
    run: _Run, row: int, product: dict[str, Any], record: dict[str, Any], captions: dict[str, Any]
) -> None:
    guid, gallery, name = product["guid"], record.get("gallery", "shop"), record["name"]
    codes = tuple(references(product, name)) if gallery == "shop" else ()
    try:
        kept = keep_original(run.client, run.folder, guid, gallery, name)
    except ArchiveError as exc:
        run.mark(row, "failed", f"not deleted: {exc}")
        return
    entry = Archived(
        guid,
        gallery,
        None,
        name=name,
        product_name=product.get("name"),
        file=str(kept.path),
        sha256=kept.sha256,
        size=kept.size,
        priority=record.get("priority"),
        captions=captions,
        variant_codes=codes,
        is_main=bool(record.get("isMainImage")),
        change_time=record.get("changeTime"),
    )
    write_sidecar(entry)
    run.journal.write(entry)
    archived: dict[str, Any] = {"sha256": kept.sha256, "archive_file": str(kept.path)}
    photo = (guid, gallery, name)
    path = f"/api/products/{quote(guid, safe='')}/images/{gallery}/{quote(name, safe='')}"
    # removeReference only where a variant shows the photo: the fewest changes.
    params = {"removeReference": "true"} if codes else None
    try:
        # A DELETE of one named photo may be repeated: a second one finds it gone (404).
        envelope = run.client.request("DELETE", path, params=params, retry_safe=True)
    except NotFoundError as exc:
        # Gone when the (last) DELETE arrived: an earlier attempt whose answer was lost
        # deleted it, or someone else did. Either way it is deleted, and archived.
        gone = "gone when the DELETE arrived (a retry after a lost answer, or someone else "
        _deleted(
            run,
            row,
            photo,
            codes,
            gone + f"deleted it); original archived at {kept.path}",
            already_gone=True,
            http_status=404,
            request_id=exc.request_id,
            **archived,
        )
        return
    except ConflictError as exc:
        run.journal.write(Failed(guid, gallery, None, message=str(exc), names=(name,)))
        run.mark(
            row,
            "blocked",
            "a variant shows this photo since the plan: not deleted; "
            "plan again (or remove_references=True)",
            http_status=409,
            request_id=exc.request_id,
            **archived,
        )
        return
    except (NetworkError, ServerError, LockedError) as exc:
        # An earlier attempt may have landed with its answer lost, before the last one met
        # this: only a read of the gallery tells.
        vanished = _gone(run.client, guid, gallery, name)
        if vanished:
            message = (
                f"the DELETE's answer was lost or refused ({_short(exc)}), and a read shows "
                "the photo gone; "
            )
            _deleted(run, row, photo, codes, message + f"archived at {kept.path}", **archived)
            return
        run.journal.write(Failed(guid, gallery, None, message=str(exc), names=(name,)))
        status = exc.status if isinstance(exc, APIError) else None
        state = (
            "the photo is still there"
            if vanished is False
            else "whether the photo was deleted is unknown (a read of the gallery failed too): "
            "plan again to see"
        )
        message = f"DELETE failed, {state}: {exc}"
        run.mark(row, "failed", message, http_status=status, **archived)
        return
    except APIError as exc:
        run.journal.write(Failed(guid, gallery, None, message=str(exc), names=(name,)))
        run.mark(row, "failed", f"DELETE failed: {exc}", http_status=exc.status, **archived)
        return
    shown = f"; variant(s) {', '.join(codes)} now show the main image" if codes else ""
    _deleted(
        run,
        row,
        photo,
        codes,
        f"deleted; original archived at {kept.path}{shown}",
        http_status=envelope.status,
        request_id=envelope.request_id,
        **archived,
    )


def _deleted(
    run: _Run,
    row: int,
    photo: tuple[str, str, str],
    codes: tuple[str, ...],
    message: str,
    *,
    already_gone: bool = False,
    **values: Any,
) -> None:
    """Journal a photo (guid, gallery, name) as deleted and mark its row so."""
    guid, gallery, name = photo
    request_id = values.get("request_id")
    entry = Deleted(
        guid,
        gallery,
        None,
        name=name,
        request_id=request_id,
        references_removed=codes,
        already_gone=already_gone,
    )
    run.journal.write(entry)
    run.mark(row, "deleted", message, **values)
