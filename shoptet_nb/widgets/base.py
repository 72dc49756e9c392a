"""What the gallery editor and the caption worklist share: the base widget over an
:class:`~shoptet_nb.editing.session.EditSession` (action bar state, notices, progress, the
preview, the save, how a front-end event runs), photo ids, caption revisions and the static
table. Reading, planning and saving live in :mod:`shoptet_nb.editing`; the words in
:mod:`shoptet_nb.editing.wording`."""

from __future__ import annotations

import contextlib
import functools
import html
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
import traitlets as t
from ipyvuetify.VuetifyTemplate import VuetifyTemplate

from ..editing import wording
from ..editing.inputs import text_or_none as cell_text  # re-exported for the views
from ..editing.loading import edited_frame, parse_photo_id, photo_id  # re-exported too
from ..errors import ArgumentError, ShoptetError
from ..progress_bar import hidden_when_done
from .thumbnails import ThumbnailSource
from .vue_parts import shared_parts, widget_template

if TYPE_CHECKING:
    from ..client import ShoptetClient
    from ..editing.languages import LanguageSessions
    from ..editing.loading import Gallery, Photo
    from ..editing.model import EditModel
    from ..editing.session import EditSession
    from ..plan import Plan
    from ..write.result import Result

__all__ = [
    "EditingWidget",
    "Revisions",
    "cell_text",
    "check_session",
    "parse_photo_id",
    "photo_id",
    "photo_preview_rows",
    "preview_rows",
    "static_html",
]

log = logging.getLogger("shoptet_nb")

#: Rows of a preview shown in a widget (the Plan holds them all).
PREVIEW_LIMIT = 300


def _int(value: object) -> int | None:
    text = cell_text(value)
    try:
        return None if text is None else int(float(text))
    except ValueError:
        return None


class Revisions:
    """The kernel's revision of each photo's caption: a view sends it with the caption, and the
    browser drops its draft of a caption whose revision moved (the kernel set the text). A key
    is a photo, or a row of a view (a photo in one language)."""

    def __init__(self) -> None:
        self._counter = 0
        self._revs: dict[tuple[str, ...], int] = {}

    def bump(self, keys: Iterable[tuple[str, ...]]) -> None:
        """Mark these captions as set by the kernel."""
        self._counter += 1
        for key in keys:
            self._revs[key] = self._counter

    def __getitem__(self, key: tuple[str, ...]) -> int:
        return self._revs.get(key, 0)


def preview_rows(rows: pd.DataFrame, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """A plan's rows as the preview table shows them (``names``: product titles by guid).

    The texts are under both names the views' templates use (``old``/``new`` and
    ``old_description``/``new_description``).
    """
    out = []
    for i, row in enumerate(rows.to_dict("records")):
        old, new = cell_text(row.get("old_description")), cell_text(row.get("new_description"))
        out.append(
            {
                "id": str(i),
                "product": names.get(str(row["guid"]), str(row["guid"])),
                "name": str(row["name"]),
                "status": cell_text(row.get("status")) or "",
                "reason": cell_text(row.get("reason")) or "",
                "old_priority": _int(row.get("old_priority")),
                "new_priority": _int(row.get("new_priority")),
                "old_description": old,
                "new_description": new,
                "old": old,
                "new": new,
            }
        )
    return out


def photo_preview_rows(rows: pd.DataFrame, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Photo adds and deletes (``PhotoRows.rows``) as rows of the same preview table: the
    image column says what happens (``add: <url>``, ``delete: <name>``), the reason why (a
    variant that shows it, the photo that becomes main)."""
    out = []
    for i, row in enumerate(rows.to_dict("records")):
        why = [cell_text(row.get("message")) or ""]
        if cell_text(row.get("variant_codes")) and str(row["variant_codes"]) not in why[0]:
            why.append(f"shown by variant(s) {row['variant_codes']}")
        main = cell_text(row.get("becomes_main"))
        if main and row.get("status") == "would_delete" and main not in why[0]:
            why.append(f"{main} becomes the main image")
        out.append(
            {
                "id": f"photo-{i}",
                "product": names.get(str(row["guid"]), str(row["guid"])),
                "name": f"{row['action']}: {row['label']}",
                "status": cell_text(row.get("status")) or "",
                "reason": "; ".join(w for w in why if w),
                "old_priority": None,
                "new_priority": None,
                "old_description": None,
                "new_description": None,
                "old": None,
                "new": None,
            }
        )
    return out


def static_html(
    kind: str,
    heading: str,
    line: str,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    sandbox: bool,
    tail: str = "",
) -> str:
    """A static view for where widgets cannot render: ``heading``, ``line``, ``head`` and
    ``tail`` as text, ``rows`` as ready cell markup (the caller escapes the texts in them)."""
    esc = html.escape
    badge = "<strong>[SANDBOX]</strong> " if sandbox else ""
    cells = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    more = f"<p>{esc(tail)}</p>" if tail else ""
    return (
        f'<div class="shoptet-nb-{kind}"><h4>{badge}{esc(heading)}</h4><p>{esc(line)}</p>'
        f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>{more}</div>"
    )


def check_session(session: EditSession | None, client: ShoptetClient, language: str | None) -> None:
    """Refuse a session of another client or language than the view's."""
    if session is None:
        return
    if session.client is not client:
        raise ArgumentError("session= belongs to another client than the one passed")
    if session.language != language:
        raise ArgumentError(
            f"session= edits language {session.language!r}, the frame or language= says "
            f"{language!r}: pass a session of that language"
        )


def _hiding_read_bars(init: Callable[..., None]) -> Callable[..., None]:
    """A widget class's ``__init__`` whose reads hide their progress bars once done: what a
    widget reads to build itself, it then shows, so "Reading galleries: 7 of 7" need not stay
    above it (in a notebook and in Voila)."""

    @functools.wraps(init)
    def build(self: EditingWidget, *args: Any, **kwargs: Any) -> None:
        with hidden_when_done():
            init(self, *args, **kwargs)

    return build


def _conflicted_photos(conflicts: pd.DataFrame) -> int:
    """Photos (in each language, when the frame says) with an edit in conflict."""
    key = [c for c in ("guid", "gallery", "name", "language") if c in conflicts.columns]
    return len(conflicts[key].drop_duplicates())


class EditingWidget(VuetifyTemplate):
    """What the gallery editor and the caption worklist have in common: a session under the
    view, the action bar's state, the notice, the save's progress, the preview, and how a
    front-end event runs.

    A subclass sets ``template_file``, ``noun`` and ``marked`` (the words of its notices),
    re-renders after the session's model changed wholesale in :meth:`_render_all`, may take
    each saved part in :meth:`_show_part`, says which photos take caption drafts in
    :meth:`_editable`, and has ``_repr_html_()`` (the static view stored in notebooks).
    """

    #: The shared Vue parts (action bar, plan preview ...) both templates use.
    components = shared_parts()
    #: ``(__file__, "name.vue")`` in a subclass: its template, beside its module.
    template_file: tuple[str, str] | None = None

    is_sandbox = t.Bool(False).tag(sync=True)
    max_length = t.Int(125).tag(sync=True)
    pending = t.Int(0).tag(sync=True)
    pending_text = t.Unicode("No unsaved changes").tag(sync=True)
    can_undo = t.Bool(False).tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    busy_text = t.Unicode("").tag(sync=True)
    #: Save progress in percent; negative while it cannot be known (indeterminate bar).
    progress = t.Float(-1.0).tag(sync=True)
    notice = t.Unicode("").tag(sync=True)
    notice_type = t.Unicode("info").tag(sync=True)
    preview_open = t.Bool(False).tag(sync=True)
    preview_summary = t.Unicode("").tag(sync=True)
    preview_rows = t.List(t.Dict()).tag(sync=True)
    thumbs = t.Dict().tag(sync=True)

    #: What a row of a save is, and where the rows a save missed show, in notices.
    noun = "image"
    marked = "the cards"
    #: Which galleries a save reads again (see ``EditSession.save``).
    reread_after_save: Literal["uncertain", "all"] = "uncertain"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _hiding_read_bars(cls.__dict__["__init__"])  # type: ignore[method-assign]

    def __init__(self, session: EditSession, *, max_length: int, **kwargs: Any) -> None:
        # ipyvue would send the template_file as it is; the file is handed over with the shared
        # mixins written into its script instead (vue_parts.widget_template).
        assert self.template_file is not None, "a subclass sets template_file"
        beside, name = self.template_file
        self.template_file = None
        template = widget_template(Path(beside).parent / name)
        super().__init__(template=template, **kwargs)
        #: The editing session under the view: the client, language, journal and model.
        self.session = session
        self.revisions = Revisions()
        self.is_sandbox = bool(getattr(session.client, "is_sandbox", False))
        self._thumbs = ThumbnailSource(session.client, inline_all=self.is_sandbox)
        self.max_length = max_length

    # --- the session, for code ----------------------------------------------------------

    @property
    def client(self) -> ShoptetClient:
        """The client the widget reads and saves with."""
        return self.session.client

    @property
    def model(self) -> EditModel:
        """The editing state the view shows (pending edits, conflicts, outcomes, undo)."""
        return self.session.model

    @property
    def language(self) -> str | None:
        """The language of the captions edited, as frames carry it (None: the shop's default)."""
        return self.session.language

    @property
    def changes(self) -> pd.DataFrame:
        """The pending edits to save, as a frame ``plan_updates`` accepts.

        One row per image to write (guid, gallery, name, priority, description); a field that
        did not change is ``<NA>``. Priorities are the fewest writes that give the wanted order.
        Edits in conflict are left out (see :attr:`conflicts`).
        """
        return self._edits.changes

    @property
    def conflicts(self) -> pd.DataFrame:
        """Pending edits whose field changed in the shop since you made them: guid, gallery,
        name, field (``description`` or ``order``), yours, theirs. Save skips them until they
        are resolved with ``keep_mine`` or ``take_theirs``."""
        return self._edits.conflicts

    @property
    def result(self) -> Result | None:
        """The Result of the last save (``None`` before the first)."""
        return self._saver.result

    @property
    def last_plan(self) -> Plan | None:
        """The Plan of the last preview or save."""
        return self.session.last_plan

    def plan(self) -> Plan:
        """The plan of the pending edits (``plan_updates`` against the shop as last read)."""
        return self._saver.plan()

    # --- the actions every such widget has -----------------------------------------------

    def undo(self) -> str | None:
        """Undo the last action (a caption typed, a move, a bulk edit, a reset, a conflict
        resolved). Returns what was undone, as the notice says, or None for nothing."""
        action = self.model.undo()
        touched = [] if action is None else [g for g in action.keys if self.model.has(*g)]
        photos = [(*g, name) for g in touched for name in self.model.names(*g)]
        self.revisions.bump(photos)
        self._show_changed(photos)
        self._say(wording.undone_notice(action.label if action else None), "info")
        return action.label if action else None

    def reset(self) -> None:
        """Forget every unsaved edit, in every gallery (Undo brings them back)."""
        had = self._edits.pending_count
        self._edits.reset()
        self.preview_open = False
        self._render_all()
        self._say(wording.reset_notice(had), "info")

    def refresh(self) -> None:
        raise NotImplementedError

    def preview(self) -> Plan:
        """Show the plan (old → new for every pending edit) in the widget and return it."""
        plan = self.plan()
        self.preview_rows = preview_rows(plan.rows.head(PREVIEW_LIMIT), self.session.product_names)
        self.preview_summary = wording.preview_summary(
            plan.counts,
            len(plan.rows),
            noun=self.noun,
            held=wording.held_text(self._held(), self.marked),
            shown=PREVIEW_LIMIT,
        )
        self.preview_open = True
        return plan

    def save(self) -> Result | None:
        """Save every pending edit that is not in conflict (see ``EditSession.save``): plan,
        apply in parts, each part's outcome shown as it ends; then read the shop again.

        Edits that were not saved stay pending, and edits in conflict are not sent (the notice
        says so). Returns the Result (also :attr:`result`), or None when there was nothing to
        send. An error that stops the save is shown and raised; so is an interrupt, after what
        was saved up to then is shown (``shoptet_nb.Interrupted`` carries it).
        """
        # Photos to add or delete are the editor's only (a worklist's model never holds any).
        count = len(self.changes) + self.model.photo_edit_count
        if not count:
            held = wording.held_text(self._held(), self.marked)
            self._say(f"Nothing to save: no pending edits.{held}", "info")
            self._render_all()
            return None
        self.preview_open = False
        self.busy = True
        self.progress = -1.0
        saving = f"Saving {wording.plural(count, 'change')}"
        self.busy_text = f"{saving}…"

        def starting(number: int, parts: int) -> None:
            if parts > 1:
                self.busy_text = f"{saving}: part {number} of {parts}…"

        try:
            result = self._saver.save(
                on_part=self._show_part,
                on_start=starting,
                on_progress=self._show_progress,
                reread=self.reread_after_save,
            )
        except KeyboardInterrupt as exc:
            self._render_all()
            self._say(
                wording.interrupted_notice(getattr(exc, "result", None), self.noun), "warning"
            )
            raise
        except Exception as exc:
            self._render_all()
            stop = self._saver.last_stop
            text = (
                wording.stopped_notice(exc, stop.part, stop.parts, stop.result, self.noun)
                if stop is not None
                else wording.failed_notice(exc)
            )
            self._say(" ".join([text, *map(str, self._saver.save_problems)]), "error")
            raise
        finally:
            self.busy = False
            self.busy_text = ""
        self._render_all()
        notices = []
        if result is not None:
            notices.append(
                wording.saved_notice(
                    result,
                    noun=self.noun,
                    marked=self.marked,
                    held=wording.held_text(self._held(result), self.marked),
                    problems=[str(p) for p in self._saver.save_problems],
                )
            )
        photos = self.session.photo_result
        if photos is not None:
            notices.insert(0, wording.photos_notice(photos.counts))
            if result is None and self.session.save_problems:
                notices.append((" ".join(map(str, self.session.save_problems)), "error"))
        if notices:
            # Error only when every part failed; a part not fully done makes it a warning.
            kinds = {kind for _, kind in notices}
            kind = (
                "error" if kinds == {"error"} else "success" if kinds == {"success"} else "warning"
            )
            self._say(" ".join(text for text, _ in notices), kind)
        return result

    # --- what a view adds -----------------------------------------------------------------

    @property
    def _edits(self) -> EditModel | LanguageSessions:
        """The pending edits the action bar counts (a view over several sessions: all)."""
        return self.model

    @property
    def _saver(self) -> EditSession | LanguageSessions:
        """What plans and saves them (a view over several sessions: each in turn)."""
        return self.session

    def _render_all(self) -> None:
        """Show the model as it is now (after a save, a re-read, a reset)."""
        raise NotImplementedError

    def _show_changed(self, photos: list[Photo]) -> None:
        """Show these photos again after an action changed them (default: everything)."""
        self._render_all()

    def _show_part(self, result: Result) -> None:
        """Show one saved part's rows as it ends (default: nothing until the save ends)."""

    def _editable(self, key: Photo) -> bool:
        """Whether a caption draft for ``key`` is taken (the photo is loaded and in the view)."""
        raise NotImplementedError

    def _took_captions(self, keys: list[Photo]) -> None:
        """Show the photos whose caption drafts a message carried (default: nothing)."""

    def _after_error(self) -> None:
        """Bring the view back in line after an action failed half-way."""
        self._render_all()

    # --- shared internals -----------------------------------------------------------------

    def _held(self, result: Result | None = None) -> int:
        """Photos with an edit in conflict that were not sent (those of ``result`` are counted
        in its notice already)."""
        held = _conflicted_photos(self._edits.conflicts)
        if result is not None:
            held -= int((result.rows["status"] == "conflict").sum())
        return max(held, 0)

    def _render_counts(self) -> None:
        """The action bar: how many unsaved edits, in how many products, and the undo."""
        edits = self._edits
        self.pending = edits.pending_count
        self.pending_text = wording.pending_text(
            self.pending, len(edits.pending_products), _conflicted_photos(edits.conflicts)
        )
        self.can_undo = bool(edits.can_undo)

    def _conflicts_of(self, galleries: Iterable[Gallery]) -> dict[Photo, list[dict[str, str]]]:
        """The conflicts of these galleries by photo: ``[{field, yours, theirs}]``."""
        wanted = set(galleries)
        out: dict[Photo, list[dict[str, str]]] = {}
        columns = ["guid", "gallery", "name", "field", "yours", "theirs"]
        for guid, gallery, name, field, yours, theirs in self.model.conflicts[columns].to_numpy():
            if (str(guid), str(gallery)) in wanted:
                out.setdefault((str(guid), str(gallery), str(name)), []).append(
                    {"field": str(field), "yours": str(yours), "theirs": str(theirs)}
                )
        return out

    def _findings(self, galleries: Iterable[Gallery]) -> pd.DataFrame:
        """``lint_captions`` findings of these galleries' photos, with the captions as edited."""
        from ..lint import lint_captions

        frame = edited_frame(self.model, [g for g in galleries if self.model.has(*g)])
        return lint_captions(frame, max_length=self.max_length)

    def _thumbnails(self, names: Mapping[Photo, str | None]) -> dict[str, str]:
        """``{photo: fallback URL}`` → ``{photo id: thumbnail src}``."""
        return self._thumbs.sources({photo_id(k): (k[2], url) for k, url in names.items()})

    # --- front-end events: each runs its Python twin ---------------------------------------

    def vue_save(self, data: dict[str, Any]) -> None:
        self._event(data, self._save_from_view)

    def vue_undo(self, data: dict[str, Any]) -> None:
        self._event(data, self.undo)

    def vue_reset(self, data: dict[str, Any]) -> None:
        self._event(data, self.reset)

    def vue_preview(self, data: dict[str, Any]) -> None:
        self._event(data, self.preview)

    def vue_refresh(self, data: dict[str, Any]) -> None:
        self._event(data, self.refresh)

    def vue_set_caption(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: None)

    def close_preview(self) -> None:
        """Close the preview."""
        self.preview_open = False

    def vue_close_preview(self, data: dict[str, Any]) -> None:
        self._event(data, self.close_preview)

    def _save_from_view(self) -> None:
        with contextlib.suppress(ShoptetError):  # save() has shown it in the widget already
            self.save()

    def _event(self, data: Mapping[str, Any], action: Callable[[], object]) -> None:
        """Run a front-end action: take the caption drafts it carries first, show failures."""
        try:
            self._take_captions(data)
            action()
        except ShoptetError as exc:
            self._say(str(exc), "error")
            self._after_error()
        except Exception as exc:  # a bug must be visible in the widget, not only in a log
            log.exception("%s: unexpected error", type(self).__name__)
            self._say(f"Unexpected error ({type(exc).__name__}): {exc}", "error")
            self._after_error()

    def _take_captions(self, data: Mapping[str, Any]) -> None:
        """Apply the caption drafts a front-end message carries (``{photo id: text}``)."""
        touched = []
        for ident, text in (data.get("captions") or {}).items():
            key = parse_photo_id(str(ident))
            if self._editable(key):
                self.model.set_caption(*key, None if text is None else str(text))
                touched.append(key)
        if touched:
            self._took_captions(touched)

    def _say(self, text: str, kind: str) -> None:
        self.notice_type = kind
        self.notice = text

    def _show_progress(self, done: int, total: int) -> None:
        """The save's callback: galleries written so far → the bar's percentage."""
        self.progress = 100.0 * done / total if total else -1.0

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self._repr_html_()
        return bundle

    def _repr_html_(self) -> str:
        raise NotImplementedError
