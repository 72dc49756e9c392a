"""The caption worklist at the edges: other languages, uncertain writes (issue "Trust holes")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxOptions, SandboxShop
from shoptet_nb.widgets import CaptionWorklist

from helpers import products_with_images


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPTET_NB_JOURNAL_DIR", str(tmp_path / "journal"))


class LosesPatchAnswers(httpx.BaseTransport):
    """Every PATCH reaches the shop and lands; its answer never reaches the client, and the
    read that follows a lost answer fails too (so apply cannot tell whether it landed)."""

    def __init__(self, inner: httpx.BaseTransport, reads_to_fail: int) -> None:
        self.inner = inner
        self.reads_to_fail = reads_to_fail
        self.failing = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and self.failing and "/images/" in request.url.path:
            self.failing -= 1
            raise httpx.ConnectError("the network is down for a moment", request=request)
        response = self.inner.handle_request(request)
        if request.method == "PATCH":
            response.read()
            self.failing = self.reads_to_fail  # every retry of the read that follows
            raise httpx.ReadError("connection reset before the answer", request=request)
        return response


def test_a_save_that_landed_without_an_answer_shows_the_shops_new_caption() -> None:
    shop = SandboxShop(SandboxOptions(seed=3, products=12, limits=False))
    transport = LosesPatchAnswers(shop.transport(), reads_to_fail=0)
    client = sn.connect(
        "lost-answers", base_url=SANDBOX_BASE_URL, transport=transport, backoff_base=0.01
    )
    transport.reads_to_fail = client.settings.max_attempts
    client.sandbox = shop
    guid = products_with_images(client, 1, min_images=2)[0]
    images = sn.read_images(client, [guid], progress=False)
    worklist = CaptionWorklist(client, images, journal=False)
    name = str(images["name"].iloc[0])
    worklist.set_caption(guid, name, "Landed without an answer")
    result = worklist.save()
    assert result is not None
    assert result.rows["status"].tolist() == ["failed"]  # apply could not tell: it says so
    in_shop = next(i for i in shop.images(guid, "shop") if i["name"] == name)
    assert in_shop["description"] == "Landed without an answer"
    # The worklist knows the shop holds the new caption: nothing pending, nothing to resolve.
    assert worklist.model.shop_caption(guid, "shop", name) == "Landed without an answer"
    worklist.reset()
    assert worklist.changes.empty
    assert worklist.model.caption(guid, "shop", name) == "Landed without an answer"
    worklist.set_caption(guid, name, "A later edit")
    assert worklist.conflicts.empty


def slovak(client: Any, guid: str) -> None:
    """Give every photo of the product a Slovak caption unlike its Czech one."""
    for image in client.sandbox.images(guid, "shop"):
        client.sandbox.set_image(
            guid, "shop", image["name"], description=f"SK {image['name']}", language="sk"
        )


def test_a_slovak_frame_edits_the_slovak_captions() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    slovak(client, guid)
    sk = sn.read_images(client, [guid], language="sk", progress=False)
    cs = sn.read_images(client, [guid], progress=False)
    worklist = CaptionWorklist(client, sk, journal=False)
    name = str(sk["name"].iloc[0])
    shown = worklist.rows.set_index("name")["description"]
    assert shown[name] == (sk.set_index("name")["description"][name] or "")
    worklist.set_caption(guid, name, "Slovenský popis")
    assert set(worklist.changes["language"]) == {"sk"}
    worklist.save()
    after_sk = sn.read_images(client, [guid], language="sk", progress=False).set_index("name")
    after_cs = sn.read_images(client, [guid], progress=False).set_index("name")
    assert after_sk.loc[name, "description"] == "Slovenský popis"
    assert after_cs.loc[name, "description"] == cs.set_index("name").loc[name, "description"]


def test_slovak_findings_show_the_slovak_captions() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    slovak(client, guid)
    sk = sn.read_images(client, [guid], language="sk", progress=False)
    findings = sn.lint_captions(sk.assign(description=""))[["guid", "gallery", "name", "language"]]
    worklist = CaptionWorklist(client, findings, journal=False)
    shop_sk = {
        i["name"]: i["description"] or ""
        for i in client.sandbox.images(guid, "shop", language="sk")
    }
    for row in worklist.rows.itertuples():
        assert row.description == shop_sk[row.name]


def test_reload_is_busy_with_save_disabled_while_it_reads() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guids = products_with_images(client, 3, min_images=2)
    worklist = CaptionWorklist(client, sn.read_images(client, guids, progress=False), journal=False)
    seen: list[tuple[bool, str]] = []
    worklist.observe(lambda change: seen.append((change["new"], worklist.busy_text)), names="busy")
    worklist.refresh()
    assert seen[0][0] is True
    assert seen[0][1] == "Reading 3 galleries from the shop…"
    assert seen[-1][0] is False
    assert not worklist.busy


def cs_and_sk(client: Any, guid: str, *, translated: bool = True) -> pd.DataFrame:
    """The product's photos twice: in the default language and in Slovak (concatenated);
    ``translated=False`` leaves them without Slovak captions (Slovak shows the default's)."""
    if translated:
        slovak(client, guid)
    return pd.concat(
        [
            sn.read_images(client, [guid], progress=False),
            sn.read_images(client, [guid], language="sk", progress=False),
        ],
        ignore_index=True,
    )


def shop_captions(client: Any, guid: str) -> dict[tuple[str | None, str], str]:
    """Every caption of the product in the sandbox's store: {(language, name): text}."""
    out = {}
    for language in (None, "sk"):
        for image in client.sandbox.images(guid, "shop", language=language):
            out[(language, image["name"])] = image["description"] or ""
    return out


def test_a_frame_mixing_languages_edits_each_caption_in_its_own_language() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    both = cs_and_sk(client, guid)
    before = shop_captions(client, guid)
    worklist = CaptionWorklist(client, both, journal=False)
    name = str(both["name"].iloc[0])
    assert len(worklist.rows) == len(both)
    with pytest.raises(sn.ArgumentError, match="language="):
        worklist.set_caption(guid, name, "Which one?")  # two rows match: say which
    worklist.set_caption(guid, name, "Český popis", language=None)
    worklist.set_caption(guid, name, "Slovenský popis", language="sk")
    changes = worklist.changes
    assert sorted(changes["language"].astype("string").fillna("-")) == ["-", "sk"]
    result = worklist.save()
    assert result is not None
    assert sorted(result.rows["status"]) == ["updated", "updated"]
    after = shop_captions(client, guid)
    expected = dict(before)
    expected[(None, name)] = "Český popis"
    expected[("sk", name)] = "Slovenský popis"
    assert after == expected  # each in its own language, nothing else changed
    assert worklist.changes.empty
    shown = worklist.rows.set_index(["language", "name"])["description"]
    assert shown[("sk", name)] == "Slovenský popis"


def test_a_conflict_in_one_language_holds_only_that_languages_edit() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    both = cs_and_sk(client, guid)
    worklist = CaptionWorklist(client, both, journal=False)
    first, second = (str(n) for n in both["name"].drop_duplicates().iloc[:2])
    before = shop_captions(client, guid)
    # Two photos; the same photo in two languages is in the test after the next ones.
    worklist.set_caption(guid, first, "Mine CS", language=None)
    worklist.set_caption(guid, second, "Mine SK", language="sk")
    client.sandbox.set_image(guid, "shop", second, description="Colleague SK", language="sk")
    result = worklist.save()
    assert result is not None
    languages = result.rows["language"].astype("string").fillna("-")
    statuses = dict(zip(languages, result.rows["status"], strict=True))
    # The Slovak conflict is found before anything is sent in Slovak: the gallery is read
    # again in Slovak after the Czech write (which renewed the photo's change time).
    assert statuses == {"-": "updated"}
    assert "1 edit in conflict was not sent" in worklist.notice
    expected = dict(before)
    expected[(None, first)] = "Mine CS"
    expected[("sk", second)] = "Colleague SK"
    assert shop_captions(client, guid) == expected  # mine in cs, the colleague's in sk
    conflicts = worklist.conflicts
    assert list(conflicts["theirs"]) == ["Colleague SK"]
    assert list(conflicts["language"]) == ["sk"]
    states = worklist.rows.set_index(["language", "name"])["state"]
    assert states[("sk", second)] == "conflict"
    row = next(r for r in worklist.rows_data if r["l"] == "sk" and r["n"] == second)
    assert row["t"] == "Colleague SK"  # the shop's text, shown beside yours
    worklist.take_theirs(guid, second, language="sk")
    assert worklist.conflicts.empty


def test_each_row_of_a_mixed_worklist_shows_its_language_escaped_in_the_view() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    both = cs_and_sk(client, guid)
    worklist = CaptionWorklist(client, both, journal=False)
    labels = [row["l"] for row in worklist.rows_data]
    assert sorted(set(labels)) == ["default", "sk"]
    assert worklist.languages_shown is True
    assert len({row["k"] for row in worklist.rows_data}) == len(both)  # ids differ per language
    # A caption typed in the browser goes to its row's language only.
    sk_row = next(row for row in worklist.rows_data if row["l"] == "sk")
    worklist.vue_set_caption({"captions": {sk_row["k"]: "Typed SK"}})
    assert list(worklist.changes["language"]) == ["sk"]
    assert "<td>sk</td>" in worklist._repr_html_()
    # Undo and reset per row as in a single-language worklist.
    worklist.undo()
    assert worklist.changes.empty


def test_a_single_language_worklist_shows_no_language_column() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    worklist = CaptionWorklist(client, sn.read_images(client, [guid], progress=False))
    assert worklist.languages_shown is False
    assert "language" not in worklist.rows.columns
    assert all("l" not in row or row["l"] == "" for row in worklist.rows_data)


@pytest.mark.parametrize("languages", [1, 2])
def test_undo_moves_the_rows_revision_so_the_browser_drops_its_draft(languages: int) -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    frame = cs_and_sk(client, guid) if languages == 2 else sn.read_images(client, [guid])
    worklist = CaptionWorklist(client, frame, journal=False)
    row = worklist.rows_data[-1]
    worklist.vue_set_caption({"captions": {row["k"]: "Typed"}})
    typed = next(r for r in worklist.row_updates.values() if r["k"] == row["k"])
    worklist.undo()
    undone = next(r for r in worklist.row_updates.values() if r["k"] == row["k"])
    assert undone["c"] == row["c"]
    assert undone["r"] > typed["r"]


def test_the_result_of_a_save_in_two_languages_holds_every_languages_rows_and_plan() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guids = products_with_images(client, 2, min_images=2)
    both = pd.concat([cs_and_sk(client, guid) for guid in guids], ignore_index=True)
    worklist = CaptionWorklist(client, both, journal=False)
    names = {guid: str(both[both["guid"] == guid]["name"].iloc[0]) for guid in guids}
    for guid in guids:
        worklist.set_caption(guid, names[guid], "Nový popis", language=None)
        worklist.set_caption(guid, names[guid], "Nový popis SK", language="sk")
    result = worklist.save()
    assert result is not None
    languages = sorted(result.rows["language"].astype("string").fillna("-"))
    assert languages == ["-", "-", "sk", "sk"]  # one row per edit, every language
    assert set(result.rows["status"]) == {"updated"}
    planned = sorted(result.plan.rows["language"].astype("string").fillna("-"))
    assert planned == ["-", "-", "sk", "sk"]  # the plan of every language, not the first's
    assert len(result.plan.targets) == 4
    assert worklist.result is not None
    assert len(worklist.result.plan.rows) == 4
    undone = sn.revert(result, progress=False)  # one Result: revert undoes every language
    assert sorted(undone.rows["status"]) == ["updated"] * 4, undone.rows["message"].tolist()


def test_one_progress_bar_runs_over_the_save_of_every_language() -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guids = products_with_images(client, 2, min_images=2)
    both = pd.concat([cs_and_sk(client, guid) for guid in guids], ignore_index=True)
    worklist = CaptionWorklist(client, both, journal=False)
    for guid in guids:
        name = str(both[both["guid"] == guid]["name"].iloc[0])
        worklist.set_caption(guid, name, "Nový popis", language=None)
        worklist.set_caption(guid, name, "Nový popis SK", language="sk")
    seen: list[float] = []
    worklist.observe(lambda change: seen.append(change["new"]), "progress")
    worklist.save()
    shown = [p for p in seen if p >= 0]
    assert shown == sorted(shown), shown  # never starts again for the next language
    assert shown[-1] == 100.0
    # one of the four galleries written: a quarter of the whole save
    assert next(p for p in shown if p > 0) == 25.0


def save_both(client: Any, guid: str, *, translated: bool = True) -> tuple[Any, str, Any]:
    """A cs+sk worklist of the product whose first photo gets a caption in both, saved:
    (worklist, that photo's name, the Result)."""
    both = cs_and_sk(client, guid, translated=translated)
    worklist = CaptionWorklist(client, both, journal=False)
    name = str(both["name"].iloc[0])
    worklist.set_caption(guid, name, "Český popis", language=None)
    worklist.set_caption(guid, name, "Slovenský popis", language="sk")
    result = worklist.save()
    assert result is not None
    return worklist, name, result


class FailsSlovakReadsAfterAWrite(httpx.BaseTransport):
    """After the first PATCH, the next ``count`` Slovak gallery reads fail (a network blip)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.count = 0
        self.armed = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        slovak_read = (
            request.method == "GET"
            and "/images/" in request.url.path
            and request.url.params.get("language") == "sk"
        )
        if slovak_read and self.count:
            self.count -= 1
            raise httpx.ConnectError("the network is down for a moment", request=request)
        response = self.inner.handle_request(request)
        if request.method == "PATCH" and self.armed:
            self.armed = False
            self.count = self.failures
        return response

    failures = 0


def test_a_read_problem_between_the_languages_of_a_save_is_shown() -> None:
    shop = SandboxShop(SandboxOptions(seed=3, products=12, limits=False))
    transport = FailsSlovakReadsAfterAWrite(shop.transport())
    client = sn.connect("blip", base_url=SANDBOX_BASE_URL, transport=transport, backoff_base=0.01)
    client.sandbox = shop
    transport.failures = client.settings.max_attempts  # one whole read, every retry
    guid = products_with_images(client, 1, min_images=2)[0]
    worklist, _, result = save_both(client, guid)
    assert f"Could not read product {guid}" in worklist.notice, worklist.notice
    assert worklist.notice_type == "warning"  # as after any save whose re-read failed
    assert set(result.rows["status"]) == {"updated"}  # apply re-read it before writing


@pytest.mark.parametrize(("colleague", "expected"), [(None, "updated"), ("sk", "conflict")])
def test_a_colleagues_change_holds_back_only_an_edit_in_the_language_they_changed(
    colleague: str | None, expected: str
) -> None:
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    both = cs_and_sk(client, guid)
    worklist = CaptionWorklist(client, both, journal=False)
    name = str(both["name"].iloc[0])
    worklist.set_caption(guid, name, "Slovenský popis", language="sk")
    client.sandbox.advance_clock(2)  # later than the read: the photo's changeTime moves
    client.sandbox.set_image(guid, "shop", name, description="Kolega", language=colleague)
    result = worklist.save()
    assert result is not None
    assert result.rows["status"].tolist() == [expected], result.rows["message"].tolist()
    captions = shop_captions(client, guid)
    assert captions[("sk", name)] == ("Slovenský popis" if colleague is None else "Kolega")
    if colleague is None:
        assert captions[(None, name)] == "Kolega"  # the colleague's Czech caption stays
        assert worklist.conflicts.empty
    else:
        assert list(worklist.conflicts["theirs"]) == ["Kolega"]


def test_an_untranslated_caption_our_own_default_write_changed_is_no_conflict() -> None:
    # A photo with no Slovak caption shows the Czech one in Slovak: our Czech write changes
    # what Slovak shows, and the re-read before the Slovak save must not take that for a
    # colleague's change.
    client = sn.sandbox(seed=3, products=12, limits=False)
    guid = products_with_images(client, 1, min_images=2)[0]
    worklist, name, result = save_both(client, guid, translated=False)
    assert result.rows["status"].tolist() == ["updated", "updated"], worklist.notice
    captions = shop_captions(client, guid)
    assert captions[(None, name)] == "Český popis"
    assert captions[("sk", name)] == "Slovenský popis"
    assert worklist.conflicts.empty
