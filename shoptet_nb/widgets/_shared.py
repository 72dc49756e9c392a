"""What the gallery editor and the caption worklist share: the base widget (action bar state,
notices, progress, how a front-end event runs) and thumbnails. The words for a save's outcome
live in :mod:`shoptet_nb.editing.wording`."""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import logging
import mimetypes
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pandas as pd
import traitlets as t
from ipyvuetify.VuetifyTemplate import VuetifyTemplate

from ..editing.wording import plural, saved_count
from ..errors import ShoptetError

if TYPE_CHECKING:
    from ..apply import Result
    from ..client import ShoptetClient

log = logging.getLogger("shoptet_nb")

#: The smallest image cut at least this wide makes the thumbnail.
THUMB_MIN_WIDTH = 120
_MAGIC = (
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
)


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


class ThumbnailSource:
    """Thumbnails of shop photos for a widget, fetched once each.

    The thumbnail is the photo in the smallest image cut at least ``THUMB_MIN_WIDTH`` wide
    (else the given fallback URL). When the browser cannot reach the shop (the in-process
    sandbox, or a shop on the kernel's loopback while the browser is elsewhere, as on Binder)
    the bytes are fetched by the kernel and sent as ``data:`` URIs.
    """

    def __init__(self, client: ShoptetClient, *, inline_all: bool) -> None:
        self._client = client
        self._inline_all = inline_all
        self._cache: dict[str, str | None] = {}
        self._cut: str | bool | None = False  # False: not chosen yet

    def sources(self, wanted: Mapping[str, tuple[str, str | None]]) -> dict[str, str]:
        """``{view id: (file name, fallback URL)}`` → ``{view id: src}`` (unreadable ones left
        out)."""
        urls: dict[str, str] = {}
        for ident, (name, fallback) in wanted.items():
            url = self._url(name, fallback)
            if url:
                urls[ident] = url
        inline = {u for u in urls.values() if self._inline_all or is_loopback_url(u)}
        missing = [u for u in inline if u not in self._cache]
        for url, outcome in self._client.map(self._client.fetch_file, missing):
            if isinstance(outcome, BaseException):
                log.debug("thumbnail %s: %s", url, outcome)
                self._cache[url] = None
            else:
                self._cache[url] = data_uri(outcome, urlsplit(url).path)
        out: dict[str, str] = {}
        for ident, url in urls.items():
            src = self._cache.get(url) if url in inline else url
            if src:
                out[ident] = src
        return out

    def _url(self, name: str, fallback: str | None) -> str | None:
        if self._cut is False:
            self._cut = None
            try:
                cuts = [c for c in self._client.image_cuts() if c.get("width")]
            except ShoptetError:
                cuts = []
            wide = sorted(
                (c for c in cuts if int(c["width"]) >= THUMB_MIN_WIDTH),
                key=lambda c: int(c["width"]),
            )
            if wide:
                self._cut = str(wide[0]["name"])
        if isinstance(self._cut, str):
            try:
                url = self._client.image_url(name, self._cut)
            except ShoptetError:
                url = None
            if url:
                return url
        return fallback


class EditingWidget(VuetifyTemplate):
    """What the gallery editor and the caption worklist have in common: the action bar's state,
    the notice, the save's progress, the preview, and how a front-end event runs.

    A subclass sets ``template_file``, takes the caption drafts of a message in
    :meth:`_take_captions`, re-renders in :meth:`_after_error`, and has ``save()`` and
    ``_repr_html_()`` (the static view stored in notebooks).
    """

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

    # The actions every such widget has; each front-end event runs its Python twin.
    def save(self) -> Any:
        raise NotImplementedError

    def undo(self) -> Any:
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError

    def preview(self) -> Any:
        raise NotImplementedError

    def refresh(self) -> None:
        raise NotImplementedError

    def vue_undo(self, data: dict[str, Any]) -> None:
        self._event(data, self.undo)

    def vue_reset(self, data: dict[str, Any]) -> None:
        self._event(data, self.reset)

    def vue_preview(self, data: dict[str, Any]) -> None:
        self._event(data, self.preview)

    def vue_refresh(self, data: dict[str, Any]) -> None:
        self._event(data, self.refresh)

    def _take_captions(self, data: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def _after_error(self) -> None:
        """Bring the view back in line after an action failed half-way (default: nothing)."""

    def close_preview(self) -> None:
        """Close the preview."""
        self.preview_open = False

    def vue_close_preview(self, data: dict[str, Any]) -> None:
        self._event(data, self.close_preview)

    def vue_save(self, data: dict[str, Any]) -> None:
        self._event(data, self._save_from_view)

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

    def _say(self, text: str, kind: str) -> None:
        self.notice_type = kind
        self.notice = text

    def _say_interrupted(self, partial: Result | None, noun: str) -> None:
        """The notice after a save the user interrupted (``partial``: what it sent, if known)."""
        if partial is not None:
            self._say(
                f"Save interrupted: {plural(saved_count(partial), noun)} saved before the "
                "interrupt; the rest is still pending (Save again to finish).",
                "warning",
            )
        else:  # nothing says what was sent: the edits stay, the shop is the judge
            self._say(
                "Save interrupted; your edits are kept. Press ⟳ to see what the shop holds "
                "now, then Save again.",
                "warning",
            )

    def _show_progress(self, done: int, total: int) -> None:
        """apply()'s callback: galleries written so far → the bar's percentage."""
        self.progress = 100.0 * done / total if total else -1.0

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle: dict[str, Any] | None = super()._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/html"] = self._repr_html_()
        return bundle

    def _repr_html_(self) -> str:
        raise NotImplementedError


def cell_text(value: object) -> str | None:
    """A frame cell as ``str`` or ``None`` (pandas' NA and NaN become None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return str(value)
