"""The sandbox shop's job queue: the jobs it has queued and their state over time.

State that the snapshot handlers (``jobs``) read and write through ``call.app.jobs``; it knows
nothing of requests, so the call context (``exchange``) can name it without a circle.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from .faults import draw_job
from .options import SandboxOptions
from .results import truncate

SNAPSHOT_ENDPOINT = "/api/products/snapshot"
_PENDING_SHARE = 0.2
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(seed: str, length: int) -> str:
    number = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, 36)
        out.append(_ALPHABET[digit])
    return "".join(out)


@dataclass
class Job:
    """One queued job. Times are epoch seconds on the shop's clock."""

    job_id: str
    file_name: str
    endpoint: str
    created: float
    run_s: float
    valid_s: float
    language: str | None
    api_base: str
    guids: tuple[str, ...]
    with_images: bool
    fault: str | None
    detail_reads: int = 0
    killed_at: float | None = None
    packed: bytes | None = None
    written: threading.Event = field(default_factory=threading.Event)
    #: A job with an effect (an image insert): run once when it completes, returns the result
    #: file and the log line (see ``Jobs.settle``).
    on_finish: Callable[[], tuple[bytes, str]] | None = None
    summary: str | None = None

    def status(self, now: float) -> str:
        """The status at ``now``."""
        if self.killed_at is not None:
            return "killed"
        if now < self.created + self.run_s * _PENDING_SHARE:
            return "pending"
        if now < self.finished_at:
            return "running"
        if self.fault == "job_failed":
            return "failed"
        return "expired" if now >= self.finished_at + self.valid_s else "completed"

    @property
    def finished_at(self) -> float:
        """When the job ends (or ended) on its own."""
        return self.created + self.run_s

    def completion(self, now: float) -> float | None:
        """When it finished, or None while it runs."""
        if self.killed_at is not None:
            return self.killed_at
        return self.finished_at if now >= self.finished_at else None

    def valid_until(self, now: float) -> float | None:
        """Until when its result is downloadable (completed and expired jobs only)."""
        if self.status(now) in ("completed", "expired"):
            return self.finished_at + self.valid_s
        return None

    def log(self, now: float) -> str | None:
        """What the job reported."""
        status = self.status(now)
        if status == "failed":
            inserts = self.file_name.endswith(".json")  # an image insert's result is JSON
            what = "the image insert" if inserts else "the product export"
            again = "Send the images again." if inserts else "Start a new snapshot."
            return (
                f'Job "{self.job_id}" failed: {what} stopped with an internal error '
                f"(injected by the sandbox). {again}"
            )
        if status == "killed":
            return f'Job "{self.job_id}" was killed by the shop before it finished.'
        if status in ("completed", "expired"):
            return self.summary or f"Exported {len(self.guids)} products."
        return None


class Jobs:
    """The shop's job queue (thread-safe)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._by_file: dict[str, Job] = {}
        self._numbers = itertools.count(1)

    def add(
        self,
        options: SandboxOptions,
        *,
        created: float,
        language: str | None,
        api_base: str,
        guids: tuple[str, ...],
        with_images: bool,
        endpoint: str = SNAPSHOT_ENDPOINT,
        run_s: float | None = None,
        on_finish: Callable[[], tuple[bytes, str]] | None = None,
    ) -> Job:
        """Queue a snapshot job over ``guids``, created at ``created`` on the shop's clock.

        ``language`` is the one asked for, kept only for a shop with several languages;
        ``api_base`` is where the result file's address points. Another ``endpoint`` with
        ``on_finish`` is a job with an effect (an image insert, ``run_s`` long) whose result
        is a JSON file.
        """
        with self._lock:
            n = next(self._numbers)
            job_id = _base36(f"job/{self._seed}/{n}", 7)
            job = Job(
                job_id=job_id,
                file_name=f"{job_id}-{_base36(f'result/{self._seed}/{n}', 7)}"
                + (".json" if on_finish else ".jsonl.gz"),
                endpoint=endpoint,
                created=created,
                run_s=options.snapshot_job_s if run_s is None else run_s,
                valid_s=options.job_result_valid_s,
                language=language if len(options.languages) > 1 else None,
                api_base=api_base,
                guids=guids,
                with_images=with_images,
                fault=draw_job(options, n),
                on_finish=on_finish,
            )
            self._jobs[job_id] = job
            self._by_file[job.file_name] = job
        return job

    def get(self, job_id: str) -> Job | None:
        """The job, or None."""
        with self._lock:
            return self._jobs.get(job_id)

    def by_file(self, file_name: str) -> Job | None:
        """The job whose result file has this name, or None."""
        with self._lock:
            return self._by_file.get(file_name)

    def all(self) -> list[Job]:
        """Every job, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def count_detail_read(self, job: Job) -> int:
        """Count one detail request of an unfinished job; returns the count so far."""
        with self._lock:
            job.detail_reads += 1
            return job.detail_reads

    def settle(self, now: float) -> None:
        """Run the effect of every job with one that has completed by ``now`` (once each):
        the shop changes when the job ends, not when it is queued or first looked at."""
        with self._lock:
            due = [
                job
                for job in self._jobs.values()
                if job.on_finish is not None
                and not job.written.is_set()
                and (job.killed_at is not None or now >= job.finished_at)
            ]
            for job in due:
                effect, job.on_finish = job.on_finish, None
                if job.status(now) in ("completed", "expired") and effect is not None:
                    packed, job.summary = effect()
                    job.packed = truncate(packed) if job.fault == "truncated_result" else packed
                job.written.set()

    def kill(self, job_id: str, now: float) -> bool:
        """Kill an unfinished job (as the shop's operator may); False when already finished."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.killed_at is not None or now >= job.finished_at:
                return False
            job.killed_at = now
            return True
