"""Property: any valid edit frame round-trips plan → request bodies → sandbox → Result.images.

Captions are arbitrary Unicode (right-to-left scripts, emoji, markup, line breaks) without the
control characters the planner refuses, up to the 1,000-character ceiling; priorities are any
whole number 1-65535. What comes back must be byte-identical and exact.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shoptet_nb as sn
from shoptet_nb.plan import MAX_CAPTION_LENGTH, PRIORITY_MAX, PRIORITY_MIN
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxOptions, SandboxShop

SEED, PRODUCTS = 61, 3
_REFUSED = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}


def _catalogue() -> list[tuple[str, str]]:
    shop = SandboxShop(SandboxOptions(seed=SEED, products=PRODUCTS))
    return [
        (p["guid"], image["name"])
        for p in shop.products()
        for image in shop.images(p["guid"], "shop")
    ]


IMAGES = _catalogue()

characters = st.characters(blacklist_categories=("Cs",), blacklist_characters=sorted(_REFUSED))
samples = st.sampled_from(
    [
        "مرحبا بالعالم – صورة ١",  # Arabic, right to left
        "שלום עולם",  # Hebrew
        "\u202eevil\u202c mirror",  # bidi override characters
        "📷 🎉 👍🏽 👨‍👩‍👧",  # emoji with skin tone and ZWJ
        '<b>tučné</b> &amp; <script>alert("x")</script>',  # markup stays text
        "řádek 1\nřádek 2\ttab\r\n",  # line breaks and tabs are allowed
        "",  # an empty caption clears it
        "  mezery  ",
        "x" * MAX_CAPTION_LENGTH,
    ]
)
captions = st.one_of(
    samples,
    st.text(characters, max_size=80),
    st.text(characters, min_size=MAX_CAPTION_LENGTH - 5, max_size=MAX_CAPTION_LENGTH),
)
priorities = st.integers(PRIORITY_MIN, PRIORITY_MAX)


@st.composite
def edit_frames(draw: Any) -> pd.DataFrame:
    chosen = draw(
        st.lists(st.sampled_from(range(len(IMAGES))), min_size=1, max_size=12, unique=True)
    )
    rows = []
    for index in chosen:
        guid, name = IMAGES[index]
        fields = draw(st.sampled_from(["priority", "description", "both"]))
        rows.append(
            {
                "guid": guid,
                "gallery": "shop",
                "name": name,
                "priority": draw(priorities) if fields != "description" else None,
                "description": draw(captions) if fields != "priority" else None,
            }
        )
    frame = pd.DataFrame(rows)
    frame["priority"] = frame["priority"].astype("Int64")
    return frame


class BodyRecorder(httpx.BaseTransport):
    """Keeps the JSON body of every PATCH the client sends."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.bodies: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            with self._lock:
                self.bodies.append((request.url.path, json.loads(request.read())))
        return self.inner.handle_request(request)


def _same_text(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.encode("utf-8") == b.encode("utf-8")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(edits=edit_frames())
def test_any_valid_edit_frame_round_trips_exactly(edits: pd.DataFrame) -> None:
    shop = SandboxShop(SandboxOptions(seed=SEED, products=PRODUCTS))
    recorder = BodyRecorder(shop.transport())
    client = sn.connect("property-token", base_url=SANDBOX_BASE_URL, transport=recorder)
    client.sandbox = shop
    before = {
        (p["guid"], i["name"]): i for p in shop.products() for i in shop.images(p["guid"], "shop")
    }

    plan = sn.plan_updates(client, edits, progress=False)
    assert set(plan.rows["status"]) <= {"would_update", "unchanged"}, plan.rows["reason"].tolist()

    # The plan's request bodies say exactly what the edits say, for the fields that change.
    planned = {
        (call.guid, item["name"]): item
        for call in plan.requests.itertuples()
        for item in call.images
    }
    for row in edits.itertuples(index=False):
        old = before[(row.guid, row.name)]
        item = planned.get((row.guid, row.name), {})
        if pd.notna(row.priority) and int(row.priority) != old["priority"]:
            assert item["priority"] == int(row.priority)
            assert type(item["priority"]) is int
        if pd.notna(row.description) and row.description != old["description"]:
            assert _same_text(item["description"], row.description)

    result = sn.apply(plan, progress=False, journal=False)
    sent = {
        (path.split("/")[3], item["name"]): item
        for path, body in recorder.bodies
        for item in body["data"]["images"]
    }
    assert sent == planned  # what went over the wire is the plan, nothing more or less

    statuses = result.rows["status"].tolist()
    assert set(statuses) <= {"updated", "unchanged"}, result.rows["message"].tolist()
    returned = result.images.set_index(["guid", "name"])
    for row, status in zip(edits.itertuples(index=False), statuses, strict=True):
        server = next(i for i in shop.images(row.guid, "shop") if i["name"] == row.name)
        if pd.notna(row.priority):
            assert server["priority"] == int(row.priority)
        if pd.notna(row.description):
            assert _same_text(server["description"], row.description), (
                server["description"],
                row.description,
            )
        if status == "updated":
            back = returned.loc[(row.guid, row.name)]
            if pd.notna(row.priority):
                assert back["priority"] == int(row.priority)
            if pd.notna(row.description):
                assert _same_text(back["description"], row.description)
