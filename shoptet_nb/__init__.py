"""shoptet_nb: audit and bulk-edit Shoptet product photo galleries from Jupyter.

DataFrame in, DataFrame out::

    import shoptet_nb as sn
    client = sn.sandbox()                 # or sn.connect() with SHOPTET_PRIVATE_API_TOKEN set
    images = sn.read_images(client, products=guids)
    edited = sn.fill_captions(images, "{product_name} – photo {n}")
    plan = sn.plan_updates(client, edited, base=images)
    result = sn.apply(plan)
    sn.export_captions(images, "captions.xlsx")  # a copywriter fills it in ...
    plan = sn.plan_updates(client, sn.read_captions("captions.xlsx"))  # ... and back it comes

The widgets (``GalleryEditor``, ``CaptionWorklist``) are imported on first use so that
``import shoptet_nb`` stays light; they are in ``__all__`` and ``dir()`` for tab completion,
so ``from shoptet_nb import *`` loads them.
"""

from __future__ import annotations

from typing import Any

from .apply import Result, apply, revert, update_images
from .audit import ImageAudit, audit_images
from .client import Envelope, ShoptetClient, connect
from .config import Settings
from .editing import EditSession
from .edits import fill_captions, move_to_front, renumber, reorder, select_photos, sort_gallery
from .errors import (
    APIError,
    ArgumentError,
    AuthenticationError,
    ConfigError,
    ConflictError,
    FrameError,
    Interrupted,
    JobError,
    JobFailedError,
    JobResultError,
    JobTimeoutError,
    LockedError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ShoptetError,
    ValidationError,
)
from .jobs import Job
from .lint import LINT_RULES, lint_captions
from .plan import Plan, plan_updates
from .read import SnapshotRefusedWarning, read_errors, read_images
from .sandbox import sandbox
from .spreadsheet import export_captions, read_captions
from .write.add import AddResult, add_images
from .write.delete_result import DeleteResult
from .write.delete_run import delete_images

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AddResult",
    "ArgumentError",
    "AuthenticationError",
    "CaptionWorklist",
    "ConfigError",
    "ConflictError",
    "DeleteResult",
    "EditSession",
    "Envelope",
    "FrameError",
    "GalleryEditor",
    "ImageAudit",
    "Interrupted",
    "Job",
    "JobError",
    "JobFailedError",
    "JobResultError",
    "JobTimeoutError",
    "LINT_RULES",
    "LockedError",
    "NetworkError",
    "NotFoundError",
    "Plan",
    "RateLimitError",
    "Result",
    "ServerError",
    "Settings",
    "ShoptetClient",
    "ShoptetError",
    "SnapshotRefusedWarning",
    "ValidationError",
    "__version__",
    "add_images",
    "apply",
    "audit_images",
    "connect",
    "delete_images",
    "export_captions",
    "fill_captions",
    "lint_captions",
    "move_to_front",
    "plan_updates",
    "read_captions",
    "read_errors",
    "read_images",
    "renumber",
    "reorder",
    "revert",
    "sandbox",
    "select_photos",
    "sort_gallery",
    "update_images",
]


def __dir__() -> list[str]:
    # The lazily loaded widgets are listed too, so tab completion offers them.
    return sorted({*globals(), *__all__})


def __getattr__(name: str) -> Any:
    # The widget stack (ipywidgets, ipyvuetify) is heavy: load it only when asked for.
    if name == "GalleryEditor":
        from .widgets import GalleryEditor

        return GalleryEditor
    if name == "CaptionWorklist":
        from .widgets import CaptionWorklist

        return CaptionWorklist
    raise AttributeError(f"module 'shoptet_nb' has no attribute {name!r}")
