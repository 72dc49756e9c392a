"""Bad input, table-driven, across the public functions.

Each case gets either a clear exception (type and message) or a row status with a reason, and
nothing is ever sent for an invalid row: every PATCH body is recorded, and no item may name an
invalid row's image. The valid-but-unusual captions (right-to-left, emoji, markup, bidi controls,
exactly 1,000 characters) must come back byte-identical.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.plan import MAX_CAPTION_LENGTH
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxOptions, SandboxShop

UNKNOWN_GUID = "00000000-0000-4000-8000-000000000000"


class PatchRecorder(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.items: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            guid = request.url.path.split("/")[3]
            with self._lock:
                for item in json.loads(request.read())["data"]["images"]:
                    self.items.append((guid, item))
        return self.inner.handle_request(request)


@dataclass
class Ctx:
    client: sn.ShoptetClient
    shop: SandboxShop
    recorder: PatchRecorder
    images: pd.DataFrame
    guid: str
    name: str  # the image bad rows aim at
    other: str  # another image of the same product: the valid row of every frame

    def row(self, **fields: Any) -> dict[str, Any]:
        return {"guid": self.guid, "gallery": "shop", "name": self.name, **fields}

    def valid(self) -> dict[str, Any]:
        return {"guid": self.guid, "gallery": "shop", "name": self.other, "description": "Platný"}

    def sent(self) -> set[tuple[str, str]]:
        return {(guid, item["name"]) for guid, item in self.recorder.items}

    def server(self, name: str) -> dict[str, Any]:
        return next(i for i in self.shop.images(self.guid, "shop") if i["name"] == name)


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ctx:
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(tmp_path / "journal"))
    shop = SandboxShop(SandboxOptions(seed=71, products=4))
    recorder = PatchRecorder(shop.transport())
    client = sn.connect("bad-input-token", base_url=SANDBOX_BASE_URL, transport=recorder)
    client.sandbox = shop
    images = sn.read_images(client, progress=False)
    sizes = images.groupby("guid").size()
    guid = str(sizes[sizes >= 3].index[0])
    names = images.loc[images["guid"] == guid, "name"].tolist()
    return Ctx(client, shop, recorder, images, guid, names[0], names[1])


# -- cases that raise -------------------------------------------------------------------------


@dataclass(frozen=True)
class Raises:
    call: Callable[[Ctx], Any]
    error: type[Exception]
    match: str


def _frame(c: Ctx, *rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def _plan(c: Ctx, edits: Any, **kw: Any) -> Any:
    return sn.plan_updates(c.client, edits, progress=False, **kw)


def _one_gallery(c: Ctx) -> pd.DataFrame:
    return c.images[c.images["guid"] == c.guid]


RAISES: dict[str, Raises] = {
    # connect
    "connect: token not a string": Raises(
        lambda c: sn.connect(12345), sn.ConfigError, r"token must be a string, got int"
    ),
    "connect: blank token": Raises(
        lambda c: sn.connect("   "), sn.ConfigError, r"No Shoptet API token.*SHOPTET_PRIVATE"
    ),
    "connect: base_url not http": Raises(
        lambda c: sn.connect("t", base_url="ftp://shop.example"), sn.ConfigError, r"base_url"
    ),
    "connect: 4 in flight": Raises(
        lambda c: sn.connect("t", max_in_flight=4), sn.ConfigError, r"max_in_flight.*1-3"
    ),
    "connect: timeout 0": Raises(
        lambda c: sn.connect("t", timeout=0), sn.ConfigError, r"timeout=0 is out of range"
    ),
    "connect: timeout as text": Raises(
        lambda c: sn.connect("t", timeout="5"), sn.ConfigError, r"timeout must be a number"
    ),
    "connect: unknown setting": Raises(
        lambda c: sn.connect("t", nonsense=1), TypeError, r"unexpected keyword argument 'nonsense'"
    ),
    # read_images
    "read_images: unknown gallery": Raises(
        lambda c: sn.read_images(c.client, gallery="shop3d"), sn.ArgumentError, r"shop360"
    ),
    "read_images: guid not a string": Raises(
        lambda c: sn.read_images(c.client, [123]), sn.ArgumentError, r"non-empty strings, got 123"
    ),
    "read_images: empty guid": Raises(
        lambda c: sn.read_images(c.client, [""]), sn.ArgumentError, r"non-empty strings"
    ),
    "read_images: frame without guid": Raises(
        lambda c: sn.read_images(c.client, pd.DataFrame({"id": [1]})),
        sn.FrameError,
        r"needs a 'guid' column",
    ),
    # plan_updates / update_images: the frame as a whole
    "plan: edits not a frame": Raises(
        lambda c: _plan(c, [c.row(description="x")]), sn.FrameError, r"must be a pandas DataFrame"
    ),
    "plan: missing name column": Raises(
        lambda c: _plan(c, pd.DataFrame({"guid": [c.guid], "description": ["x"]})),
        sn.FrameError,
        r"lacks column\(s\) \['name'\]",
    ),
    "plan: nothing editable": Raises(
        lambda c: _plan(c, pd.DataFrame({"guid": [c.guid], "name": [c.name]})),
        sn.FrameError,
        r"neither a priority nor a description",
    ),
    "plan: duplicated column": Raises(
        lambda c: _plan(
            c,
            pd.DataFrame(
                [[c.guid, c.name, "a", "b"]],
                columns=["guid", "name", "description", "description"],
            ),
        ),
        sn.FrameError,
        r"duplicated column names \['description'\]",
    ),
    "plan: base not a frame": Raises(
        lambda c: _plan(c, _frame(c, c.row(description="x")), base={"guid": c.guid}),
        sn.FrameError,
        r"base must be a DataFrame",
    ),
    "plan: base lacks columns": Raises(
        lambda c: _plan(c, _frame(c, c.row(description="x")), base=c.images[["guid", "name"]]),
        sn.FrameError,
        r"base lacks column\(s\)",
    ),
    "update_images: bad on_error": Raises(
        lambda c: sn.update_images(
            c.client, _frame(c, c.row(description="x")), on_error="explode", progress=False
        ),
        sn.ArgumentError,
        r"on_error must be 'continue' or 'stop'",
    ),
    # apply / revert
    "apply: not a plan": Raises(
        lambda c: sn.apply(_frame(c, c.row(description="x"))), sn.ArgumentError, r"takes the Plan"
    ),
    "revert: journal path without client": Raises(
        lambda c: sn.revert("journal.jsonl"), sn.ArgumentError, r"needs client="
    ),
    "revert: nothing was sent": Raises(
        lambda c: sn.revert(
            sn.update_images(
                c.client,
                _frame(c, c.row(description=pd.NA, priority=pd.NA)),
                progress=False,
                journal=False,
            )
        ),
        sn.ArgumentError,
        r"nothing to revert",
    ),
    # renumber
    "renumber: start 0": Raises(
        lambda c: sn.renumber(c.images, start=0), sn.ArgumentError, r"start must be between 1 and"
    ),
    "renumber: start 2.5": Raises(
        lambda c: sn.renumber(c.images, start=2.5), sn.ArgumentError, r"whole number, got 2.5"
    ),
    "renumber: step 0": Raises(
        lambda c: sn.renumber(c.images, step=0), sn.ArgumentError, r"step must be 1 or more"
    ),
    "renumber: past 65535": Raises(
        lambda c: sn.renumber(c.images, start=65535), sn.FrameError, r"would reach priority"
    ),
    "renumber: no priority column": Raises(
        lambda c: sn.renumber(c.images.drop(columns="priority")), sn.FrameError, r"priority"
    ),
    "renumber: NaN guid": Raises(
        lambda c: sn.renumber(c.images.assign(guid=c.images["guid"].where(c.images.index > 0))),
        sn.FrameError,
        r"row 0 has no guid",
    ),
    "renumber: priority 2.5 in frame": Raises(
        lambda c: sn.renumber(c.images.astype({"priority": "float64"}).assign(priority=2.5)),
        sn.FrameError,
        r"priority must hold whole numbers",
    ),
    # move_to_front
    "move_to_front: unknown name": Raises(
        lambda c: sn.move_to_front(c.images, c.guid, "nope.jpg"), sn.FrameError, r"no image 'nope"
    ),
    "move_to_front: unknown guid": Raises(
        lambda c: sn.move_to_front(c.images, UNKNOWN_GUID, c.name), sn.FrameError, r"no images in"
    ),
    "move_to_front: duplicated image": Raises(
        lambda c: sn.move_to_front(
            pd.concat([c.images, c.images.head(1)]), *c.images.iloc[0][["guid", "name"]]
        ),
        sn.FrameError,
        r"appears 2 times",
    ),
    # fill_captions
    "fill_captions: template not text": Raises(
        lambda c: sn.fill_captions(c.images, 42), sn.ArgumentError, r"template must be a string"
    ),
    "fill_captions: unknown placeholder": Raises(
        lambda c: sn.fill_captions(c.images, "{colour}"), sn.FrameError, r"unknown placeholder"
    ),
    "fill_captions: malformed template": Raises(
        lambda c: sn.fill_captions(c.images, "photo {n"), sn.ArgumentError, r"malformed"
    ),
    "fill_captions: not a frame": Raises(
        lambda c: sn.fill_captions([1, 2], "{n}"), sn.FrameError, r"needs a pandas DataFrame"
    ),
    # lint_captions
    "lint_captions: max_length 0": Raises(
        lambda c: sn.lint_captions(c.images, max_length=0), sn.ArgumentError, r"1 or more"
    ),
    "lint_captions: max_length text": Raises(
        lambda c: sn.lint_captions(c.images, max_length="80"), sn.ArgumentError, r"whole number"
    ),
    "lint_captions: missing description": Raises(
        lambda c: sn.lint_captions(c.images.drop(columns="description")),
        sn.FrameError,
        r"description",
    ),
}


@pytest.mark.parametrize("case", list(RAISES), ids=list(RAISES))
def test_bad_call_raises_a_clear_error(ctx: Ctx, case: str) -> None:
    spec = RAISES[case]
    with pytest.raises(spec.error, match=spec.match) as info:
        spec.call(ctx)
    message = str(info.value)
    assert "\n" not in message.strip(), "messages are one line"
    assert "bad-input-token" not in message
    assert ctx.recorder.items == [], "nothing may be sent"


# -- cases that become a row status -----------------------------------------------------------


@dataclass(frozen=True)
class Row:
    rows: Callable[[Ctx], list[dict[str, Any]]]
    status: str
    match: str


def _long(n: int) -> str:
    return ("Dlouhý popisek " * (n // 15 + 1))[:n]


ROWS: dict[str, Row] = {
    "guid missing (NaN)": Row(
        lambda c: [c.row(guid=np.nan, description="x")], "invalid", r"guid is missing"
    ),
    "guid malformed": Row(
        lambda c: [c.row(guid="92ca3575", description="x")], "invalid", r"malformed"
    ),
    "guid unknown": Row(
        lambda c: [c.row(guid=UNKNOWN_GUID, description="x")], "not_found", r"not in the shop"
    ),
    "name missing (None)": Row(
        lambda c: [c.row(name=None, description="x")], "invalid", r"not an image file name"
    ),
    "name blank": Row(
        lambda c: [c.row(name="  ", description="x")], "invalid", r"not an image file"
    ),
    "name unknown": Row(
        lambda c: [c.row(name="nope.jpg", description="x")], "not_found", r"'nope.jpg' is not in"
    ),
    "gallery unknown": Row(
        lambda c: [c.row(gallery="shop3d", description="x")],
        "invalid",
        r"gallery 'shop3d' is unknown",
    ),
    "language not text": Row(
        lambda c: [c.row(language=5, description="x")],
        "invalid",
        r"language 5(\.0)? must be a language code",
    ),
    "priority 2.5": Row(lambda c: [c.row(priority=2.5)], "invalid", r"2.5 is not a whole number"),
    "priority 0": Row(lambda c: [c.row(priority=0)], "invalid", r"outside Shoptet's range 1-65535"),
    "priority 65536": Row(lambda c: [c.row(priority=65536)], "invalid", r"65536(\.0)? is outside"),
    "priority -1": Row(lambda c: [c.row(priority=-1)], "invalid", r"outside Shoptet's range"),
    "priority infinite": Row(
        lambda c: [c.row(priority=math.inf)], "invalid", r"not a whole number"
    ),
    "priority as text": Row(lambda c: [c.row(priority="5")], "invalid", r"'5' is not a number"),
    "priority True": Row(lambda c: [c.row(priority=True)], "invalid", r"True is not a number"),
    "description not text": Row(lambda c: [c.row(description=123)], "invalid", r"123 is not text"),
    "description NUL": Row(
        lambda c: [c.row(description="a\x00b")], "invalid", r"control character U\+0000"
    ),
    "description escape": Row(
        lambda c: [c.row(description="\x1b[31mred")], "invalid", r"control character U\+001B"
    ),
    "description 1001 characters": Row(
        lambda c: [c.row(description=_long(MAX_CAPTION_LENGTH + 1))],
        "invalid",
        r"1001 characters long: captions over 1000 are refused",
    ),
    "duplicated key, contradicting": Row(
        lambda c: [c.row(description="jedna"), c.row(description="dvě")],
        "invalid",
        r"rows for the same image give different values for description",
    ),
    "both fields null": Row(
        lambda c: [c.row(description=None, priority=None)], "unchanged", r"nothing to change"
    ),
}


def _run_rows(ctx: Ctx, rows: list[dict[str, Any]]) -> tuple[pd.DataFrame, sn.Result]:
    edits = pd.DataFrame([ctx.valid(), *rows])
    result = sn.update_images(ctx.client, edits, progress=False, journal=False)
    return edits, result


@pytest.mark.parametrize("case", list(ROWS), ids=list(ROWS))
def test_bad_row_gets_a_status_and_is_never_sent(ctx: Ctx, case: str) -> None:
    spec = ROWS[case]
    before = ctx.server(ctx.name)
    edits, result = _run_rows(ctx, spec.rows(ctx))
    rows = result.rows
    assert rows.index.equals(edits.index)
    assert rows["status"].iloc[0] == "updated", "the valid row beside it still goes through"
    for position in range(1, len(edits)):
        assert rows["status"].iloc[position] == spec.status, rows["message"].iloc[position]
        assert re.search(spec.match, str(rows["message"].iloc[position])), rows["message"].iloc[
            position
        ]
    assert ctx.sent() == {(ctx.guid, ctx.other)}, "only the valid row's image was sent"
    assert ctx.server(ctx.name) == before


# -- valid but unusual: accepted and round-tripped byte for byte ------------------------------

UNUSUAL = {
    "right-to-left Arabic": "صورة المنتج – الجانب الأيسر",
    "right-to-left Hebrew": "תמונה של המוצר",
    "bidi override": "\u202eevil\u202c text",
    "emoji with ZWJ": "📷 Rodina 👨‍👩‍👧 a palec 👍🏽",
    "HTML and entities": '<b>Tučně</b> &amp; <img src=x onerror="alert(1)">',
    "line break and tab": "první řádek\ndruhý\tsloupec",
    "exactly 1000 characters": _long(MAX_CAPTION_LENGTH),
    "empty caption clears it": "",
}


@pytest.mark.parametrize("case", list(UNUSUAL), ids=list(UNUSUAL))
def test_unusual_but_valid_caption_round_trips_byte_identical(ctx: Ctx, case: str) -> None:
    text = UNUSUAL[case]
    _, result = _run_rows(ctx, [ctx.row(description=text)])
    assert result.rows["status"].tolist() == ["updated", "updated"], result.rows["message"].tolist()
    assert ctx.server(ctx.name)["description"].encode("utf-8") == text.encode("utf-8")
    sent = [item for _, item in ctx.recorder.items if item["name"] == ctx.name]
    assert sent == [{"name": ctx.name, "description": text}]
    back = result.images.set_index("name").loc[ctx.name, "description"]
    assert back.encode("utf-8") == text.encode("utf-8")


def test_whole_float_priority_is_accepted_as_an_integer(ctx: Ctx) -> None:
    # Documented: 3.0 is a whole number and is sent as the integer 3; 2.5 is refused (above).
    _, result = _run_rows(ctx, [ctx.row(priority=3.0)])
    assert result.rows["status"].tolist() == ["updated", "updated"]
    sent = [item for _, item in ctx.recorder.items if item["name"] == ctx.name]
    assert sent == [{"name": ctx.name, "priority": 3}]
    assert type(sent[0]["priority"]) is int
    assert ctx.server(ctx.name)["priority"] == 3


def test_agreeing_duplicate_rows_send_the_image_once(ctx: Ctx) -> None:
    _, result = _run_rows(ctx, [ctx.row(description="stejně"), ctx.row(description="stejně")])
    assert result.rows["status"].tolist() == ["updated"] * 3
    assert [item["name"] for _, item in ctx.recorder.items].count(ctx.name) == 1


def test_empty_edit_frame_is_a_no_op(ctx: Ctx) -> None:
    empty = pd.DataFrame(columns=["guid", "gallery", "name", "description"])
    result = sn.update_images(ctx.client, empty, progress=False, journal=False)
    assert len(result.rows) == 0
    assert sum(result.counts.values()) == 0
    assert ctx.recorder.items == []


def test_unknown_and_malformed_guids_to_read_images_become_read_errors(ctx: Ctx) -> None:
    with pytest.warns(UserWarning, match=r"2 gallery read\(s\) failed; see shoptet_nb.read_errors"):
        images = sn.read_images(ctx.client, [UNKNOWN_GUID, "not-a-guid", ctx.guid], progress=False)
    errors = sn.read_errors(images)
    assert sorted(errors["guid"]) == sorted([UNKNOWN_GUID, "not-a-guid"])
    assert set(errors["error_code"]) == {"product-not-found"}
    assert set(images["guid"]) == {ctx.guid}


def test_there_are_at_least_thirty_bad_inputs() -> None:
    assert len(RAISES) + len(ROWS) >= 30
