"""Hand a caption worklist to a copywriter as a spreadsheet, and read their edits back.

:func:`export_captions` writes one row per photo to an ``.xlsx`` (needs openpyxl: the
``shoptet-nb[excel]`` extra) or a ``.csv`` file; :func:`read_captions` turns the filled-in file
into an edits frame for :func:`~shoptet_nb.plan_updates`. Nothing here talks to the shop.

Why a round trip cannot write what nobody typed:

* Each row carries, in hidden columns, the caption as exported (``original_description``),
  the photo's ``change_time`` and a checksum of its key (``key_check``). A caption cell still
  equal to its original is *untouched* and reads back as ``<NA>`` ("unchanged"): whatever a
  spreadsheet program does to the text when it saves (line ends, number-looking text), it does
  to both cells alike, so an untouched file plans no change even if the shop moved on since.
* A row whose ``guid``, ``gallery``, ``name`` or ``language`` no longer matches its checksum
  (or that was never exported) gets an ``invalid_reason``: the plan marks it ``invalid`` and
  never sends it, to that photo or any other.
* An edit is checked against the photo as exported: ``read_captions`` passes the exported
  ``change_time`` on, so ``plan_updates`` reports a photo changed in the shop since the export
  as ``conflict`` instead of overwriting it.
* An empty caption cell means "unchanged", like a null in any edits frame. To clear a caption,
  type ``[clear]`` in its cell.

The package: :mod:`.layout` (the sheet both directions agree on: columns, checksum, escapes),
:mod:`.export` (the worklist and the ``.csv``), :mod:`.xlsx_writer` (the ``.xlsx`` with its
locks and help sheet), :mod:`.read_back` (the filled-in file as an edits frame).
"""

from __future__ import annotations

# The sheet's layout stays importable from here, as before the split (the tests use it).
from .export import export_captions
from .layout import CAPTIONS_SHEET as CAPTIONS_SHEET
from .layout import CLEAR_MARKER
from .layout import EDITS_COLUMNS as EDITS_COLUMNS
from .layout import HELP_SHEET as HELP_SHEET
from .layout import KEY as KEY
from .layout import SHEET_COLUMNS as SHEET_COLUMNS
from .read_back import read_captions

__all__ = ["CLEAR_MARKER", "export_captions", "read_captions"]
