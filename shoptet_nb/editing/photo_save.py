"""Preview and save a session's pending photo adds and deletes through ``add_images`` and
``delete_images`` (their public calls only), then read the galleries again.

Both give :class:`PhotoRows`: one row per pending add or delete, one vocabulary of statuses
(those of ``add_images`` and ``delete_images``), so a view words a preview and a save alike.

A save first reads each gallery again. A gallery the shop changed since the session read it
(a colleague's upload, delete or reorder) sends nothing: its adds and deletes are ``conflict``
rows and stay pending, and the session now shows the gallery as it is, so the user sees what
changed before a second Save sends them. Positions, "which photo becomes main" and the
duplicate check of the preview were all computed against the gallery as read; guessing how
they carry over to another gallery is what this refuses to do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import Interrupted
from .model import Outcome
from .photo_edits import PendingAdd, shop_positions
from .wording import blocked_reason

if TYPE_CHECKING:
    from ..client import ShoptetClient
    from ..write.add import AddResult
    from ..write.delete_result import DeleteResult
    from .loading import Gallery, ReadProblem
    from .model import EditModel

#: Uploads a local file's bytes and returns its public URL (``add_images(stage=...)``).
Stager = Callable[[bytes], str]
#: Reads galleries again into the model and returns the problems met (``EditSession.reread``).
Reread = Callable[[Sequence["Gallery"]], list["ReadProblem"]]

__all__ = ["PHOTO_COLUMNS", "PhotoRows", "preview_photos", "save_photos"]

#: Columns of :attr:`PhotoRows.rows`. ``action`` is ``add`` or ``delete``; ``item`` the
#: pending add's id or the photo's name; ``label`` what a view shows (URL, file or photo
#: name); ``name`` the photo's name in the shop (the new name of an added photo);
#: ``variant_codes`` the variants that show a photo (why a delete is ``blocked``);
#: ``becomes_main`` the photo that is main after the delete.
PHOTO_COLUMNS = (
    "guid",
    "gallery",
    "action",
    "item",
    "label",
    "name",
    "status",
    "message",
    "variant_codes",
    "becomes_main",
)


@dataclass
class PhotoRows:
    """What a preview would do, or a save did, with the pending adds and deletes: ``rows``
    (:data:`PHOTO_COLUMNS`, deletes first, as a save sends them) and the ``add_images`` /
    ``delete_images`` results they come from (None where there was nothing to send)."""

    rows: pd.DataFrame
    dry_run: bool
    added: AddResult | None = None
    deleted: DeleteResult | None = None
    problems: list[ReadProblem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status (only the statuses met)."""
        return {str(k): int(v) for k, v in self.rows["status"].value_counts().items()}

    def __repr__(self) -> str:
        shown = ", ".join(f"{s}={n}" for s, n in self.counts.items()) or "empty"
        return f"<PhotoRows ({'preview' if self.dry_run else 'save'}) {shown}>"


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _codes(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or None
    return _text(value)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(PHOTO_COLUMNS))
    return frame.astype({c: "string" for c in PHOTO_COLUMNS})


def _row(key: Gallery, action: str, item: str, label: str, **rest: Any) -> dict[str, Any]:
    return {"guid": key[0], "gallery": key[1], "action": action, "item": item, "label": label,
            **rest}  # fmt: skip


def _delete_frames(model: EditModel, keys: Sequence[Gallery]) -> list[tuple[bool, pd.DataFrame]]:
    """The pending deletes as ``delete_images`` frames: ``(remove_references, frame)``, the
    photos whose variants' reference the user approved clearing apart (``remove_references``
    is per call: one call with it for those alone, so no other photo's variant loses its
    photo), each frame left out when empty."""
    out = []
    for cleared in (False, True):
        rows = [
            {"guid": k[0], "gallery": k[1], "name": n}
            for k in keys
            for n in model.pending_deletes(*k)
            if model.references_cleared(*k, n) == cleared
        ]
        if rows:
            out.append((cleared, pd.DataFrame(rows, columns=["guid", "gallery", "name"])))
    return out


def _journal_beside(journal: Path | bool | None, part: str) -> Path | bool | None:
    """The journal of one call of a save's photo part: a file named after the save's journal,
    next to it (``save.jsonl`` → ``save.deletes.jsonl``), so every write of one save is found
    in one place; False (memory only) and None (a new file) pass through."""
    if not isinstance(journal, Path):
        return journal
    return journal.with_name(f"{journal.stem}.{part}{journal.suffix}")


class _Progress:
    """One ``(done, total)`` count over the calls of the photo part (photos deleted, then
    galleries added to: what ``delete_images`` and ``add_images`` count), for ``on_progress``."""

    def __init__(self, report: Callable[[int, int], None] | None, total: int) -> None:
        self.report, self.total, self.before = report, total, 0

    def call(self, size: int) -> bool | Callable[[int, int], None]:
        """The ``progress=`` of the next call, which counts ``size`` steps."""
        if self.report is None:
            return False
        start, report, total = self.before, self.report, self.total
        self.before += size
        report(start, total)
        return lambda done, _: report(start + done, total)


def _add_frame(
    model: EditModel, keys: Sequence[Gallery], language: str | None
) -> tuple[pd.DataFrame, list[Any]]:
    adds: list[tuple[Gallery, PendingAdd]] = [(k, a) for k in keys for a in model.pending_adds(*k)]
    # Where each add is sent so that it lands where the view shows it (see shop_positions).
    sent: dict[str, int | None] = {}
    for k in keys:
        sent |= shop_positions(
            model.names(*k), model.order(*k), model.pending_deletes(*k), model.pending_adds(*k)
        )
    frame = pd.DataFrame(
        [
            {
                "guid": k[0],
                "gallery": k[1],
                "source_url": a.source_url,
                "path": a.path,
                "description": a.description,
                "position": sent[a.id],
            }
            for k, a in adds
        ],
        columns=["guid", "gallery", "source_url", "path", "description", "position"],
    )
    frame["position"] = frame["position"].astype("Int64")
    if language is not None:
        frame["language"] = language
    return frame, adds


def _delete_rows(
    model: EditModel, result: DeleteResult, frame: pd.DataFrame
) -> list[dict[str, Any]]:
    out = []
    for (guid, gallery, name), row in zip(
        frame[["guid", "gallery", "name"]].itertuples(index=False),
        result.rows.to_dict("records"),
        strict=True,
    ):
        codes = _codes(row.get("variant_codes"))
        status = _text(row.get("status"))
        # delete_images' own hint (remove_references=True) is for code: the editor says its own.
        message = blocked_reason(codes) if status == "blocked" else _text(row.get("message"))
        model.note_blocked((guid, gallery), name, codes if status == "blocked" else None)
        out.append(
            _row(
                (guid, gallery),
                "delete",
                name,
                name,
                name=name,
                status=status,
                message=message,
                variant_codes=codes,
                becomes_main=_text(row.get("becomes_main")),
            )
        )
    return out


def _add_rows(result: AddResult, adds: list[tuple[Gallery, PendingAdd]]) -> list[dict[str, Any]]:
    out = []
    for (key, add), row in zip(adds, result.rows.to_dict("records"), strict=True):
        out.append(
            _row(
                key,
                "add",
                add.id,
                add.label,
                name=_text(row.get("name")),
                status=_text(row.get("status")),
                message=_text(row.get("message")),
            )
        )
    return out


def preview_photos(
    client: ShoptetClient, model: EditModel, *, stage: Stager | None, language: str | None
) -> PhotoRows:
    """The pending adds and deletes of ``model`` as ``add_images`` / ``delete_images`` dry runs
    would do them (reads only: sources are fetched and hashed, nothing is staged or sent)."""
    from ..write.add import add_images
    from ..write.delete_run import delete_images

    keys = model.photo_galleries
    rows: list[dict[str, Any]] = []
    deleted = added = None
    for cleared, deletes in _delete_frames(model, keys):
        deleted = delete_images(
            client, deletes, remove_references=cleared, dry_run=True, journal=False, progress=False
        )
        rows += _delete_rows(model, deleted, deletes)
    adds, pending = _add_frame(model, keys, language)
    if len(adds):
        added = add_images(client, adds, dry_run=True, stage=stage, progress=False)
        rows += _add_rows(added, pending)
    return PhotoRows(_frame(rows), True, added, deleted)


def _changed_since_read(
    model: EditModel, reread: Reread, keys: Sequence[Gallery]
) -> tuple[dict[Gallery, str], list[ReadProblem]]:
    """Read the galleries again; those the shop changed (or that could not be read) with why."""
    before = {k: model.names(*k) for k in keys}
    problems = reread(keys)
    why: dict[Gallery, str] = {}
    failed = {p.guid for p in problems}
    for key in keys:
        if key[0] in failed or None in failed:
            why[key] = "unread"
            continue
        now = model.names(*key)
        if now != before[key]:
            new = [n for n in now if n not in before[key]]
            gone = [n for n in before[key] if n not in now]
            said = [
                f"new: {', '.join(new)}" if new else "",
                f"gone: {', '.join(gone)}" if gone else "",
            ]
            detail = "; ".join(s for s in said if s) or "reordered"
            why[key] = (
                f"the gallery changed in the shop since it was read ({detail}): not sent. The "
                "editor shows it as it is now; check, then Save again"
            )
    return why, problems


def save_photos(
    client: ShoptetClient,
    model: EditModel,
    *,
    stage: Stager | None,
    language: str | None,
    journal: Path | bool | None,
    reread: Reread,
    on_progress: Callable[[int, int], None] | None = None,
) -> PhotoRows:
    """Send the pending deletes of ``model``, then its pending adds, then read the galleries
    again with ``reread``. ``journal`` is False for memory only, None for new journal files,
    or the save's journal path: each call then journals in a file named after it, next to it
    (``save.deletes.jsonl``, ``save.deletes-references.jsonl``, ``save.adds.jsonl``). No
    progress bar of their own: ``on_progress(done, total)`` counts the photos deleted and the
    galleries added to, so that a view's bar moves.

    A delete the user approved clearing the variants' reference of
    (:meth:`~shoptet_nb.editing.photo_edits.PhotoEdits.clear_references`) goes in a call of its
    own with ``remove_references=True``; every other delete in one without.

    Deletes go first: an add's position counts the photos that stay, and a file the user
    deletes and adds again is then not skipped as a duplicate of itself. Both go before the
    caption and order edits (the session sends those after this), because a new photo's name
    is known only once its job ends, and the order edit must be rebased on it.
    """
    from ..write.add import add_images
    from ..write.delete_run import delete_images

    model.forget_outcomes()  # the previous save's; the caption part of this save keeps ours
    keys = model.photo_galleries
    wanted = {k: (model.pending_deletes(*k), model.pending_adds(*k)) for k in keys}
    why, problems = _changed_since_read(model, reread, keys)
    rows: list[dict[str, Any]] = []
    for key, reason in why.items():
        names, waiting = wanted[key]
        # Unreadable: nothing was sent, so not "failed" (the shop refused nothing).
        status = "not_attempted" if reason == "unread" else "conflict"
        message = (
            "the gallery could not be read again to check it: not sent; Save again"
            if reason == "unread"
            else reason
        )
        gone = set(names) - set(model.names(*key))
        rows += [
            _row(key, "delete", n, n, name=n, status="not_found" if n in gone else status,
                 message="gone from the shop already" if n in gone else message)
            for n in names
        ]  # fmt: skip
        rows += [_row(key, "add", a.id, a.label, status=status, message=message) for a in waiting]
        model.settle_photos(
            key, outcomes={a.id: Outcome(status, message) for a in waiting}, deleted=list(gone)
        )
    ready = [k for k in keys if k not in why]
    deleted = added = None
    calls = _delete_frames(model, ready)
    adds, pending = _add_frame(model, ready, language)
    progress = _Progress(
        on_progress,
        sum(len(f) for _, f in calls) + len(adds[["guid", "gallery"]].drop_duplicates()),
    )
    deletes: pd.DataFrame | None = None
    try:
        for cleared, deletes in calls:
            deleted = delete_images(
                client,
                deletes,
                remove_references=cleared,
                dry_run=False,
                journal=_journal_beside(journal, "deletes-references" if cleared else "deletes"),
                progress=progress.call(len(deletes)),
            )
            rows += _delete_rows(model, deleted, deletes)
        deletes = None
        if len(adds):
            added = add_images(
                client,
                adds,
                dry_run=False,
                journal=_journal_beside(journal, "adds"),
                stage=stage,
                progress=progress.call(len(adds[["guid", "gallery"]].drop_duplicates())),
            )
            rows += _add_rows(added, pending)
        if on_progress is not None:
            on_progress(progress.total, progress.total)
    except Interrupted as exc:
        # What the interrupted call sent is in its result: record it, the rest stays pending.
        if exc.result is not None:
            met = exc.result
            rows += (
                _delete_rows(model, met, deletes)
                if deletes is not None
                else _add_rows(met, pending)
            )
        _settle(model, reread, _frame(rows), ready)
        raise
    out = PhotoRows(_frame(rows), False, added, deleted, problems)
    out.problems += _settle(model, reread, out.rows, ready)
    return out


def _settle(
    model: EditModel, reread: Reread, rows: pd.DataFrame, sent: Sequence[Gallery]
) -> list[ReadProblem]:
    """Take a save's rows into the model: settled adds and deletes leave the pending ones, the
    others stay with their outcome; the galleries written are read again (the new photos under
    the names the shop gave them) and each photo shows what happened to it."""
    done = ("added", "skipped_duplicate", "deleted", "not_found")
    for key in sent:
        mine = rows[(rows["guid"] == key[0]) & (rows["gallery"] == key[1])]
        settled = mine[mine["status"].isin(done)]
        stay = mine[~mine["status"].isin(done) & (mine["action"] == "add")]
        model.settle_photos(
            key,
            added=list(settled.loc[settled["action"] == "add", "item"]),
            deleted=list(settled.loc[settled["action"] == "delete", "item"]),
            outcomes={
                str(r["item"]): Outcome(str(r["status"]), _text(r["message"]))
                for r in stay.to_dict("records")
            },
        )
    problems = reread(sent) if sent else []
    for row in rows.to_dict("records"):
        name = _text(row["name"])
        status = str(row["status"])
        if name and (row["action"] == "add" or status not in ("deleted", "not_found")):
            model.set_outcome(
                (str(row["guid"]), str(row["gallery"])),
                name,
                Outcome(status, _text(row["message"])),
            )
    model.clear_undo()
    return problems
