"""``GalleryEditor``: one product's gallery on screen, captions and order edited in place.

The widget is a view over an :class:`~shoptet_nb.EditSession`, which reads the shop, holds the
editing state (:class:`~shoptet_nb.editing.model.EditModel`: the shop as last read, the pending
edits, conflicts, outcomes, the undo stack), plans and saves; the traitlets here are only what
the browser renders (``gallery_editor.vue`` beside this file). Every front-end event ``<name>``
arrives in ``vue_<name>`` and calls a plain Python method of the same job (``move_up``,
``save`` ...), so notebooks and tests can drive the editor without a browser. Saving goes
through the session exactly like code does: the widget never speaks HTTP itself.

Typing stays in the browser: a caption field shows a local draft and sends it to the kernel
when typing pauses, when the field loses focus, and with every button press (Save flushes the
drafts in its own message), so there is no round trip per keystroke.
"""

from __future__ import annotations

import base64
import binascii
import html
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import traitlets as t

from ..editing import EditSession
from ..editing.audit_marks import audit_marks
from ..editing.catalogue import Catalogue
from ..editing.inputs import editor_frame, editor_language, product_guids
from ..editing.loading import edited_frame
from ..editing.photo_edits import layout
from ..editing.wording import (
    outcome_view,
    photos_preview_summary,
    plural,
    reloaded_notice,
)
from ..errors import ArgumentError, ShoptetError
from .base import (
    EditingWidget,
    cell_text,
    check_session,
    photo_id,
    photo_preview_rows,
    static_html,
)
from .thumbnails import is_loopback_url

if TYPE_CHECKING:
    from ..audit import ImageAudit
    from ..client import ShoptetClient
    from ..plan import Plan

__all__ = ["GalleryEditor"]

#: A gallery on screen: (product guid, gallery name).
Key = tuple[str, str]


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
    :meth:`take_theirs`, :meth:`add_photos`, :meth:`add_file`, :meth:`toggle_delete`,
    :meth:`remove_add`, :meth:`edit_add`, :meth:`clear_references`, :meth:`preview`,
    :meth:`previous_product`, :meth:`next_product`, :meth:`show_product`,
    :meth:`search_products`, :meth:`refresh`).

    "Add photos" takes public URLs (one per line: Shoptet's servers download them), or local
    files when the editor has a ``stage`` (a function ``bytes -> public URL`` that uploads to
    your storage; ``client.sandbox.stage`` in the sandbox). "Delete" marks a photo: it stays on
    screen, marked, until Save deletes it; Undo (Ctrl+Z) brings it back. Both are pending edits
    like a caption: the preview lists them (a duplicate, a photo a variant shows), Save sends
    the deletes, then the adds, then the caption and order edits, and reads the gallery again.

    The pending edits are exactly what you did, against the shop as it is now: every reload
    (⟳, after a save, on returning to a product) rebases them. An edit whose field changed
    in the shop meanwhile is a conflict, shown on its card and never sent until you keep
    yours or take the shop's. Edits are kept per product while you step through products;
    Preview and Save cover all of them. ``journal`` goes to
    :func:`~shoptet_nb.apply.apply` (by default every save is journaled, so it can be
    reverted). ``session`` is the :class:`~shoptet_nb.EditSession` to show (default: a new
    one on ``client``, ``language`` and ``journal``). ``max_length`` is the caption length
    the counter and the ``too_long`` hint use.
    ``audit`` (an :func:`~shoptet_nb.audit_images` result) shows each photo's size and marks
    (under 500 px, wrong extension, duplicate …) on its card.
    """

    template_file = (__file__, "gallery_editor.vue")

    # --- state the view renders (synced) ------------------------------------------------
    heading = t.Unicode("").tag(sync=True)
    subheading = t.Unicode("").tag(sync=True)
    current_guid = t.Unicode("").tag(sync=True)
    gallery_name = t.Unicode("shop").tag(sync=True)
    has_previous = t.Bool(False).tag(sync=True)
    has_next = t.Bool(False).tag(sync=True)
    cards = t.List(t.Dict()).tag(sync=True)
    #: The products holding pending edits: {guid, title, current} (click to jump).
    pending_products = t.List(t.Dict()).tag(sync=True)
    conflict_count = t.Int(0).tag(sync=True)
    undo_text = t.Unicode("").tag(sync=True)
    search_results = t.List(t.Dict()).tag(sync=True)
    #: Photos to add at Save, shown as placeholder cards: {id, label, caption, outcome}.
    new_cards = t.List(t.Dict()).tag(sync=True)
    #: Whether local files can be added (the editor has a stager).
    can_stage = t.Bool(False).tag(sync=True)

    #: After a save every gallery it wrote is read again (the cards show the shop as it is).
    reread_after_save = "all"

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
        session: EditSession | None = None,
        stage: Callable[[bytes], str] | None = None,
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
        language = editor_language(client, images, language)
        check_session(session, client, language)
        if session is not None and stage is not None and session.stage not in (None, stage):
            raise ArgumentError("stage= differs from the session's own stage: pass one of them")
        session = session or EditSession(client, language=language, journal=journal)
        session.stage = stage or session.stage
        super().__init__(session, max_length=max_length, **kwargs)
        self.can_stage = session.stage is not None
        self._gallery = gallery
        # An image audit's size and marks (2027 rule, copies) per photo, shown on the cards.
        self._audit_marks = audit_marks(audit) if audit is not None else {}
        self._keys: list[Key] = []
        self._index = -1
        self._given: pd.DataFrame | None = None
        self._catalogue = Catalogue(client, language)
        self.gallery_name = gallery
        names = self.session.product_names
        if images is not None:
            self._given, self._keys = editor_frame(images)
            for guid, name in self._given[["guid", "product_name"]].dropna().to_numpy():
                names.setdefault(str(guid), str(name))
        elif product is not None:
            self._keys = [(str(product), gallery)]
        elif products is not None:
            self._keys = [(guid, gallery) for guid in product_guids(products, names)]
        if self._keys:
            self._show(0)
        else:
            self._render()

    # --- public state -------------------------------------------------------------------

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
    def images(self) -> pd.DataFrame:
        """The loaded galleries as they would be after saving (IMAGE_COLUMNS, edits applied)."""
        return edited_frame(self.model, priorities=True)

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
        try:
            found = self._catalogue.search(text)
        except ShoptetError as exc:
            self._say(f"Could not list the shop's products: {exc}", "error")
            return []
        for item in self._catalogue.items or ():
            self.session.product_names.setdefault(item["guid"], item["name"])
        self.search_results = [
            {"guid": f["guid"], "title": f["name"], "detail": f["detail"]} for f in found
        ]
        return found

    # --- editing ----------------------------------------------------------------------------

    def set_caption(self, name: str, text: str | None, *, guid: str | None = None) -> None:
        """Set the caption of image ``name`` (of the product on screen, or of ``guid``)."""
        key = self._key_for(guid)
        self.model.set_caption(key[0], key[1], name, text)
        self.revisions.bump([(*key, name)])
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

    def discard(self, name: str, *, guid: str | None = None) -> None:
        """Forget the edits of one image: its caption, and its place (back where it was)."""
        key = self._key_for(guid)
        self.model.discard(key[0], key[1], name)
        self.revisions.bump([(*key, name)])
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
        self.revisions.bump(self._photos(key))
        self._say(f"Took the shop's version of {name}; Undo brings your edit back.", "info")
        self._render()

    def add_photos(self, urls: str | Iterable[str], *, guid: str | None = None) -> list[str]:
        """Add photos by URL (a text with one per line, or a list) to the gallery on screen at
        the next Save. Returns the lines refused, one sentence each (a local path without a
        stager, not a URL, already pending); those are not added and nothing is sent."""
        key = self._key_for(guid)
        text = urls if isinstance(urls, str) else "\n".join(urls)
        adds, problems = self.session.add_urls(key[0], key[1], text)
        self._say_added(len(adds), problems)
        self._render()
        return problems

    def add_file(self, data: bytes, filename: str, *, guid: str | None = None) -> None:
        """Add a local file's bytes to the gallery on screen at the next Save (needs the
        editor's ``stage``: without one this says why and keeps nothing)."""
        key = self._key_for(guid)
        self.session.add_photo(key[0], key[1], data=data, filename=filename)
        self._say_added(1, [])
        self._render()

    def remove_add(self, add_id: str, *, guid: str | None = None) -> None:
        """Take back a photo to add (its placeholder card goes; Undo brings it back)."""
        key = self._key_for(guid)
        self.model.remove_add(key[0], key[1], add_id)
        self._render()

    def toggle_delete(self, name: str, *, guid: str | None = None) -> bool:
        """Mark image ``name`` for delete at the next Save, or unmark it; whether it is marked.
        A marked photo stays on screen; Undo brings it back."""
        key = self._key_for(guid)
        marked = self.model.toggle_delete(key[0], key[1], name)
        self._render()
        return marked

    def clear_references(
        self, name: str, approved: bool = True, *, guid: str | None = None
    ) -> None:
        """Approve deleting image ``name`` although variants show it (Save then clears those
        variants' reference, and only theirs); ``approved=False`` or Undo takes it back."""
        key = self._key_for(guid)
        self.model.clear_references(key[0], key[1], name, approved)
        self._show_changed([(*key, name)])

    def edit_add(
        self,
        add_id: str,
        *,
        caption: str | None = None,
        position: int | None = None,
        guid: str | None = None,
    ) -> None:
        """Give a photo to add a caption and/or its 1-based place after the save (Undo takes
        it back). Save sends them with the add; the other photos' priorities change only as
        far as needed to make room."""
        key = self._key_for(guid)
        self.model.edit_add(key[0], key[1], add_id, description=caption, position=position)
        self._render()

    def preview(self) -> Plan:
        """Show the plan in the widget and return it: the caption and order edits, then each
        photo to delete or add as a dry run would do it (a duplicate, a photo a variant shows,
        which photo becomes main). The photo rows are in ``session.preview_photos()``."""
        plan = super().preview()
        if self.model.photo_galleries:
            photos = self.session.preview_photos()
            rows = photo_preview_rows(photos.rows, self.session.product_names)
            self.preview_rows = [*self.preview_rows, *rows]
            summary = self.preview_summary if len(plan.rows) else ""
            self.preview_summary = " ".join(
                x for x in (summary, photos_preview_summary(photos.counts)) if x
            )
            self._render()  # a blocked card now names its variants and offers "Delete anyway"
        return plan

    def refresh(self) -> None:
        """Read the product on screen again from the shop; unsaved edits are rebased on it."""
        if self._key is not None:
            problems = self._reload([self._key])
            if self.model.has(*self._key):
                self.thumbs = self._gallery_thumbnails(self._key)
            kind = "error" if problems else "info"
            self._say(" ".join(problems) or reloaded_notice(self._held(), self.marked), kind)
            self._render()

    # --- front-end events (each calls its Python twin) ------------------------------------

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

    def vue_add_photos(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.add_photos(str(data.get("urls") or "")))

    def vue_add_files(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self._add_files(data.get("files") or []))

    def vue_remove_add(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.remove_add(str(data["id"])))

    def vue_toggle_delete(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.toggle_delete(str(data["name"])))

    def vue_clear_references(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.clear_references(str(data["name"])))

    def vue_edit_add(self, data: dict[str, Any]) -> None:
        where = data.get("position")
        caption = data.get("caption")
        self._event(
            data,
            lambda: self.edit_add(
                str(data["id"]),
                caption=None if caption is None else str(caption),
                position=None if where in (None, "") else int(where),
            ),
        )

    def vue_previous_product(self, data: dict[str, Any]) -> None:
        self._event(data, self.previous_product)

    def vue_next_product(self, data: dict[str, Any]) -> None:
        self._event(data, self.next_product)

    def vue_show_product(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.show_product(str(data["guid"])))

    def vue_search_products(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.search_products(str(data.get("text") or "")))

    def _add_files(self, files: list[dict[str, Any]]) -> None:
        """Files picked in the browser ({name, data: base64}), each added as its own action."""
        if not self.session.stage:
            names = ", ".join(str(f.get("name")) for f in files)
            raise ArgumentError(
                f"{names}: local files need a stager (GalleryEditor(..., stage=...)); not added"
            )
        for item in files:
            try:
                data = base64.b64decode(str(item.get("data") or ""), validate=True)
            except binascii.Error as exc:
                raise ArgumentError(f"{item.get('name')}: the file did not arrive whole") from exc
            self.add_file(data, str(item.get("name") or "photo"))

    def _say_added(self, added: int, problems: list[str]) -> None:
        kept = f"{plural(added, 'photo')} to add at Save." if added else "Nothing added."
        refused = f" Not added: {' '.join(problems)}" if problems else ""
        self._say(kept + refused, "warning" if problems else "info")

    def _editable(self, key: tuple[str, str, str]) -> bool:
        return self.model.has(key[0], key[1]) and key[2] in self.model.names(key[0], key[1])

    def _took_captions(self, keys: list[tuple[str, str, str]]) -> None:
        self._render()

    def _show_changed(self, photos: list[tuple[str, str, str]]) -> None:
        self._render()

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
        rows = []
        for card in self.cards:
            src = pictures[card["key"]]
            picture = [f'<img src="{esc(src)}" alt="" width="96">' if src else ""]
            state = ", ".join(f for f in card["fields"] if f != "delete")
            state = f"edited: {state}" if state else ""
            if card["conflict"]:
                state = "conflict: changed in the shop since you edited"
            if card.get("deleting"):
                state = ("to be deleted " + state).strip()
            if card.get("outcome"):
                state = (state + " " + card["outcome"]["label"]).strip()
            star = " ★" if card["main"] else ""
            cells = [esc(card["name"]), esc(card["caption"]), esc(state)]
            rows.append([f"{card['position']}{star}", *(picture if with_pictures else []), *cells])
        for new in self.new_cards:
            label = "to be added" + (f" {new['outcome']['label']}" if new.get("outcome") else "")
            cells = [esc(new["label"]), esc(new["caption"]), esc(label)]
            rows.append(["+", *([""] if with_pictures else []), *cells])
        line = f"{self.subheading} · {self.pending_text}" if self.subheading else ""
        head = ["#", *(["image"] if with_pictures else []), "file", "caption", "state"]
        heading = self.heading or "Gallery editor"
        return static_html("gallery", heading, line, head, rows, sandbox=self.is_sandbox)

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
        self.thumbs = self._gallery_thumbnails(key) if self.model.has(*key) else {}
        self._say(" ".join(problems), "error")
        self._render()

    def _reload(self, keys: list[Key]) -> list[str]:
        """Rebase galleries on the shop (the first time, on the frame given to the editor).

        Returns the problems met (one line each); a gallery that cannot be read keeps what
        was on screen. A gallery the frame holds only some photos of (a filtered worklist) is
        read whole: a card's position, the main image and the fewest priority writes of a move
        all need every photo.
        """
        fresh = [k for k in keys if not self.model.has(*k)]
        problems = self.session.load(keys, frame=self._given if fresh else None)
        for key in keys:
            self.revisions.bump(self._photos(key))  # the shop's values retire stale drafts
        return [str(p) for p in problems]

    def _gallery_thumbnails(self, key: Key) -> dict[str, str]:
        base = self.model.base_frame([key])
        urls = (cell_text(u) for u in base["url"])
        return self._thumbnails(
            {(*key, str(n)): u for n, u in zip(base["name"], urls, strict=True)}
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

    def _photos(self, key: Key) -> list[tuple[str, str, str]]:
        return [(*key, name) for name in self._names(key)]

    def _position(self, key: Key, name: str) -> int:
        order = self.model.order(*key)
        if name not in order:
            self.model.caption(key[0], key[1], name)  # raises the helpful error
        return order.index(name) + 1

    # --- internals: the view ----------------------------------------------------------------

    def _render_all(self) -> None:
        for key in self.model.keys:
            self.revisions.bump(self._photos(key))
        self._render()

    def _render(self) -> None:
        """Push the state of the product on screen to the view."""
        model = self.model
        self._render_counts()
        self.conflict_count = self._held()
        key = self._key
        self.pending_products = [
            {
                "guid": guid,
                "title": self.session.product_names.get(guid, guid),
                "current": bool(key and key[0] == guid),
            }
            for guid in model.pending_products
        ]
        self.undo_text = f"Undo the {model.last_action.label}" if model.last_action else ""
        self.has_previous = self._index > 0
        self.has_next = 0 <= self._index < len(self._keys) - 1
        if key is None:
            self.heading, self.subheading, self.current_guid = "", "", ""
            self.cards = []
            self.new_cards = []
            return
        self.current_guid = key[0]
        self.gallery_name = key[1]
        self.heading = self.session.product_names.get(key[0], key[0])
        count = len(self._names(key))
        self.subheading = (
            f"Product {self._index + 1} of {len(self._keys)} · gallery {key[1]} · "
            f"{plural(count, 'image')}"
        )
        self.cards = self._cards(key) if model.has(*key) else []
        self.new_cards = self._new_cards(key) if model.has(*key) else []

    def _cards(self, key: Key) -> list[dict[str, Any]]:
        model = self.model
        guid, gallery = key
        base = model.base_frame([key])
        shop_position = {n: i for i, n in enumerate(model.names(*key), start=1)}
        urls = dict(zip(base["name"], (cell_text(u) for u in base["url"]), strict=True))
        conflicts = self._conflicts_of([key])
        hints = self._hints(key)
        # The main image after the save: the first photo not marked for delete, unless a
        # photo to add takes the first place.
        slots, places = self._layout(key)
        staying = [n for n in model.order(*key) if not model.marked_delete(guid, gallery, n)]
        first_added = any(place == 1 for _, place in places.values())
        main = staying[0] if gallery == "shop" and staying and not first_added else None
        cards = []
        for position, name in enumerate(model.order(*key), start=1):
            edited = model.edited_fields(guid, gallery, name)
            fields = ["caption"] if "description" in edited else []
            # Marked are exactly the photos Save writes: a photo that only shifted because
            # another moved keeps its priority and is not written, so it is not "edited".
            if "priority" in edited:
                fields.append("position")
            deleting = model.marked_delete(guid, gallery, name)
            if deleting:  # the card's own undo button takes the mark back too
                fields.append("delete")
            outcome = model.outcome(guid, gallery, name)
            cards.append(
                {
                    "key": photo_id((guid, gallery, name)),
                    "name": name,
                    "position": position,
                    "was": shop_position[name],
                    "caption": model.caption(guid, gallery, name),
                    "rev": self.revisions[(guid, gallery, name)],
                    "main": name == main,
                    "slot": slots[name],  # where it shows among the photos to add
                    "changed": bool(fields),
                    "fields": fields,
                    "conflict": conflicts.get((guid, gallery, name), []),
                    "hints": hints.get(name, []),
                    "outcome": outcome_view(outcome) if outcome else None,
                    "url": urls.get(name),
                    "audit": self._audit_marks.get((guid, gallery, name)),
                    "deleting": deleting,
                    # Variants that showed it at the last preview or save, and whether the
                    # user approved clearing their reference.
                    "blocked": model.blocked_by(guid, gallery, name),
                    "unreference": deleting and model.references_cleared(guid, gallery, name),
                }
            )
        return cards

    def _new_cards(self, key: Key) -> list[dict[str, Any]]:
        """The placeholder cards of the photos to add (a label: the URL or the file's name)."""
        out = []
        _, places = self._layout(key)
        last = len(places) + len(self._names(key)) - len(self.model.pending_deletes(*key))
        for add in self.model.pending_adds(*key):
            outcome = self.model.add_outcome(add.id)
            slot, place = places[add.id]
            out.append(
                {
                    "id": add.id,
                    "label": add.label,
                    "caption": add.description or "",
                    "position": add.position,
                    "slot": slot,
                    "place": place,  # its position after the save
                    "last": place >= last,
                    "main": key[1] == "shop" and place == 1,
                    "outcome": outcome_view(outcome) if outcome else None,
                }
            )
        return out

    def _layout(self, key: Key) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
        model = self.model
        return layout(model.order(*key), set(model.pending_deletes(*key)), model.pending_adds(*key))

    def _hints(self, key: Key) -> dict[str, list[dict[str, str]]]:
        findings = self._findings([key])
        out: dict[str, list[dict[str, str]]] = {}
        for name, rule, message in findings[["name", "rule", "message"]].itertuples(index=False):
            out.setdefault(str(name), []).append({"rule": str(rule), "message": str(message)})
        return out
