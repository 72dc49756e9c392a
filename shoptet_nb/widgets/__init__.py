"""Notebook widgets of shoptet_nb (ipyvuetify); imported only when first used.

>>> editor = shoptet_nb.GalleryEditor(client, product=guid)   # doctest: +SKIP
"""

from __future__ import annotations

from .caption_worklist import CaptionWorklist
from .gallery_editor import GalleryEditor

__all__ = ["CaptionWorklist", "GalleryEditor"]
