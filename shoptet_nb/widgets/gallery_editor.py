"""``GalleryEditor``: one product's gallery on screen, captions and order edited in place.

The widget is a thin view over :class:`~shoptet_nb.edit_model.EditModel`, which holds the
editing state (the shop as last read, the pending edits, conflicts, outcomes, the undo stack);
the traitlets here are only what the browser renders, and the view is ``gallery_editor.vue``
beside this file. Every front-end event ``<name>`` arrives in
``vue_<name>`` and calls a plain Python method of the same job (``move_up``, ``save`` ...), so
notebooks and tests can drive the editor without a browser.

Saving goes through :func:`shoptet_nb.plan.plan_updates` and :func:`shoptet_nb.apply.apply`,
exactly like code does: the widget itself never speaks HTTP except through the client's methods.

Typing stays in the browser: a caption field shows a local draft and sends it to the kernel
when typing pauses, when the field loses focus, and with every button press (Save flushes the
drafts in its own message), so there is no round trip per keystroke.
"""

from __future__ import annotations

import html
import logging
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pandas as pd
import traitlets as t

from ..columns import IMAGE_COLUMNS, typed
from ..edit_model import EditModel, frame_language, language_name
from ..editing.audit_marks import audit_marks
from ..editing.wording import outcome_view, saved_notice
from ..errors import ArgumentError, FrameError, ShoptetError
from ._shared import EditingWidget, ThumbnailSource, cell_text
from ._shared import data_uri as data_uri  # re-exported: part of this module's helpers
from ._shared import is_loopback_url as is_loopback_url
from .vue_parts import shared_parts

if TYPE_CHECKING:
    from ..apply import Result
    from ..audit import ImageAudit
    from ..client import ShoptetClient
    from ..plan import Plan

__all__ = ["GalleryEditor"]

log = logging.getLogger("shoptet_nb")

#: A gallery on screen: (product guid, gallery name).
Key = tuple[str, str]

_SEARCH_LIMIT = 20


# -- pure helpers ----------------------------------------------------------------------------


def card_key(key: Key, name: str) -> str:
    """The id of an image across products: ``guid/gallery/name`` (names may hold ``/``)."""
    return f"{key[0]}/{key[1]}/{name}"


def parse_card_key(text: str) -> tuple[Key, str]:
    """Inverse of :func:`card_key`."""
    guid, gallery, name = text.split("/", 2)
    return (guid, gallery), name


def fold(text: str) -> str:
    """Text for matching: case and accents ignored (``Čaj`` matches ``caj``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _int(value: object) -> int | None:
    if value is None or value is pd.NA:
        return None
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# -- the widget ------------------------------------------------------------------------------


class GalleryEditor(EditingWidget):
    """Edit the captions and the order of product photo galleries, then save them safely.

    Open it on one product, on many (step with previous / next, or search by name), or on a
    frame already read::

        editor = GalleryEditor(client, product=guid)
        editor = GalleryEditor(client, products=guids)          # a list, or a frame with guid
        editor = GalleryEditor(client, images=images)           # a read_images() frame
        editor                                                  # show it

    An editor edits one language: ``language=`` (None: the shop's default), or the language
    of the ``images=`` frame (its ``language`` column; a frame mixing languages, or a
    ``language=`` other than the frame's, is refused). Reloads read it and Save writes it.
    The galleries of an ``images=`` frame are shown as the frame holds them when it holds
    every photo (as ``read_images`` returned it); a gallery it holds only some photos of (a
    filtered worklist) is read whole from the shop when first shown, so every photo is on
    screen and a move writes the fewest priorities of the real gallery.

    From code: :attr:`changes` (the pending edits, a frame ``plan_updates`` accepts),
    :attr:`conflicts`, :meth:`plan`, :meth:`save` and :attr:`result`; every button has a
    method (:meth:`move_up`, :meth:`move_down`, :meth:`make_main`, :meth:`move`,
    :meth:`set_caption`, :meth:`undo`, :meth:`discard`, :meth:`reset`, :meth:`keep_mine`,
    :meth:`take_theirs`, :meth:`preview`, :meth:`previous_product`, :meth:`next_product`,
    :meth:`show_product`, :meth:`search_products`, :meth:`refresh`).

    The pending edits are exactly what you did, against the shop as it is now: every reload
    (⟳, after a save, on returning to a product) rebases them. An edit whose field changed
    in the shop meanwhile is a conflict, shown on its card and never sent until you keep
    yours or take the shop's. Edits are kept per product while you step through products;
    Preview and Save cover all of them. ``journal`` goes to
    :func:`~shoptet_nb.apply.apply` (by default every save is journaled, so it can be
    reverted). ``max_length`` is the caption length the counter and the ``too_long`` hint use.
    ``audit`` (an :func:`~shoptet_nb.audit_images` result) shows each photo's size and marks
    (under 500 px, wrong extension, duplicate …) on its card.
    """

    template_file = (__file__, "gallery_editor.vue")
    components = shared_parts()  # the action bar and plan preview its template uses

    # --- state the view renders (synced) ------------------------------------------------
    heading = t.Unicode("").tag(sync=True)
    subheading = t.Unicode("").tag(sync=True)
    current_guid = t.Unicode("").tag(sync=True)
    gallery_name = t.Unicode("shop").tag(sync=True)
    has_previous = t.Bool(False).tag(sync=True)
    has_next = t.Bool(False).tag(sync=True)
    cards = t.List(t.Dict()).tag(sync=True)
    thumbs = t.Dict().tag(sync=True)
    #: The products holding pending edits: {guid, title, current} (click to jump).
    pending_products = t.List(t.Dict()).tag(sync=True)
    conflict_count = t.Int(0).tag(sync=True)
    undo_text = t.Unicode("").tag(sync=True)
    search_results = t.List(t.Dict()).tag(sync=True)

    def __init__(
        self,
        client: ShoptetClient,
        *,
        product: str | None = None,
        products: Iterable[str] | pd.DataFrame | pd.Series | None = None,
        images: pd.DataFrame | None = None,
        gallery: str = "shop",
        language: str | None = None,
        max_length: int = 125,
        journal: str | Path | bool | None = None,
        audit: ImageAudit | None = None,
        **kwargs: Any,
    ) -> None:
        if sum(x is not None for x in (product, products, images)) > 1:
            raise ArgumentError(
                "GalleryEditor: pass one of product=, products= or images=, not several"
            )
        if gallery not in ("shop", "shop360"):
            raise ArgumentError(
                f"unknown gallery {gallery!r}: use 'shop' (normal photos) or 'shop360'"
            )
        language = _editor_language(client, images, language)
        super().__init__(**kwargs)
        self._client = client
        self._gallery = gallery
        # An image audit's size and marks (2027 rule, copies) per photo, shown on the cards.
        self._audit_marks = audit_marks(audit) if audit is not None else {}
        #: The one language edited, as frames carry it (None: the shop's default).
        self._language = language
        self._journal = journal
        #: The editing state this widget shows (shared with other views of the same edits).
        self.model = EditModel(language=language)
        self._keys: list[Key] = []
        self._index = -1
        self._product_names: dict[str, str] = {}
        self._given: pd.DataFrame | None = None
        self._given_whole: set[Key] = set()  # galleries of which images= holds every photo
        self._revs: dict[str, int] = {}
        self._rev_counter = 0
        self._catalogue: list[dict[str, str]] | None = None
        #: The Result of the last save (``None`` before the first).
        self.result: Result | None = None
        #: The Plan of the last preview or save.
        self.last_plan: Plan | None = None

        self.is_sandbox = bool(getattr(client, "is_sandbox", False))
        self._thumbs = ThumbnailSource(client, inline_all=self.is_sandbox)
        self.max_length = max_length
        self.gallery_name = gallery
        if images is not None:
            self._init_from_frame(images)
        elif product is not None:
            self._keys = [(str(product), gallery)]
        elif products is not None:
            self._keys = [(guid, gallery) for guid in self._guids_of(products)]
        if self._keys:
            self._show(0)
        else:
            self._render()

    # --- construction helpers -----------------------------------------------------------

    def _init_from_frame(self, images: pd.DataFrame) -> None:
        if not isinstance(images, pd.DataFrame):
            raise FrameError(f"images= needs a DataFrame, got {type(images).__name__}")
        missing = [c for c in ("guid", "gallery", "name") if c not in images.columns]
        if missing:
            raise FrameError(
                f"images= lacks the column(s) {', '.join(missing)}; pass a read_images() frame"
            )
        from ..read import whole_galleries

        frame = typed(images, IMAGE_COLUMNS)  # a new frame: the caller's is never touched
        self._given = frame
        self._given_whole = whole_galleries(images)
        keys = frame[["guid", "gallery"]].drop_duplicates()
        self._keys = [(str(g), str(gal)) for g, gal in keys.itertuples(index=False)]
        for guid, name in frame[["guid", "product_name"]].dropna().itertuples(index=False):
            self._product_names.setdefault(str(guid), str(name))

    def _guids_of(self, products: Iterable[str] | pd.DataFrame | pd.Series) -> list[str]:
        if isinstance(products, pd.DataFrame):
            if "guid" not in products.columns:
                raise FrameError("products= as a frame needs a guid column")
            # An images frame names the product in product_name; a product list in name.
            column = "product_name" if "product_name" in products.columns else None
            if column is None and "name" in products.columns and "gallery" not in products:
                column = "name"
            if column is not None:
                for guid, label in products[["guid", column]].dropna().itertuples(index=False):
                    self._product_names.setdefault(str(guid), str(label))
            values: Iterable[Any] = products["guid"].dropna()
        elif isinstance(products, pd.Series):
            values = products.dropna()
        elif isinstance(products, str):
            values = [products]
        else:
            values = products
        return list(dict.fromkeys(str(v) for v in values))

    # --- public state -------------------------------------------------------------------

    @property
    def client(self) -> ShoptetClient:
        """The client the editor reads and saves with."""
        return self._client

    @property
    def product(self) -> str | None:
        """The guid of the product on screen (None before one is chosen)."""
        return self._key[0] if self._key else None

    @property
    def products(self) -> list[str]:
        """The guids the editor steps through, in order."""
        return list(dict.fromkeys(guid for guid, _ in self._keys))

    @property
    def _key(self) -> Key | None:
        return self._keys[self._index] if 0 <= self._index < len(self._keys) else None

    @property
    def changes(self) -> pd.DataFrame:
        """The pending edits to save, as a frame ``plan_updates`` accepts.

        One row per image to write (guid, gallery, name, priority, description), over every
        product edited; a field that did not change is ``<NA>``. Priorities are the fewest
        writes that give the wanted order. Edits in conflict are left out (see
        :attr:`conflicts`).

        >>> editor.move_up("2.jpg"); editor.changes          # doctest: +SKIP
        """
        return self.model.changes

    @property
    def conflicts(self) -> pd.DataFrame:
        """Pending edits whose field changed in the shop since you made them.

        Columns guid, gallery, name, field (``description`` or ``order``), yours, theirs.
        Resolve each with :meth:`keep_mine` or :meth:`take_theirs`; Save skips them till then.
        """
        return self.model.conflicts

    @property
    def images(self) -> pd.DataFrame:
        """The loaded galleries as they would be after saving (IMAGE_COLUMNS, edits applied)."""
        frames = []
        changes = self.model.changes.set_index(["guid", "gallery", "name"])
        for key in self.model.keys:
            frame = self.model.base_frame([key]).set_index("name", drop=False)
            frame = frame.loc[self.model.order(*key)].copy()
            for name in frame.index:
                caption = self.model.caption(key[0], key[1], name)
                frame.loc[name, "description"] = caption
                if (key[0], key[1], name) in changes.index:
                    priority = changes.loc[(key[0], key[1], name), "priority"]
                    if not pd.isna(priority):
                        frame.loc[name, "priority"] = priority
            if key[1] == "shop":
                frame["is_main_image"] = [i == 0 for i in range(len(frame))]
            frames.append(frame.reset_index(drop=True))
        if not frames:
            return typed(pd.DataFrame(), IMAGE_COLUMNS)
        return typed(pd.concat(frames, ignore_index=True), IMAGE_COLUMNS)

    def __repr__(self) -> str:
        where = f"product {self.product} gallery {self._gallery}" if self._key else "no product"
        return f"<GalleryEditor {where}: {self.pending_text.lower()}>"

    # --- navigation -----------------------------------------------------------------------

    def next_product(self) -> None:
        """Show the next product of the list."""
        if self._index + 1 < len(self._keys):
            self._show(self._index + 1)

    def previous_product(self) -> None:
        """Show the previous product of the list."""
        if self._index > 0:
            self._show(self._index - 1)

    def show_product(self, guid: str) -> None:
        """Show a product by guid (added after the current one when not in the list yet)."""
        key = next((k for k in self._keys if k[0] == str(guid)), None)
        if key is None:
            key = (str(guid), self._key[1] if self._key else self._gallery)
            self._keys.insert(self._index + 1, key)
        self._show(self._keys.index(key))

    def search_products(self, text: str) -> list[dict[str, str]]:
        """Products whose name, URL or guid contains ``text``, case and accents ignored.

        The shop's product list is read once (all pages, through ``client.list_products``) and
        searched here; the first 20 matches are offered in the picker and returned. Each says
        what tells same-named products apart: the product's code or URL name, and the start
        of its guid.
        """
        if self._catalogue is None:
            try:
                listed = self._client.list_products(language=self._language)
            except ShoptetError as exc:
                self._say(f"Could not list the shop's products: {exc}", "error")
                return []
            self._catalogue = [_catalogue_item(p) for p in listed if p.get("guid")]
            for item in self._catalogue:
                self._product_names.setdefault(item["guid"], item["name"])
        needle = fold(text.strip())
        found = [
            item
            for item in self._catalogue
            if not needle
            or needle in fold(item["name"])
            or needle in fold(item["detail"])
            or item["guid"].startswith(needle)
        ][:_SEARCH_LIMIT]
        self.search_results = [
            {"guid": f["guid"], "title": f["name"], "detail": f["detail"]} for f in found
        ]
        return found

    # --- editing ----------------------------------------------------------------------------

    def set_caption(self, name: str, text: str | None, *, guid: str | None = None) -> None:
        """Set the caption of image ``name`` (of the product on screen, or of ``guid``)."""
        key = self._key_for(guid)
        self.model.set_caption(key[0], key[1], name, text)
        self._bump(key, [name])
        self._render()

    def move(self, name: str, position: int, *, guid: str | None = None) -> None:
        """Put image ``name`` at ``position`` (1 = first); the others shift (drag and drop)."""
        key = self._key_for(guid)
        self.model.move(key[0], key[1], name, position)
        self._render()

    def move_up(self, name: str, *, guid: str | None = None) -> None:
        """Move image ``name`` one place towards the front."""
        key = self._key_for(guid)
        self.move(name, self._position(key, name) - 1, guid=key[0])

    def move_down(self, name: str, *, guid: str | None = None) -> None:
        """Move image ``name`` one place towards the back."""
        key = self._key_for(guid)
        self.move(name, self._position(key, name) + 1, guid=key[0])

    def make_main(self, name: str, *, guid: str | None = None) -> None:
        """Make image ``name`` the first of the gallery (in ``shop``: the main image)."""
        self.move(name, 1, guid=guid)

    def undo(self) -> str | None:
        """Undo the last action (a caption typed, a move, a reset, a conflict resolved).

        Returns what was undone, as shown in the editor, or None when there was nothing.
        """
        action = self.model.undo()
        if action is None:
            self._say("Nothing to undo.", "info")
            return None
        for key in action.keys:
            self._bump(key, self._names(key))
        self._say(f"Undone: {action.label}.", "info")
        self._render()
        return action.label

    def discard(self, name: str, *, guid: str | None = None) -> None:
        """Forget the edits of one image: its caption, and its place (back where it was)."""
        key = self._key_for(guid)
        self.model.discard(key[0], key[1], name)
        self._bump(key, [name])
        self._render()

    def keep_mine(self, name: str, field: str | None = None, *, guid: str | None = None) -> None:
        """Resolve a conflict on image ``name`` by keeping your edit (Save then sends it).

        ``field`` is ``description`` or ``order`` (None: every conflicted field of the image).
        """
        key = self._key_for(guid)
        self.model.keep_mine(key[0], key[1], name, field)
        self._say(f"Kept your edit of {name}: Save sends it over the shop's.", "info")
        self._render()

    def take_theirs(self, name: str, field: str | None = None, *, guid: str | None = None) -> None:
        """Resolve a conflict on image ``name`` by taking the shop's value (your edit goes)."""
        key = self._key_for(guid)
        self.model.take_theirs(key[0], key[1], name, field)
        self._bump(key, self._names(key))
        self._say(f"Took the shop's version of {name}; Undo brings your edit back.", "info")
        self._render()

    def reset(self) -> None:
        """Forget every unsaved edit, in every product (Undo brings them back)."""
        had = self.model.pending_count
        self.model.reset()
        for key in self.model.keys:
            self._bump(key, self._names(key))
        self.preview_open = False
        self._say("Every unsaved edit was forgotten; Undo brings them back." if had else "", "info")
        self._render()

    def refresh(self) -> None:
        """Read the product on screen again from the shop; unsaved edits are rebased on it."""
        if self._key is not None:
            problems = self._reload([self._key])
            if self.model.has(*self._key):
                self.thumbs = self._thumbnails(self._key)
            kind = "error" if problems else "info"
            self._say(" ".join(problems) or self._reloaded_text(), kind)
            self._render()

    # --- plan and save ----------------------------------------------------------------------

    def plan(self) -> Plan:
        """The plan of the pending edits (``plan_updates`` against the shop as last read)."""
        from ..plan import plan_updates

        changes = self.changes
        keys = set(zip(changes["guid"].astype(str), changes["gallery"].astype(str), strict=True))
        plan = plan_updates(self._client, changes, base=self.model.base_frame(keys), progress=False)
        self.last_plan = plan
        return plan

    def preview(self) -> Plan:
        """Show the plan (old → new for every pending edit) in the editor and return it."""
        plan = self.plan()
        rows = plan.rows
        self.preview_rows = [
            {
                "id": str(i),
                "product": self._product_names.get(str(row["guid"]), str(row["guid"])),
                "name": str(row["name"]),
                "status": cell_text(row.get("status")) or "",
                "reason": cell_text(row.get("reason")) or "",
                "old_priority": _int(row.get("old_priority")),
                "new_priority": _int(row.get("new_priority")),
                "old_description": cell_text(row.get("old_description")),
                "new_description": cell_text(row.get("new_description")),
            }
            for i, (_, row) in enumerate(rows.iterrows())
        ]
        counts = plan.counts
        parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n]
        held = self._held_text()
        self.preview_summary = (
            f"{_plural(len(rows), 'image')} in the plan: {', '.join(parts)}{held}"
            if len(rows)
            else f"Nothing to save: no pending edits.{held}"
        )
        self.preview_open = True
        return plan

    def save(self) -> Result | None:
        """Save every pending edit (plan, then apply with the conflict check); reload.

        Each image's outcome is shown on its card; edits that were not saved stay pending, and
        edits in conflict are not sent (the notice says so). Returns the
        :class:`~shoptet_nb.apply.Result` (also in :attr:`result`), or None when there was
        nothing to send. An error that stops the whole save is shown and raised; so is an
        interrupt of the kernel, after what was saved up to then is shown.
        """
        from ..apply import apply

        changes = self.changes
        if changes.empty:
            self._say(f"Nothing to save: no pending edits.{self._held_text()}", "info")
            self._render()
            return None
        keys = list(
            dict.fromkeys(
                zip(changes["guid"].astype(str), changes["gallery"].astype(str), strict=True)
            )
        )
        self.preview_open = False
        self.busy = True
        self.progress = -1.0
        self.busy_text = f"Saving {_plural(len(changes), 'change')}…"
        try:
            plan = self.plan()
            result = apply(plan, journal=self._journal, progress=self._show_progress)
        except ShoptetError as exc:
            problems = self._reload(keys)
            self._render()
            self._say(
                " ".join([f"The save failed: {exc}. Your edits are kept; try again.", *problems]),
                "error",
            )
            raise
        except KeyboardInterrupt as exc:
            # shoptet_nb.Interrupted carries what was sent before the interrupt.
            partial = getattr(exc, "result", None)
            if partial is not None:
                self.result = partial
                self.model.record(partial)
                self._bump_all()
            self._render()
            self._say_interrupted(partial, "image")
            raise
        finally:
            self.busy = False
            self.busy_text = ""
        self.result = result
        self.model.record(result)
        problems = self._reload(keys)
        self._render()
        self._say_saved(result, problems)
        return result

    # --- front-end events (each calls its Python twin) ------------------------------------

    def vue_set_caption(self, data: dict[str, Any]) -> None:
        self._take_captions(data)
        self._render()

    def vue_move(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.move(data["name"], int(data["position"])))

    def vue_move_up(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.move_up(data["name"]))

    def vue_move_down(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.move_down(data["name"]))

    def vue_make_main(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.make_main(data["name"]))

    def vue_discard(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.discard(data["name"]))

    def vue_keep_mine(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.keep_mine(data["name"], data.get("field")))

    def vue_take_theirs(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.take_theirs(data["name"], data.get("field")))

    def vue_previous_product(self, data: dict[str, Any]) -> None:
        self._event(data, self.previous_product)

    def vue_next_product(self, data: dict[str, Any]) -> None:
        self._event(data, self.next_product)

    def vue_show_product(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.show_product(str(data["guid"])))

    def vue_search_products(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.search_products(str(data.get("text") or "")))

    def _after_error(self) -> None:
        self._render()

    def _take_captions(self, data: Mapping[str, Any]) -> None:
        """Apply the caption drafts a front-end message carries (``{card key: text}``)."""
        captions = data.get("captions") or {}
        for ident, text in captions.items():
            key, name = parse_card_key(str(ident))
            if self.model.has(*key) and name in self.model.names(*key):
                self.model.set_caption(key[0], key[1], name, None if text is None else str(text))

    # --- static fallback ------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """A static view of the gallery on screen, for where widgets cannot render.

        Pictures are the thumbnails the editor shows: links for a real shop's CDN, and the
        small inlined copies for the sandbox (whose addresses no other browser can reach);
        without any picture the column is left out.
        """
        esc = html.escape
        pictures = {card["key"]: self._static_picture(card) for card in self.cards}
        with_pictures = any(pictures.values())
        parts = ['<div class="shoptet-nb-gallery">']
        badge = "<strong>[SANDBOX]</strong> " if self.is_sandbox else ""
        parts.append(f"<h4>{badge}{esc(self.heading or 'Gallery editor')}</h4>")
        if self.subheading:
            parts.append(f"<p>{esc(self.subheading)} · {esc(self.pending_text)}</p>")
        picture_head = "<th>image</th>" if with_pictures else ""
        parts.append(
            f"<table><thead><tr><th>#</th>{picture_head}<th>file</th><th>caption</th>"
            "<th>state</th></tr></thead><tbody>"
        )
        for card in self.cards:
            src = pictures[card["key"]]
            picture = ""
            if with_pictures:
                img = f'<img src="{esc(src)}" alt="" width="96">' if src else ""
                picture = f"<td>{img}</td>"
            star = " ★" if card["main"] else ""
            state = ", ".join(card["fields"])
            state = f"edited: {state}" if state else ""
            if card["conflict"]:
                state = "conflict: changed in the shop since you edited"
            if card.get("outcome"):
                state = (state + " " + card["outcome"]["label"]).strip()
            parts.append(
                f"<tr><td>{card['position']}{star}</td>{picture}"
                f"<td>{esc(card['name'])}</td><td>{esc(card['caption'])}</td>"
                f"<td>{esc(state)}</td></tr>"
            )
        parts.append("</tbody></table></div>")
        return "".join(parts)

    def _static_picture(self, card: Mapping[str, Any]) -> str:
        src = str(self.thumbs.get(card["key"]) or "")
        if src.startswith("data:image/"):
            return src
        url = str(card.get("url") or "")
        if url and not self.is_sandbox and not is_loopback_url(url):
            return src if src and not is_loopback_url(src) else url
        return ""

    # --- internals: loading -----------------------------------------------------------------

    def _show(self, index: int) -> None:
        """Show a product, read again from the shop: returning to a product rebases it."""
        self._index = index
        key = self._keys[index]
        problems = self._reload([key])
        self.thumbs = self._thumbnails(key) if self.model.has(*key) else {}
        self._say(" ".join(problems), "error")
        self._render()

    def _reload(self, keys: Sequence[Key]) -> list[str]:
        """Rebase galleries on the shop (the first time, on the frame given to the editor).

        Returns the problems met (one line each); a gallery that cannot be read keeps what
        was on screen.
        """
        problems: list[str] = []
        to_read: list[Key] = []
        partial: dict[Key, pd.DataFrame] = {}
        for key in keys:
            if not self.model.has(*key) and self._given is not None:
                part = self._given[
                    (self._given["guid"] == key[0]) & (self._given["gallery"] == key[1])
                ]
                if len(part) and key in self._given_whole:
                    self._load(part, [key])
                    continue
                if len(part):
                    # Only some photos (a filtered worklist): a card's position, the main
                    # image and the fewest priority writes of a move all need the whole
                    # gallery, so it is read like any product's.
                    partial[key] = part
            to_read.append(key)
        if not to_read:
            return problems
        from ..read import read_images

        by_gallery: dict[str, list[str]] = {}
        for guid, gallery in to_read:
            by_gallery.setdefault(gallery, []).append(guid)
        for gallery, guids in by_gallery.items():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # read failures are shown below instead
                    frame = read_images(
                        self._client,
                        guids,
                        gallery=gallery,
                        language=self._language,
                        progress=False,
                    )
            except ShoptetError as exc:
                problems.append(f"Could not read the gallery: {exc}")
                continue
            failures = frame.attrs.get("read_errors") or []
            failed = {str(item.get("guid")) for item in failures}
            for item in failures:
                problems.append(f"Could not read product {item.get('guid')}: {item.get('message')}")
            read = [g for g in guids if g not in failed]  # the others keep what was on screen
            self._load(frame[frame["guid"].isin(read)], [(g, gallery) for g in read])
        for key, part in partial.items():
            if not self.model.has(*key):  # unread: its photos alone, captions only
                self._load(part, [key], complete=False)
        return problems

    def _load(self, frame: pd.DataFrame, keys: list[Key], *, complete: bool = True) -> None:
        self.model.load(frame, complete=complete, keys=keys if complete else ())
        for guid, label in frame[["guid", "product_name"]].dropna().itertuples(index=False):
            self._product_names[str(guid)] = str(label)
        for key in keys:
            self._bump(key, self._names(key))  # the shop's values retire stale drafts on screen

    def _reloaded_text(self) -> str:
        conflicts = self._conflicted_photos()
        if conflicts:
            return (
                f"Reloaded from the shop: {_plural(conflicts, 'edit')} changed in the shop since "
                "you made them; keep yours or take the shop's on the marked cards."
            )
        return "Reloaded from the shop."

    def _thumbnails(self, key: Key) -> dict[str, str]:
        base = self.model.base_frame([key])
        return self._thumbs.sources(
            {
                card_key(key, str(name)): (str(name), cell_text(url))
                for name, url in zip(base["name"], base["url"], strict=True)
            }
        )

    # --- internals: state -------------------------------------------------------------------

    def _key_for(self, guid: str | None) -> Key:
        if guid is None:
            if self._key is None:
                raise ArgumentError("no product on screen: pass product= or pick one first")
            return self._key
        for key in ([self._key] if self._key else []) + self.model.keys:
            if key[0] == guid:
                return key
        raise ArgumentError(f"product {guid} is not loaded in this editor")

    def _names(self, key: Key) -> list[str]:
        return self.model.names(*key) if self.model.has(*key) else []

    def _position(self, key: Key, name: str) -> int:
        order = self.model.order(*key)
        if name not in order:
            self.model.caption(key[0], key[1], name)  # raises the helpful error
        return order.index(name) + 1

    def _bump(self, key: Key, names: Iterable[str]) -> None:
        """Mark captions as set by the kernel, so the browser drops its drafts of them."""
        self._rev_counter += 1
        for name in names:
            self._revs[card_key(key, name)] = self._rev_counter

    def _bump_all(self) -> None:
        for key in self.model.keys:
            self._bump(key, self._names(key))

    def _conflicted_photos(self) -> int:
        conflicts = self.model.conflicts
        return len(conflicts[["guid", "gallery", "name"]].drop_duplicates())

    def _held_text(self, result: Result | None = None) -> str:
        held = self._conflicted_photos()
        if result is not None:
            # Conflicts the save itself met are counted in its notice already.
            held -= int((result.rows["status"] == "conflict").sum())
        if held <= 0:
            return ""
        verb = "was" if held == 1 else "were"
        return (
            f" {_plural(held, 'edit')} in conflict {verb} not sent: the shop changed since you "
            "made them; keep yours or take the shop's on the marked cards."
        )

    def _say_saved(self, result: Result, problems: Sequence[str]) -> None:
        text, kind = saved_notice(
            result,
            noun="image",
            marked="the cards",
            held=self._held_text(result),
            problems=problems,
        )
        self._say(text, kind)

    # --- internals: the view ----------------------------------------------------------------

    def _render(self) -> None:
        """Push the state of the product on screen to the view."""
        model = self.model
        self.pending = model.pending_count
        products = model.pending_products
        self.conflict_count = self._conflicted_photos()
        if self.pending:
            where = f" in {_plural(len(products), 'product')}" if len(products) > 1 else ""
            held = f" ({self.conflict_count} in conflict)" if self.conflict_count else ""
            self.pending_text = f"{_plural(self.pending, 'unsaved change')}{where}{held}"
        else:
            self.pending_text = "No unsaved changes"
        key = self._key
        self.pending_products = [
            {
                "guid": guid,
                "title": self._product_names.get(guid, guid),
                "current": bool(key and key[0] == guid),
            }
            for guid in products
        ]
        self.can_undo = model.can_undo
        self.undo_text = f"Undo the {model.last_action.label}" if model.last_action else ""
        self.has_previous = self._index > 0
        self.has_next = 0 <= self._index < len(self._keys) - 1
        if key is None:
            self.heading, self.subheading, self.current_guid = "", "", ""
            self.cards = []
            return
        self.current_guid = key[0]
        self.gallery_name = key[1]
        self.heading = self._product_names.get(key[0], key[0])
        count = len(self._names(key))
        self.subheading = (
            f"Product {self._index + 1} of {len(self._keys)} · gallery {key[1]} · "
            f"{_plural(count, 'image')}"
        )
        self.cards = self._cards(key) if model.has(*key) else []

    def _cards(self, key: Key) -> list[dict[str, Any]]:
        model = self.model
        guid, gallery = key
        base = model.base_frame([key])
        shop_position = {n: i for i, n in enumerate(model.names(*key), start=1)}
        urls = dict(zip(base["name"], (cell_text(u) for u in base["url"]), strict=True))
        conflicts: dict[str, list[dict[str, str]]] = {}
        frame = model.conflicts
        mine = frame[(frame["guid"] == guid) & (frame["gallery"] == gallery)]
        for name, field, yours, theirs in mine[["name", "field", "yours", "theirs"]].itertuples(
            index=False
        ):
            conflicts.setdefault(str(name), []).append(
                {"field": str(field), "yours": str(yours), "theirs": str(theirs)}
            )
        hints = self._hints(key)
        cards = []
        for position, name in enumerate(model.order(*key), start=1):
            edited = model.edited_fields(guid, gallery, name)
            fields = ["caption"] if "description" in edited else []
            # Marked are exactly the photos Save writes: a photo that only shifted because
            # another moved keeps its priority and is not written, so it is not "edited".
            if "priority" in edited:
                fields.append("position")
            outcome = model.outcome(guid, gallery, name)
            ident = card_key(key, name)
            cards.append(
                {
                    "key": ident,
                    "name": name,
                    "position": position,
                    "was": shop_position[name],
                    "caption": model.caption(guid, gallery, name),
                    "rev": self._revs.get(ident, 0),
                    "main": gallery == "shop" and position == 1,
                    "changed": bool(fields),
                    "fields": fields,
                    "conflict": conflicts.get(name, []),
                    "hints": hints.get(name, []),
                    "outcome": outcome_view(outcome) if outcome else None,
                    "url": urls.get(name),
                    "audit": self._audit_marks.get((guid, gallery, name)),
                }
            )
        return cards

    def _hints(self, key: Key) -> dict[str, list[dict[str, str]]]:
        from ..lint import lint_captions

        frame = self.model.base_frame([key]).copy()
        frame["description"] = pd.array(
            [self.model.caption(key[0], key[1], str(n)) for n in frame["name"]], dtype="string"
        )
        findings = lint_captions(frame, max_length=self.max_length)
        out: dict[str, list[dict[str, str]]] = {}
        for name, rule, message in findings[["name", "rule", "message"]].itertuples(index=False):
            out.setdefault(str(name), []).append({"rule": str(rule), "message": str(message)})
        return out


def _editor_language(
    client: ShoptetClient, images: pd.DataFrame | None, language: str | None
) -> str | None:
    """The one language an editor edits, as frames carry it (None: the shop's default).

    Opened on a frame, the editor edits the frame's language; ``language=`` may name it (by
    code, the default's too) but not another one.
    """
    from ..read import language_key

    wanted = language_key(client, language)
    if not isinstance(images, pd.DataFrame):
        return wanted  # images= of a wrong type is refused with the other checks of the frame
    found = frame_language(images)
    if language is None or "language" not in images.columns:
        return found if language is None else wanted
    if wanted != found:
        raise ArgumentError(
            f"GalleryEditor: language={language!r}, but the frame's captions are in "
            f"{language_name(found)}; leave language= out (the editor edits the frame's "
            "language) or read the frame in that language"
        )
    return wanted


def _catalogue_item(product: Mapping[str, Any]) -> dict[str, str]:
    """A product of the shop's list, for the search: what tells same-named ones apart.

    The product list carries no code (codes live on variants), so the product's URL name
    stands in for it when there is none, with the start of the guid.
    """
    guid = str(product.get("guid"))
    name = str(product.get("name") or guid)
    code = product.get("code")
    if not code:
        path = urlsplit(str(product.get("url") or "")).path.strip("/")
        code = path.rsplit("/", 1)[-1] if path else ""
    detail = " · ".join(x for x in (str(code or ""), f"guid {guid[:8]}…") if x)
    return {"guid": guid, "name": name, "detail": detail}
