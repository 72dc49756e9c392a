"""The write journal: the before and after of every image a write touches, as JSON lines.

Each PATCH call writes an :class:`Intent` line before it is sent (the values before, and the
values it will set) and a :class:`Confirmed` line when it is answered (the values the server then
showed), or a :class:`Failed` line (the call failed, or an interrupt stopped it before it left).
``revert`` reads these lines back. After an interrupt the file stays open until the last call
still in flight has written its answer, so it lists every gallery that may have changed. Files
live in ``$SHOPTET_NB_JOURNAL_DIR`` or, by default, ``~/.shoptet_nb/journal/``, one file per apply
named ``apply-<UTC time>-<id>.jsonl``. A sandbox shop's writes go to a temporary folder of the
process instead (unless ``$SHOPTET_NB_JOURNAL_DIR`` is set): the sandbox lives only as long as the
process, so its journals are no use after it, and trying the notebooks leaves no files behind.

The schema lives in this package and nowhere else: writers build an entry class and hand it to
:meth:`Journal.write` (the one encoder); readers turn lines back into entries with
:func:`decode_entry` (the one decoder). A new kind of write (adding or deleting photos) adds an
entry class with its own ``EVENT`` and registers it in :data:`ENTRY_TYPES`; readers that do not
know it skip it, as they skip lines a crash cut short.

Modules: :mod:`.file` (paths, :class:`Journal`, :func:`read_journal`), :mod:`.entry` (what
every entry has), :mod:`.apply_entries`, :mod:`.delete_entries`, :mod:`.add_entries` (one kind
of write each) and :mod:`.decode` (:data:`ENTRY_TYPES` and the decoder).
"""

from .add_entries import Added, AddedPhoto, AddIntent, AddQueued, Removed
from .apply_entries import Confirmed, ConfirmedImage, Failed, ImageState, Intent, IntentImage
from .decode import ENTRY_TYPES, decode_entries, decode_entry
from .delete_entries import Archived, Deleted, Restored
from .entry import Entry, JsonEntry
from .file import (
    JOURNAL_DIR_ENV,
    Journal,
    default_journal_dir,
    journal_file,
    new_journal_path,
    read_journal,
)

__all__ = [
    "AddIntent",
    "AddQueued",
    "Added",
    "AddedPhoto",
    "Archived",
    "Confirmed",
    "ConfirmedImage",
    "Deleted",
    "ENTRY_TYPES",
    "Entry",
    "Failed",
    "ImageState",
    "Intent",
    "IntentImage",
    "JOURNAL_DIR_ENV",
    "Journal",
    "JsonEntry",
    "Removed",
    "Restored",
    "decode_entries",
    "decode_entry",
    "default_journal_dir",
    "journal_file",
    "new_journal_path",
    "read_journal",
]
