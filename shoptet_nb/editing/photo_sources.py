"""Where a photo to add comes from: a public URL, or a local file that a stager uploads at Save.

The Shoptet API takes only URLs its servers download, so a local file (a path, or the bytes a
file picker sent) is refused at once, with why, unless the session has a ``stage`` function
(``bytes -> public URL``). Bytes from a picker wait on disk, in one private folder per session,
because ``add_images`` hashes a file where it lies (the preview's duplicate check) and stages
it only when Save sends it; the folder goes with the session.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict
from urllib.parse import urlsplit

from ..errors import ArgumentError
from .photo_edits import PendingAdd

if TYPE_CHECKING:
    from typing import Unpack  # 3.11; annotations only, so 3.10 runs this module too

__all__ = ["PhotoSource", "PhotoSources"]


class PhotoSource(TypedDict, total=False):
    """A photo to add, as the user gives it: one of ``source_url`` (a public http(s) URL),
    ``path`` (a local file) or ``data`` (a picked file's bytes, named ``filename``); an
    optional ``description`` and 1-based ``position`` after the add."""

    source_url: str | None
    path: str | Path | None
    data: bytes | None
    filename: str | None
    description: str | None
    position: int | None


class PhotoSources:
    """Turns what a user gives (a URL, a path, a picked file's bytes) into a
    :class:`~shoptet_nb.editing.photo_edits.PendingAdd`, or an :class:`ArgumentError` that says
    why not; keeps picked files' bytes until Save."""

    def __init__(self) -> None:
        self._folder: Path | None = None

    def pending_add(
        self, stage: Callable[[bytes], str] | None, **source: Unpack[PhotoSource]
    ) -> PendingAdd:
        """One photo to add; raises :class:`ArgumentError` (nothing kept) for a local file
        without ``stage``, a URL of another scheme, a missing file or a position below 1."""
        from ..write.add.rows import STAGE_HINT

        unknown = sorted(set(source) - set(PhotoSource.__annotations__))
        if unknown:  # **source takes any keyword at run time: a typo must not pass silently
            raise ArgumentError(
                f"add_photo: unknown argument(s) {unknown}; it takes "
                f"{', '.join(PhotoSource.__annotations__)}"
            )
        source_url, path, data = source.get("source_url"), source.get("path"), source.get("data")
        description, position = source.get("description"), source.get("position")
        given = [x for x in (source_url, path, data) if x is not None]
        if len(given) != 1:
            raise ArgumentError("add_photo: give one of source_url=, path= or data=")
        if position is not None and (isinstance(position, bool) or int(position) < 1):
            raise ArgumentError(f"position must be 1 or more (1 = first), got {position!r}")
        if source_url is not None:
            url = str(source_url).strip()
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.hostname:
                return PendingAdd.new(source_url=url, description=description, position=position)
            if parts.scheme not in ("", "file") and len(parts.scheme) > 1:  # C:\ is a path
                raise ArgumentError(f"{url[:80]!r} is not an http(s) URL: not added")
            path = url.removeprefix("file://")  # a local path typed where a URL goes
        label = source.get("filename") or Path(str(path)).name
        if stage is None:
            raise ArgumentError(f"{label[:80]!r} is a local file, not added: {STAGE_HINT}")
        if data is not None:
            path = self._keep(bytes(data), label)
        file = Path(str(path)).expanduser()
        if not file.is_file():
            raise ArgumentError(f"{str(path)[:80]!r} is not a file: not added")
        return PendingAdd.new(
            path=str(file), label=label, description=description, position=position
        )

    def from_lines(
        self, stage: Callable[[bytes], str] | None, text: str, pending: Iterable[PendingAdd]
    ) -> tuple[list[PendingAdd], list[str]]:
        """The adds of ``text`` (one URL per line, blank lines ignored), and one sentence per
        line refused; a line already ``pending`` (or twice in the text) is refused too."""
        adds: list[PendingAdd] = []
        problems: list[str] = []
        seen = {a.source_url for a in pending if a.source_url}
        for line in (x.strip() for x in text.splitlines()):
            if not line:
                continue
            if line in seen:
                problems.append(f"{line[:80]}: already pending in this gallery")
                continue
            try:
                adds.append(self.pending_add(stage, source_url=line))
            except ArgumentError as exc:
                problems.append(str(exc))
                continue
            seen.add(line)
        return adds, problems

    def forget_unused(self, pending: Iterable[PendingAdd]) -> None:
        """Delete the kept files no pending add refers to (after a save: those sent)."""
        if self._folder is None:
            return
        wanted = {Path(a.path) for a in pending if a.path}
        for file in self._folder.iterdir():
            if file not in wanted:
                file.unlink(missing_ok=True)

    def _keep(self, data: bytes, filename: str) -> str:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="shoptet-nb-adds-"))
            weakref.finalize(self, shutil.rmtree, self._folder, ignore_errors=True)
        handle, name = tempfile.mkstemp(dir=self._folder, suffix=Path(filename).suffix[:10])
        with open(handle, "wb") as out:
            out.write(data)
        return name
