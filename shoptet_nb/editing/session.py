"""``EditSession``: the editor without a screen (read, edit, plan, save in parts, re-read)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from ..errors import ArgumentError
from .loading import (
    Gallery,
    ReadFunction,
    ReadProblem,
    galleries_of,
    read_galleries,
)
from .model import EditModel
from .photo_edits import PendingAdd
from .photo_save import PhotoRows, preview_photos, save_photos
from .photo_sources import PhotoSource, PhotoSources
from .saving import ApplyFunction, PartedSave, SaveStopped, journal_for_save

if TYPE_CHECKING:
    from typing import Unpack  # 3.11; annotations only, so 3.10 runs this module too

    from ..client import ShoptetClient
    from ..plan import Plan
    from ..write.result import Result

__all__ = ["EditSession"]

#: Statuses after which the shop may hold something else than the session thinks: a
#: conflict (a colleague's change), a vanished photo, a failure (a lost answer may have landed).
_UNCERTAIN = ("conflict", "not_found", "failed")


def _read_images(*args: object, **kwargs: object) -> pd.DataFrame:
    from ..read import read_images

    return read_images(*args, **kwargs)  # type: ignore[arg-type]


def _apply(*args: object, **kwargs: object) -> Result:
    from ..write import apply

    return apply(*args, **kwargs)  # type: ignore[arg-type]


class EditSession:
    """Edit product galleries from code, as the widgets do: read, edit, plan, save, re-read.

    The session holds the client, the one language edited (as frames carry it: ``None`` for
    the shop's default), the journal setting and the :class:`~shoptet_nb.editing.model.EditModel`
    with the pending edits. Both widgets are views over a session; a notebook can use one
    with no widget at all::

        session = shoptet_nb.EditSession(client)
        session.load([(guid, "shop")])                  # read the gallery: problems met
        session.model.set_caption(guid, "shop", "back.jpg", "Back view")
        session.model.move(guid, "shop", "back.jpg", 1)
        session.plan()                                  # what Save would send
        result = session.save()                         # plan, apply in parts, re-read

    ``read`` and ``apply`` are the functions it reads and writes with (by default
    :func:`~shoptet_nb.read_images` and :func:`~shoptet_nb.apply`, same signatures): tests
    hand in fakes. ``save_batch`` is the galleries per part of a save (default: ten for each
    connection the client keeps open, so a part is about ten rounds of calls).

    Photos are added and deleted the same way (pending, undoable, previewed, saved)::

        session.add_photo(guid, "shop", source_url=url)   # a public URL Shoptet downloads
        session.model.mark_delete(guid, "shop", "old.jpg")
        session.preview_photos().rows                     # dry runs: duplicates, blocked deletes
        session.save()                                    # deletes, adds, then captions/order
        session.photo_result.rows                         # a status per add and delete

    ``stage`` (a function ``bytes -> public URL``, e.g. ``client.sandbox.stage``) lets the
    session add local files: the API takes only URLs its servers download.
    """

    def __init__(
        self,
        client: ShoptetClient,
        *,
        language: str | None = None,
        journal: str | Path | bool | None = None,
        read: ReadFunction | None = None,
        apply: ApplyFunction | None = None,
        save_batch: int | None = None,
        stage: Callable[[bytes], str] | None = None,
    ) -> None:
        if language is not None:
            from ..read import language_key

            language = language_key(client, language)
        self.client = client
        #: The language edited, as frames carry it (None: the shop's default).
        self.language = language
        #: Where saves are journaled (as ``apply(journal=...)``; one file per save).
        self.journal = journal
        #: The pending edits, against the shop as last read.
        self.model = EditModel(language=language)
        self._read = read or _read_images
        self._apply = apply or _apply
        #: Galleries per part of a save. apply writes a gallery with a re-read and a PATCH on one
        #: connection, so a part is about ten rounds of calls: the moment at a part's end when
        #: some connections have nothing left to send costs under a tenth of that.
        self.save_batch = save_batch or 10 * client.settings.max_in_flight
        #: Product names seen in the frames loaded: {guid: name}.
        self.product_names: dict[str, str] = {}
        #: The Result of the last save (None before the first).
        self.result: Result | None = None
        #: The Plan of the last :meth:`plan` or save.
        self.last_plan: Plan | None = None
        #: What stopped the last save half-way (an error after some parts were sent), or None.
        self.last_stop: SaveStopped | None = None
        #: The read problems of the re-read after the last save.
        self.save_problems: list[ReadProblem] = []
        if stage is not None and not callable(stage):
            raise ArgumentError("stage must be a function bytes -> public URL (or None)")
        #: Uploads a local file's bytes and returns its public URL (None: URLs only).
        self.stage = stage
        #: What the last save did with the pending photo adds and deletes (None: none sent).
        self.photo_result: PhotoRows | None = None
        self._sources = PhotoSources()  # picked files' bytes wait there until Save

    def __repr__(self) -> str:
        language = self.language or "the default language"
        return f"<EditSession in {language}: {self.model.pending_count} pending edit(s)>"

    # --- loading --------------------------------------------------------------------------

    def load(
        self,
        galleries: Iterable[Gallery],
        *,
        frame: pd.DataFrame | None = None,
        partial: Literal["read", "keep"] = "read",
        progress: bool = False,
    ) -> list[ReadProblem]:
        """Put galleries in the model (a gallery held already is rebased: edits kept, a change
        in the shop since an edit a conflict). Returns the problems met, one per failure.

        A gallery ``frame`` holds whole (a ``read_images`` frame) is taken from it, any other
        is read from the shop. A gallery ``frame`` holds only some photos of is read whole when
        ``partial="read"`` (moves need every photo), kept as the frame holds it with
        ``partial="keep"`` (captions only); one the shop cannot give keeps the frame's photos.
        ``progress`` shows the read's bar.
        """
        wanted = list(dict.fromkeys((str(g), str(gal)) for g, gal in galleries))
        given: dict[Gallery, bool] = {}  # in the frame: whole?
        if frame is not None and len(frame):
            from ..read import whole_galleries

            whole = whole_galleries(frame)
            held = set(zip(frame["guid"].astype(str), frame["gallery"].astype(str), strict=True))
            given = {key: key in whole for key in wanted if key in held}
        from_frame = [k for k in wanted if given.get(k) or (k in given and partial == "keep")]
        if from_frame:
            self._take(frame, [k for k in from_frame if given[k]], complete=True)
            self._take(frame, [k for k in from_frame if not given[k]], complete=False)
        to_read = [k for k in wanted if k not in from_frame]
        problems = self._read_into_model(to_read, progress=progress)
        unread = [k for k in to_read if k in given and not self.model.has(*k)]
        self._take(frame, unread, complete=False)  # its photos alone, captions only
        return problems

    def reread(self, galleries: Iterable[Gallery], *, progress: bool = False) -> list[ReadProblem]:
        """Read galleries again from the shop and rebase the edits on them; the problems met
        (a gallery that cannot be read keeps what the model held)."""
        return self.load(galleries, progress=progress)

    def _read_into_model(
        self, galleries: Sequence[Gallery], *, progress: bool
    ) -> list[ReadProblem]:
        problems: list[ReadProblem] = []
        for gallery, guids in galleries_of(galleries).items():
            frame, met = read_galleries(
                self._read, self.client, guids, [gallery], language=self.language, progress=progress
            )
            problems += met
            if frame is None:
                continue
            failed = {p.guid for p in met}
            read = [g for g in guids if g not in failed]  # the others keep what was held
            self._take(frame[frame["guid"].isin(read)], [(g, gallery) for g in read], complete=True)
        return problems

    def _take(self, frame: pd.DataFrame | None, keys: Sequence[Gallery], *, complete: bool) -> None:
        """Load the rows of ``frame`` of these galleries into the model, in one call."""
        if frame is None or not keys:
            return
        wanted = set(keys)
        pairs = zip(frame["guid"].astype(str), frame["gallery"].astype(str), strict=True)
        part = frame[pd.Series([pair in wanted for pair in pairs], index=frame.index, dtype=bool)]
        self.model.load(part, complete=complete, keys=keys if complete else ())
        if "product_name" in part.columns:
            names = part[["guid", "product_name"]].dropna().drop_duplicates("guid")
            self.product_names.update({str(g): str(n) for g, n in names.itertuples(index=False)})

    # --- photos to add -------------------------------------------------------------------

    def add_photo(
        self, guid: str, gallery: str = "shop", **source: Unpack[PhotoSource]
    ) -> PendingAdd:
        """Add a photo to a loaded gallery at the next Save (one undoable action).

        The source is ``source_url`` (a public http(s) URL: Shoptet's servers download it),
        ``path`` (a local file) or ``data`` (a file's bytes, e.g. from a file picker, named
        ``filename``). A local file needs the session's ``stage``: without one this raises
        :class:`~shoptet_nb.ArgumentError` and nothing is kept or sent. ``position`` is the
        1-based place after the add (None: after the last photo).
        """
        add = self._sources.pending_add(self.stage, **source)
        self.model.add_photos(str(guid), str(gallery), [add])
        return add

    def add_urls(self, guid: str, gallery: str, text: str) -> tuple[list[PendingAdd], list[str]]:
        """Add the URLs of ``text`` (one per line, blank lines ignored) as one undoable
        action. Returns the adds kept and one sentence per line refused (a local path without
        a stager, not a URL, already pending): a refused line is not kept."""
        pending = self.model.pending_adds(str(guid), str(gallery))
        adds, problems = self._sources.from_lines(self.stage, text, pending)
        self.model.add_photos(str(guid), str(gallery), adds)
        return adds, problems

    def preview_photos(self) -> PhotoRows:
        """What Save would do with the pending adds and deletes (``add_images`` and
        ``delete_images`` dry runs: a duplicate is ``skipped_duplicate``, a photo a variant
        shows ``blocked`` with its ``variant_codes``, ``becomes_main`` names the next main
        photo). Nothing is staged or sent."""
        return preview_photos(self.client, self.model, stage=self.stage, language=self.language)

    # --- plan and save --------------------------------------------------------------------

    def pending_galleries(self) -> list[Gallery]:
        """The galleries with edits to save, in the order of :attr:`EditModel.changes`."""
        changes = self.model.changes
        pairs = zip(changes["guid"].astype(str), changes["gallery"].astype(str), strict=True)
        return list(dict.fromkeys(pairs))

    def plan(self) -> Plan:
        """The plan of the pending edits (``plan_updates`` against the shop as last read)."""
        from ..plan import plan_updates

        changes = self.model.changes
        pairs = zip(changes["guid"].astype(str), changes["gallery"].astype(str), strict=True)
        base = self.model.base_frame(list(dict.fromkeys(pairs)))
        self.last_plan = plan_updates(self.client, changes, base=base, progress=False)
        return self.last_plan

    def save(
        self,
        *,
        on_part: Callable[[Result], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_start: Callable[[int, int], None] | None = None,
        reread: Literal["uncertain", "all"] = "uncertain",
    ) -> Result | None:
        """Save every pending edit not in conflict: plan, apply in parts, record, re-read.

        ``apply`` re-reads each gallery just before writing it (a colleague's change meanwhile
        becomes a ``conflict`` row, not an overwrite) and journals every call; all parts share
        one journal file. After each part its outcomes are in the model and ``on_part`` gets
        its Result; ``on_progress(done, total)`` counts the galleries written over the whole
        save, and ``on_start(number, parts)`` is told before each part is sent. Then the
        galleries whose outcome is uncertain (a conflict, a vanished photo, a failure: a lost
        answer may have landed) are read again, every saved one with ``reread="all"``; that
        read's problems are in :attr:`save_problems`.

        Pending photo adds and deletes are sent first (deletes, then adds, see
        :meth:`preview_photos`); their rows are in :attr:`photo_result`. Returns the Result of
        the caption and order edits (also :attr:`result`), or None when none was pending.
        ``on_progress`` counts the photo part first (photos deleted, galleries added to), then
        starts again at 0 for the caption and order part. Every write of one save is journaled
        in one place: the session's ``journal`` file (or a new one when it is None) for the
        caption and order edits, and files named after it next to it for the photo part
        (``save.jsonl`` → ``save.deletes.jsonl``, ``save.deletes-references.jsonl``,
        ``save.adds.jsonl``; the deleted photos' archive folder beside them too). An
        interrupt raises :class:`~shoptet_nb.Interrupted`, its ``result`` what was sent; an
        error raises again after recording what was sent (:attr:`last_stop` says where it
        stopped when earlier parts were sent). Unsent edits stay pending.
        """
        from ..plan import split_plan

        self.last_stop = None
        self.save_problems = []
        self.photo_result = None
        # One journal for the whole save: the photo part's files are named after it.
        journal = journal_for_save(self.journal, sandbox=self.client.is_sandbox)
        if self.model.photo_galleries:
            # Adds and deletes first (see save_photos), then the caption and order edits
            # rebased on the galleries as the shop now holds them.
            self.photo_result = save_photos(
                self.client,
                self.model,
                stage=self.stage,
                language=self.language,
                journal=journal if isinstance(journal, bool) else Path(journal),
                reread=self.reread,
                on_progress=on_progress,
            )
            self.save_problems += self.photo_result.problems
            self._sources.forget_unused(
                a for key in self.model.photo_galleries for a in self.model.pending_adds(*key)
            )
        galleries = self.pending_galleries()
        if not galleries:
            return None
        try:
            plan = self.plan()
            run = PartedSave(
                plan=plan,
                parts=split_plan(plan, self.save_batch),
                apply=self._apply,
                journal=journal,
                # After a photo part the outcomes on the cards are this save's: keep them.
                record=lambda result, keep: self.model.record(
                    result, keep_outcomes=keep or self.photo_result is not None
                ),
                on_part=on_part,
                on_start=on_start,
                on_progress=on_progress,
            )
            result = run.run()
        except KeyboardInterrupt as exc:
            partial = getattr(exc, "result", None)
            if partial is not None:
                self.result = partial
            raise
        except SaveStopped as stop:
            self.result = stop.result
            self.last_stop = stop
            self.save_problems = self._reread_after(stop.result, galleries, reread)
            raise stop.error from None
        except Exception:
            if reread == "all":
                self.save_problems = self.reread(galleries)
            raise
        self.result = result
        self.save_problems += self._reread_after(result, galleries, reread)
        return result

    def _reread_after(
        self, result: Result, galleries: Sequence[Gallery], reread: str
    ) -> list[ReadProblem]:
        if reread == "all":
            return self.reread(galleries)
        rows = result.rows
        hit = rows[rows["status"].isin(_UNCERTAIN)]
        uncertain = {(str(g), str(gal)) for g, gal in hit[["guid", "gallery"]].to_numpy()}
        return self.reread(sorted(uncertain)) if uncertain else []
