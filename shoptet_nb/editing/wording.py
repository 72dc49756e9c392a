"""Every word both widgets use for the outcome of a save: one vocabulary, one notice.

A row's status (``Result.counts``) is named the same way on a photo, in the notice after a save
and in ``Result.counts``: a conflict is never called "failed", and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..apply import Result
    from .model import Outcome

__all__ = [
    "OUTCOMES",
    "STATUS_WORDS",
    "failed_notice",
    "held_text",
    "interrupted_notice",
    "outcome_summary",
    "outcome_view",
    "pending_text",
    "blocked_reason",
    "photos_notice",
    "photos_preview_summary",
    "plural",
    "preview_summary",
    "reloaded_notice",
    "reset_notice",
    "undone_notice",
    "saved_count",
    "saved_notice",
    "stopped_notice",
]

#: How each per-image outcome of a save is shown on its photo: (label, is it a success).
OUTCOMES: dict[str, tuple[str, bool]] = {
    "updated": ("Saved", True),
    "unchanged": ("Already up to date", True),
    "invalid": ("Not saved: invalid", False),
    "not_found": ("Not saved: not found in the shop", False),
    "conflict": ("Not saved: changed in the shop meanwhile (a conflict)", False),
    "failed": ("Not saved: the shop refused it", False),
    "not_attempted": ("Not saved: not attempted", False),
    # Photos added and deleted (add_images, delete_images): the same words everywhere.
    "added": ("Added", True),
    "skipped_duplicate": ("Not added: the gallery has this photo already", True),
    "deleted": ("Deleted", True),
    "blocked": ("Not deleted: blocked, a variant shows this photo", False),
    "would_add": ("Will be added", True),
    "would_delete": ("Will be deleted", True),
}

#: How a count of rows in each status that did not reach the shop reads in a notice, in the
#: order a notice lists them.
STATUS_WORDS: dict[str, str] = {
    "conflict": "in conflict: changed in the shop meanwhile, not sent",
    "failed": "failed",
    "not_attempted": "not attempted",
    "invalid": "invalid",
    "not_found": "not found in the shop",
    "blocked": "blocked: a variant shows the photo, not deleted",
    "skipped_duplicate": "not added: already in the gallery",
}

#: Statuses of rows the shop now holds as wanted.
_DONE = ("updated", "unchanged")
#: Statuses of photo rows the shop now holds as wanted, and how a notice counts them.
_PHOTOS_DONE = {"added": "added", "deleted": "deleted"}


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def saved_count(result: Result) -> int:
    """Rows the shop now holds as wanted (updated, or already so)."""
    counts = result.counts
    return sum(counts.get(status, 0) for status in _DONE)


def outcome_summary(counts: Mapping[str, int]) -> str:
    """The rows that did not reach the shop, by status: ``"2 in conflict (...), 1 failed"``."""
    parts = [f"{counts[s]} {words}" for s, words in STATUS_WORDS.items() if counts.get(s)]
    other = sorted(s for s, n in counts.items() if n and s not in STATUS_WORDS and s not in _DONE)
    parts += [f"{counts[s]} {s.replace('_', ' ')}" for s in other]
    return ", ".join(parts)


def outcome_view(outcome: Outcome) -> dict[str, Any]:
    """How a save's outcome shows on its photo: status, ok, and a label that says why.

    >>> outcome_view(Outcome("failed", "boom", 500))["label"]   # doctest: +SKIP
    'Not saved: the shop refused it: boom (HTTP 500)'
    """
    label, ok = OUTCOMES.get(outcome.status, (outcome.status.replace("_", " "), False))
    if not ok:
        http = f"HTTP {outcome.http_status}" if outcome.http_status else None
        extra = ", ".join(x for x in (http, outcome.error_code) if x)
        if outcome.message:
            label = f"{label}: {outcome.message}"
        if extra:
            label = f"{label} ({extra})"
    return {"status": outcome.status, "ok": ok, "label": label}


def saved_notice(
    result: Result, *, noun: str, marked: str, held: str = "", problems: Sequence[str] = ()
) -> tuple[str, str]:
    """The notice after a save, and its kind (success, warning, error).

    ``noun`` names what was saved (``image``, ``caption``), ``marked`` where the rows that did
    not reach the shop show (``the cards``, ``the rows``). ``held`` tells of edits the widget
    kept back before sending (never rows of ``result``), ``problems`` are appended.
    """
    after = held + ((" " + " ".join(problems)) if problems else "")
    counts = result.counts
    done = saved_count(result)
    total = sum(counts.values())
    missed = outcome_summary(counts)
    if not missed:
        kind = "warning" if problems or held else "success"
        return f"Saved: {plural(done, noun)} up to date in the shop.{after}", kind
    if done == 0:
        return (
            f"Nothing was saved: {missed} (see {marked} marked in red). Your edits are kept; "
            f"resolve or fix them, or try again.{after}",
            "error",
        )
    return (
        f"Partly saved: {done} of {total} {noun}s saved; {missed} (see {marked} marked in "
        f"red). The unsaved edits are kept.{after}",
        "warning",
    )


def pending_text(count: int, products: int, conflicts: int) -> str:
    """What the action bar says of the unsaved edits: ``"3 unsaved changes in 2 products (1 in
    conflict)"``."""
    if not count:
        return "No unsaved changes"
    where = f" in {plural(products, 'product')}" if products > 1 else ""
    held = f" ({conflicts} in conflict)" if conflicts else ""
    return f"{plural(count, 'unsaved change')}{where}{held}"


def held_text(held: int, marked: str) -> str:
    """The sentence (with a leading space) on edits in conflict that a save did not send, or
    ``""`` for none; ``marked`` says where they show (``the cards``, ``the rows``)."""
    if held <= 0:
        return ""
    verb = "was" if held == 1 else "were"
    return (
        f" {plural(held, 'edit')} in conflict {verb} not sent: the shop changed since you "
        f"made them; keep yours or take the shop's on {marked}."
    )


def preview_summary(
    counts: Mapping[str, int], rows: int, *, noun: str, held: str, shown: int
) -> str:
    """The line above a preview: how many rows the plan has, by status (``shown``: how many
    the view lists)."""
    if not rows:
        return f"Nothing to save: no pending edits.{held}"
    parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n]
    more = f" (the first {shown} shown)" if rows > shown else ""
    return f"{plural(rows, noun)} in the plan: {', '.join(parts)}{more}{held}"


def interrupted_notice(partial: Result | None, noun: str) -> str:
    """The notice after a save the user interrupted (``partial``: what it sent, if known)."""
    if partial is not None:
        return (
            f"Save interrupted: {plural(saved_count(partial), noun)} saved before the "
            "interrupt; the rest is still pending (Save again to finish)."
        )
    # Nothing says what was sent: the edits stay, the shop is the judge.
    return (
        "Save interrupted; your edits are kept. Press ⟳ to see what the shop holds now, then "
        "Save again."
    )


def failed_notice(error: BaseException) -> str:
    """The notice after a save that an error stopped before it sent anything."""
    return f"The save failed: {error}. Your edits are kept; try again."


def stopped_notice(error: BaseException, part: int, parts: int, whole: Result, noun: str) -> str:
    """The notice after a save in parts that an error stopped after earlier parts were sent."""
    return (
        f"The save stopped at an error in part {part} of {parts}: {error}. "
        f"{plural(saved_count(whole), noun)} saved before it; the other edits are kept (Save "
        "again to finish)."
    )


def reloaded_notice(held: int, marked: str) -> str:
    """The notice after a re-read from the shop (``held``: photos whose edits are now in
    conflict; ``marked``: where they show)."""
    if held:
        return (
            f"Reloaded from the shop: {plural(held, 'edit')} changed in the shop since you made "
            f"them; keep yours or take the shop's on {marked}."
        )
    return "Reloaded from the shop."


def undone_notice(label: str | None) -> str:
    """The notice after Undo (``label``: what was undone, None for nothing)."""
    return f"Undone: {label}." if label else "Nothing to undo."


def reset_notice(had: int) -> str:
    """The notice after Reset (``had``: the pending edits it forgot)."""
    return "Every unsaved edit was forgotten; Undo brings them back." if had else ""


def photos_notice(counts: Mapping[str, int]) -> tuple[str, str]:
    """The notice after a save of photo adds and deletes (``counts``: rows per status), and
    its kind: ``"Photos: 2 added, 1 deleted; 1 blocked: a variant shows the photo, not
    deleted."``. A conflict is a conflict, a duplicate is not a failure."""
    done = [f"{counts[s]} {words}" for s, words in _PHOTOS_DONE.items() if counts.get(s)]
    rest = {s: n for s, n in counts.items() if s not in _PHOTOS_DONE and n}
    missed = outcome_summary(rest)
    text = "Photos: " + (", ".join(done) or "nothing added or deleted")
    if missed:
        text += f"; {missed} (see the cards). The edits not done are kept"
    only_duplicates = set(rest) <= {"skipped_duplicate"}
    kind = "success" if only_duplicates else ("warning" if done else "error")
    return text + ".", kind


def photos_preview_summary(counts: Mapping[str, int]) -> str:
    """The line a preview adds for photo adds and deletes: ``"Photos: 1 would add, 1
    blocked"``."""
    parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n]
    return f"Photos: {', '.join(parts)}." if parts else ""


def blocked_reason(codes: str | None) -> str:
    """Why the editor did not delete a photo a variant shows (``codes``: the variants' codes).
    The editor never takes a photo away from a variant: that stays a decision made in code
    (``delete_images(..., remove_references=True)``) or in the admin."""
    which = f"variant(s) {codes}" if codes else "a variant"
    return f"{which} show this photo: not deleted; give the variant another photo first"
