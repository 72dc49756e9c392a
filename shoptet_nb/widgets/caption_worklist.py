"""``CaptionWorklist``: hundreds of captions across the catalogue in one virtualised grid.

The widget is a thin view over the shared edit model (pending edits, conflicts, undo and save
outcomes mean the same as in the gallery editor); the view is ``caption_worklist.vue``.

What goes to the browser, and when:

- ``rows``: the whole worklist once (and after a save or a reset), short keys per row. The
  browser renders only the rows in view (a fixed row height and a window over the scroll
  position), so a 5,000-row list holds a few dozen caption fields in the page.
- ``row_updates``: after any other action, only the rows it changed (``{index: row}``).
- ``thumbs``: thumbnails of the rows the browser asked for (``want_thumbs``), as ``data:`` URIs
  when the shop is the sandbox or on loopback (the browser of a Binder user cannot reach it).
- Typing stays in the browser: a field's text reaches the kernel when the field is left (Enter,
  Tab, a click elsewhere, or any button, which carries the unsent drafts in its own message).

Hints while typing: the rules that look at one caption alone are checked in the browser with the
very regular expressions of :data:`shoptet_nb.lint.RULE_PATTERNS` (sent in ``rules``, messages
from :data:`~shoptet_nb.lint.LINT_RULES`); ``duplicate`` needs the gallery's other captions and
is computed here by :func:`~shoptet_nb.lint.lint_captions` whenever a caption reaches the kernel.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import traitlets as t

from ..apply import combine_results, unsent_result
from ..columns import IMAGE_COLUMNS, IMAGE_KEY, typed
from ..edit_model import EditModel, frame_language
from ..editing.wording import outcome_view, plural, saved_count, saved_notice
from ..errors import ArgumentError, FrameError, Interrupted, ShoptetError
from ..journal import new_journal_path
from ..lint import LINT_RULES, RULE_PATTERNS
from ..plan import split_plan
from ._shared import EditingWidget, ThumbnailSource, cell_text
from .vue_parts import shared_parts

if TYPE_CHECKING:
    from ..apply import Result
    from ..client import ShoptetClient
    from ..plan import Plan

__all__ = ["CaptionWorklist"]

log = logging.getLogger("shoptet_nb")

#: A photo: (product guid, gallery, file name).
Key = tuple[str, str, str]

#: Columns the worklist needs of each photo; a frame without them is completed from the shop.
_NEEDED = ("priority", "description", "change_time", "product_name")

#: How a row's state reads in the grid (and in :attr:`CaptionWorklist.rows`).
STATE_LABELS: dict[str, str] = {
    "edited": "Edited",
    "saved": "Saved",
    "conflict": "Changed in the shop",
    "failed": "Not saved",
    "missing": "Not in the shop",
}

_PREVIEW_LIMIT = 300  # rows of a preview shown in the widget (the Plan holds them all)
#: Galleries per part of a save, per connection the client may hold open (see ``save_batch``).
_ROUNDS_PER_PART = 10
_NOT_SENT = "not attempted: the save stopped before this part; Save again to finish"
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def row_id(key: Key) -> str:
    """The id of a photo in the view: ``guid/gallery/name`` (names may hold ``/``)."""
    return "/".join(key)


def parse_row_id(text: str) -> Key:
    """Inverse of :func:`row_id`."""
    guid, gallery, name = text.split("/", 2)
    return guid, gallery, name


def clean_caption(text: str) -> str:
    """A caption without markup and stray spaces: the worklist's default suggestion.

    >>> clean_caption("  Red <b>backpack</b>&nbsp;side ")
    'Red backpack side'
    """
    plain = html.unescape(_TAG.sub(" ", text))
    return _SPACES.sub(" ", plain).strip()


class CaptionWorklist(EditingWidget):
    """Fix the captions of many photos across products in one grid, then save them safely.

    ``frame`` is any frame with ``guid``, ``gallery`` and ``name``: a ``read_images`` frame, a
    slice of it, or ``lint_captions`` findings (one row per photo, its findings beside it).
    Columns it lacks (captions, product names, change times) are read from the shop, one
    request per gallery involved::

        findings = shoptet_nb.lint_captions(images)
        worklist = shoptet_nb.CaptionWorklist(client, findings)
        worklist                                               # show it

    From code: :meth:`set_caption`, :attr:`changes` (a frame ``plan_updates`` accepts),
    :attr:`conflicts`, :meth:`keep_mine`, :meth:`take_theirs`, :meth:`undo`, :meth:`reset`,
    :meth:`fill_from_template`, :meth:`trim_whitespace`, :meth:`take_suggestions`,
    :meth:`preview`, :meth:`save`, :attr:`result` and :attr:`rows` (the grid as a frame).
    Saving goes through ``plan_updates`` and ``apply`` (conflict check, journal, rate limits),
    in parts of :attr:`save_batch` galleries that share one journal (``journal`` as for
    ``apply``). ``max_length`` is what the counter and ``too_long`` use. ``progress=False``
    hides the bar shown while the photos are read from the shop.
    """

    template_file = (__file__, "caption_worklist.vue")
    components = shared_parts()  # the action bar and plan preview its template uses

    rules = t.List(t.Dict()).tag(sync=True)
    rows_data = t.List(t.Dict()).tag(sync=True)
    row_updates = t.Dict().tag(sync=True)
    thumbs = t.Dict().tag(sync=True)

    def __init__(
        self,
        client: ShoptetClient,
        frame: pd.DataFrame,
        *,
        max_length: int = 125,
        journal: str | Path | bool | None = None,
        progress: bool = True,
        **kwargs: Any,
    ) -> None:
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ArgumentError(f"max_length must be a whole number of 1 or more: {max_length!r}")
        language = _worklist_language(frame)
        keys, suggestions = _worklist_keys(frame)
        super().__init__(**kwargs)
        self._client = client
        self._journal = journal
        self._keys: list[Key] = keys
        self._index: dict[Key, int] = {k: i for i, k in enumerate(keys)}
        self._suggestions = suggestions
        #: The language of the captions edited, as frames carry it (None: the shop's default).
        self.language = language
        self._model = EditModel(language=language)
        self._read_errors: dict[tuple[str, str], str] = {}
        self._position_cache: dict[Key, int] | None = None
        self._names: dict[str, str] | None = None
        self._base = self._complete(frame, keys, progress=progress)
        self._missing: dict[Key, str] = {}
        self._revs: dict[Key, int] = {}
        self._rev_counter = 0
        self._duplicates: set[Key] = set()
        #: The Result of the last save (``None`` before the first).
        self.result: Result | None = None
        #: The Plan of the last preview or save.
        self.last_plan: Plan | None = None
        #: Galleries per part of a save: ten for each connection the client keeps open (30
        #: with Shoptet's 3). apply writes a gallery with a re-read and a PATCH on one
        #: connection, so a part is about ten rounds of calls (8 s at 400 ms a call): the
        #: moment at a part's end when some connections have nothing left to send costs under
        #: a tenth of that, while the grid shows outcomes after every part.
        self.save_batch: int = _ROUNDS_PER_PART * client.settings.max_in_flight

        self.is_sandbox = bool(getattr(client, "is_sandbox", False))
        self._thumbs = ThumbnailSource(client, inline_all=self.is_sandbox)
        self.max_length = max_length
        self.rules = [
            {
                "rule": rule,
                "message": message,
                "pattern": RULE_PATTERNS.get(rule, ""),
            }
            for rule, message in LINT_RULES.items()
        ]
        if not self._model.keys:  # _complete() loaded the whole galleries it read already
            self._model.load(self._base)
        self._find_missing()
        self._update_duplicates(self._galleries(keys))
        self._render_all()

    # --- construction -------------------------------------------------------------------

    def _complete(self, frame: pd.DataFrame, keys: list[Key], *, progress: bool) -> pd.DataFrame:
        """The worklist's photos with every image column, read from the shop if the frame
        lacks some (one ``read_images`` call: one request per gallery, plus the product list;
        ``progress``: its bar, the one slow part of building a big worklist)."""
        if all(c in frame.columns for c in _NEEDED):
            given = typed(frame, IMAGE_COLUMNS).drop_duplicates(IMAGE_KEY)
            return _restrict(given, keys)
        from ..read import read_images

        galleries = sorted({k[1] for k in keys})
        guids = list(dict.fromkeys(k[0] for k in keys))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unreadable products become row states instead
            read = read_images(
                self._client, guids, gallery=galleries, language=self.language, progress=progress
            )
        self._read_errors = {
            (str(e.get("guid")), str(e.get("gallery") or "*")): str(e.get("message"))
            for e in read.attrs.get("read_errors") or []
        }
        # The whole galleries were read: the model keeps them all, so `duplicate` and the
        # template's {n} and {count} see every photo, not only the worklist's.
        self._model.load(read, complete=True)
        return _restrict(read, keys)

    def _find_missing(self) -> None:
        present = set(
            zip(
                self._base["guid"].astype(str),
                self._base["gallery"].astype(str),
                self._base["name"].astype(str),
                strict=True,
            )
        )
        errors = self._read_errors
        self._missing = {}
        for key in self._keys:
            if key not in present:
                why = errors.get((key[0], key[1])) or errors.get((key[0], "*"))
                self._missing[key] = (
                    f"Could not read it from the shop: {why}" if why else "Not in the shop"
                )

    # --- public state -------------------------------------------------------------------

    @property
    def client(self) -> ShoptetClient:
        """The client the worklist reads and saves with."""
        return self._client

    @property
    def model(self) -> EditModel:
        """The editing state the grid shows (the gallery editor's model: same edits, conflicts
        and undo)."""
        return self._model

    @property
    def changes(self) -> pd.DataFrame:
        """The pending caption edits, a frame ``plan_updates`` accepts (conflicts left out)."""
        return self._model.changes

    @property
    def conflicts(self) -> pd.DataFrame:
        """Edits whose caption the shop changed meanwhile: guid, gallery, name, field, yours,
        theirs. They are not saved until resolved with :meth:`keep_mine` / :meth:`take_theirs`.
        """
        return self._model.conflicts

    @property
    def rows(self) -> pd.DataFrame:
        """The grid as a frame: one row per photo, in worklist order.

        Columns: guid, gallery, name, product_name, description (with your edits), original
        (the shop's caption), rules (the findings of the current caption, comma-separated),
        state (``edited``, ``saved``, ``conflict``, ``failed``, ``missing`` or ``<NA>``) and
        message (the server's message, or what changed in the shop).
        """
        from ..lint import lint_captions

        findings = lint_captions(self._current_frame(), max_length=self.max_length)
        found: dict[Key, list[str]] = {}
        for key, rule in zip(_keys_of(findings), findings["rule"].astype(str), strict=True):
            found.setdefault(key, []).append(rule)
        records = []
        for key in self._keys:
            row = self._row(key)
            records.append(
                {
                    "guid": key[0],
                    "gallery": key[1],
                    "name": key[2],
                    "product_name": row["p"],
                    "description": None if key in self._missing else row["c"],
                    "original": self._original(key),
                    "rules": ",".join(found.get(key, [])),
                    "state": row["s"] or None,
                    "message": row["m"] or None,
                }
            )
        columns = [
            "guid",
            "gallery",
            "name",
            "product_name",
            "description",
            "original",
            "rules",
            "state",
            "message",
        ]
        return pd.DataFrame(records, columns=columns).astype("string")

    def __repr__(self) -> str:
        return f"<CaptionWorklist {plural(len(self._keys), 'photo')}: {self.pending_text.lower()}>"

    # --- editing ----------------------------------------------------------------------------

    def set_caption(self, guid: str, name: str, text: str | None, gallery: str = "shop") -> None:
        """Set the caption of one photo (kept in the worklist until :meth:`save`)."""
        key = self._check((str(guid), str(gallery), str(name)))
        if text is not None and not isinstance(text, str) and cell_text(text) is not None:
            raise ArgumentError(f"a caption must be text or None, got {text!r}")
        # A null from a frame (<NA>, NaN) means no caption, never the text "<NA>".
        self._model.set_caption(*key, cell_text(text))
        self._bump([key])
        self._after([key])

    def keep_mine(self, guid: str, name: str, gallery: str = "shop") -> None:
        """Resolve a conflict by keeping your caption: the next save sends it."""
        key = self._check((str(guid), str(gallery), str(name)))
        self._model.keep_mine(*key)
        self._after([key])

    def take_theirs(self, guid: str, name: str, gallery: str = "shop") -> None:
        """Resolve a conflict by taking the shop's caption: your edit is dropped."""
        key = self._check((str(guid), str(gallery), str(name)))
        self._model.take_theirs(*key)
        self._bump([key])
        self._after([key])

    def undo(self) -> None:
        """Undo the last edit (a typed caption, or a whole bulk action)."""
        done = self._model.undo()
        # Only the rows of the galleries the action touched go back to the browser.
        galleries = set(done.keys) if done else set()
        touched = [k for k in self._keys if (k[0], k[1]) in galleries and k not in self._missing]
        self._bump(touched)
        self._after(touched)
        self._say(f"Undone: {done.label}." if done else "Nothing to undo.", "info")

    def reset(self) -> None:
        """Forget every unsaved edit."""
        self._model.reset()
        self._bump(self._keys)
        self.preview_open = False
        self._say("", "info")
        self._render_all()

    def fill_from_template(
        self, template: str, keys: Iterable[Key] | pd.DataFrame | None = None
    ) -> int:
        """Write captions from a ``fill_captions`` template into the chosen rows (all if None).

        Placeholders as in :func:`~shoptet_nb.fill_captions` (``{product_name}``, ``{n}``,
        ``{count}``, ``{name}``, ``{stem}`` ...); ``{n}`` and ``{count}`` count the photos of
        each gallery that the worklist holds. Returns how many captions changed.

        >>> worklist.fill_from_template("{product_name} – photo {n}", keys)  # doctest: +SKIP
        """
        from ..edits import fill_captions

        chosen = self._chosen(keys)
        frame = self._current_frame({(k[0], k[1]) for k in chosen})
        filled = fill_captions(frame, template, only_empty=False)
        new = {
            (str(g), str(gal), str(n)): cell_text(d) or ""
            for g, gal, n, d in filled[["guid", "gallery", "name", "description"]].itertuples(
                index=False
            )
        }
        return self._bulk({k: new[k] for k in chosen if k in new}, f"template {template}")

    def trim_whitespace(self, keys: Iterable[Key] | pd.DataFrame | None = None) -> int:
        """Strip the chosen captions and collapse runs of spaces. Returns how many changed."""
        chosen = self._chosen(keys)
        wanted = {k: _SPACES.sub(" ", self._model.caption(*k)).strip() for k in chosen}
        return self._bulk(wanted, "trimmed whitespace")

    def take_suggestions(self, keys: Iterable[Key] | pd.DataFrame | None = None) -> int:
        """Use each chosen row's suggestion (the frame's ``suggestion`` column, else the caption
        without markup and stray spaces). Returns how many changed."""
        chosen = self._chosen(keys)
        wanted = {k: s for k in chosen if (s := self._suggestion(k))}
        return self._bulk(wanted, "suggestions taken")

    # --- plan and save ----------------------------------------------------------------------

    def plan(self) -> Plan:
        """The plan of the pending edits (``plan_updates`` against what the worklist holds)."""
        from ..plan import plan_updates

        changes = self.changes
        galleries = set(
            zip(changes["guid"].astype(str), changes["gallery"].astype(str), strict=True)
        )
        base = self._model.base_frame(sorted(galleries))
        plan = plan_updates(self._client, changes, base=base, progress=False)
        self.last_plan = plan
        return plan

    def preview(self) -> Plan:
        """Show the plan (old → new for every pending edit) in the widget and return it."""
        plan = self.plan()
        names = self._product_names()
        shown = plan.rows.head(_PREVIEW_LIMIT)
        self.preview_rows = [
            {
                "id": str(i),
                "product": names.get(str(row["guid"]), str(row["guid"])),
                "name": str(row["name"]),
                "status": cell_text(row.get("status")) or "",
                "reason": cell_text(row.get("reason")) or "",
                "old": cell_text(row.get("old_description")),
                "new": cell_text(row.get("new_description")),
            }
            for i, (_, row) in enumerate(shown.iterrows())
        ]
        counts = plan.counts
        parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n]
        more = f" (the first {_PREVIEW_LIMIT} shown)" if len(plan.rows) > _PREVIEW_LIMIT else ""
        self.preview_summary = (
            f"{plural(len(plan.rows), 'caption')} in the plan: {', '.join(parts)}{more}"
            if len(plan.rows)
            else "Nothing to save: no pending edits."
        )
        self.preview_open = True
        return plan

    def save(self) -> Result | None:
        """Save every pending edit that is not in conflict: plan, then apply, part by part.

        ``apply`` re-reads each gallery just before writing it (a colleague's change meanwhile
        becomes a ``conflict`` row, not an overwrite), sends at most 100 photos per call within
        the rate limits, and journals every call. The plan is sent in parts of
        :attr:`save_batch` galleries, all into one journal file; after each part its rows show
        Saved or Not saved in the grid and the progress bar counts the galleries written over
        the whole save. Edits that were not saved stay pending. Returns the Result of the whole
        save (also :attr:`result`), or None when there was nothing to save.

        An interrupt keeps what was sent (those rows show their outcome), leaves the rest
        pending and raises :class:`~shoptet_nb.Interrupted`, whose ``result`` covers the whole
        save; an error in one part does the same and is raised again.
        ``shoptet_nb.revert(worklist.result)`` undoes a save, however many parts it took.
        """
        changes = self.changes
        held = len(self.conflicts)
        if changes.empty:
            self._say(
                "Nothing to save: no pending edits."
                + (f" {plural(held, 'conflict')} to resolve first." if held else ""),
                "info",
            )
            return None
        self.preview_open = False
        self.busy = True
        self.progress = -1.0
        self.busy_text = f"Saving {plural(len(changes), 'caption')}…"
        try:
            try:
                plan = self.plan()
            except ShoptetError as exc:
                self._say(f"The save failed: {exc}. Your edits are kept; try again.", "error")
                raise
            except KeyboardInterrupt:
                self._say_interrupted(None, "caption")  # planning sends nothing
                raise
            result = self._save_in_parts(plan, len(changes))
        finally:
            self.busy = False
            self.busy_text = ""
        problems = self._reread_uncertain(result)
        self._sync_base()
        self._bump(self._keys)
        self._update_duplicates(self._galleries(self._keys))
        self._render_all()
        self._say_saved(result, held, problems)
        return result

    def _save_in_parts(self, plan: Plan, captions: int) -> Result:
        """Apply ``plan`` in parts, recording each part's outcomes as it ends (see :meth:`save`).

        Returns the combined Result; after an interrupt or an error it records what was sent,
        sets :attr:`result` and the notice, and raises.
        """
        from ..apply import apply  # looked up at each save (tests replace it)

        parts = split_plan(plan, self.save_batch)
        journal = _journal_for_save(self._journal, sandbox=self._client.is_sandbox)
        total = _galleries_to_write(plan)
        done: list[Result] = []
        recorded = 0
        sending = False  # True while apply runs: an error then may have left calls sent
        stop: str | None = None

        def record_the_rest() -> None:
            nonlocal recorded
            for each in done[recorded:]:
                self._record_part(each, keep_outcomes=recorded > 0)
                recorded += 1

        try:
            written = 0  # galleries of the parts done, for the progress bar
            for number, part in enumerate(parts, start=1):
                if len(parts) > 1:
                    self.busy_text = (
                        f"Saving {plural(captions, 'caption')}: part {number} of {len(parts)}…"
                    )

                def progress(done_here: int, _: int, before: int = written) -> None:
                    self._show_progress(before + done_here, total)

                sending = True
                done.append(apply(part, journal=journal, progress=progress))
                sending = False
                record_the_rest()
                written += _galleries_to_write(part)
                if _stopped_itself(done[-1]):
                    # The token was refused: the next parts would fail the same way.
                    stop = "not attempted: an earlier part of the save stopped (see its rows)"
                    break
        except KeyboardInterrupt as exc:
            # shoptet_nb.Interrupted carries what the part in progress sent before the
            # interrupt (None: nothing of it was sent).
            partial = getattr(exc, "result", None)
            if partial is not None:
                done.append(partial)
            record_the_rest()
            if not done:
                self._render_all()
                self._say_interrupted(None, "caption")
                raise
            running = len(done) + (partial is None)
            whole = self._whole(plan, parts, done, _NOT_SENT)
            self._end_stopped(whole)
            self._say_interrupted(whole, "caption")
            raise Interrupted(_interrupted_message(whole, running, len(parts)), whole) from exc
        except Exception as exc:
            record_the_rest()
            if not done:
                self._render_all()
                self._say(f"The save failed: {exc}. Your edits are kept; try again.", "error")
                raise
            if sending:
                # apply itself failed half-way: some of this part may have been sent, and its
                # journal lines say which.
                done.append(
                    unsent_result(
                        parts[len(done)],
                        f"not known whether sent: the save stopped at an error in this part "
                        f"({exc}); the journal has every call that was sent",
                        status="failed",
                    )
                )
                record_the_rest()
            whole = self._whole(plan, parts, done, _NOT_SENT)
            self._end_stopped(whole)
            self._say(
                f"The save stopped at an error in part {len(done)} of {len(parts)}: {exc}. "
                f"{plural(saved_count(whole), 'caption')} saved before it; the other edits "
                "are kept (Save again to finish).",
                "error",
            )
            raise
        whole = self._whole(plan, parts, done, stop or _NOT_SENT)
        self.result = whole
        return whole

    def _whole(
        self, plan: Plan, parts: Sequence[Plan], done: Sequence[Result], message: str
    ) -> Result:
        """The Result of the whole save: the parts done, then the parts never sent, whose rows
        then say so in the grid too (their edits stay pending)."""
        rest = [unsent_result(part, message) for part in parts[len(done) :]]
        for each in rest:
            self._record_part(each, keep_outcomes=True)
        return combine_results([*done, *rest], plan=plan)

    def _record_part(self, result: Result, *, keep_outcomes: bool) -> None:
        """Take in one part's outcomes and show its rows (Saved / Not saved) at once."""
        self._model.record(result, keep_outcomes=keep_outcomes)
        touched = [k for k in _keys_of(result.rows) if k in self._index and k not in self._missing]
        self._bump(touched)
        self._after(touched)

    def _end_stopped(self, whole: Result) -> None:
        """After an interrupted or failed save: keep its Result and show the grid as it is."""
        self.result = whole
        self._sync_base()
        self._bump(self._keys)
        self._render_all()

    def refresh(self) -> None:
        """Read the worklist's galleries again; unsaved edits are kept, conflicts marked."""
        keys = [k for k in self._keys if k not in self._missing]
        galleries = {(k[0], k[1]) for k in keys}
        # A big worklist takes a while to read: the bar says so, and Save and the other
        # actions are disabled until the grid shows the shop as it is now.
        count = len(galleries)
        self.busy_text = (
            f"Reading {count} {'gallery' if count == 1 else 'galleries'} from the shop…"
        )
        self.progress = -1.0
        self.busy = True
        try:
            problems = self._reread(galleries)
        finally:
            self.busy = False
            self.busy_text = ""
        self._bump(self._keys)
        self._render_all()
        self._say(" ".join(problems) or "Reloaded from the shop.", "error" if problems else "info")

    # --- front-end events (each calls its Python twin) ------------------------------------

    def vue_set_caption(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: None)

    def vue_keep_mine(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.keep_mine(*self._guid_name_gallery(data)))

    def vue_take_theirs(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.take_theirs(*self._guid_name_gallery(data)))

    def vue_bulk_edit(self, data: dict[str, Any]) -> None:
        def run() -> None:
            keys = [parse_row_id(str(k)) for k in data.get("keys") or []]
            action = str(data.get("action"))
            if not keys:
                self._say("Select rows first (the boxes on the left).", "info")
                return
            if action == "fill":
                changed = self.fill_from_template(str(data.get("template") or ""), keys)
            elif action == "trim":
                changed = self.trim_whitespace(keys)
            elif action == "suggest":
                changed = self.take_suggestions(keys)
            else:
                raise ArgumentError(f"unknown bulk action {action!r}")
            self._say(f"{plural(changed, 'caption')} changed in {len(keys)} selected.", "info")

        self._event(data, run)

    def vue_want_thumbs(self, data: dict[str, Any]) -> None:
        ids = [str(k) for k in data.get("keys") or []][:200]
        with contextlib.suppress(ShoptetError):
            self.thumbs = self._thumbnails([parse_row_id(k) for k in ids])

    def _guid_name_gallery(self, data: Mapping[str, Any]) -> tuple[str, str, str]:
        guid, gallery, name = parse_row_id(str(data["key"]))
        return guid, name, gallery

    def _take_captions(self, data: Mapping[str, Any]) -> None:
        """Apply the caption drafts a front-end message carries (``{row id: text}``)."""
        captions = data.get("captions") or {}
        touched = []
        for ident, text in captions.items():
            key = parse_row_id(str(ident))
            if key in self._index and key not in self._missing:
                self._model.set_caption(*key, None if text is None else str(text))
                touched.append(key)
        if touched:
            self._after(touched)

    # --- internals ------------------------------------------------------------------------

    def _check(self, key: Key) -> Key:
        if key not in self._index:
            raise ArgumentError(
                f"no photo {key[2]!r} of product {key[0]} (gallery {key[1]}) in this worklist"
            )
        if key in self._missing:
            raise ArgumentError(f"photo {key[2]!r} of product {key[0]}: {self._missing[key]}")
        return key

    def _chosen(self, keys: Iterable[Key] | pd.DataFrame | None) -> list[Key]:
        if keys is None:
            chosen = list(self._keys)
        elif isinstance(keys, pd.DataFrame):
            missing = [c for c in IMAGE_KEY if c not in keys.columns]
            if missing:
                raise FrameError(f"the rows frame lacks the column(s) {', '.join(missing)}")
            chosen = [
                (str(g), str(gal), str(n)) for g, gal, n in keys[IMAGE_KEY].itertuples(index=False)
            ]
        else:
            chosen = [(str(k[0]), str(k[1]), str(k[2])) for k in keys]
        unknown = [k for k in chosen if k not in self._index]
        if unknown:
            raise ArgumentError(f"{plural(len(unknown), 'row')} not in this worklist: {unknown[0]}")
        return [k for k in chosen if k not in self._missing]

    def _bulk(self, wanted: Mapping[Key, str], label: str) -> int:
        changed = [k for k, text in wanted.items() if text != self._model.caption(*k)]
        if changed:
            self._model.set_captions({k: wanted[k] for k in changed}, label=label)
        self._bump(changed)
        self._after(changed)
        return len(changed)

    def _current_frame(self, galleries: Iterable[tuple[str, str]] | None = None) -> pd.DataFrame:
        """Every photo the model holds of these galleries (all the worklist's if None), with
        the captions as edited: the worklist's photos, and the rest of their galleries when
        those were read whole."""
        if galleries is None:
            galleries = {(k[0], k[1]) for k in self._keys if k not in self._missing}
        frame = self._model.base_frame(sorted(set(galleries))).copy()
        frame["description"] = pd.array(
            [self._model.caption(str(g), str(gal), str(n)) for g, gal, n in _keys_of(frame)],
            dtype="string",
        )
        return frame

    def _original(self, key: Key) -> str | None:
        position = self._positions().get(key)
        if position is None:
            return None
        return cell_text(self._base["description"].iloc[position])

    def _positions(self) -> dict[Key, int]:
        if self._position_cache is None:
            self._position_cache = {k: i for i, k in enumerate(_keys_of(self._base))}
        return self._position_cache

    def _product_names(self) -> dict[str, str]:
        names = self._base[["guid", "product_name"]].dropna().drop_duplicates("guid")
        return {str(g): str(n) for g, n in names.itertuples(index=False)}

    def _suggestion(self, key: Key) -> str:
        given = self._suggestions.get(key)
        current = self._model.caption(*key)
        wanted = given if given is not None else clean_caption(current)
        return wanted if wanted and wanted != current else ""

    def _galleries(self, keys: Iterable[Key]) -> set[tuple[str, str]]:
        return {(k[0], k[1]) for k in keys}

    def _update_duplicates(self, galleries: set[tuple[str, str]]) -> list[Key]:
        """Recompute the ``duplicate`` rule in these galleries; return the rows it changed."""
        from ..lint import lint_captions

        if not galleries:
            return []
        findings = lint_captions(self._current_frame(galleries), max_length=self.max_length)
        found = _keys_of(findings[findings["rule"] == "duplicate"])
        duplicates = {k for k in found if k in self._index}
        before = {k for k in self._duplicates if (k[0], k[1]) in galleries}
        self._duplicates = (self._duplicates - before) | duplicates
        return list(before ^ duplicates)

    def _bump(self, keys: Iterable[Key]) -> None:
        """Mark captions as set by the kernel, so the browser drops its drafts of them."""
        self._rev_counter += 1
        for key in keys:
            self._revs[key] = self._rev_counter

    def _row(self, key: Key) -> dict[str, Any]:
        missing = self._missing.get(key)
        names = self._names_cache()
        if missing:
            return {
                "i": self._index[key],
                "k": row_id(key),
                "p": names.get(key[0], key[0]),
                "n": key[2],
                "c": "",
                "r": 0,
                "d": False,
                "s": "missing",
                "m": missing,
                "y": "",
                "t": None,
            }
        state = self._model.state(*key) or ""
        message = ""
        theirs = None
        if state == "conflict":
            conflict = self._conflict_of(key)
            theirs = conflict.get("theirs") if conflict else None
            message = f"Changed in the shop since you edited it: the shop says “{theirs or ''}”"
        elif state in ("failed", "saved"):
            outcome = self._model.outcome(*key)
            message = outcome_view(outcome)["label"] if outcome else ""
        return {
            "i": self._index[key],
            "k": row_id(key),
            "p": names.get(key[0], key[0]),
            "n": key[2],
            "c": self._model.caption(*key),
            "r": self._revs.get(key, 0),
            "d": key in self._duplicates,
            "s": state,
            "m": message,
            "y": self._suggestion(key),
            "t": theirs,
        }

    def _names_cache(self) -> dict[str, str]:
        if self._names is None:
            self._names = self._product_names()
        return self._names

    def _conflict_of(self, key: Key) -> dict[str, Any] | None:
        frame = self.conflicts
        if frame.empty:
            return None
        hit = frame[
            (frame["guid"] == key[0]) & (frame["gallery"] == key[1]) & (frame["name"] == key[2])
        ]
        return None if hit.empty else dict(hit.iloc[0])

    def _after(self, keys: Sequence[Key]) -> None:
        """Push the rows an action touched (and those whose duplicate flag moved)."""
        touched = set(keys) | set(self._update_duplicates(self._galleries(keys)))
        self.row_updates = {str(self._index[k]): self._row(k) for k in touched}
        self._render_counts()

    def _render_all(self) -> None:
        self._names = None
        self.rows_data = [self._row(k) for k in self._keys]
        self._render_counts()

    def _render_counts(self) -> None:
        count = self._model.pending_count
        self.pending = count
        self.can_undo = bool(self._model.can_undo)
        if count:
            products = len(self._model.pending_products)
            where = f" in {plural(products, 'product')}" if products > 1 else ""
            self.pending_text = f"{plural(count, 'unsaved change')}{where}"
        else:
            self.pending_text = "No unsaved changes"
        held = len(self.conflicts)
        if held:
            self.pending_text += f" · {plural(held, 'conflict')} to resolve"

    def _reread_uncertain(self, result: Result) -> list[str]:
        """Re-read only the galleries where the save met a conflict, a vanished photo, or a
        failure (a write whose answer was lost may have landed), so the rows show what the
        shop now says, never the caption it had before."""
        statuses = result.rows
        hit = statuses[statuses["status"].isin(["conflict", "not_found", "failed"])]
        galleries = {(str(g), str(gal)) for g, gal in hit[["guid", "gallery"]].to_numpy()}
        return self._reread(galleries) if galleries else []

    def _reread(self, galleries: set[tuple[str, str]]) -> list[str]:
        from ..read import read_images

        problems: list[str] = []
        by_gallery: dict[str, list[str]] = {}
        for guid, gallery in sorted(galleries):
            by_gallery.setdefault(gallery, []).append(guid)
        for gallery, guids in by_gallery.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    read = read_images(
                        self._client,
                        guids,
                        gallery=gallery,
                        language=self.language,
                        progress=False,
                    )
                except ShoptetError as exc:
                    problems.append(f"Could not read the galleries again: {exc}")
                    continue
            for item in read.attrs.get("read_errors") or []:
                problems.append(f"Could not read product {item.get('guid')}: {item.get('message')}")
            # Rebase on the whole galleries: edits kept, a colleague's change a conflict.
            self._model.load(read, complete=True)
        self._sync_base()
        return problems

    def _sync_base(self) -> None:
        """The worklist's photos as the model now holds the shop (after a save or a re-read)."""
        galleries = sorted({(k[0], k[1]) for k in self._keys if k not in self._missing})
        self._base = _restrict(self._model.base_frame(galleries), self._keys)
        self._position_cache = None
        self._names = None
        self._find_missing()

    def _thumbnails(self, keys: Sequence[Key]) -> dict[str, str]:
        positions = self._positions()
        urls = self._base["url"]
        return self._thumbs.sources(
            {row_id(k): (k[2], cell_text(urls.iloc[positions[k]])) for k in keys if k in positions}
        )

    def _say_saved(self, result: Result, held: int, problems: Sequence[str]) -> None:
        not_sent = f" {plural(held, 'conflict')} not sent: resolve them first." if held else ""
        text, kind = saved_notice(
            result, noun="caption", marked="the rows", held=not_sent, problems=problems
        )
        self._say(text, kind)

    # --- static fallback ------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """A static view (the first 50 rows), for where widgets cannot render."""
        esc = html.escape
        badge = "<strong>[SANDBOX]</strong> " if self.is_sandbox else ""
        parts = [
            f'<div class="shoptet-nb-worklist"><h4>{badge}Caption worklist</h4>'
            f"<p>{plural(len(self._keys), 'photo')} · {esc(self.pending_text)}</p>"
            "<table><thead><tr><th>product</th><th>file</th><th>caption</th><th>state</th>"
            "</tr></thead><tbody>"
        ]
        for key in self._keys[:50]:
            row = self._row(key)
            state = STATE_LABELS.get(row["s"], "")
            parts.append(
                f"<tr><td>{esc(row['p'])}</td><td>{esc(row['n'])}</td><td>{esc(row['c'])}</td>"
                f"<td>{esc(state)}</td></tr>"
            )
        more = len(self._keys) - 50
        tail = f"<p>… and {more} more</p>" if more > 0 else ""
        parts.append(f"</tbody></table>{tail}</div>")
        return "".join(parts)


# -- saving in parts -----------------------------------------------------------------------------


def _journal_for_save(journal: str | Path | bool | None, *, sandbox: bool) -> str | Path | bool:
    """What every part of one save passes as ``apply(journal=...)``: one file for all of them
    (apply appends to an existing file), or ``False`` for memory only."""
    if journal is False:
        return False
    if journal is None or journal is True:
        return new_journal_path(sandbox=sandbox)
    return journal


def _galleries_to_write(plan: Plan) -> int:
    """The galleries apply writes for ``plan`` (one per product, gallery and language): what
    its progress callback counts."""
    targets = plan.targets
    if targets.empty:
        return 0
    return len(targets[["guid", "gallery", "language"]].drop_duplicates())


def _stopped_itself(result: Result) -> bool:
    """Whether apply stopped sending (it leaves rows ``not_attempted``), or the token was refused
    (401/403: a call in flight then fails too, and every later call would)."""
    rows = result.rows
    return bool(
        (rows["status"] == "not_attempted").any() or rows["http_status"].isin([401, 403]).any()
    )


def _interrupted_message(whole: Result, running: int, parts: int) -> str:
    """The message of the Interrupted a save raises: how far it got, and how to undo it."""
    counts = whole.counts
    undo = (
        f"journal {whole.journal_path}: revert(worklist.result) or "
        "revert(journal_path, client=client) undoes what was written"
        if whole.journal_path is not None
        else "no journal file (journal=False): revert(worklist.result) undoes what was written"
    )
    doubt = f", {counts['failed']} failed or unanswered" if counts["failed"] else ""
    return (
        f"interrupted in part {running} of {parts} of the save: {saved_count(whole)} of "
        f"{plural(len(whole.rows), 'caption')} saved{doubt}, {counts['not_attempted']} not "
        f"attempted (still pending: Save again to finish); {undo}"
    )


# -- frame handling -----------------------------------------------------------------------------


def _keys_of(frame: pd.DataFrame) -> list[Key]:
    # Whole columns as plain str lists, zipped: row-wise itertuples is slow on 18,000 rows.
    columns = [frame[c].astype(str).tolist() for c in ("guid", "gallery", "name")]
    return list(zip(*columns, strict=True))


def _restrict(frame: pd.DataFrame, keys: list[Key]) -> pd.DataFrame:
    """The rows of ``frame`` whose key is in ``keys``, in worklist order."""
    order = {k: i for i, k in enumerate(keys)}
    frame = frame.drop_duplicates(IMAGE_KEY)
    positions = [order.get(k, -1) for k in _keys_of(frame)]
    picked = frame.assign(_order=positions)
    picked = picked[picked["_order"] >= 0].sort_values("_order")
    return typed(picked.drop(columns="_order").reset_index(drop=True), IMAGE_COLUMNS)


def _worklist_language(frame: pd.DataFrame) -> str | None:
    """The one language a worklist edits: its frame's (None: the shop's default)."""
    if not isinstance(frame, pd.DataFrame) or "language" not in frame.columns:
        return None  # not a frame: _worklist_keys says what is wrong
    try:
        return frame_language(frame)
    except FrameError:
        languages = sorted(frame["language"].astype("string").fillna("<NA>").unique())
        raise FrameError(
            "CaptionWorklist: the frame holds captions in several languages "
            f"({', '.join(languages)}); make one worklist per language, e.g. "
            "CaptionWorklist(client, frame[frame['language'] == 'sk']), or "
            "frame[frame['language'].isna()] for the shop's default"
        ) from None


def _worklist_keys(frame: pd.DataFrame) -> tuple[list[Key], dict[Key, str]]:
    """The photos of a worklist frame, in order, and the suggestions it carries by photo.

    A findings frame (it has ``rule``) holds one row per finding, so one photo may come several
    times; any other frame should hold each photo once, and a repeat is dropped with a warning.
    """
    if not isinstance(frame, pd.DataFrame):
        raise FrameError(
            f"CaptionWorklist needs a DataFrame with guid, gallery and name, got "
            f"{type(frame).__name__}"
        )
    missing = [c for c in IMAGE_KEY if c not in frame.columns]
    if missing:
        raise FrameError(
            f"CaptionWorklist: the frame lacks the column(s) {', '.join(missing)}; pass a "
            "read_images() frame, a slice of it, or lint_captions() findings"
        )
    for column in IMAGE_KEY:
        empty = frame[column].isna() | (frame[column].astype("string").str.strip() == "")
        if empty.any():
            label = frame.index[empty.to_numpy()][0]
            raise FrameError(
                f"CaptionWorklist: row {label!r} has no {column}; every photo needs guid, "
                "gallery and name — drop or fill that row"
            )
    galleries = set(frame["gallery"].astype(str))
    unknown = galleries - {"shop", "shop360"}
    if unknown:
        raise FrameError(
            f"CaptionWorklist: unknown gallery {sorted(unknown)[0]!r}; use 'shop' or 'shop360'"
        )
    keys_all = _keys_of(frame)
    keys = list(dict.fromkeys(keys_all))
    # The findings themselves are not kept: the grid checks every caption by the same rules,
    # live, so a fixed caption loses its finding at once.
    if "rule" not in frame.columns and len(keys) < len(keys_all):
        warnings.warn(
            f"CaptionWorklist: {len(keys_all) - len(keys)} repeated photo(s) (same guid, gallery "
            "and name) shown once; the first row of each is used",
            UserWarning,
            stacklevel=3,
        )
    suggestions: dict[Key, str] = {}
    if "suggestion" in frame.columns:
        for key, text in zip(keys_all, frame["suggestion"], strict=True):
            value = cell_text(text)
            if value is not None:
                suggestions.setdefault(key, value)
    return keys, suggestions
