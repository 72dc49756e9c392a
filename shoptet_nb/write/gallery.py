"""One gallery's write steps in a worker thread: re-read and screen the targets, journal each
call, send it, and account for every image from the answer (or a read after a lost one)."""

from __future__ import annotations

import re
from typing import Any

from .._limits import Cancelled
from .._retry import RETRYABLE_STATUSES
from ..columns import EDITABLE_FIELDS
from ..errors import APIError, NetworkError
from ..frames import frame_fields
from ..plan import request_item
from .journal import Confirmed, ConfirmedImage, Failed, ImageState, Intent, IntentImage
from .state import NOT_ATTEMPTED, GalleryKey, Run
from .values import changed_since, plain, same

_ITEM_INDEX = re.compile(r"data\.images\[(\d+)\]")


def write_gallery(
    run: Run, gallery_key: GalleryKey, targets: list[dict[str, Any]], recheck: bool
) -> None:
    guid, gallery, language = gallery_key
    lang = language or None
    reason = run.stopped()
    if reason is not None:
        for target in targets:
            run.mark((guid, gallery, target["name"], language), "not_attempted", reason)
        return
    before: dict[Any, dict[str, Any]] = {
        t["name"]: {
            "priority": t["old_priority"],
            "description": t["old_description"],
            "changeTime": None,
        }
        for t in targets
    }
    if recheck:
        try:
            envelope = run.client.list_images_envelope(guid, gallery, language=lang)
        except Cancelled:
            for target in targets:
                run.mark((guid, gallery, target["name"], language), "not_attempted", NOT_ATTEMPTED)
            return
        except (APIError, NetworkError) as exc:
            info = run.failure(guid, gallery, exc)
            info["message"] = f"could not re-read the gallery before writing: {info['message']}"
            for target in targets:
                run.mark((guid, gallery, target["name"], language), "failed", **info)
            return
        current = {r.get("name"): r for r in (envelope.data or {}).get("images") or []}
        targets = _screen(run, gallery_key, targets, current, before)
        if not targets:
            return
    items = [request_item(target) for target in targets]
    per_call = run.client.settings.max_images_per_call
    for start in range(0, len(items), per_call):
        _send_chunk(run, gallery_key, items[start : start + per_call], before)


def _screen(
    run: Run,
    gallery_key: GalleryKey,
    targets: list[dict[str, Any]],
    current: dict[Any, dict[str, Any]],
    before: dict[Any, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Keep the targets that may be written; mark the rest (gone, done already, conflict)."""
    guid, gallery, language = gallery_key
    keep = []
    for target in targets:
        name = target["name"]
        key = (guid, gallery, name, language)
        record = current.get(name)
        if record is None:
            run.mark(
                key,
                "not_found",
                f"image {name!r} was removed from the gallery after the plan was made",
            )
            continue
        now_p, now_d = record.get("priority"), record.get("description")
        wanted_p = target["new_priority"] if target["send_priority"] else now_p
        wanted_d = target["new_description"] if target["send_description"] else now_d
        # Revert restores a caption that was none as "": a photo that has none again (the
        # write never landed) is restored already, not someone else's change.
        if same(now_p, wanted_p) and (
            same(now_d, wanted_d) or (run.restoring and now_d is None and wanted_d == "")
        ):
            run.mark(
                key,
                "unchanged",
                "the image already has these values (an earlier run may have applied them)",
                new_priority=now_p,
                new_description=now_d,
                old_priority=now_p,
                old_description=now_d,
            )
            continue
        ours = run.plan.shared_photos.get((guid, gallery, name))
        moved = changed_since(record, target, ours)
        if moved and not run.force:
            run.mark(
                key,
                "conflict",
                f"changed on the server since the plan ({moved}); read "
                "again and re-plan, or apply(force=True) to overwrite",
                old_priority=now_p,
                old_description=now_d,
            )
            continue
        before[name] = _before_write(record, target, ours)
        keep.append(target)
    return keep


def _send_chunk(
    run: Run,
    gallery_key: GalleryKey,
    chunk: list[dict[str, Any]],
    before: dict[Any, dict[str, Any]],
) -> None:
    guid, gallery, language = gallery_key
    keys = [(guid, gallery, item["name"], language) for item in chunk]
    reason = run.begin_send(
        keys,
        Intent(
            guid,
            gallery,
            language or None,
            product_name=plain(run.product_names.get(guid)),
            images=tuple(
                IntentImage(
                    item["name"],
                    ImageState.decode(before.get(item["name"])),
                    {k: v for k, v in item.items() if k != "name"},
                )
                for item in chunk
            ),
        ),
    )
    if reason is not None:
        for key in keys:
            run.mark(key, "not_attempted", reason)
        return
    try:
        (envelope,) = run.client.update_images(guid, gallery, chunk, language=language or None)
    except Cancelled:
        # Stopped before the request left (waiting for a slot): it was journaled, not sent.
        for key in keys:
            run.mark(key, "not_attempted", NOT_ATTEMPTED)
        run.journal.write(
            Failed(
                guid,
                gallery,
                language or None,
                message="not sent: the run was interrupted",
                names=tuple(item["name"] for item in chunk),
            )
        )
        return
    except (APIError, NetworkError) as exc:
        stopped = run.stop.is_set()  # a stopped run sends nothing more, not even a read
        info = run.failure(guid, gallery, exc)
        landed = (
            _check_landed(run, gallery_key, chunk, info, read=not stopped)
            if _may_have_landed(exc)
            else []
        )
        if landed:
            _confirm(run, gallery_key, landed, before, info)
        missed = [item for item in chunk if item not in landed]
        for item in missed:
            run.mark((guid, gallery, item["name"], language), "failed", **info)
        if missed:
            run.journal.write(
                Failed(
                    guid,
                    gallery,
                    language or None,
                    message=info["message"],
                    names=tuple(item["name"] for item in missed),
                )
            )
        return
    after = {r.get("name"): r for r in (envelope.data or {}).get("images") or []}
    skipped: dict[str, dict[str, Any]] = {}
    for error in envelope.errors:
        match = _ITEM_INDEX.search(str(error.get("instance") or ""))
        if match and int(match.group(1)) < len(chunk):
            skipped[chunk[int(match.group(1))]["name"]] = error
        with run.lock:
            run.errors.append(
                {
                    "guid": guid,
                    "gallery": gallery,
                    "error_code": error.get("errorCode"),
                    "message": error.get("message"),
                    "instance": error.get("instance"),
                    "http_status": envelope.status,
                    "request_id": envelope.request_id,
                }
            )
    confirmed: list[ConfirmedImage] = []
    for item in chunk:
        name = item["name"]
        key = (guid, gallery, name, language)
        common = {"http_status": envelope.status, "request_id": envelope.request_id}
        old = before.get(name) or {}
        if name in skipped:
            error = skipped[name]
            status = "not_found" if str(error.get("instance", "")).endswith(".name") else "failed"
            run.mark(key, status, error.get("message"), error_code=error.get("errorCode"), **common)
            continue
        record = after.get(name)
        if record is None or any(not same(record.get(f), v) for f, v in item.items()):
            run.mark(
                key,
                "failed",
                "the server answered 200 but its gallery does not show the new values",
                **common,
            )
            continue
        run.mark(
            key,
            "updated",
            None,
            old_priority=old.get("priority"),
            old_description=old.get("description"),
            new_priority=record.get("priority"),
            new_description=record.get("description"),
            **common,
        )
        confirmed.append(ConfirmedImage(name, ImageState.of_record(record)))
    _remember_gallery(run, gallery_key, after)
    run.journal.write(
        Confirmed(
            guid, gallery, language or None, request_id=envelope.request_id, images=tuple(confirmed)
        )
    )


def _may_have_landed(exc: APIError | NetworkError) -> bool:
    """Whether a write that ended in ``exc`` may still have been applied by the server.

    A lost answer (timeout, dropped connection), a server failure or a 423/429 after retries
    (an earlier attempt may have landed, or still be running) may have; a refusal has not.
    """
    return isinstance(exc, NetworkError) or exc.status in RETRYABLE_STATUSES


def _check_landed(
    run: Run,
    gallery_key: GalleryKey,
    chunk: list[dict[str, Any]],
    info: dict[str, Any],
    *,
    read: bool,
) -> list[dict[str, Any]]:
    """Read the gallery after a write that may have landed: the items it shows as sent.

    Rewrites ``info["message"]`` to say what the read told, or that the write may have landed
    when it was not read (``read=False``) or the read failed.
    """
    guid, gallery, language = gallery_key
    unknown = f"{info['message']}; the write may have landed (it was sent, but no answer said so)"
    if not read:
        info["message"] = f"{unknown}: read the gallery to check"
        return []
    try:
        envelope = run.client.list_images_envelope(guid, gallery, language=language or None)
    except (APIError, NetworkError) as exc:
        info["message"] = f"{unknown}, and reading the gallery to tell failed too ({exc})"
        return []
    now = {r.get("name"): r for r in (envelope.data or {}).get("images") or []}
    _remember_gallery(run, gallery_key, now)
    landed = [
        item
        for item in chunk
        if item["name"] in now and all(same(now[item["name"]].get(f), v) for f, v in item.items())
    ]
    info["message"] = (
        f"{info['message']}; a read of the gallery afterwards does not show the new values"
    )
    return landed


def _confirm(
    run: Run,
    gallery_key: GalleryKey,
    items: list[dict[str, Any]],
    before: dict[Any, dict[str, Any]],
    info: dict[str, Any],
) -> None:
    """Mark items whose lost write a later read shows as landed, and journal their after."""
    guid, gallery, language = gallery_key
    records = {r.get("name"): r for r in run.after.get(gallery_key, [])}
    confirmed: list[ConfirmedImage] = []
    for item in items:
        record, old = records[item["name"]], before.get(item["name"]) or {}
        run.mark(
            (guid, gallery, item["name"], language),
            "updated",
            f"the answer was lost ({info['error_code']}), but a read of the gallery "
            "afterwards shows the new values",
            old_priority=old.get("priority"),
            old_description=old.get("description"),
            new_priority=record.get("priority"),
            new_description=record.get("description"),
            http_status=info["http_status"],
            request_id=info["request_id"],
        )
        confirmed.append(ConfirmedImage(item["name"], ImageState.of_record(record)))
    run.journal.write(Confirmed(guid, gallery, language or None, images=tuple(confirmed)))


def _before_write(
    record: dict[str, Any], target: dict[str, Any], ours: dict[str, list[Any]] | None
) -> dict[str, Any]:
    """What the journal keeps as an image's 'before': what the shop had just before this write.

    For a photo this run also writes in another language, a field that already shows a value
    the run sends may be the run's own write (the shared priority, or a caption the other
    language falls back to): then the plan's old value is the one revert must restore.
    """
    before = _after(record)
    for column in EDITABLE_FIELDS:
        if ours is not None and any(same(before[column], v) for v in ours.get(column, [])):
            before[column] = target[f"old_{column}"]
    return before


def _after(record: dict[str, Any]) -> dict[str, Any]:
    """The part of a server record the journal keeps as an image's 'after'."""
    return {
        "priority": record.get("priority"),
        "description": record.get("description"),
        "changeTime": record.get("changeTime"),
    }


def _remember_gallery(run: Run, gallery_key: GalleryKey, records: dict[Any, Any]) -> None:
    """Keep the newest record of every image of a gallery for ``Result.images``.

    Each PATCH answers with the gallery after it (or, on a shop that answers with only the
    named images, those): a gallery sent in several calls keeps what every call showed. Only
    the fields a frame shows are kept (see :func:`~shoptet_nb.frames.frame_fields`).
    """
    with run.lock:
        known = {r.get("name"): r for r in run.after.get(gallery_key, [])}
        known.update((name, frame_fields(record)) for name, record in records.items())
        run.after[gallery_key] = sorted(known.values(), key=_admin_order)


def _admin_order(record: dict[str, Any]) -> tuple[bool, int, str]:
    """Shoptet's gallery order: priority ascending, no priority last, ties by name."""
    priority = record.get("priority")
    return (priority is None, priority or 0, str(record.get("name")))
