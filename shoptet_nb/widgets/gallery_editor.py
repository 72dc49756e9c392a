"""``GalleryEditor``: one product's gallery on screen, captions and order edited in place.

The widget is state plus handlers. The state lives in traitlets (synced to the browser) and in
a few private dicts (the server's state, the edited order, the edited captions); the view is
``gallery_editor.vue`` beside this file. Every front-end event ``<name>`` arrives in
``vue_<name>`` and calls a plain Python method of the same job (``move_up``, ``save`` ...), so
notebooks and tests can drive the editor without a browser.

Saving goes through :func:`shoptet_nb.plan.plan_updates` and :func:`shoptet_nb.apply.apply`,
exactly like code does: the widget itself never speaks HTTP except through the client's methods.

Typing stays in the browser: a caption field shows a local draft and sends it to the kernel
when typing pauses, when the field loses focus, and with every button press (Save flushes the
drafts in its own message), so there is no round trip per keystroke.
"""

from __future__ import annotations

import base64
import contextlib
import html
import ipaddress
import logging
import mimetypes
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pandas as pd
import traitlets as t
from ipyvuetify.VuetifyTemplate import VuetifyTemplate

from ..columns import IMAGE_COLUMNS, typed
from ..errors import ArgumentError, FrameError, ShoptetError

if TYPE_CHECKING:
    from ..apply import Result
    from ..client import ShoptetClient
    from ..plan import Plan

__all__ = ["GalleryEditor"]

log = logging.getLogger("shoptet_nb")

#: A gallery on screen: (product guid, gallery name).
Key = tuple[str, str]

#: Columns of :attr:`GalleryEditor.changes` (the edits frame ``plan_updates`` accepts).
CHANGE_COLUMNS: dict[str, object] = {
    "guid": "string",
    "gallery": "string",
    "name": "string",
    "priority": "Int64",
    "description": "string",
}

#: How each per-image outcome of a save is shown on its card: (label, is it a success).
OUTCOMES: dict[str, tuple[str, bool]] = {
    "updated": ("Saved", True),
    "unchanged": ("Already up to date", True),
    "invalid": ("Not saved: invalid", False),
    "not_found": ("Not saved: not found on the server", False),
    "conflict": ("Not saved: changed on the server meanwhile", False),
    "failed": ("Not saved: the server refused it", False),
    "not_attempted": ("Not saved: not attempted", False),
}

_SEARCH_LIMIT = 20
_THUMB_MIN_WIDTH = 120  # the smallest cut at least this wide makes the thumbnail
_MAGIC = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)


# -- pure helpers ----------------------------------------------------------------------------


def card_key(key: Key, name: str) -> str:
    """The id of an image across products: ``guid/gallery/name`` (names may hold ``/``)."""
    return f"{key[0]}/{key[1]}/{name}"


def parse_card_key(text: str) -> tuple[Key, str]:
    """Inverse of :func:`card_key`."""
    guid, gallery, name = text.split("/", 2)
    return (guid, gallery), name


def new_priorities(
    base_order: Sequence[str], base_priority: Mapping[str, int | None], order: Sequence[str]
) -> dict[str, int]:
    """Priorities that give a gallery the order ``order``: only those that change.

    An unchanged order needs nothing. Otherwise the gallery is renumbered 1..n in the new order
    and only the images whose priority differs are returned (the others already hold theirs).

    >>> new_priorities(["a", "b"], {"a": 1, "b": 2}, ["b", "a"])
    {'b': 1, 'a': 2}
    """
    if list(order) == list(base_order):
        return {}
    return {
        name: position
        for position, name in enumerate(order, start=1)
        if base_priority.get(name) != position
    }


def is_loopback_url(url: str) -> bool:
    """True for a URL on this machine (the browser of a Binder user cannot reach it)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def data_uri(content: bytes, name: str) -> str:
    """Image bytes as a ``data:`` URI (type from the bytes, else from the file name)."""
    kind = next((mime for magic, mime in _MAGIC if content.startswith(magic)), None)
    kind = kind or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"


def fold(text: str) -> str:
    """Text for matching: case and accents ignored (``Čaj`` matches ``caj``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _text(value: object) -> str | None:
    """A frame cell as ``str`` or ``None`` (pandas' NA and NaN become None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return str(value)


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


class GalleryEditor(VuetifyTemplate):
    """Edit the captions and the order of product photo galleries, then save them safely.

    Open it on one product, on many (step with previous / next, or search by name), or on a
    frame already read::

        editor = GalleryEditor(client, product=guid)
        editor = GalleryEditor(client, products=guids)          # a list, or a frame with guid
        editor = GalleryEditor(client, images=images)           # a read_images() frame
        editor                                                  # show it

    From code: :attr:`changes` (the pending edits, a frame ``plan_updates`` accepts),
    :meth:`plan`, :meth:`save` and :attr:`result`; every button has a method
    (:meth:`move_up`, :meth:`move_down`, :meth:`make_main`, :meth:`move`,
    :meth:`set_caption`, :meth:`undo`, :meth:`reset`, :meth:`preview`,
    :meth:`previous_product`, :meth:`next_product`, :meth:`show_product`,
    :meth:`search_products`, :meth:`refresh`).

    Edits are kept per product while you step through products; Preview and Save cover all
    of them. A save that fails (wholly or for some images) keeps the unsaved edits on screen.
    ``journal`` goes to :func:`~shoptet_nb.apply.apply` (by default every save is journaled,
    so it can be reverted). ``max_length`` is the caption length the counter and the
    ``too_long`` hint use.
    """

    template_file = (__file__, "gallery_editor.vue")

    # --- state the view renders (synced) ------------------------------------------------
    is_sandbox = t.Bool(False).tag(sync=True)
    heading = t.Unicode("").tag(sync=True)
    subheading = t.Unicode("").tag(sync=True)
    current_guid = t.Unicode("").tag(sync=True)
    gallery_name = t.Unicode("shop").tag(sync=True)
    has_previous = t.Bool(False).tag(sync=True)
    has_next = t.Bool(False).tag(sync=True)
    cards = t.List(t.Dict()).tag(sync=True)
    thumbs = t.Dict().tag(sync=True)
    max_length = t.Int(125).tag(sync=True)
    pending = t.Int(0).tag(sync=True)
    pending_text = t.Unicode("No unsaved changes").tag(sync=True)
    busy = t.Bool(False).tag(sync=True)
    busy_text = t.Unicode("").tag(sync=True)
    #: Save progress in percent; negative while it cannot be known (indeterminate bar).
    progress = t.Float(-1.0).tag(sync=True)
    notice = t.Unicode("").tag(sync=True)
    notice_type = t.Unicode("info").tag(sync=True)
    preview_open = t.Bool(False).tag(sync=True)
    preview_summary = t.Unicode("").tag(sync=True)
    preview_rows = t.List(t.Dict()).tag(sync=True)
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
        super().__init__(**kwargs)
        self._client = client
        self._gallery = gallery
        self._language = language
        self._journal = journal
        self._keys: list[Key] = []
        self._index = -1
        self._product_names: dict[str, str] = {}
        self._given: pd.DataFrame | None = None
        self._base: dict[Key, pd.DataFrame] = {}
        self._order: dict[Key, list[str]] = {}
        self._captions: dict[Key, dict[str, str]] = {}
        self._outcomes: dict[Key, dict[str, dict[str, Any]]] = {}
        self._revs: dict[str, int] = {}
        self._rev_counter = 0
        self._catalogue: list[dict[str, str]] | None = None
        self._thumb_cache: dict[str, str | None] = {}
        self._thumb_cut: str | bool | None = False  # False: not chosen yet
        #: The Result of the last save (``None`` before the first).
        self.result: Result | None = None
        #: The Plan of the last preview or save.
        self.last_plan: Plan | None = None

        self.is_sandbox = bool(getattr(client, "is_sandbox", False))
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
        frame = typed(images, IMAGE_COLUMNS)  # a new frame: the caller's is never touched
        self._given = frame
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
        """The pending edits, as a frame ``plan_updates`` accepts.

        One row per changed image (guid, gallery, name, priority, description), over every
        product edited; a field that did not change is ``<NA>``.

        >>> editor.move_up("2.jpg"); editor.changes          # doctest: +SKIP
        """
        rows: list[dict[str, Any]] = []
        for key in self._edited_keys():
            priorities = self._priority_changes(key)
            captions = self._captions.get(key, {})
            for name in self._order[key]:
                if name in priorities or name in captions:
                    rows.append(
                        {
                            "guid": key[0],
                            "gallery": key[1],
                            "name": name,
                            "priority": priorities.get(name),
                            "description": captions.get(name),
                        }
                    )
        frame = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
        out = typed(frame, CHANGE_COLUMNS)
        if self._language is not None:
            out["language"] = pd.Series(self._language, index=out.index, dtype="string")
        return out

    @property
    def images(self) -> pd.DataFrame:
        """The loaded galleries as they would be after saving (IMAGE_COLUMNS, edits applied)."""
        frames = []
        for key, base in self._base.items():
            frame = base.set_index("name", drop=False).loc[self._order[key]].copy()
            priorities = self._priority_changes(key)
            for name, value in priorities.items():
                frame.loc[name, "priority"] = value
            for name, text in self._captions.get(key, {}).items():
                frame.loc[name, "description"] = text
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
        key = (str(guid), self._key[1] if self._key else self._gallery)
        if key not in self._keys:
            self._keys.insert(self._index + 1, key)
        self._show(self._keys.index(key))

    def search_products(self, text: str) -> list[dict[str, str]]:
        """Products whose name (or guid) contains ``text``, case and accents ignored.

        The shop's product list is read once (all pages, through ``client.list_products``) and
        searched here; the first 20 matches are offered in the picker and returned.
        """
        if self._catalogue is None:
            try:
                listed = self._client.list_products(language=self._language)
            except ShoptetError as exc:
                self._say(f"Could not list the shop's products: {exc}", "error")
                return []
            self._catalogue = [
                {"guid": str(p.get("guid")), "name": str(p.get("name") or p.get("guid"))}
                for p in listed
                if p.get("guid")
            ]
            for item in self._catalogue:
                self._product_names.setdefault(item["guid"], item["name"])
        needle = fold(text.strip())
        found = [
            item
            for item in self._catalogue
            if not needle or needle in fold(item["name"]) or item["guid"].startswith(needle)
        ][:_SEARCH_LIMIT]
        self.search_results = [{"guid": f["guid"], "title": f["name"]} for f in found]
        return found

    # --- editing ----------------------------------------------------------------------------

    def set_caption(self, name: str, text: str | None, *, guid: str | None = None) -> None:
        """Set the caption of image ``name`` (of the product on screen, or of ``guid``)."""
        key = self._key_for(guid)
        self._set_caption(key, name, text)
        self._bump(key, [name])
        self._render()

    def move(self, name: str, position: int, *, guid: str | None = None) -> None:
        """Put image ``name`` at ``position`` (1 = first); the others shift (drag and drop)."""
        key = self._key_for(guid)
        order = self._order[key]
        self._check_name(key, name)
        order.remove(name)
        order.insert(max(0, min(int(position) - 1, len(order))), name)
        self._clear_outcome(key, name)
        self._render()

    def move_up(self, name: str, *, guid: str | None = None) -> None:
        """Move image ``name`` one place towards the front."""
        key = self._key_for(guid)
        self._check_name(key, name)
        self.move(name, self._order[key].index(name), guid=key[0])

    def move_down(self, name: str, *, guid: str | None = None) -> None:
        """Move image ``name`` one place towards the back."""
        key = self._key_for(guid)
        self._check_name(key, name)
        self.move(name, self._order[key].index(name) + 2, guid=key[0])

    def make_main(self, name: str, *, guid: str | None = None) -> None:
        """Make image ``name`` the first of the gallery (in ``shop``: the main image)."""
        self.move(name, 1, guid=guid)

    def undo(self, name: str, *, guid: str | None = None) -> None:
        """Forget the edits of one image: its caption, and its place (back where it was)."""
        key = self._key_for(guid)
        self._check_name(key, name)
        self._captions.get(key, {}).pop(name, None)
        base_order = list(self._base[key]["name"])
        order = self._order[key]
        order.remove(name)
        order.insert(min(base_order.index(name), len(order)), name)
        self._clear_outcome(key, name)
        self._bump(key, [name])
        self._render()

    def reset(self) -> None:
        """Forget every unsaved edit, in every product."""
        for key in list(self._base):
            self._order[key] = list(self._base[key]["name"])
            self._captions[key] = {}
            self._outcomes[key] = {}
            self._bump(key, self._order[key])
        self.preview_open = False
        self._say("", "info")
        self._render()

    def refresh(self) -> None:
        """Read the product on screen again from the shop; unsaved edits are kept."""
        if self._key is not None:
            problems = self._reload([self._key])
            if self._key in self._base:
                self.thumbs = self._thumbnails(self._key)
            kind = "error" if problems else "info"
            self._say(" ".join(problems) or "Reloaded from the shop.", kind)
            self._render()

    # --- plan and save ----------------------------------------------------------------------

    def plan(self) -> Plan:
        """The plan of the pending edits (``plan_updates`` against what the editor loaded)."""
        from ..plan import plan_updates

        changes = self.changes
        keys = set(zip(changes["guid"].astype(str), changes["gallery"].astype(str), strict=True))
        plan = plan_updates(self._client, changes, base=self._base_frame(keys), progress=False)
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
                "status": _text(row.get("status")) or "",
                "reason": _text(row.get("reason")) or "",
                "old_priority": _int(row.get("old_priority")),
                "new_priority": _int(row.get("new_priority")),
                "old_description": _text(row.get("old_description")),
                "new_description": _text(row.get("new_description")),
            }
            for i, (_, row) in enumerate(rows.iterrows())
        ]
        counts = plan.counts
        parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items() if n]
        self.preview_summary = (
            f"{_plural(len(rows), 'image')} in the plan: {', '.join(parts)}"
            if len(rows)
            else "Nothing to save: no pending edits."
        )
        self.preview_open = True
        return plan

    def close_preview(self) -> None:
        """Close the preview."""
        self.preview_open = False

    def save(self) -> Result | None:
        """Save every pending edit (plan, then apply with the conflict check); refresh.

        Each image's outcome is shown on its card; edits that were not saved stay pending.
        Returns the :class:`~shoptet_nb.apply.Result` (also in :attr:`result`), or None when
        there was nothing to save. An error that stops the whole save is shown and raised.
        """
        from ..apply import apply

        changes = self.changes
        if changes.empty:
            self._say("Nothing to save: no pending edits.", "info")
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
        finally:
            self.busy = False
            self.busy_text = ""
        self.result = result
        self._record_outcomes(result)
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

    def vue_undo(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.undo(data["name"]))

    def vue_reset(self, data: dict[str, Any]) -> None:
        self._event(data, self.reset)

    def vue_preview(self, data: dict[str, Any]) -> None:
        self._event(data, self.preview)

    def vue_close_preview(self, data: dict[str, Any]) -> None:
        self._event(data, self.close_preview)

    def vue_save(self, data: dict[str, Any]) -> None:
        self._event(data, self._save_from_view)

    def vue_previous_product(self, data: dict[str, Any]) -> None:
        self._event(data, self.previous_product)

    def vue_next_product(self, data: dict[str, Any]) -> None:
        self._event(data, self.next_product)

    def vue_show_product(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.show_product(str(data["guid"])))

    def vue_search_products(self, data: dict[str, Any]) -> None:
        self._event(data, lambda: self.search_products(str(data.get("text") or "")))

    def vue_refresh(self, data: dict[str, Any]) -> None:
        self._event(data, self.refresh)

    def _save_from_view(self) -> None:
        with contextlib.suppress(ShoptetError):  # save() has shown it in the editor already
            self.save()

    def _event(self, data: dict[str, Any], action: Any) -> None:
        """Run a front-end action: take the caption drafts it carries first, show failures."""
        try:
            self._take_captions(data)
            action()
        except ShoptetError as exc:
            self._say(str(exc), "error")
            self._render()
        except Exception as exc:  # a bug must be visible in the widget, not only in a log
            log.exception("GalleryEditor: unexpected error")
            self._say(f"Unexpected error ({type(exc).__name__}): {exc}", "error")
            self._render()

    def _take_captions(self, data: Mapping[str, Any]) -> None:
        """Apply the caption drafts a front-end message carries (``{card key: text}``)."""
        captions = data.get("captions") or {}
        for ident, text in captions.items():
            key, name = parse_card_key(str(ident))
            if key in self._base and name in self._order[key]:
                self._set_caption(key, name, None if text is None else str(text))

    # --- static fallback ------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self._repr_html_()
        return bundle

    def _repr_html_(self) -> str:
        """A static view of the gallery on screen, for where widgets cannot render."""
        esc = html.escape
        parts = ['<div class="shoptet-nb-gallery">']
        badge = "<strong>[SANDBOX]</strong> " if self.is_sandbox else ""
        parts.append(f"<h4>{badge}{esc(self.heading or 'Gallery editor')}</h4>")
        if self.subheading:
            parts.append(f"<p>{esc(self.subheading)} · {esc(self.pending_text)}</p>")
        parts.append(
            "<table><thead><tr><th>#</th><th>image</th><th>file</th><th>caption</th>"
            "<th>state</th></tr></thead><tbody>"
        )
        for card in self.cards:
            url = card.get("url") or ""
            picture = (
                f'<img src="{esc(url)}" alt="{esc(card["caption"])}" width="96">'
                if url and not self.is_sandbox and not is_loopback_url(url)
                else ""
            )
            star = " ★" if card["main"] else ""
            state = "changed" if card["changed"] else ""
            if card.get("outcome"):
                state = (state + " " + card["outcome"]["label"]).strip()
            parts.append(
                f"<tr><td>{card['position']}{star}</td><td>{picture}</td>"
                f"<td>{esc(card['name'])}</td><td>{esc(card['caption'])}</td>"
                f"<td>{esc(state)}</td></tr>"
            )
        parts.append("</tbody></table></div>")
        return "".join(parts)

    # --- internals: loading -----------------------------------------------------------------

    def _show(self, index: int) -> None:
        self._index = index
        key = self._keys[index]
        problems = self._reload([key]) if key not in self._base else []
        self.thumbs = self._thumbnails(key) if key in self._base else {}
        self._say(" ".join(problems), "error")
        self._render()

    def _reload(self, keys: Sequence[Key]) -> list[str]:
        """(Re)load galleries from the shop, or the first time from the given frame.

        Returns the problems met (one line each); a gallery that cannot be read keeps what
        was on screen.
        """
        problems: list[str] = []
        to_read: list[Key] = []
        for key in keys:
            if key not in self._base and self._given is not None:
                part = self._given[
                    (self._given["guid"] == key[0]) & (self._given["gallery"] == key[1])
                ]
                if len(part):
                    self._set_base(key, part)
                    continue
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
            for guid in guids:
                if guid in failed:
                    continue  # keep what was on screen (or nothing, the first time)
                self._set_base((guid, gallery), frame[frame["guid"] == guid])
        return problems

    def _set_base(self, key: Key, frame: pd.DataFrame) -> None:
        from ..edits import sort_gallery

        base = sort_gallery(typed(frame, IMAGE_COLUMNS)).reset_index(drop=True)
        self._base[key] = base
        names = list(base["name"].astype(str))
        present = set(names)
        previous = [n for n in self._order.get(key, []) if n in present]
        # Keep the edited order; images new on the server join at the end.
        self._order[key] = previous + [n for n in names if n not in set(previous)]
        base_caption = {n: _text(d) or "" for n, d in zip(names, base["description"], strict=True)}
        captions = self._captions.get(key, {})
        self._captions[key] = {
            n: text for n, text in captions.items() if n in present and text != base_caption[n]
        }
        for guid, label in base[["guid", "product_name"]].dropna().itertuples(index=False):
            self._product_names[str(guid)] = str(label)
        self._bump(key, names)  # the server's values replace any stale draft on screen

    def _thumbnails(self, key: Key) -> dict[str, str]:
        base = self._base[key]
        wanted: dict[str, str] = {}
        for name, url in zip(base["name"], base["url"], strict=True):
            src = self._thumb_url(str(name), _text(url))
            if src:
                wanted[card_key(key, str(name))] = src
        inline = [u for u in set(wanted.values()) if self._must_inline(u)]
        missing = [u for u in inline if u not in self._thumb_cache]
        for url, outcome in self._client.map(self._client.fetch_file, missing):
            if isinstance(outcome, BaseException):
                log.debug("thumbnail %s: %s", url, outcome)
                self._thumb_cache[url] = None
            else:
                self._thumb_cache[url] = data_uri(outcome, urlsplit(url).path)
        out: dict[str, str] = {}
        for ident, url in wanted.items():
            src = self._thumb_cache.get(url) if url in inline else url
            if src:
                out[ident] = src
        return out

    def _must_inline(self, url: str) -> bool:
        # On Binder the browser cannot reach the kernel's localhost: send the bytes instead.
        return self.is_sandbox or is_loopback_url(url)

    def _thumb_url(self, name: str, fallback: str | None) -> str | None:
        if self._thumb_cut is False:
            self._thumb_cut = None
            try:
                cuts = [c for c in self._client.image_cuts() if c.get("width")]
            except ShoptetError:
                cuts = []
            wide = sorted(
                (c for c in cuts if int(c["width"]) >= _THUMB_MIN_WIDTH),
                key=lambda c: int(c["width"]),
            )
            if wide:
                self._thumb_cut = str(wide[0]["name"])
        if isinstance(self._thumb_cut, str):
            try:
                url = self._client.image_url(name, self._thumb_cut)
            except ShoptetError:
                url = None
            if url:
                return url
        return fallback

    # --- internals: state -------------------------------------------------------------------

    def _key_for(self, guid: str | None) -> Key:
        if guid is None:
            if self._key is None:
                raise ArgumentError("no product on screen: pass product= or pick one first")
            return self._key
        for key in ([self._key] if self._key else []) + list(self._base):
            if key[0] == guid:
                return key
        raise ArgumentError(f"product {guid} is not loaded in this editor")

    def _check_name(self, key: Key, name: str) -> None:
        if key not in self._order or name not in self._order[key]:
            shown = ", ".join(self._order.get(key, [])[:5])
            raise ArgumentError(f"no image {name!r} in product {key[0]} ({key[1]}); it has {shown}")

    def _set_caption(self, key: Key, name: str, text: str | None) -> None:
        self._check_name(key, name)
        base = self._base[key]
        original = _text(base.loc[base["name"] == name, "description"].iloc[0]) or ""
        captions = self._captions.setdefault(key, {})
        new = text or ""
        if new == original:
            if captions.pop(name, None) is not None:
                self._clear_outcome(key, name)
        elif captions.get(name) != new:
            captions[name] = new
            self._clear_outcome(key, name)

    def _bump(self, key: Key, names: Iterable[str]) -> None:
        """Mark captions as set by the kernel, so the browser drops its drafts of them."""
        self._rev_counter += 1
        for name in names:
            self._revs[card_key(key, name)] = self._rev_counter

    def _clear_outcome(self, key: Key, name: str) -> None:
        self._outcomes.get(key, {}).pop(name, None)

    def _priority_changes(self, key: Key) -> dict[str, int]:
        base = self._base[key]
        names = [str(n) for n in base["name"]]
        priority = {n: _int(p) for n, p in zip(names, base["priority"], strict=True)}
        return new_priorities(names, priority, self._order[key])

    def _edited_keys(self) -> list[Key]:
        ordered = [k for k in self._keys if k in self._base] + [
            k for k in self._base if k not in self._keys
        ]
        return [
            k
            for k in ordered
            if self._captions.get(k) or self._order[k] != list(self._base[k]["name"])
        ]

    def _base_frame(self, keys: Iterable[Key]) -> pd.DataFrame:
        frames = [self._base[k] for k in keys if k in self._base]
        if not frames:
            return typed(pd.DataFrame(), IMAGE_COLUMNS)
        return typed(pd.concat(frames, ignore_index=True), IMAGE_COLUMNS)

    def _show_progress(self, done: int, total: int) -> None:
        """apply()'s callback: galleries written so far → the bar's percentage."""
        self.progress = 100.0 * done / total if total else -1.0

    def _record_outcomes(self, result: Result) -> None:
        for key in self._outcomes:
            self._outcomes[key] = {}
        for _, row in result.rows.iterrows():
            status = _text(row.get("status")) or ""
            key = (str(row["guid"]), str(row["gallery"]))
            label, ok = OUTCOMES.get(status, (status.replace("_", " "), False))
            detail = _text(row.get("message"))
            code = _text(row.get("error_code"))
            http = _int(row.get("http_status"))
            if not ok:
                extra = ", ".join(x for x in (f"HTTP {http}" if http else None, code) if x)
                if detail:
                    label = f"{label}: {detail}"
                if extra:
                    label = f"{label} ({extra})"
            self._outcomes.setdefault(key, {})[str(row["name"])] = {
                "status": status,
                "ok": ok,
                "label": label,
            }

    def _say(self, text: str, kind: str) -> None:
        self.notice_type = kind
        self.notice = text

    def _say_saved(self, result: Result, problems: Sequence[str]) -> None:
        after = (" " + " ".join(problems)) if problems else ""
        counts = result.counts
        done = counts.get("updated", 0) + counts.get("unchanged", 0)
        total = sum(counts.values())
        failed = total - done
        if failed == 0:
            self._say(
                f"Saved: {_plural(done, 'image')} up to date in the shop.{after}",
                "warning" if problems else "success",
            )
        elif done == 0:
            self._say(
                f"Nothing was saved: {_plural(failed, 'image')} failed (see the cards marked in "
                f"red). Your edits are kept; fix them or try again.{after}",
                "error",
            )
        else:
            self._say(
                f"Partly saved: {done} of {total} images saved, {failed} failed (see the cards "
                f"marked in red). The unsaved edits are kept.{after}",
                "warning",
            )

    # --- internals: the view ----------------------------------------------------------------

    def _render(self) -> None:
        """Push the state of the product on screen to the view."""
        pending = self.changes
        self.pending = len(pending)
        if self.pending:
            products = pending["guid"].nunique()
            where = f" in {_plural(products, 'product')}" if products > 1 else ""
            self.pending_text = f"{_plural(self.pending, 'unsaved change')}{where}"
        else:
            self.pending_text = "No unsaved changes"
        key = self._key
        self.has_previous = self._index > 0
        self.has_next = 0 <= self._index < len(self._keys) - 1
        if key is None:
            self.heading, self.subheading, self.current_guid = "", "", ""
            self.cards = []
            return
        self.current_guid = key[0]
        self.gallery_name = key[1]
        self.heading = self._product_names.get(key[0], key[0])
        count = len(self._order.get(key, []))
        self.subheading = (
            f"Product {self._index + 1} of {len(self._keys)} · gallery {key[1]} · "
            f"{_plural(count, 'image')}"
        )
        if key not in self._base:
            self.cards = []
            return
        self.cards = self._cards(key)

    def _cards(self, key: Key) -> list[dict[str, Any]]:
        base = self._base[key]
        names = [str(n) for n in base["name"]]
        base_position = {n: i for i, n in enumerate(names, start=1)}
        base_caption = {n: _text(d) or "" for n, d in zip(names, base["description"], strict=True)}
        urls = dict(zip(names, (_text(u) for u in base["url"]), strict=True))
        captions = self._captions.get(key, {})
        priorities = self._priority_changes(key)
        hints = self._hints(key)
        outcomes = self._outcomes.get(key, {})
        cards = []
        for position, name in enumerate(self._order[key], start=1):
            fields = []
            if name in captions:
                fields.append("caption")
            if position != base_position[name]:
                fields.append("position")
            elif name in priorities:
                fields.append("priority")
            ident = card_key(key, name)
            cards.append(
                {
                    "key": ident,
                    "name": name,
                    "position": position,
                    "was": base_position[name],
                    "caption": captions.get(name, base_caption[name]),
                    "rev": self._revs.get(ident, 0),
                    "main": key[1] == "shop" and position == 1,
                    "changed": bool(fields),
                    "fields": fields,
                    "hints": hints.get(name, []),
                    "outcome": outcomes.get(name),
                    "url": urls[name],
                }
            )
        return cards

    def _hints(self, key: Key) -> dict[str, list[dict[str, str]]]:
        from ..lint import lint_captions

        frame = self._base[key].copy()
        captions = self._captions.get(key, {})
        if captions:
            edited = frame["name"].map(captions)
            frame["description"] = edited.where(edited.notna(), frame["description"]).astype(
                "string"
            )
        findings = lint_captions(frame, max_length=self.max_length)
        out: dict[str, list[dict[str, str]]] = {}
        for name, rule, message in findings[["name", "rule", "message"]].itertuples(index=False):
            out.setdefault(str(name), []).append({"rule": str(rule), "message": str(message)})
        return out
