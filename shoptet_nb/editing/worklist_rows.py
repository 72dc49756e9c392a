"""The rows of a caption worklist: one photo in one language each, over its languages' sessions.

A worklist may hold a photo in several languages (``read_images`` frames in cs and sk, stacked):
each is its own row, keyed (guid, gallery, name, language code), edited in its language's
:class:`~shoptet_nb.editing.session.EditSession` (see
:class:`~shoptet_nb.editing.languages.LanguageSessions`). :class:`WorklistRows` keeps that
bookkeeping out of the view: which row a call means, the rows' ids in the browser, bulk edits
per language, the ``duplicate`` rule per language, and each row's shop values as last read.
A worklist of one language is the same with one session (its rows' code is ``""``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..columns import IMAGE_KEY
from ..errors import ArgumentError, FrameError
from .inputs import clean_caption, text_or_none, worklist_languages, worklist_photos
from .languages import LanguageSessions, language_label
from .loading import (
    Gallery,
    Photo,
    ReadProblem,
    edited_frame,
    keys_of,
    parse_photo_id,
    photo_id,
    restrict,
)
from .session import EditSession
from .wording import plural

if TYPE_CHECKING:
    from ..client import ShoptetClient
    from .model import Action, EditModel

__all__ = ["Language", "Row", "WorklistRows", "row_language", "row_photo"]

#: A row: (product guid, gallery, file name, language code); the code "" is the shop's default.
Row = tuple[str, str, str, str]

#: A ``language=`` argument: a code, None for the shop's default, ``...`` for the photo's only
#: row (a worklist of one language needs none).
Language = str | EllipsisType | None

#: Columns a worklist needs of each photo; a frame without them is completed from the shop.
NEEDED = ("priority", "description", "change_time", "product_name")


def row_photo(row: Row) -> Photo:
    """The photo of a row (its language left out)."""
    return row[0], row[1], row[2]


def row_language(row: Row) -> str | None:
    """The row's language as frames carry it (None: the shop's default)."""
    return row[3] or None


class WorklistRows:
    """A worklist's rows over the sessions of its languages (see the module).

    Build it with :meth:`from_frame`; :meth:`load` then puts the galleries in the sessions.
    """

    def __init__(
        self,
        languages: LanguageSessions,
        rows: Sequence[Row],
        suggestions: Mapping[Row, str],
        *,
        max_length: int,
    ) -> None:
        self.languages = languages
        #: Every row, in worklist order, and its position.
        self.keys = list(rows)
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.suggestions = dict(suggestions)
        self.max_length = max_length
        #: Whether the rows show their language (the worklist holds several).
        self.several = len(languages.sessions) > 1
        self._by_photo: dict[Photo, list[Row]] = {}
        for row in self.keys:
            self._by_photo.setdefault(row_photo(row), []).append(row)
        #: The galleries held, with the language code: (guid, gallery, code).
        self.galleries = list(dict.fromkeys((k[0], k[1], k[3]) for k in self.keys))
        #: Rows the shop could not give, with why (a sentence).
        self.missing: dict[Row, str] = {}
        #: Rows whose caption another photo of their gallery (in their language) repeats.
        self.duplicates: set[Row] = set()
        self._problems: list[tuple[str, ReadProblem]] = []
        self._base: dict[str, pd.DataFrame] = {}
        self._positions: dict[Row, int] | None = None

    @classmethod
    def from_frame(
        cls,
        client: ShoptetClient,
        frame: pd.DataFrame,
        *,
        session: EditSession | None,
        journal: str | Path | bool | None,
        max_length: int,
    ) -> tuple[WorklistRows, dict[str | None, pd.DataFrame]]:
        """The rows of a worklist frame, a session per language (``session`` for a frame of
        one language), and the frame's rows by language."""
        rows: list[Row] = []
        suggestions: dict[Row, str] = {}
        frames: dict[str | None, pd.DataFrame] = {}
        for language, part in worklist_languages(frame):
            photos, suggested = worklist_photos(part)
            code = language or ""
            rows += [(*p, code) for p in photos]
            suggestions.update({(*p, code): text for p, text in suggested.items()})
            frames[language] = part
        if session is not None and len(frames) > 1:
            raise ArgumentError("session= edits one language; this frame holds several")
        sessions = {
            language: session or EditSession(client, language=language, journal=journal)
            for language in frames
        }
        return cls(LanguageSessions(sessions), rows, suggestions, max_length=max_length), frames

    def load(self, frames: Mapping[str | None, pd.DataFrame], *, progress: bool) -> None:
        """Put every language's galleries in its session: from ``frames`` when they hold every
        column needed (the first row of each photo), else read whole from the shop (so that
        ``duplicate`` and a template's {n} and {count} see every photo, not only the
        worklist's). Raises the error of a read that failed as a whole."""
        for language, session in self.languages.sessions.items():
            part = frames[language]
            given = (
                part.drop_duplicates(IMAGE_KEY) if all(c in part.columns for c in NEEDED) else None
            )
            met = session.load(
                self.galleries_in(language), frame=given, partial="keep", progress=progress
            )
            self._problems += [(language or "", p) for p in met]
        whole = next((p.error for _, p in self._problems if p.error is not None), None)
        if whole is not None:
            raise whole

    # --- one row --------------------------------------------------------------------------

    def model(self, row: Row) -> EditModel:
        """The model of the row's language."""
        return self.languages.sessions[row_language(row)].model

    def caption(self, row: Row) -> str:
        """The row's caption, with the user's edit."""
        return self.model(row).caption(*row_photo(row))

    def galleries_in(self, language: str | None) -> list[Gallery]:
        """The galleries held in one language."""
        code = language or ""
        return [(g, gal) for g, gal, c in self.galleries if c == code]

    def row_id(self, row: Row) -> str:
        """The row's id in the view: the photo's id, and ``@language`` when several are shown
        (a language code holds no ``@``, a file name may: the last one separates)."""
        ident = photo_id(row_photo(row))
        return f"{ident}@{row[3]}" if self.several else ident

    def parse_id(self, text: str) -> Row:
        """Inverse of :meth:`row_id`."""
        code = ""
        if self.several:
            text, code = text.rsplit("@", 1)
        guid, gallery, name = parse_photo_id(text)
        return guid, gallery, name, code

    def suggestion(self, row: Row) -> str:
        """What "take suggestion" would set: the frame's suggestion, else the caption without
        markup and stray spaces; "" when it is the caption already."""
        given = self.suggestions.get(row)
        current = self.caption(row)
        wanted = given if given is not None else clean_caption(current)
        return wanted if wanted and wanted != current else ""

    def conflict_of(self, row: Row) -> dict[str, str] | None:
        """The row's conflict: ``{field, yours, theirs}``, or None."""
        conflicts = self.model(row).conflicts
        hit = conflicts[
            (conflicts["guid"] == row[0])
            & (conflicts["gallery"] == row[1])
            & (conflicts["name"] == row[2])
        ]
        if hit.empty:
            return None
        first = hit.iloc[0]
        return {k: str(first[k]) for k in ("field", "yours", "theirs")}

    # --- which rows a call means ----------------------------------------------------------

    def find(self, guid: str, gallery: str, name: str, language: Language) -> Row:
        """The row a call names; ``language`` is needed only when the photo is in several."""
        found = self._by_photo.get((str(guid), str(gallery), str(name)), [])
        if language is not ...:
            code = "" if language is None else str(language)
            found = [k for k in found if k[3] == code]
        if not found:
            where = "" if language is ... else f" in language {language!r}"
            raise ArgumentError(
                f"no photo {name!r} of product {guid} (gallery {gallery}){where} in this worklist"
            )
        if len(found) > 1:
            shown = ", ".join(language_label(row_language(k)) for k in found)
            raise ArgumentError(
                f"photo {name!r} of product {guid} is in this worklist in several languages "
                f"({shown}): say which with language= (None: the shop's default)"
            )
        row = found[0]
        if row in self.missing:
            raise ArgumentError(f"photo {name!r} of product {guid}: {self.missing[row]}")
        return row

    def rows_of(self, given: Iterable[Sequence[str]]) -> list[Row]:
        """Rows from photos (every language holding them) or rows (with their code)."""
        out: list[Row] = []
        for item in given:
            parts = tuple(str(v) for v in item)
            if len(parts) == 4:
                out.append((parts[0], parts[1], parts[2], parts[3]))
            else:
                out += self._by_photo.get((parts[0], parts[1], parts[2]), [])
        return [k for k in out if k in self.index]

    def choose(self, keys: Iterable[Sequence[str]] | pd.DataFrame | None) -> list[Row]:
        """The rows a bulk action is for (all if None; a frame's ``language`` picks the row
        of that language), without those the shop could not give."""
        if keys is None:
            chosen = list(self.keys)
        elif isinstance(keys, pd.DataFrame):
            missing = [c for c in IMAGE_KEY if c not in keys.columns]
            if missing:
                raise FrameError(f"the rows frame lacks the column(s) {', '.join(missing)}")
            columns = [*IMAGE_KEY, *(["language"] if "language" in keys.columns else [])]
            given = keys[columns].astype("string").fillna("")
            chosen = self.rows_of(given.itertuples(index=False))
            if len(given) > len(chosen) and not chosen:
                raise ArgumentError(f"{plural(len(given), 'row')} not in this worklist")
        else:
            given_keys = [tuple(str(v) for v in k) for k in keys]
            chosen = self.rows_of(given_keys)
            unknown = [k for k in given_keys if not self.rows_of([k])]
            if unknown:
                raise ArgumentError(
                    f"{plural(len(unknown), 'row')} not in this worklist: {unknown[0]}"
                )
        return [k for k in chosen if k not in self.missing]

    def of_frame(self, frame: pd.DataFrame) -> list[Row]:
        """The worklist's rows among a frame's (a Result's rows: each in its language)."""
        codes = (
            frame["language"].astype("string").fillna("").tolist()
            if "language" in frame.columns
            else [""] * len(frame)
        )
        return [
            row
            for photo, code in zip(keys_of(frame), codes, strict=True)
            if (row := (*photo, code)) in self.index and row not in self.missing
        ]

    def undone(self, done: Sequence[tuple[str | None, Action]]) -> list[Row]:
        """The rows of the galleries that undone actions touched (by language)."""
        rows: list[Row] = []
        for language, action in done:
            model = self.languages.sessions[language].model
            for g in action.keys:
                if model.has(*g):
                    rows += [(g[0], g[1], name, language or "") for name in model.names(*g)]
        return [k for k in rows if k in self.index and k not in self.missing]

    # --- edits ----------------------------------------------------------------------------

    def set_captions(self, wanted: Mapping[Row, str], label: str) -> list[Row]:
        """Set these captions, one undoable action per language; the rows that changed."""
        changed = [k for k, text in wanted.items() if text != self.caption(k)]
        for code in dict.fromkeys(k[3] for k in changed):
            mine = {row_photo(k): wanted[k] for k in changed if k[3] == code}
            self.languages.sessions[code or None].model.set_captions(mine, label=label)
        return changed

    def templated(self, template: str, chosen: Sequence[Row]) -> dict[Row, str]:
        """The captions a ``fill_captions`` template gives the chosen rows, each language's
        galleries counted in that language."""
        from ..edits import fill_captions

        new: dict[Row, str] = {}
        for code in dict.fromkeys(k[3] for k in chosen):
            model = self.languages.sessions[code or None].model
            galleries = sorted({(k[0], k[1]) for k in chosen if k[3] == code})
            filled = fill_captions(edited_frame(model, galleries), template, only_empty=False)
            columns = filled[["guid", "gallery", "name", "description"]]
            for g, gal, n, d in columns.itertuples(index=False):
                new[(str(g), str(gal), str(n), code)] = text_or_none(d) or ""
        return {k: new[k] for k in chosen if k in new}

    # --- findings -------------------------------------------------------------------------

    def findings(self, code: str, galleries: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
        """``lint_captions`` findings of these galleries (guid, gallery, code) in one
        language, with the captions as edited."""
        from ..lint import lint_captions

        model = self.languages.sessions[code or None].model
        mine = [(g, gal) for g, gal, c in galleries if c == code and model.has(g, gal)]
        return lint_captions(edited_frame(model, mine), max_length=self.max_length)

    def rules(self) -> dict[Row, list[str]]:
        """The findings of every row's current caption, by row."""
        found: dict[Row, list[str]] = {}
        for code in dict.fromkeys(k[3] for k in self.keys):
            findings = self.findings(code, self.galleries)
            for photo, rule in zip(keys_of(findings), findings["rule"].astype(str), strict=True):
                found.setdefault((*photo, code), []).append(rule)
        return found

    def update_duplicates(self, galleries: Iterable[tuple[str, str, str]]) -> list[Row]:
        """Recompute the ``duplicate`` rule in these galleries; the rows it changed."""
        wanted = set(galleries)
        if not wanted:
            return []
        duplicates: set[Row] = set()
        for code in {g[2] for g in wanted}:
            findings = self.findings(code, sorted(wanted))
            found = keys_of(findings[findings["rule"] == "duplicate"])
            duplicates |= {k for p in found if (k := (*p, code)) in self.index}
        before = {k for k in self.duplicates if (k[0], k[1], k[3]) in wanted}
        self.duplicates = (self.duplicates - before) | duplicates
        return list(before ^ duplicates)

    # --- the shop as last read ------------------------------------------------------------

    def readable(self) -> list[tuple[str, str, str]]:
        """The galleries (guid, gallery, code) of the rows the shop gave."""
        return list(dict.fromkeys((k[0], k[1], k[3]) for k in self.keys if k not in self.missing))

    def reread(self) -> list[ReadProblem]:
        """Read those galleries again, each in its language (edits kept, conflicts marked)."""
        readable = self.readable()
        return [
            problem
            for language, session in self.languages.sessions.items()
            for problem in session.reread(
                [(g, gal) for g, gal, c in readable if c == (language or "")]
            )
        ]

    def take_shop(self) -> None:
        """Take the shop's values as the models now hold them: each row's original caption
        and URL, the rows the shop could not give (and why), the ``duplicate`` rule."""
        self._base = {}
        for language, session in self.languages.sessions.items():
            code = language or ""
            held = [g for g in self.galleries_in(language) if session.model.has(*g)]
            mine = [row_photo(k) for k in self.keys if k[3] == code]
            self._base[code] = restrict(session.model.base_frame(held), mine)
        self._positions = {
            (*photo, code): i
            for code, base in self._base.items()
            for i, photo in enumerate(keys_of(base))
        }
        self.missing = {}
        for row in self.keys:
            if row not in self._positions:
                why = next(
                    (
                        p.message
                        for c, p in self._problems
                        if c == row[3] and p.concerns(row_photo(row))
                    ),
                    None,
                )
                self.missing[row] = (
                    f"Could not read it from the shop: {why}" if why else "Not in the shop"
                )
        self.update_duplicates(self.galleries)

    def shop_value(self, row: Row, column: str) -> Any:
        """The row's ``column`` as the shop had it at the last read (None: not read)."""
        position = (self._positions or {}).get(row)
        if position is None:
            return None
        return text_or_none(self._base[row[3]][column].iloc[position])
