"""``CaptionWorklist``: hundreds of captions across the catalogue in one virtualised grid.

The widget is a view over an :class:`~shoptet_nb.EditSession` per language its frame holds, as
the gallery editor is over one (pending edits, conflicts, undo and save outcomes mean the same
in both); which row is which photo in which language, and the languages' sessions, are
:class:`~shoptet_nb.editing.worklist_rows.WorklistRows`; the view is ``caption_worklist.vue``.

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
is computed in the kernel by :func:`~shoptet_nb.lint.lint_captions` whenever a caption reaches it.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import traitlets as t

from ..editing import EditSession
from ..editing.inputs import SPACES, clean_caption
from ..editing.languages import LanguageSessions, language_label
from ..editing.wording import outcome_view, plural, reloaded_notice, undone_notice
from ..editing.worklist_rows import Language, Row, WorklistRows, row_language, row_photo
from ..errors import ArgumentError, ShoptetError
from ..lint import LINT_RULES, RULE_PATTERNS
from .base import EditingWidget, cell_text, check_session, static_html

if TYPE_CHECKING:
    from ..client import ShoptetClient
    from ..write.result import Result

__all__ = ["CaptionWorklist", "clean_caption"]

#: How a row's state reads in the grid (and in :attr:`CaptionWorklist.rows`).
STATE_LABELS: dict[str, str] = {
    "edited": "Edited",
    "saved": "Saved",
    "conflict": "Changed in the shop",
    "failed": "Not saved",
    "missing": "Not in the shop",
}


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
    hides the bar shown while the photos are read from the shop. ``session`` is the
    :class:`~shoptet_nb.EditSession` to show (default: a new one on ``client``, the frame's
    language and ``journal``).

    A frame that holds several languages (its ``language`` column) gives a row per photo and
    language, labelled; each row is edited, checked and saved in its own language (one Result
    of all). ``language=`` then says which row ``set_caption``, ``keep_mine`` and
    ``take_theirs`` mean (None: the shop's default).
    """

    template_file = (__file__, "caption_worklist.vue")

    rules = t.List(t.Dict()).tag(sync=True)
    rows_data = t.List(t.Dict()).tag(sync=True)
    row_updates = t.Dict().tag(sync=True)
    #: Whether rows show their language (the frame holds several; each row's ``l``).
    languages_shown = t.Bool(False).tag(sync=True)

    noun = "caption"
    marked = "the rows"

    def __init__(
        self,
        client: ShoptetClient,
        frame: pd.DataFrame,
        *,
        max_length: int = 125,
        journal: str | Path | bool | None = None,
        progress: bool = True,
        session: EditSession | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ArgumentError(f"max_length must be a whole number of 1 or more: {max_length!r}")
        book, frames = WorklistRows.from_frame(
            client, frame, session=session, journal=journal, max_length=max_length
        )
        check_session(session, client, next(iter(frames)))
        sessions = book.languages.sessions
        super().__init__(next(iter(sessions.values())), max_length=max_length, **kwargs)
        #: The rows, and the session of each language (one for a single-language worklist).
        self.book = book
        self.languages_shown = book.several
        # ``progress``: the bar of the one slow part of building a big worklist.
        book.load(frames, progress=progress)
        self.rules = [
            {"rule": rule, "message": message, "pattern": RULE_PATTERNS.get(rule, "")}
            for rule, message in LINT_RULES.items()
        ]
        self._render_all()

    # --- public state -------------------------------------------------------------------

    @property
    def languages(self) -> LanguageSessions:
        """Every language's session, by language (in frame order)."""
        return self.book.languages

    @property
    def save_batch(self) -> int:
        """Galleries per part of a save: ten for each connection the client keeps open (30
        with Shoptet's 3), so the grid shows outcomes after every part."""
        return self.session.save_batch

    @save_batch.setter
    def save_batch(self, value: int) -> None:
        for session in self.languages.sessions.values():
            session.save_batch = value

    @property
    def rows(self) -> pd.DataFrame:
        """The grid as a frame: one row per photo (per photo and language, with a ``language``
        column, when the worklist holds several), in worklist order.

        Columns: guid, gallery, name, product_name, description (with your edits), original
        (the shop's caption), rules (the findings of the current caption, comma-separated),
        state (``edited``, ``saved``, ``conflict``, ``failed``, ``missing`` or ``<NA>``) and
        message (the server's message, or what changed in the shop).
        """
        found = self.book.rules()
        records = []
        for key in self.book.keys:
            row = self._row(key)
            records.append(
                {
                    "guid": key[0],
                    "gallery": key[1],
                    "name": key[2],
                    "language": row_language(key),
                    "product_name": row["p"],
                    "description": None if key in self.book.missing else row["c"],
                    "original": self.book.shop_value(key, "description"),
                    "rules": ",".join(found.get(key, [])),
                    "state": row["s"] or None,
                    "message": row["m"] or None,
                }
            )
        columns = [
            "guid",
            "gallery",
            "name",
            *(["language"] if self.languages_shown else []),
            "product_name",
            "description",
            "original",
            "rules",
            "state",
            "message",
        ]
        return pd.DataFrame(records).reindex(columns=columns).astype("string")

    def __repr__(self) -> str:
        count = plural(len(self.book.keys), "photo")
        return f"<CaptionWorklist {count}: {self.pending_text.lower()}>"

    # --- editing ----------------------------------------------------------------------------

    def set_caption(
        self,
        guid: str,
        name: str,
        text: str | None,
        gallery: str = "shop",
        *,
        language: Language = ...,
    ) -> None:
        """Set the caption of one photo (kept in the worklist until :meth:`save`).

        ``language`` says which row when the worklist holds the photo in several languages
        (None: the shop's default)."""
        key = self.book.find(guid, gallery, name, language)
        if text is not None and not isinstance(text, str) and cell_text(text) is not None:
            raise ArgumentError(f"a caption must be text or None, got {text!r}")
        # A null from a frame (<NA>, NaN) means no caption, never the text "<NA>".
        self.book.model(key).set_caption(*row_photo(key), cell_text(text))
        self.revisions.bump([key])
        self._after([key])

    def keep_mine(
        self, guid: str, name: str, gallery: str = "shop", *, language: Language = ...
    ) -> None:
        """Resolve a conflict by keeping your caption: the next save sends it."""
        self._settle(self.book.find(guid, gallery, name, language), keep=True)

    def take_theirs(
        self, guid: str, name: str, gallery: str = "shop", *, language: Language = ...
    ) -> None:
        """Resolve a conflict by taking the shop's caption: your edit is dropped."""
        self._settle(self.book.find(guid, gallery, name, language), keep=False)

    def _settle(self, key: Row, *, keep: bool) -> None:
        model = self.book.model(key)
        if keep:
            model.keep_mine(*row_photo(key))
        else:
            model.take_theirs(*row_photo(key))
            self.revisions.bump([key])  # the kernel set the caption: drop the browser's draft
        self._after([key])

    def fill_from_template(
        self, template: str, keys: Iterable[Sequence[str]] | pd.DataFrame | None = None
    ) -> int:
        """Write captions from a ``fill_captions`` template into the chosen rows (all if None).

        Placeholders as in :func:`~shoptet_nb.fill_captions` (``{product_name}``, ``{n}``,
        ``{count}``, ``{name}``, ``{stem}`` ...); ``{n}`` and ``{count}`` count the photos of
        each gallery that the worklist holds. Returns how many captions changed.

        >>> worklist.fill_from_template("{product_name} – photo {n}", keys)  # doctest: +SKIP
        """
        chosen = self.book.choose(keys)
        return self._bulk(self.book.templated(template, chosen), f"template {template}")

    def trim_whitespace(self, keys: Iterable[Sequence[str]] | pd.DataFrame | None = None) -> int:
        """Strip the chosen captions and collapse runs of spaces. Returns how many changed."""
        chosen = self.book.choose(keys)
        wanted = {k: SPACES.sub(" ", self.book.caption(k)).strip() for k in chosen}
        return self._bulk(wanted, "trimmed whitespace")

    def take_suggestions(self, keys: Iterable[Sequence[str]] | pd.DataFrame | None = None) -> int:
        """Use each chosen row's suggestion (the frame's ``suggestion`` column, else the caption
        without markup and stray spaces). Returns how many changed."""
        chosen = self.book.choose(keys)
        wanted = {k: s for k in chosen if (s := self.book.suggestion(k))}
        return self._bulk(wanted, "suggestions taken")

    def undo(self) -> str | None:
        """Undo the last action, in whichever language it was (see ``EditingWidget.undo``)."""
        done = self.languages.undo()
        self._show_changed(self.book.undone(done))
        label = done[0][1].label if done else None
        self._say(undone_notice(label), "info")
        return label

    def refresh(self) -> None:
        """Read the worklist's galleries again; unsaved edits are kept, conflicts marked."""
        # A big worklist takes a while to read: the bar says so, and Save and the other
        # actions are disabled until the grid shows the shop as it is now.
        count = len(self.book.readable())
        self.busy_text = (
            f"Reading {count} {'gallery' if count == 1 else 'galleries'} from the shop…"
        )
        self.progress = -1.0
        self.busy = True
        try:
            problems = self.book.reread()
        finally:
            self.busy = False
            self.busy_text = ""
        self._render_all()
        text = " ".join(map(str, problems)) or reloaded_notice(self._held(), self.marked)
        self._say(text, "error" if problems else "info")

    # --- front-end events (each calls its Python twin) ------------------------------------

    def vue_keep_mine(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self._resolve(data, keep=True))

    def vue_take_theirs(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self._resolve(data, keep=False))

    def _resolve(self, data: Mapping[str, Any], *, keep: bool) -> None:
        guid, gallery, name, code = self.book.parse_id(str(data["key"]))
        resolve = self.keep_mine if keep else self.take_theirs
        resolve(guid, name, gallery, language=code or None)

    def vue_bulk_edit(self, data: dict[str, Any]) -> None:
        def run() -> None:
            keys = [self.book.parse_id(str(k)) for k in data.get("keys") or []]
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

    def _take_captions(self, data: Mapping[str, Any]) -> None:
        """The caption drafts a message carries (``{row id: text}``), each in its row's language."""
        touched = []
        for ident, text in (data.get("captions") or {}).items():
            key = self.book.parse_id(str(ident))
            if key in self.book.index and key not in self.book.missing:
                caption = None if text is None else str(text)
                self.book.model(key).set_caption(*row_photo(key), caption)
                touched.append(key)
        if touched:
            self._after(touched)

    def _show_changed(self, photos: Sequence[Sequence[str]]) -> None:
        # Only the rows of the galleries the action touched go back to the browser; the kernel
        # set their captions (an undo), so the browser drops its drafts of them.
        keys = [k for k in self.book.rows_of(photos) if k not in self.book.missing]
        self.revisions.bump(keys)
        self._after(keys)

    # --- the languages' sessions behind the base's state and save ------------------------

    @property
    def _edits(self) -> LanguageSessions:
        return self.languages

    @property
    def _saver(self) -> LanguageSessions:
        return self.languages

    # --- internals ------------------------------------------------------------------------

    def _bulk(self, wanted: Mapping[Row, str], label: str) -> int:
        changed = self.book.set_captions(wanted, label)
        self.revisions.bump(changed)
        self._after(changed)
        return len(changed)

    def _row(self, key: Row) -> dict[str, Any]:
        missing = self.book.missing.get(key)
        head = {
            "i": self.book.index[key],
            "k": self.book.row_id(key),
            "p": self.session.product_names.get(key[0], key[0]),
            "n": key[2],
            "l": language_label(row_language(key)) if self.languages_shown else "",
        }
        if missing:
            blank = {"c": "", "r": 0, "d": False, "s": "missing", "m": missing, "y": "", "t": None}
            return {**head, **blank}
        model = self.book.model(key)
        state = model.state(*row_photo(key)) or ""
        message = ""
        theirs = None
        if state == "conflict":
            conflict = self.book.conflict_of(key)
            theirs = conflict.get("theirs") if conflict else None
            message = f"Changed in the shop since you edited it: the shop says “{theirs or ''}”"
        elif state in ("failed", "saved"):
            outcome = model.outcome(*row_photo(key))
            message = outcome_view(outcome)["label"] if outcome else ""
        return {
            **head,
            "c": model.caption(*row_photo(key)),
            "r": self.revisions[key],
            "d": key in self.book.duplicates,
            "s": state,
            "m": message,
            "y": self.book.suggestion(key),
            "t": theirs,
        }

    def _after(self, keys: Sequence[Row]) -> None:
        """Push the rows an action touched (and those whose duplicate flag moved)."""
        self.languages.note_action()
        galleries = {(k[0], k[1], k[3]) for k in keys}
        touched = set(keys) | set(self.book.update_duplicates(galleries))
        self.row_updates = {str(self.book.index[k]): self._row(k) for k in touched}
        self._render_counts()

    def _show_part(self, result: Result) -> None:
        """One part of a save ended: its rows show Saved / Not saved at once."""
        touched = self.book.of_frame(result.rows)
        self.revisions.bump(touched)
        self._after(touched)

    def _render_all(self) -> None:
        """The whole grid again, from the shop as the models now hold it."""
        self.languages.note_action()
        self.book.take_shop()
        self.revisions.bump(self.book.keys)
        self.rows_data = [self._row(k) for k in self.book.keys]
        self._render_counts()

    def vue_want_thumbs(self, data: dict[str, Any]) -> None:
        keys = [self.book.parse_id(str(k)) for k in (data.get("keys") or [])[:200]]
        wanted = {
            self.book.row_id(k): (k[2], self.book.shop_value(k, "url"))
            for k in keys
            if k in self.book.index and k not in self.book.missing
        }
        with contextlib.suppress(ShoptetError):
            self.thumbs = self._thumbs.sources(wanted)

    # --- static fallback ------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """A static view (the first 50 rows), for where widgets cannot render."""
        esc = html.escape
        language = ["language"] if self.languages_shown else []
        rows = []
        for key in self.book.keys[:50]:
            row = self._row(key)
            state = STATE_LABELS.get(row["s"], "")
            cells = [row["l"]] if language else []
            rows.append([esc(c) for c in [*cells, row["p"], row["n"], row["c"], state]])
        more = len(self.book.keys) - 50
        return static_html(
            "worklist",
            "Caption worklist",
            f"{plural(len(self.book.keys), 'photo')} · {self.pending_text}",
            [*language, "product", "file", "caption", "state"],
            rows,
            sandbox=self.is_sandbox,
            tail=f"… and {more} more" if more > 0 else "",
        )
