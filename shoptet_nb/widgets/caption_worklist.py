"""``CaptionWorklist``: hundreds of captions across the catalogue in one virtualised grid.

The widget is a view over an :class:`~shoptet_nb.EditSession`, as the gallery editor is (pending
edits, conflicts, undo and save outcomes mean the same in both); the view is
``caption_worklist.vue``.

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
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import pandas as pd
import traitlets as t

from ..columns import IMAGE_KEY
from ..editing import EditSession
from ..editing.inputs import SPACES, clean_caption, worklist_languages, worklist_photos
from ..editing.languages import LanguageSessions, language_label
from ..editing.loading import Gallery, Photo, ReadProblem, edited_frame, keys_of, restrict
from ..editing.wording import (
    outcome_view,
    pending_text,
    plural,
    reloaded_notice,
    reset_notice,
    undone_notice,
)
from ..errors import ArgumentError, FrameError, ShoptetError
from ..lint import LINT_RULES, RULE_PATTERNS
from .base import EditingWidget, cell_text, check_session, parse_photo_id, photo_id, static_html

if TYPE_CHECKING:
    from ..client import ShoptetClient
    from ..editing.model import EditModel
    from ..plan import Plan
    from ..write.result import Result

__all__ = ["CaptionWorklist", "clean_caption"]

#: A row: (product guid, gallery, file name, language); the language "" is the shop's default.
#: One photo has a row per language the frame holds it in.
Key = tuple[str, str, str, str]


#: A ``language=`` argument: a code, None for the shop's default, ``...`` for the photo's only
#: row (a worklist of one language needs none).
Language = str | EllipsisType | None


def _photo(key: Key) -> Photo:
    return key[0], key[1], key[2]


def _lang(key: Key) -> str | None:
    return key[3] or None


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
        keys: list[Key] = []
        suggestions: dict[Key, str] = {}
        frames: dict[str | None, pd.DataFrame] = {}
        for language, rows in worklist_languages(frame):
            photos, suggested = worklist_photos(rows)
            code = language or ""
            keys += [(*p, code) for p in photos]
            suggestions.update({(*p, code): text for p, text in suggested.items()})
            frames[language] = rows
        if session is not None and len(frames) > 1:
            raise ArgumentError("session= edits one language; this frame holds several")
        check_session(session, client, next(iter(frames)))
        sessions = {
            language: session or EditSession(client, language=language, journal=journal)
            for language in frames
        }
        super().__init__(next(iter(sessions.values())), max_length=max_length, **kwargs)
        #: Every language's session (one for a single-language worklist), by language.
        self.languages = LanguageSessions(sessions)
        self.languages_shown = len(sessions) > 1
        self._keys = keys
        self._index: dict[Key, int] = {k: i for i, k in enumerate(keys)}
        self._by_photo: dict[Photo, list[Key]] = {}
        for key in keys:
            self._by_photo.setdefault(_photo(key), []).append(key)
        self._suggestions = suggestions
        self._galleries_held = list(dict.fromkeys((k[0], k[1], k[3]) for k in keys))
        self._missing: dict[Key, str] = {}
        self._duplicates: set[Key] = set()
        self._position_cache: dict[Key, int] | None = None
        # Columns the frame lacks are read from the shop: the whole galleries, so that
        # `duplicate` and the template's {n} and {count} see every photo, not only the
        # worklist's (``progress``: the bar of the one slow part of building a big worklist).
        complete = all(c in frame.columns for c in _NEEDED)
        self._problems: list[tuple[str, ReadProblem]] = []
        self._base: dict[str, pd.DataFrame] = {}
        for language, one in sessions.items():
            given = frames[language].drop_duplicates(IMAGE_KEY) if complete else None  # first
            met = one.load(
                self._galleries_in(language), frame=given, partial="keep", progress=progress
            )
            self._problems += [(language or "", p) for p in met]
        whole = next((p.error for _, p in self._problems if p.error is not None), None)
        if whole is not None:
            raise whole
        self.rules = [
            {"rule": rule, "message": message, "pattern": RULE_PATTERNS.get(rule, "")}
            for rule, message in LINT_RULES.items()
        ]
        self._render_all()

    # --- public state -------------------------------------------------------------------

    @property
    def save_batch(self) -> int:
        """Galleries per part of a save: ten for each connection the client keeps open (30
        with Shoptet's 3), so the grid shows outcomes after every part."""
        return self.session.save_batch

    @save_batch.setter
    def save_batch(self, value: int) -> None:
        self.session.save_batch = value

    @property
    def rows(self) -> pd.DataFrame:
        """The grid as a frame: one row per photo, in worklist order.

        Columns: guid, gallery, name, product_name, description (with your edits), original
        (the shop's caption), rules (the findings of the current caption, comma-separated),
        state (``edited``, ``saved``, ``conflict``, ``failed``, ``missing`` or ``<NA>``) and
        message (the server's message, or what changed in the shop).
        """
        found: dict[Key, list[str]] = {}
        for code in dict.fromkeys(k[3] for k in self._keys):
            findings = self._findings_in(code, self._galleries_held)
            for photo, rule in zip(keys_of(findings), findings["rule"].astype(str), strict=True):
                found.setdefault((*photo, code), []).append(rule)
        records = []
        for key in self._keys:
            row = self._row(key)
            records.append(
                {
                    "guid": key[0],
                    "gallery": key[1],
                    "name": key[2],
                    "language": _lang(key),
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
            *(["language"] if self.languages_shown else []),
            "product_name",
            "description",
            "original",
            "rules",
            "state",
            "message",
        ]
        return pd.DataFrame(records, columns=columns).astype("string")[columns]

    def __repr__(self) -> str:
        return f"<CaptionWorklist {plural(len(self._keys), 'photo')}: {self.pending_text.lower()}>"

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
        key = self._check(guid, gallery, name, language)
        if text is not None and not isinstance(text, str) and cell_text(text) is not None:
            raise ArgumentError(f"a caption must be text or None, got {text!r}")
        # A null from a frame (<NA>, NaN) means no caption, never the text "<NA>".
        self._model(key).set_caption(*_photo(key), cell_text(text))
        self.revisions.bump([key])
        self._after([key])

    def keep_mine(
        self, guid: str, name: str, gallery: str = "shop", *, language: Language = ...
    ) -> None:
        """Resolve a conflict by keeping your caption: the next save sends it."""
        self._settle(self._check(guid, gallery, name, language), keep=True)

    def take_theirs(
        self, guid: str, name: str, gallery: str = "shop", *, language: Language = ...
    ) -> None:
        """Resolve a conflict by taking the shop's caption: your edit is dropped."""
        self._settle(self._check(guid, gallery, name, language), keep=False)

    def _settle(self, key: Key, *, keep: bool) -> None:
        model = self._model(key)
        if keep:
            model.keep_mine(*_photo(key))
        else:
            model.take_theirs(*_photo(key))
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
        from ..edits import fill_captions

        chosen = self._chosen(keys)
        new: dict[Key, str] = {}
        for code in dict.fromkeys(k[3] for k in chosen):
            model = self.languages.sessions[code or None].model
            galleries = sorted({(k[0], k[1]) for k in chosen if k[3] == code})
            filled = fill_captions(edited_frame(model, galleries), template, only_empty=False)
            columns = filled[["guid", "gallery", "name", "description"]]
            for g, gal, n, d in columns.itertuples(index=False):
                new[(str(g), str(gal), str(n), code)] = cell_text(d) or ""
        return self._bulk({k: new[k] for k in chosen if k in new}, f"template {template}")

    def trim_whitespace(self, keys: Iterable[Sequence[str]] | pd.DataFrame | None = None) -> int:
        """Strip the chosen captions and collapse runs of spaces. Returns how many changed."""
        chosen = self._chosen(keys)
        wanted = {k: SPACES.sub(" ", self._caption(k)).strip() for k in chosen}
        return self._bulk(wanted, "trimmed whitespace")

    def take_suggestions(self, keys: Iterable[Sequence[str]] | pd.DataFrame | None = None) -> int:
        """Use each chosen row's suggestion (the frame's ``suggestion`` column, else the caption
        without markup and stray spaces). Returns how many changed."""
        chosen = self._chosen(keys)
        wanted = {k: s for k in chosen if (s := self._suggestion(k))}
        return self._bulk(wanted, "suggestions taken")

    def refresh(self) -> None:
        """Read the worklist's galleries again; unsaved edits are kept, conflicts marked."""
        galleries = list(dict.fromkeys(k for k in self._keys if k not in self._missing))
        # A big worklist takes a while to read: the bar says so, and Save and the other
        # actions are disabled until the grid shows the shop as it is now.
        count = len({(k[0], k[1], k[3]) for k in galleries})
        self.busy_text = (
            f"Reading {count} {'gallery' if count == 1 else 'galleries'} from the shop…"
        )
        self.progress = -1.0
        self.busy = True
        try:
            problems = [
                problem
                for language, one in self.languages.sessions.items()
                for problem in one.reread(
                    dict.fromkeys((k[0], k[1]) for k in galleries if _lang(k) == language)
                )
            ]
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
        guid, gallery, name, code = self._parse_id(str(data["key"]))
        resolve = self.keep_mine if keep else self.take_theirs
        resolve(guid, name, gallery, language=code or None)

    def vue_bulk_edit(self, data: dict[str, Any]) -> None:
        def run() -> None:
            keys = [self._parse_id(str(k)) for k in data.get("keys") or []]
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

    def _editable(self, key: Photo) -> bool:
        raise NotImplementedError  # drafts carry row ids: see _take_captions

    def _take_captions(self, data: Mapping[str, Any]) -> None:
        """The caption drafts a message carries (``{row id: text}``), each in its row's language."""
        touched = []
        for ident, text in (data.get("captions") or {}).items():
            key = self._parse_id(str(ident))
            if key in self._index and key not in self._missing:
                self._model(key).set_caption(*_photo(key), None if text is None else str(text))
                touched.append(key)
        self.languages.note_action()
        if touched:
            self._after(touched)

    def _show_changed(self, photos: Sequence[Sequence[str]]) -> None:
        # Only the rows of the galleries the action touched go back to the browser; the kernel
        # set their captions (an undo), so the browser drops its drafts of them.
        keys = [k for k in self._as_keys(photos) if k not in self._missing]
        self.revisions.bump(keys)
        self._after(keys)

    # --- several languages: the base's session-wide state, over every language -----------

    @property
    def changes(self) -> pd.DataFrame:
        """The pending edits to save, as a frame ``plan_updates`` accepts (``language`` on
        each row when the worklist holds several). See ``EditingWidget.changes``."""
        return self.languages.changes if self.languages_shown else self.model.changes

    @property
    def conflicts(self) -> pd.DataFrame:
        """Pending edits the shop changed since you made them (see ``EditingWidget.conflicts``),
        with their ``language`` when the worklist holds several."""
        return self.languages.conflicts if self.languages_shown else self.model.conflicts

    @property
    def result(self) -> Result | None:
        """The Result of the last save, every language's rows in it (None before the first)."""
        return self.languages.result if self.languages_shown else self.session.result

    def plan(self) -> Plan:
        """The plan of the pending edits, every language's against its own last read."""
        return self.languages.plan() if self.languages_shown else self.session.plan()

    def undo(self) -> str | None:
        """Undo the last action, in whichever language it was (see ``EditingWidget.undo``)."""
        if not self.languages_shown:
            return super().undo()
        done = self.languages.undo()
        keys = []
        for language, action in done:
            model = self.languages.sessions[language].model
            for g in action.keys:
                if model.has(*g):
                    keys += [(g[0], g[1], name, language or "") for name in model.names(*g)]
        self._show_changed([k for k in keys if k in self._index])
        label = done[0][1].label if done else None
        self._say(undone_notice(label), "info")
        return label

    def reset(self) -> None:
        """Forget every unsaved edit, in every gallery and language (Undo brings them back)."""
        if not self.languages_shown:
            super().reset()
            return
        had = self.languages.pending_count
        self.languages.reset()
        self.preview_open = False
        self._render_all()
        self._say(reset_notice(had), "info")

    def _save_sessions(self, **callbacks: Any) -> Result | None:
        if not self.languages_shown:
            return super()._save_sessions(**callbacks)
        try:
            return self.languages.save(**callbacks)
        finally:
            self.languages.note_action()

    def _stopped_session(self) -> EditSession:
        return self.languages.stopped or self.session

    def _save_problems(self) -> list[object]:
        return list(self.languages.save_problems)

    def _render_counts(self) -> None:
        if not self.languages_shown:
            super()._render_counts()
            return
        self.languages.note_action()
        self.pending = self.languages.pending_count
        conflicts = len(self.conflicts[["guid", "gallery", "name", "language"]].drop_duplicates())
        self.pending_text = pending_text(
            self.pending, len(self.languages.pending_products), conflicts
        )
        self.can_undo = self.languages.can_undo

    def _held(self, result: Result | None = None) -> int:
        held = len(
            self.conflicts[["guid", "gallery", "name", *self._language_column()]].drop_duplicates()
        )
        if result is not None:
            held -= int((result.rows["status"] == "conflict").sum())
        return max(held, 0)

    def _language_column(self) -> list[str]:
        return ["language"] if self.languages_shown else []

    # --- internals ------------------------------------------------------------------------

    def _model(self, key: Key) -> EditModel:
        return self.languages.sessions[_lang(key)].model

    def _caption(self, key: Key) -> str:
        return self._model(key).caption(*_photo(key))

    def _galleries_in(self, language: str | None) -> list[Gallery]:
        code = language or ""
        return [(g, gal) for g, gal, c in self._galleries_held if c == code]

    def _row_id(self, key: Key) -> str:
        """The row's id in the view: the photo's id, and ``@language`` when several are shown
        (a language code holds no ``@``, a file name may: the last one separates)."""
        ident = photo_id(_photo(key))
        return f"{ident}@{key[3]}" if self.languages_shown else ident

    def _parse_id(self, text: str) -> Key:
        code = ""
        if self.languages_shown:
            text, code = text.rsplit("@", 1)
        guid, gallery, name = parse_photo_id(text)
        return guid, gallery, name, code

    def _as_keys(self, given: Iterable[Sequence[str]]) -> list[Key]:
        """Rows from photos (every language holding them) or rows (with their language)."""
        out: list[Key] = []
        for item in given:
            parts = tuple(str(v) for v in item)
            if len(parts) == 4:
                out.append((parts[0], parts[1], parts[2], parts[3]))
            else:
                out += [k for k in self._by_photo.get((parts[0], parts[1], parts[2]), [])]
        return [k for k in out if k in self._index]

    def _check(self, guid: str, gallery: str, name: str, language: Language) -> Key:
        photo = (str(guid), str(gallery), str(name))
        found = self._by_photo.get(photo, [])
        if language is not ...:
            code = "" if language is None else str(language)
            found = [k for k in found if k[3] == code]
        if not found:
            where = "" if language is ... else f" in language {language!r}"
            raise ArgumentError(
                f"no photo {name!r} of product {guid} (gallery {gallery}){where} in this worklist"
            )
        if len(found) > 1:
            shown = ", ".join(language_label(_lang(k)) for k in found)
            raise ArgumentError(
                f"photo {name!r} of product {guid} is in this worklist in several languages "
                f"({shown}): say which with language= (None: the shop's default)"
            )
        key = found[0]
        if key in self._missing:
            raise ArgumentError(f"photo {name!r} of product {guid}: {self._missing[key]}")
        return key

    def _chosen(self, keys: Iterable[Sequence[str]] | pd.DataFrame | None) -> list[Key]:
        if keys is None:
            chosen = list(self._keys)
        elif isinstance(keys, pd.DataFrame):
            missing = [c for c in IMAGE_KEY if c not in keys.columns]
            if missing:
                raise FrameError(f"the rows frame lacks the column(s) {', '.join(missing)}")
            columns = [*IMAGE_KEY, *(["language"] if "language" in keys.columns else [])]
            given = keys[columns].astype("string").fillna("")
            chosen = self._as_keys(given.itertuples(index=False))
            unknown_frame = len(given) - len(chosen)
            if unknown_frame > 0 and not chosen:
                raise ArgumentError(f"{plural(unknown_frame, 'row')} not in this worklist")
        else:
            given_keys = [tuple(str(v) for v in k) for k in keys]
            chosen = self._as_keys(given_keys)
            unknown = [k for k in given_keys if not self._as_keys([k])]
            if unknown:
                raise ArgumentError(
                    f"{plural(len(unknown), 'row')} not in this worklist: {unknown[0]}"
                )
        return [k for k in chosen if k not in self._missing]

    def _bulk(self, wanted: Mapping[Key, str], label: str) -> int:
        changed = [k for k, text in wanted.items() if text != self._caption(k)]
        for code in dict.fromkeys(k[3] for k in changed):
            mine = {_photo(k): wanted[k] for k in changed if k[3] == code}
            self.languages.sessions[code or None].model.set_captions(mine, label=label)
        self.revisions.bump(changed)
        self._after(changed)
        return len(changed)

    def _original(self, key: Key) -> str | None:
        position = self._positions().get(key)
        if position is None:
            return None
        return cell_text(self._base[key[3]]["description"].iloc[position])

    def _positions(self) -> dict[Key, int]:
        if self._position_cache is None:
            self._position_cache = {
                (*photo, code): i
                for code, base in self._base.items()
                for i, photo in enumerate(keys_of(base))
            }
        return self._position_cache

    def _suggestion(self, key: Key) -> str:
        given = self._suggestions.get(key)
        current = self._caption(key)
        wanted = given if given is not None else clean_caption(current)
        return wanted if wanted and wanted != current else ""

    def _findings_in(self, code: str, galleries: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
        """Findings of these galleries (guid, gallery, language code) in one language."""
        from ..lint import lint_captions

        model = self.languages.sessions[code or None].model
        mine = [(g, gal) for g, gal, c in galleries if c == code and model.has(g, gal)]
        return lint_captions(edited_frame(model, mine), max_length=self.max_length)

    def _update_duplicates(self, galleries: set[tuple[str, str, str]]) -> list[Key]:
        """Recompute the ``duplicate`` rule in these galleries; return the rows it changed."""
        if not galleries:
            return []
        duplicates: set[Key] = set()
        for code in {g[2] for g in galleries}:
            findings = self._findings_in(code, sorted(galleries))
            found = keys_of(findings[findings["rule"] == "duplicate"])
            duplicates |= {k for p in found if (k := (*p, code)) in self._index}
        before = {k for k in self._duplicates if (k[0], k[1], k[3]) in galleries}
        self._duplicates = (self._duplicates - before) | duplicates
        return list(before ^ duplicates)

    def _row(self, key: Key) -> dict[str, Any]:
        missing = self._missing.get(key)
        names = self.session.product_names
        label = language_label(_lang(key)) if self.languages_shown else ""
        head = {
            "i": self._index[key],
            "k": self._row_id(key),
            "p": names.get(key[0], key[0]),
            "n": key[2],
            "l": label,
        }
        if missing:
            return {
                **head,
                "c": "",
                "r": 0,
                "d": False,
                "s": "missing",
                "m": missing,
                "y": "",
                "t": None,
            }
        model = self._model(key)
        state = model.state(*_photo(key)) or ""
        message = ""
        theirs = None
        if state == "conflict":
            conflict = self._conflict_of(key)
            theirs = conflict.get("theirs") if conflict else None
            message = f"Changed in the shop since you edited it: the shop says “{theirs or ''}”"
        elif state in ("failed", "saved"):
            outcome = model.outcome(*_photo(key))
            message = outcome_view(outcome)["label"] if outcome else ""
        return {
            **head,
            "c": model.caption(*_photo(key)),
            "r": self.revisions[key],
            "d": key in self._duplicates,
            "s": state,
            "m": message,
            "y": self._suggestion(key),
            "t": theirs,
        }

    def _conflict_of(self, key: Key) -> dict[str, str] | None:
        conflicts = self._model(key).conflicts
        hit = conflicts[
            (conflicts["guid"] == key[0])
            & (conflicts["gallery"] == key[1])
            & (conflicts["name"] == key[2])
        ]
        if hit.empty:
            return None
        first = hit.iloc[0]
        return {
            "field": str(first["field"]),
            "yours": str(first["yours"]),
            "theirs": str(first["theirs"]),
        }

    def _after(self, keys: Sequence[Key]) -> None:
        """Push the rows an action touched (and those whose duplicate flag moved)."""
        self.languages.note_action()
        galleries = {(k[0], k[1], k[3]) for k in keys}
        touched = set(keys) | set(self._update_duplicates(galleries))
        self.row_updates = {str(self._index[k]): self._row(k) for k in touched}
        self._render_counts()

    def _show_part(self, result: Result) -> None:
        """One part of a save ended: its rows show Saved / Not saved at once."""
        rows = result.rows
        codes = (
            rows["language"].astype("string").fillna("").tolist()
            if "language" in rows.columns
            else [""] * len(rows)
        )
        touched = [
            key
            for photo, code in zip(keys_of(rows), codes, strict=True)
            if (key := (*photo, code)) in self._index and key not in self._missing
        ]
        self.revisions.bump(touched)
        self._after(touched)

    def _render_all(self) -> None:
        """The whole grid again, from the shop as the model now holds it."""
        self._base = {}
        for language, one in self.languages.sessions.items():
            code = language or ""
            held = [g for g in self._galleries_in(language) if one.model.has(*g)]
            mine = [_photo(k) for k in self._keys if k[3] == code]
            self._base[code] = restrict(one.model.base_frame(held), mine)
        self._position_cache = None
        present = set(self._positions())
        self._missing = {}
        for key in self._keys:
            if key not in present:
                why = next(
                    (
                        p.message
                        for c, p in self._problems
                        if c == key[3] and p.concerns(_photo(key))
                    ),
                    None,
                )
                self._missing[key] = (
                    f"Could not read it from the shop: {why}" if why else "Not in the shop"
                )
        self.revisions.bump(self._keys)
        self._update_duplicates(set(self._galleries_held))
        self.rows_data = [self._row(k) for k in self._keys]
        self._render_counts()

    def vue_want_thumbs(self, data: dict[str, Any]) -> None:
        keys = [self._parse_id(str(k)) for k in (data.get("keys") or [])[:200]]
        positions = self._positions()
        wanted = {
            self._row_id(k): (k[2], cell_text(self._base[k[3]]["url"].iloc[positions[k]]))
            for k in keys
            if k in positions
        }
        with contextlib.suppress(ShoptetError):
            self.thumbs = self._thumbs.sources(wanted)

    # --- static fallback ------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """A static view (the first 50 rows), for where widgets cannot render."""
        esc = html.escape
        rows = []
        for key in self._keys[:50]:
            row = self._row(key)
            state = STATE_LABELS.get(row["s"], "")
            language = [esc(row["l"])] if self.languages_shown else []
            rows.append([*language, esc(row["p"]), esc(row["n"]), esc(row["c"]), esc(state)])
        more = len(self._keys) - 50
        return static_html(
            "worklist",
            "Caption worklist",
            f"{plural(len(self._keys), 'photo')} · {self.pending_text}",
            [
                *(["language"] if self.languages_shown else []),
                "product",
                "file",
                "caption",
                "state",
            ],
            rows,
            sandbox=self.is_sandbox,
            tail=f"… and {more} more" if more > 0 else "",
        )
