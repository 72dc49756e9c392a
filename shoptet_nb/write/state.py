"""The state one run of writes shares between its worker threads, and the words it uses for
rows it could not finish."""

from __future__ import annotations

import threading
from typing import Any

from ..errors import APIError, AuthenticationError, NetworkError
from ..plan import Plan
from .journal import Entry, Journal
from .values import failure_info

UNDO = "revert(journal_path, client=client) undoes it"
NOT_ATTEMPTED = (
    "not attempted: the run was interrupted; apply the same plan again to finish "
    f"(what was written: {UNDO})"
)
IN_FLIGHT = (
    "sent, but the run was interrupted before the answer came back: it may have landed; "
    f"the journal has it ({UNDO} if it did)"
)

# guid, gallery, name, language ("" = the shop's default); values come out of frames, so Any.
Key = tuple[Any, Any, Any, Any]
GalleryKey = tuple[Any, Any, Any]


class Run:
    """State shared by the worker threads of one apply."""

    def __init__(self, plan: Plan, journal: Journal, on_error: str, force: bool) -> None:
        self.plan = plan
        self.client = plan.client
        self.journal = journal
        self.on_error = on_error
        self.force = force
        #: A revert: a caption it restores as "" (it was none) is done if the photo has none.
        self.restoring = False
        self.lock = threading.Lock()
        self.outcomes: dict[Key, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self.after: dict[GalleryKey, list[dict[str, Any]]] = {}
        self.stop = threading.Event()
        self.stop_reason = ""
        # Set by client.map when the caller is interrupted: nothing new is sent after it.
        self.interrupted = threading.Event()
        self.sent: set[Key] = set()  # images whose call was journaled, so may have been sent
        self.active = 0  # workers inside write_gallery
        self.closing = False  # close the journal when the last worker ends
        names = plan.base[["guid", "product_name"]] if plan.base is not None else None
        self.product_names: dict[str, Any] = (
            dict(zip(names["guid"], names["product_name"], strict=True))
            if names is not None and not names.empty
            else {}
        )

    def mark(self, key: Key, status: str, message: str | None = None, **extra: Any) -> None:
        with self.lock:
            self.outcomes[key] = {"status": status, "message": message, **extra}

    def stopped(self) -> str | None:
        """Why nothing more may be sent (the not_attempted message), or None."""
        if self.interrupted.is_set():
            return NOT_ATTEMPTED
        return self.stop_reason if self.stop.is_set() else None

    def begin_send(self, keys: list[Key], intent: Entry) -> str | None:
        """Journal a call before it is sent, unless the run stopped (then return why).

        Check and write happen under one lock, and an interrupt takes that lock once after
        setting ``interrupted``: so when control returns to the user, every call that may still
        go out already has its line in the journal.
        """
        with self.lock:
            reason = self.stopped()
            if reason is None:
                self.sent.update(keys)
                self.journal.write(intent)
            return reason

    def close_journal_when_idle(self) -> None:
        """Close the journal now, or when the last worker still in flight ends."""
        with self.lock:
            self.closing = True
            if self.active:
                return
        self.journal.close()

    def halt(self, reason: str) -> None:
        with self.lock:
            if not self.stop.is_set():
                self.stop_reason = reason
                self.stop.set()

    def failure(self, guid: str, gallery: str, exc: APIError | NetworkError) -> dict[str, Any]:
        info = failure_info(exc)
        if self.interrupted.is_set():
            info["message"] += "; the run was interrupted meanwhile (no retry)"
        with self.lock:
            self.errors.append(
                {
                    "guid": guid,
                    "gallery": gallery,
                    "instance": getattr(exc, "instance", None),
                    **{k: info[k] for k in ("error_code", "message", "http_status", "request_id")},
                }
            )
        if isinstance(exc, AuthenticationError):
            self.halt(
                f"not attempted: the token was refused ({exc.error_code}); connect with a "
                "valid token and apply the same edits again"
            )
        elif self.on_error == "stop":
            self.halt(
                "not attempted: an earlier call failed and on_error='stop'; fix it and "
                "apply the same edits again"
            )
        return info
