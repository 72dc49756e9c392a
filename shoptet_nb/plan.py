"""Validate a frame of edits and diff it against the shop: ``plan_updates`` → :class:`Plan`.

Planning never writes. Every input row gets a status and a reason:

==============  ================================================================
would_update    the image exists and at least one field differs: it will be sent
unchanged       the image already has these values, or the row changes nothing
invalid         the row breaks a rule (the reason says how to fix it); not sent
not_found       the product or the image is not in the shop
conflict        the edits frame has ``change_time`` and the photo changed in the shop since
                it was read: a value that differs from the shop's may be stale; not sent
failed          the product's gallery could not be read to diff against
==============  ================================================================

Null means unchanged: NaN, None or ``pd.NA`` leaves a field as it is; an empty string clears a
caption. An edits frame with ``change_time`` (a frame ``read_images`` returned) is compared with
the shop as of that time; a frame without it is compared with the shop as it is now.
An optional ``invalid_reason`` column marks rows the caller already knows must not be sent
(``read_captions`` sets it for a spreadsheet row whose key cells were altered): such a row is
``invalid`` with that reason, whatever else it holds.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from ._html import plan_html
from ._sheet_cells import sheet_text
from .client import GALLERIES, ShoptetClient
from .columns import EDITABLE_FIELDS, IMAGE_COLUMNS, IMAGE_KEY, PLAN_COLUMNS, typed
from .errors import ArgumentError, FrameError, ShoptetError
from .frames import rename_api_columns
from .read import READ_ERRORS_ATTR, language_key, read_images

PRIORITY_MIN, PRIORITY_MAX = 1, 65535  # Shoptet's documented range for a PATCH priority
#: Our own ceiling on a caption's length: alt text this long is never meant; refused unsent.
MAX_CAPTION_LENGTH = 1000

PLAN_STATUSES = ("would_update", "unchanged", "invalid", "not_found", "conflict", "failed")
KEY = ["guid", "gallery", "name", "language"]
#: Optional edits column: a non-null text makes the row ``invalid`` with that text as reason.
INVALID_REASON = "invalid_reason"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # tab, newline and CR are allowed in a caption
# Half of a UTF-16 pair on its own (text decoded badly): it has no UTF-8 form, so no JSON body.
_SURROGATE = "[\ud800-\udfff]"
_NO_LANGUAGE = ""  # stands for "the shop's default language" in merge keys
#: The reason of a row whose image already had its values when the plan compared them.
ALREADY_DONE = "the image already has these values"


@dataclass
class Plan:
    """What ``apply`` would do: a status per input row and the calls it would send.

    ``rows`` has the same index as the edits frame (columns in ``PLAN_COLUMNS``);
    ``requests`` has one row per PATCH call (at most 100 images each). In a notebook a plan
    shows as a summary with an old → new table of the changes.
    """

    client: ShoptetClient
    rows: pd.DataFrame
    #: One row per image to send: key, old and new values, the base changeTime, and which
    #: fields to send. ``apply`` works from this.
    targets: pd.DataFrame
    #: Galleries (guid, gallery, language) this plan read from the shop itself just now.
    fresh_keys: frozenset[tuple[str, str, str]] = frozenset()
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    base: pd.DataFrame | None = None
    #: The fields each row asked for (priority, description; null = leave), same positions as
    #: ``rows``: apply re-checks rows found ``unchanged`` against them.
    wanted: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status, every status listed."""
        return count_statuses(self.rows, PLAN_STATUSES)

    @functools.cached_property
    def shared_photos(self) -> dict[tuple[str, str, str], dict[str, list[Any]]]:
        """Photos this plan writes in more than one language, with the values it sends them.

        Each language is its own PATCH, and each renews the photo's changeTime (and may change
        what another language shows: its priority, or a caption it has not translated): apply
        must not take this plan's own write in one language for someone's change in another.
        """
        targets = self.targets
        if targets.empty:
            return {}
        languages = targets.groupby(IMAGE_KEY, sort=False)["language"].transform("nunique")
        shared = targets[(languages > 1).to_numpy()]
        photos: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
        for target in shared.to_dict("records"):
            sent = photos.setdefault(
                (target["guid"], target["gallery"], target["name"]),
                {column: [] for column in EDITABLE_FIELDS},
            )
            for column in EDITABLE_FIELDS:
                if target[f"send_{column}"]:
                    sent[column].append(target[f"new_{column}"])
        return photos

    @functools.cached_property
    def requests(self) -> pd.DataFrame:
        """The PATCH calls apply would send: guid, gallery, language, n_images, images.

        Built on first use (``apply`` itself does not need it), so a large plan stays quick.
        """
        return _requests(self.targets, self.client.settings.max_images_per_call)

    @property
    def changes(self) -> pd.DataFrame:
        """The rows that would be sent, with their old and new values."""
        return self.rows[self.rows["status"] == "would_update"]

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return f"<Plan {len(self.rows)} rows ({counts or 'empty'}), {len(self.requests)} calls>"

    def _repr_html_(self) -> str:
        return plan_html(self)


def count_statuses(rows: pd.DataFrame, statuses: tuple[str, ...]) -> dict[str, int]:
    """Rows per status, in the given order, zero for a status no row has."""
    found = rows["status"].value_counts()
    return {status: int(found.get(status, 0)) for status in statuses}


def split_plan(plan: Plan, galleries: int) -> list[Plan]:
    """The plan cut into parts of at most ``galleries`` galleries to write, in the plan's order.

    Applying the parts one after another sends exactly what applying ``plan`` would, but a
    caller sees each part's outcome before the next is sent (a widget shows rows as saved while
    the save goes on). Every language of a gallery stays in one part; a row that sends nothing
    (invalid, unchanged) goes with its gallery's part, or the first. Rows keep their index.

    >>> parts = split_plan(plan, 30)                                # doctest: +SKIP
    >>> results = [shoptet_nb.apply(part) for part in parts]        # doctest: +SKIP
    """
    if isinstance(galleries, bool) or not isinstance(galleries, int) or galleries < 1:
        raise ArgumentError(f"galleries must be a whole number of 1 or more: {galleries!r}")
    order = list(dict.fromkeys(_gallery_keys(plan.targets)))
    if len(order) <= galleries:
        return [plan]
    part_of = {key: position // galleries for position, key in enumerate(order)}

    def parts(frame: pd.DataFrame) -> np.ndarray:
        return np.array([part_of.get(key, 0) for key in _gallery_keys(frame)], dtype=int)

    row_parts, target_parts = parts(plan.rows), parts(plan.targets)
    base_parts = parts(plan.base) if plan.base is not None else None
    cut = []
    for part in range(len(order) // galleries + bool(len(order) % galleries)):
        rows = row_parts == part
        mine = {key for key, at in part_of.items() if at == part}
        cut.append(
            replace(
                plan,
                rows=plan.rows[rows],
                targets=plan.targets[target_parts == part].reset_index(drop=True),
                fresh_keys=frozenset(k for k in plan.fresh_keys if (k[0], k[1]) in mine),
                base=(
                    plan.base[base_parts == part].reset_index(drop=True)
                    if plan.base is not None and base_parts is not None
                    else None
                ),
                wanted=(
                    plan.wanted[rows].reset_index(drop=True) if plan.wanted is not None else None
                ),
            )
        )
    return cut


def _gallery_keys(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(guid, gallery) of each row, as text (a null reads "<NA>", which no gallery is)."""
    return list(
        zip(frame["guid"].astype(str).tolist(), frame["gallery"].astype(str).tolist(), strict=True)
    )


def plan_updates(
    client: ShoptetClient,
    edits: pd.DataFrame,
    *,
    base: pd.DataFrame | None = None,
    progress: bool = True,
) -> Plan:
    """Validate ``edits`` and diff them against ``base`` (or a fresh read); never writes.

    ``edits`` needs ``guid`` and ``name`` and any of ``priority`` and ``description``
    (optional ``gallery``, default ``"shop"``, and ``language``); the frame ``read_images``
    returns works as is, and camelCase API names are accepted. Null means unchanged. A row
    with a text in the optional ``invalid_reason`` column is ``invalid`` with that reason.

    >>> edited = images.assign(description=images["description"].str.strip())  # doctest: +SKIP
    >>> plan = shoptet_nb.plan_updates(client, edited, base=images)           # doctest: +SKIP
    """
    work = _normalise(edits)
    status = pd.Series(pd.NA, index=work.index, dtype="object")
    reason = pd.Series(pd.NA, index=work.index, dtype="object")
    for mask, message in _row_problems(work):
        new = mask & status.isna().to_numpy()
        if new.any():
            status[new] = "invalid"
            reason[new] = message(new).to_numpy() if callable(message) else message
    work["language"] = _language_keys(client, work["language"])
    _mark_unknown_languages(client, work, status, reason)
    nothing = status.isna() & work["priority"].isna() & work["description"].isna()
    status[nothing] = "unchanged"
    reason[nothing] = "priority and description are both null: nothing to change"
    _mark_contradictions(work, status, reason)

    todo = status.isna()
    given = _check_base(client, base, work[todo]) if base is not None else None
    base_frame, fresh, read_failures = _base_for(client, work[todo], given, progress)
    merged = _diff(work, todo, base_frame)
    # A frame that came from read_images is its own base (unless base= says otherwise).
    own_times = given is None and bool(work["change_time"].notna().any())
    _classify(merged, todo, status, reason, read_failures, base_frame, own_times)

    rows = work.assign(status=status, reason=reason)
    for column in ("old_priority", "new_priority", "old_description", "new_description"):
        rows[column] = merged[column]
    rows["language"] = rows["language"].replace(_NO_LANGUAGE, pd.NA)
    targets = _targets(merged[status == "would_update"])
    plan_rows = typed(rows, PLAN_COLUMNS)
    plan_rows.index = edits.index
    return Plan(
        client=client,
        rows=plan_rows,
        targets=targets,
        fresh_keys=fresh,
        base=base_frame.assign(language=base_frame["language"].replace(_NO_LANGUAGE, pd.NA)),
        wanted=work[list(EDITABLE_FIELDS)].reset_index(drop=True),
    )


# -- normalising and validating -------------------------------------------------------------


def _normalise(edits: object) -> pd.DataFrame:
    if not isinstance(edits, pd.DataFrame):
        raise FrameError(
            f"edits must be a pandas DataFrame with guid, name and priority/description columns, "
            f"got {type(edits).__name__}"
        )
    if edits.columns.duplicated().any():
        dupes = sorted(set(edits.columns[edits.columns.duplicated()].astype(str)))
        raise FrameError(f"the edits frame has duplicated column names {dupes}: keep one of each")
    frame = rename_api_columns(edits)
    _warn_about_near_misses(frame)
    missing = [c for c in ("guid", "name") if c not in frame.columns]
    if missing:
        raise FrameError(
            f"the edits frame lacks column(s) {missing}: it needs guid and name (the image's "
            "file name) to know which image to change"
        )
    if not any(c in frame.columns for c in EDITABLE_FIELDS):
        raise FrameError(
            "the edits frame has neither a priority nor a description column: nothing to change"
        )
    n = len(frame)

    def column(name: str, default: object) -> pd.Series:
        if name in frame.columns:
            values = frame[name].to_numpy(dtype=object, copy=True)
        else:
            values = np.array([default] * n, dtype=object)
        # pandas' many nulls (NaN, None, NaT, pd.NA) all mean "unchanged" / "missing".
        values[pd.isna(values)] = pd.NA
        return pd.Series(values, dtype="object")

    work = pd.DataFrame(
        {
            "guid": column("guid", None),
            "gallery": column("gallery", "shop"),
            "name": column("name", None),
            "language": column("language", None),
            "priority": column("priority", None),
            "description": column("description", None),
            "change_time": column("change_time", None),
            "cdn_name": column("cdn_name", None),
            "original_description": column("original_description", None),
            INVALID_REASON: column(INVALID_REASON, None),
        }
    )
    # A sheet from export_captions says which caption each row was exported with.
    work["exported"] = "original_description" in frame.columns
    no_time = pd.Series(pd.NaT, index=work.index, dtype=IMAGE_COLUMNS["change_time"])  # type: ignore[call-overload]
    given = frame["change_time"] if "change_time" in frame.columns else None
    work["edit_time"] = (
        no_time
        if given is None or not given.notna().any()
        else pd.Series(_times(given).to_numpy(), index=work.index)
    )
    return work


# Column names people reach for that plan_updates does not read: a silent "unchanged" for every
# row would hide the mistake.
_NEAR_MISSES = {
    "caption": "description",
    "captions": "description",
    "alt": "description",
    "alt_text": "description",
    "popis": "description",
    "order": "priority",
    "position": "priority",
    "image": "name",
    "file_name": "name",
    "filename": "name",
}


def _warn_about_near_misses(frame: pd.DataFrame) -> None:
    for column in frame.columns:
        meant = _NEAR_MISSES.get(str(column).lower())
        if meant is not None and meant not in frame.columns:
            warnings.warn(
                f"column {column!r} is not read by plan_updates: did you mean {meant!r}?",
                UserWarning,
                stacklevel=3,
            )


def _is_text(values: pd.Series) -> np.ndarray:
    # infer_dtype scans in C; the per-value check is only for mixed columns.
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.notna().to_numpy()
    return np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))


def _is_number(values: pd.Series) -> np.ndarray:
    if pd.api.types.infer_dtype(values, skipna=True) in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
    ):
        return values.notna().to_numpy()

    def ok(v: object) -> bool:
        return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
            v, (bool, np.bool_)
        )

    return np.fromiter((ok(v) for v in values), dtype=bool, count=len(values))


def _row_problems(work: pd.DataFrame) -> list[tuple[np.ndarray, Any]]:
    """(mask, reason) pairs in the order they are reported; the first match wins."""
    guid, name, gallery = work["guid"], work["name"], work["gallery"]
    language, priority, description = work["language"], work["priority"], work["description"]
    guid_text = _is_text(guid)
    guid_ok = guid.where(guid_text, "").astype(str).str.match(_GUID).to_numpy()
    name_text = _is_text(name)
    name_blank = name.where(name_text, "").astype(str).str.strip().eq("").to_numpy()
    gallery_ok = gallery.isin(GALLERIES).to_numpy()
    # Printable ASCII: a code with a space or a lone surrogate cannot go into ?language=.
    language_ok = language.isna().to_numpy() | (
        _is_text(language)
        & language.where(_is_text(language), "")
        .astype(str)
        .str.fullmatch(r"[\x21-\x7e]+")
        .to_numpy(bool)
    )

    p_null = priority.isna().to_numpy()
    p_number = _is_number(priority)
    p_values = pd.to_numeric(priority.where(p_number), errors="coerce").astype("float64")
    p_whole = np.isfinite(p_values) & (np.mod(p_values.fillna(0.5), 1) == 0)
    p_range = (p_values >= PRIORITY_MIN) & (p_values <= PRIORITY_MAX)

    d_null = description.isna().to_numpy()
    d_text = _is_text(description)
    d_str = description.where(d_text, "").astype(str)
    d_control = d_str.str.contains(_CONTROL, regex=True).to_numpy()
    d_surrogate = d_str.str.contains(_SURROGATE, regex=True).to_numpy()
    d_length = d_str.str.len().to_numpy()
    times = work["change_time"]
    t_bad = times.notna().to_numpy() & work["edit_time"].isna().to_numpy()

    def shown(values: pd.Series, prefix: str, suffix: str) -> Callable[[np.ndarray], pd.Series]:
        # Messages are built only for the rows that need them: 100,000 good rows cost nothing.
        return lambda mask: prefix + values[mask].map(lambda v: repr(v)[:60]) + suffix

    def character(pattern: str, prefix: str, suffix: str) -> Callable[[np.ndarray], pd.Series]:
        # Names the first offending character of each caption as U+XXXX.
        return lambda mask: (
            prefix
            + pd.Series(d_str[mask])
            .str.extract(f"({pattern})", expand=False)
            .map(lambda c: f"U+{ord(c):04X}")
            + suffix
        )

    given_reason = work[INVALID_REASON]
    return [
        (
            given_reason.notna().to_numpy(),
            lambda mask: given_reason[mask].astype(str),
        ),
        (
            guid.isna().to_numpy(),
            "guid is missing: give the product's guid (as read_images has it)",
        ),
        (
            ~guid_ok,
            shown(
                guid,
                "guid ",
                " is malformed: a Shoptet guid has 36 characters like "
                "'92ca3575-7481-11e8-8216-002590dad85e'",
            ),
        ),
        (
            ~name_text | name_blank,
            shown(
                name,
                "name ",
                " is not an image file name: give the image's name, "
                "e.g. '100.jpg', as read_images has it",
            ),
        ),
        (~gallery_ok, shown(gallery, "gallery ", " is unknown: use 'shop' or 'shop360'")),
        (~language_ok, shown(language, "language ", " must be a language code like 'cs'")),
        (
            ~p_null & ~p_number,
            shown(
                priority,
                "priority ",
                " is not a number: give a whole number 1-65535, or null to leave it unchanged",
            ),
        ),
        (
            ~p_null & p_number & ~p_whole.to_numpy(),
            shown(priority, "priority ", " is not a whole number: give a whole number 1-65535"),
        ),
        (
            ~p_null & p_number & ~p_range.to_numpy(),
            shown(priority, "priority ", " is outside Shoptet's range 1-65535"),
        ),
        (
            ~d_null & ~d_text,
            shown(
                description,
                "description ",
                " is not text: give a string; null leaves the caption unchanged and '' clears it",
            ),
        ),
        (
            d_text & d_control,
            character(
                _CONTROL,
                "description contains the control character ",
                ": remove it (line breaks and tabs are fine)",
            ),
        ),
        (
            d_text & d_surrogate,
            character(
                _SURROGATE,
                "description contains ",
                ", half of a character on its own (text decoded wrongly): it cannot be sent "
                "as UTF-8; retype or re-decode the caption",
            ),
        ),
        (
            d_text & (d_length > MAX_CAPTION_LENGTH),
            lambda mask: (
                "description is "
                + pd.Series(d_length[mask], index=work.index[mask]).astype(str)
                + f" characters long: captions over {MAX_CAPTION_LENGTH} are refused, keep "
                "alt text short (125 is the usual advice)"
            ),
        ),
        (
            t_bad,
            shown(
                times,
                "change_time ",
                " is not a time: keep the change_time read_images gave, or drop the column",
            ),
        ),
    ]


def _times(values: pd.Series) -> pd.Series:
    """change_time values (datetimes, or text from a CSV round trip) as UTC; unreadable → NaT."""
    kind = IMAGE_COLUMNS["change_time"]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype(kind)  # type: ignore[no-any-return]
    plain = values.astype("object").where(values.notna(), None)
    parsed = pd.to_datetime(plain, utc=True, errors="coerce", format="mixed")
    return parsed.astype(kind)  # type: ignore[call-overload,no-any-return]


def _language_keys(client: ShoptetClient, languages: pd.Series) -> pd.Series:
    """Language codes as the plan keys them: the shop's default, by name or null, is ``""``."""
    out = languages.astype("object").copy()
    text = np.fromiter((isinstance(v, str) for v in out), dtype=bool, count=len(out))
    for code in pd.unique(out[text]):
        out[text & (out == code).to_numpy()] = language_key(client, code) or _NO_LANGUAGE
    out[out.isna()] = _NO_LANGUAGE  # anything else is an invalid row and keeps its value
    return out


def _mark_unknown_languages(
    client: ShoptetClient, work: pd.DataFrame, status: pd.Series, reason: pd.Series
) -> None:
    """Rows in a language the shop does not have are invalid (the server would refuse the read
    with a 400 that stops the whole plan). Unchecked when the shop does not list its languages."""
    todo = status.isna().to_numpy()
    codes = [c for c in pd.unique(work["language"][todo]) if c != _NO_LANGUAGE]
    if not codes:
        return
    try:
        known = client.languages()
    except ShoptetError:
        return  # the read will tell
    unknown = [code for code in codes if known and code not in known]
    for code in unknown:
        rows = todo & (work["language"] == code).to_numpy(bool)
        status[rows] = "invalid"
        reason[rows] = (
            f"language {code!r} is not one of the shop's languages ({', '.join(known)}): use "
            "one of them, or null for the shop's default"
        )


def _mark_contradictions(work: pd.DataFrame, status: pd.Series, reason: pd.Series) -> None:
    """Rows that name the same image with different values are all invalid.

    A caption belongs to one language; a priority is one for all languages of the photo.
    """
    candidates = work[status.isna()]
    if candidates.empty:
        return
    key = candidates[KEY].astype(str)
    repeated = key[IMAGE_KEY].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return  # one row per photo: nothing can contradict
    candidates, key = candidates[repeated], key[repeated]
    # Rows that reach here hold valid values: numbers for priority, text for description.
    checks: list[tuple[pd.Series, list[str], str]] = [
        (
            pd.to_numeric(candidates["priority"], errors="coerce").astype("float64"),
            IMAGE_KEY,
            "rows for the same image give different values for priority (one priority serves "
            "all languages of a photo): keep one row per image or make them agree",
        ),
        (
            candidates["description"].astype("string"),
            KEY,
            "rows for the same image give different values for description: keep one row "
            "per image or make them agree",
        ),
    ]
    for values, columns, message in checks:
        distinct = values.groupby([key[c] for c in columns]).transform("nunique")
        clash = distinct > 1
        if clash.any():
            bad = clash[clash].index
            status[bad] = "invalid"
            reason[bad] = message


# -- the base to diff against ---------------------------------------------------------------


def _check_base(client: ShoptetClient, base: object, todo: pd.DataFrame) -> pd.DataFrame:
    """``base`` typed, its languages keyed as the plan keys them; refused if it cannot serve."""
    if not isinstance(base, pd.DataFrame):
        raise FrameError(f"base must be a DataFrame from read_images, got {type(base).__name__}")
    base = rename_api_columns(base)
    needed = ["guid", "gallery", "name", "priority", "description", "change_time"]
    missing = [c for c in needed if c not in base.columns]
    if missing:
        raise FrameError(
            f"base lacks column(s) {missing}: pass the frame read_images returned, unedited"
        )
    typed_base = typed(base, IMAGE_COLUMNS)
    typed_base["language"] = _language_keys(client, typed_base["language"].astype("object"))
    if not typed_base.empty:
        have = set(typed_base["language"])
        other = sorted(set(todo["language"]) - have)
        if other:
            shown = ", ".join(repr(code or None) for code in sorted(have))
            wanted = ", ".join(repr(code or None) for code in other)
            raise FrameError(
                f"base was read in language {shown} but the edits are in {wanted} (None = the "
                "shop's default): captions differ by language, so this base cannot show what "
                "the edits change. Pass a base read with read_images(..., language=...) in the "
                "edits' language, or leave base out"
            )
    return typed_base


def _base_for(
    client: ShoptetClient,
    todo: pd.DataFrame,
    given: pd.DataFrame | None,
    progress: bool,
) -> tuple[pd.DataFrame, frozenset[tuple[str, str, str]], dict[tuple[str, str], dict[str, Any]]]:
    """The images to diff against, which galleries were read fresh, and failed reads.

    A photo the given base lacks is read from the shop (its gallery then mixes base rows and
    fresh ones, so it is not counted as fresh: apply re-reads it before writing).
    """
    parts = []
    fresh: set[tuple[str, str, str]] = set()
    failures: dict[tuple[str, str], dict[str, Any]] = {}
    columns = list(IMAGE_COLUMNS)
    if given is not None:
        parts.append(given)
    covered = _image_key(given).unique() if given is not None else None
    in_base = (
        set(zip(given["guid"], given["gallery"], given["language"], strict=True))
        if given is not None
        else set()
    )
    for code, group in todo.groupby("language", sort=True):
        language = str(code)
        wanted = group[KEY]
        if covered is not None:
            wanted = wanted[~_image_key(wanted).isin(covered)]
        needed = wanted[["guid", "gallery"]].drop_duplicates()
        if needed.empty:
            continue
        galleries = sorted(needed["gallery"].unique())
        with warnings.catch_warnings():
            # Unreadable products become row statuses here, not a warning.
            warnings.simplefilter("ignore", UserWarning)
            # Gallery by gallery, never a snapshot: a snapshot shows the shop as it was when its
            # job ran (maybe minutes ago), so apply would have to read every gallery again
            # before writing it; these reads are fresh and spare apply that second read.
            read = read_images(
                client,
                sorted(needed["guid"].unique()),
                gallery=galleries,
                language=language or None,
                progress=progress,
                method="galleries",
            )
        parts.append(read.assign(language=language))
        for item in read.attrs.get(READ_ERRORS_ATTR, []):
            failures[(item["guid"], item.get("gallery") or "*")] = item
        for guid, gallery in needed.itertuples(index=False):
            if (guid, gallery, language) not in in_base:
                fresh.add((guid, gallery, language))
    frames = [p[columns] for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=columns), frozenset(fresh), failures
    combined = pd.concat(frames, ignore_index=True)
    return combined.drop_duplicates(KEY), frozenset(fresh), failures


# -- diffing --------------------------------------------------------------------------------


def _diff(work: pd.DataFrame, todo: pd.Series, base: pd.DataFrame) -> pd.DataFrame:
    """The edits with old values and the base changeTime beside them (same positions)."""
    left = work.assign(language=work["language"].fillna(_NO_LANGUAGE))
    left["priority"] = pd.to_numeric(left["priority"].where(todo), errors="coerce").astype("Int64")
    left["description"] = left["description"].where(todo).astype("string")
    # One string key per image, looked up with a hash index: much faster than a 4-column merge.
    position = (
        _image_key(base).get_indexer(_image_key(left)) if not base.empty else np.full(len(left), -1)
    )
    found = position >= 0

    def take(column: str, dtype: object) -> Any:
        if base.empty:
            return pd.Series(pd.NA, index=left.index).astype(dtype)  # type: ignore[call-overload]
        # take() with allow_fill turns the -1 of an image not in the base into a null.
        values = base[column].astype(dtype).array  # type: ignore[call-overload]
        return values.take(position, allow_fill=True)

    out = left.copy()
    out["found"] = found
    out["old_priority"] = take("priority", "Int64")
    out["old_description"] = take("description", "string")
    out["change_time"] = take("change_time", IMAGE_COLUMNS["change_time"])
    out["shop_cdn_name"] = take("cdn_name", "string")
    out["new_priority"] = out["priority"].fillna(out["old_priority"])
    out["new_description"] = out["description"].fillna(out["old_description"])
    old_d = out["old_description"]
    out["send_priority"] = (
        (
            out["priority"].notna()
            & (out["old_priority"].isna() | (out["priority"] != out["old_priority"]))
        )
        .fillna(False)
        .astype(bool)
    )
    out["send_description"] = (
        (out["description"].notna() & (old_d.isna() | (out["description"] != old_d)))
        .fillna(False)
        .astype(bool)
    )
    return out


def _image_key(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays(
        [frame[c].astype("object").fillna(_NO_LANGUAGE).astype(str) for c in KEY]
    )


def _classify(
    merged: pd.DataFrame,
    todo: pd.Series,
    status: pd.Series,
    reason: pd.Series,
    read_failures: dict[tuple[str, str], dict[str, Any]],
    base: pd.DataFrame,
    own_times: bool,
) -> None:
    found = merged["found"].to_numpy()
    changed = (merged["send_priority"] | merged["send_description"]).to_numpy()
    t = todo.to_numpy()
    stale = np.zeros(len(merged), dtype=bool)
    exported = merged["exported"].to_numpy(dtype=bool)
    timed = merged["edit_time"].notna().to_numpy()
    if own_times:
        # A row of a sheet without a readable time is checked against its exported caption
        # below; any other row without a time cannot prove the photo is as it was read.
        stale = t & found & changed & ~_unchanged_since_read(merged) & (timed | ~exported)
    moved = t & found & exported & merged["send_description"].to_numpy() & _caption_moved(merged)
    for position in merged.index[stale]:
        status[position] = "conflict"
        reason[position] = _stale_reason(merged.loc[position])
    for position in merged.index[moved & ~stale]:
        status[position] = "conflict"
        reason[position] = _moved_reason(merged.loc[position])
    stale = stale | moved
    changed = changed & ~stale
    status[t & found & changed] = "would_update"
    status[t & found & ~changed & ~stale] = "unchanged"
    reason[t & found & ~changed & ~stale] = ALREADY_DONE
    missing = merged.index[t & ~found]
    known_products = set(base["guid"].unique()) if not base.empty else set()
    for position in missing:
        row = merged.loc[position]
        guid, gallery, name = row["guid"], row["gallery"], row["name"]
        failure = read_failures.get((guid, gallery)) or read_failures.get((guid, "*"))
        if failure is not None and failure.get("error_code") != "product-not-found":
            status[position] = "failed"
            reason[position] = f"could not read the gallery to compare: {failure.get('message')}"
        elif guid not in known_products and failure is not None:
            status[position] = "not_found"
            reason[position] = f"product {guid} is not in the shop"
        else:
            status[position] = "not_found"
            reason[position] = (
                f"image {name!r} is not in gallery {gallery!r} of product {guid} "
                "(names are the exact file names read_images shows)"
            )


def _unchanged_since_read(merged: pd.DataFrame) -> np.ndarray:
    """Whether each photo is still as the frame read it.

    ``changeTime`` has whole seconds, so a second change within the same second keeps it: the
    CDN name, which every change renews, tells those apart where the frame holds it.
    """
    now, then = merged["change_time"], merged["edit_time"]
    same_time = (now == then).fillna(False).to_numpy() | (now.isna() & then.isna()).to_numpy()
    read_cdn, shop_cdn = merged["cdn_name"], merged["shop_cdn_name"]
    same_cdn = read_cdn.isna().to_numpy() | (read_cdn.astype("string") == shop_cdn).fillna(
        False
    ).to_numpy(dtype=bool)
    return same_time & same_cdn


def _caption_moved(merged: pd.DataFrame) -> np.ndarray:
    """Whether the shop's caption differs from the one a sheet exported, compared as a sheet
    holds text (none and "" alike; see ``sheet_text``): what the file could not hold, or a
    spreadsheet program rewrote, is not someone's change."""
    shop = sheet_text(merged["old_description"])
    exported = sheet_text(merged["original_description"])
    return (shop != exported).to_numpy(dtype=bool)


def _moved_reason(row: pd.Series) -> str:
    how = (
        "its change_time cell is empty or was changed in the file, so it was checked against "
        "the caption exported"
        if pd.isna(row["edit_time"])
        else "it was checked against the caption exported"
    )
    return (
        f"the caption in the shop is no longer the one exported ({how}): someone changed it "
        "since the export, so the sheet's caption is not sent over theirs. Export the photo "
        "again and redo the edit"
    )


def _stale_reason(row: pd.Series) -> str:
    def when(value: Any) -> str:
        return "none" if pd.isna(value) else f"{value:%Y-%m-%d %H:%M:%S}"

    differs = []
    if row["send_priority"]:
        frame, shop = row["priority"], row["old_priority"]
        differs.append(f"priority {frame} in the frame, {shop} in the shop")
    if row["send_description"]:
        differs.append("the caption differs from the shop's")
    then, now = when(row["edit_time"]), when(row["change_time"])
    # Whole seconds: a change in the second of the read shows only in the renewed CDN name.
    how = f"changeTime {then} → {now} UTC" if then != now else f"in the same second, {now} UTC"
    return (
        f"the photo changed in the shop after the frame was read ({how}) and "
        f"{'; '.join(differs)}: "
        "the frame may hold the old value, so it is not sent. Read the gallery again and redo "
        "the edit"
    )


def _targets(changes: pd.DataFrame) -> pd.DataFrame:
    """One row per image to send, merging rows that name the same image."""
    columns = [
        *KEY,
        "old_priority",
        "old_description",
        "new_priority",
        "new_description",
        "change_time",
        "send_priority",
        "send_description",
    ]
    if changes.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    grouped = changes[columns].groupby(KEY, sort=False, dropna=False)
    targets = grouped.agg(
        old_priority=("old_priority", "first"),
        old_description=("old_description", "first"),
        change_time=("change_time", "first"),
        send_priority=("send_priority", "any"),
        send_description=("send_description", "any"),
    )
    # A field one row leaves null may be set by another row for the same image.
    firsts = (
        changes.assign(
            p=changes["new_priority"].where(changes["send_priority"]),
            d=changes["new_description"].where(changes["send_description"]),
        )
        .groupby(KEY, sort=False, dropna=False)[["p", "d"]]
        .first()
    )
    targets["new_priority"] = firsts["p"].astype("Int64").fillna(targets["old_priority"])
    targets["new_description"] = firsts["d"].astype("string").fillna(targets["old_description"])
    return targets.reset_index()[columns]


def _requests(targets: pd.DataFrame, per_call: int) -> pd.DataFrame:
    """The PATCH calls: per product gallery and language, chunks of at most ``per_call``."""
    rows: list[dict[str, Any]] = []
    if not targets.empty:
        ordered = targets.sort_values(["guid", "gallery", "language"], kind="stable")
        items = request_items(ordered)
        gallery_no = ordered.groupby(["guid", "gallery", "language"], sort=False).ngroup()
        starts = np.flatnonzero(np.diff(gallery_no.to_numpy(), prepend=-1))
        ends = [*starts[1:], len(ordered)]
        guids, galleries = ordered["guid"].tolist(), ordered["gallery"].tolist()
        languages = ordered["language"].tolist()
        for first, end in zip(starts, ends, strict=True):
            # A gallery with more than per_call changed images becomes several calls.
            for start in range(first, end, per_call):
                chunk = items[start : min(end, start + per_call)]
                rows.append(
                    {
                        "guid": guids[start],
                        "gallery": galleries[start],
                        "language": languages[start] or None,
                        "n_images": len(chunk),
                        "images": chunk,
                    }
                )
    frame = pd.DataFrame(rows, columns=["guid", "gallery", "language", "n_images", "images"])
    return frame.astype(
        {"guid": "string", "gallery": "string", "language": "string", "n_images": "int64"}
    )


def request_items(targets: pd.DataFrame) -> list[dict[str, Any]]:
    """PATCH items for some targets: the name plus only the fields that change."""
    # Plain lists: iterating pandas' extension arrays element by element is slow.
    columns = ["name", "send_priority", "new_priority", "send_description", "new_description"]
    return [
        request_item(dict(zip(columns, values, strict=True)))
        for values in zip(*(targets[c].tolist() for c in columns), strict=True)
    ]


def request_item(target: dict[str, Any]) -> dict[str, Any]:
    """One PATCH item from one target record: the name plus only the fields that change."""
    item: dict[str, Any] = {"name": str(target["name"])}
    if target["send_priority"]:
        item["priority"] = int(target["new_priority"])
    if target["send_description"]:
        item["description"] = str(target["new_description"])
    return item
