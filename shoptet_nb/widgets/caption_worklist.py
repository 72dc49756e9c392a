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
from typing import TYPE_CHECKING, Any

import pandas as pd
import traitlets as t

from ..columns import IMAGE_KEY
from ..editing import EditSession
from ..editing.inputs import SPACES, clean_caption, worklist_language, worklist_photos
from ..editing.loading import Photo, ReadProblem, edited_frame, keys_of, restrict
from ..editing.wording import outcome_view, plural, reloaded_notice
from ..errors import ArgumentError, FrameError, ShoptetError
from ..lint import LINT_RULES, RULE_PATTERNS
from .base import EditingWidget, cell_text, check_session, parse_photo_id, photo_id, static_html

if TYPE_CHECKING:
    from ..client import ShoptetClient
    from ..write.result import Result

__all__ = ["CaptionWorklist", "clean_caption"]

#: A photo: (product guid, gallery, file name).
Key = Photo

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
        language = worklist_language(frame)
        keys, suggestions = worklist_photos(frame)
        check_session(session, client, language)
        session = session or EditSession(client, language=language, journal=journal)
        super().__init__(session, max_length=max_length, **kwargs)
        self._keys: list[Key] = keys
        self._index: dict[Key, int] = {k: i for i, k in enumerate(keys)}
        self._suggestions = suggestions
        self._galleries_held = list(dict.fromkeys((k[0], k[1]) for k in keys))
        self._missing: dict[Key, str] = {}
        self._duplicates: set[Key] = set()
        self._position_cache: dict[Key, int] | None = None
        # Columns the frame lacks are read from the shop: the whole galleries, so that
        # `duplicate` and the template's {n} and {count} see every photo, not only the
        # worklist's (``progress``: the bar of the one slow part of building a big worklist).
        complete = all(c in frame.columns for c in _NEEDED)
        given = frame.drop_duplicates(IMAGE_KEY) if complete else None  # first row of each
        self._problems: list[ReadProblem] = session.load(
            self._galleries_held, frame=given, partial="keep", progress=progress
        )
        whole = next((p.error for p in self._problems if p.error is not None), None)
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
        findings = self._findings(self._galleries_held)
        found: dict[Key, list[str]] = {}
        for key, rule in zip(keys_of(findings), findings["rule"].astype(str), strict=True):
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
        self.model.set_caption(*key, cell_text(text))
        self.revisions.bump([key])
        self._after([key])

    def keep_mine(self, guid: str, name: str, gallery: str = "shop") -> None:
        """Resolve a conflict by keeping your caption: the next save sends it."""
        key = self._check((str(guid), str(gallery), str(name)))
        self.model.keep_mine(*key)
        self._after([key])

    def take_theirs(self, guid: str, name: str, gallery: str = "shop") -> None:
        """Resolve a conflict by taking the shop's caption: your edit is dropped."""
        key = self._check((str(guid), str(gallery), str(name)))
        self.model.take_theirs(*key)
        self.revisions.bump([key])
        self._after([key])

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
        frame = edited_frame(self.model, sorted({(k[0], k[1]) for k in chosen}))
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
        wanted = {k: SPACES.sub(" ", self.model.caption(*k)).strip() for k in chosen}
        return self._bulk(wanted, "trimmed whitespace")

    def take_suggestions(self, keys: Iterable[Key] | pd.DataFrame | None = None) -> int:
        """Use each chosen row's suggestion (the frame's ``suggestion`` column, else the caption
        without markup and stray spaces). Returns how many changed."""
        chosen = self._chosen(keys)
        wanted = {k: s for k in chosen if (s := self._suggestion(k))}
        return self._bulk(wanted, "suggestions taken")

    def refresh(self) -> None:
        """Read the worklist's galleries again; unsaved edits are kept, conflicts marked."""
        galleries = list(dict.fromkeys((k[0], k[1]) for k in self._keys if k not in self._missing))
        # A big worklist takes a while to read: the bar says so, and Save and the other
        # actions are disabled until the grid shows the shop as it is now.
        count = len(galleries)
        self.busy_text = (
            f"Reading {count} {'gallery' if count == 1 else 'galleries'} from the shop…"
        )
        self.progress = -1.0
        self.busy = True
        try:
            problems = self.session.reread(galleries)
        finally:
            self.busy = False
            self.busy_text = ""
        self._render_all()
        text = " ".join(map(str, problems)) or reloaded_notice(self._held(), self.marked)
        self._say(text, "error" if problems else "info")

    # --- front-end events (each calls its Python twin) ------------------------------------

    def vue_keep_mine(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.keep_mine(*self._guid_name_gallery(data)))

    def vue_take_theirs(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.take_theirs(*self._guid_name_gallery(data)))

    def vue_bulk_edit(self, data: dict[str, Any]) -> None:
        def run() -> None:
            keys = [parse_photo_id(str(k)) for k in data.get("keys") or []]
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

    def _guid_name_gallery(self, data: Mapping[str, Any]) -> tuple[str, str, str]:
        guid, gallery, name = parse_photo_id(str(data["key"]))
        return guid, name, gallery

    def _editable(self, key: Key) -> bool:
        return key in self._index and key not in self._missing

    def _took_captions(self, keys: list[Key]) -> None:
        self._after(keys)

    def _show_changed(self, photos: list[Key]) -> None:
        # Only the rows of the galleries the action touched go back to the browser.
        self._after([k for k in photos if k in self._index and k not in self._missing])

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
        changed = [k for k, text in wanted.items() if text != self.model.caption(*k)]
        if changed:
            self.model.set_captions({k: wanted[k] for k in changed}, label=label)
        self.revisions.bump(changed)
        self._after(changed)
        return len(changed)

    def _original(self, key: Key) -> str | None:
        position = self._positions().get(key)
        if position is None:
            return None
        return cell_text(self._base["description"].iloc[position])

    def _positions(self) -> dict[Key, int]:
        if self._position_cache is None:
            self._position_cache = {k: i for i, k in enumerate(keys_of(self._base))}
        return self._position_cache

    def _suggestion(self, key: Key) -> str:
        given = self._suggestions.get(key)
        current = self.model.caption(*key)
        wanted = given if given is not None else clean_caption(current)
        return wanted if wanted and wanted != current else ""

    def _update_duplicates(self, galleries: set[tuple[str, str]]) -> list[Key]:
        """Recompute the ``duplicate`` rule in these galleries; return the rows it changed."""
        if not galleries:
            return []
        findings = self._findings(sorted(galleries))
        found = keys_of(findings[findings["rule"] == "duplicate"])
        duplicates = {k for k in found if k in self._index}
        before = {k for k in self._duplicates if (k[0], k[1]) in galleries}
        self._duplicates = (self._duplicates - before) | duplicates
        return list(before ^ duplicates)

    def _row(self, key: Key) -> dict[str, Any]:
        missing = self._missing.get(key)
        names = self.session.product_names
        if missing:
            return {
                "i": self._index[key],
                "k": photo_id(key),
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
        state = self.model.state(*key) or ""
        message = ""
        theirs = None
        if state == "conflict":
            conflict = self._conflict_of(key)
            theirs = conflict.get("theirs") if conflict else None
            message = f"Changed in the shop since you edited it: the shop says “{theirs or ''}”"
        elif state in ("failed", "saved"):
            outcome = self.model.outcome(*key)
            message = outcome_view(outcome)["label"] if outcome else ""
        return {
            "i": self._index[key],
            "k": photo_id(key),
            "p": names.get(key[0], key[0]),
            "n": key[2],
            "c": self.model.caption(*key),
            "r": self.revisions[key],
            "d": key in self._duplicates,
            "s": state,
            "m": message,
            "y": self._suggestion(key),
            "t": theirs,
        }

    def _conflict_of(self, key: Key) -> dict[str, str] | None:
        found = self._conflicts_of([(key[0], key[1])]).get(key)
        return found[0] if found else None

    def _after(self, keys: Sequence[Key]) -> None:
        """Push the rows an action touched (and those whose duplicate flag moved)."""
        galleries = {(k[0], k[1]) for k in keys}
        touched = set(keys) | set(self._update_duplicates(galleries))
        self.row_updates = {str(self._index[k]): self._row(k) for k in touched}
        self._render_counts()

    def _show_part(self, result: Result) -> None:
        """One part of a save ended: its rows show Saved / Not saved at once."""
        touched = [k for k in keys_of(result.rows) if k in self._index and k not in self._missing]
        self.revisions.bump(touched)
        self._after(touched)

    def _render_all(self) -> None:
        """The whole grid again, from the shop as the model now holds it."""
        held = [g for g in self._galleries_held if self.model.has(*g)]
        self._base = restrict(self.model.base_frame(held), self._keys)
        self._position_cache = None
        present = set(keys_of(self._base))
        self._missing = {}
        for key in self._keys:
            if key not in present:
                why = next((p.message for p in self._problems if p.concerns(key)), None)
                self._missing[key] = (
                    f"Could not read it from the shop: {why}" if why else "Not in the shop"
                )
        self.revisions.bump(self._keys)
        self._update_duplicates(set(held))
        self.rows_data = [self._row(k) for k in self._keys]
        self._render_counts()

    def vue_want_thumbs(self, data: dict[str, Any]) -> None:
        keys = [parse_photo_id(str(k)) for k in (data.get("keys") or [])[:200]]
        positions = self._positions()
        urls = self._base["url"]
        wanted = {k: cell_text(urls.iloc[positions[k]]) for k in keys if k in positions}
        with contextlib.suppress(ShoptetError):
            self.thumbs = self._thumbnails(wanted)

    # --- static fallback ------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """A static view (the first 50 rows), for where widgets cannot render."""
        esc = html.escape
        rows = []
        for key in self._keys[:50]:
            row = self._row(key)
            state = STATE_LABELS.get(row["s"], "")
            rows.append([esc(row["p"]), esc(row["n"]), esc(row["c"]), esc(state)])
        more = len(self._keys) - 50
        return static_html(
            "worklist",
            "Caption worklist",
            f"{plural(len(self._keys), 'photo')} · {self.pending_text}",
            ["product", "file", "caption", "state"],
            rows,
            sandbox=self.is_sandbox,
            tail=f"… and {more} more" if more > 0 else "",
        )
