"""The apply journal; it lives in :mod:`shoptet_nb.write.journal` (kept here for old imports)."""

from .write.journal import (
    JOURNAL_DIR_ENV,
    Journal,
    default_journal_dir,
    new_journal_path,
    read_journal,
)

__all__ = ["JOURNAL_DIR_ENV", "Journal", "default_journal_dir", "new_journal_path", "read_journal"]
