"""The image audit: size, format, file size and duplicates of product photos, read-only.

Modules: ``facts`` (format and size from a file's first bytes), ``hashing`` (the perceptual
hash, on Pillow), ``fetch`` (one photo's downloads), ``cache`` (facts on disk), ``rules``
(findings), ``result`` (``ImageAudit`` and its worklists), ``run`` (``audit_images``).
"""

from __future__ import annotations

from .result import ImageAudit
from .rules import AUDIT_RULES, RULES_2027
from .run import audit_images

__all__ = ["AUDIT_RULES", "ImageAudit", "RULES_2027", "audit_images"]
