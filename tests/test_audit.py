"""audit_images against the sandbox (the oracle knows every photo), plus the header parser."""

from __future__ import annotations

import io
import struct
import sys
from pathlib import Path

import httpx
import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.audit.facts import ImageFacts, NeedBytes, UnknownFormat, extension_matches, sniff
from shoptet_nb.audit.rules import MAX_BYTES, MAX_PIXELS
from shoptet_nb.sandbox import SANDBOX_BASE_URL, SandboxShop

Image = pytest.importorskip("PIL.Image")


def encoded(fmt: str, size: tuple[int, int] = (640, 480), **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt, **options)
    return buffer.getvalue()


# --- the header parser ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("JPEG", {}), ("PNG", {}), ("WEBP", {}), ("WEBP", {"lossless": True}), ("GIF", {})],
)
def test_sniff_reads_what_pillow_writes(fmt: str, options: dict[str, object]) -> None:
    assert sniff(encoded(fmt, (641, 479), **options)[:4096]) == ImageFacts(fmt, 641, 479)


def test_sniff_asks_for_the_segment_past_a_big_exif() -> None:
    jpeg = encoded("JPEG", (700, 500))
    app1 = b"\xff\xe1" + struct.pack(">H", 60_002) + b"Exif\x00\x00" + bytes(59_994)
    big = jpeg[:2] + app1 + app1 + jpeg[2:]  # two 60 KB EXIF blocks before the SOF
    found = sniff(big[:16384])
    assert found == NeedBytes(2 + 60_004)  # the second APP1 starts there
    assert isinstance(found, NeedBytes)
    again = sniff(big[found.offset : found.offset + 16384], found.offset, resume=True)
    assert isinstance(again, NeedBytes)
    assert sniff(big[again.offset : again.offset + 16384], again.offset, resume=True) == (
        ImageFacts("JPEG", 700, 500)
    )


def test_sniff_refuses_what_is_no_image() -> None:
    with pytest.raises(UnknownFormat):
        sniff(b"<!doctype html><title>404</title>")


def test_extension_matches_reads_the_name_only() -> None:
    assert extension_matches("a.JPG", "JPEG")
    assert extension_matches("a.jpeg", "JPEG")
    assert not extension_matches("a.jpg", "WEBP")
    assert not extension_matches("noext", "PNG")


# --- the sandbox's picture host ---------------------------------------------------------------


def test_originals_honour_range_and_head() -> None:
    shop = SandboxShop(products=5, seed=3)
    files = httpx.Client(transport=shop.transport())
    name = shop.images(shop.products()[0]["guid"])[0]["name"]
    photo = shop.photo(name)
    url = f"{SANDBOX_BASE_URL}/user/shop/orig/{name}"
    part = files.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 0-99/{photo.bytes}"
    assert len(part.content) == 100
    whole_head = files.head(url)
    assert whole_head.status_code == 200
    assert int(whole_head.headers["Content-Length"]) == photo.bytes
    assert whole_head.content == b""
    tail = files.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    assert len(tail.content) == 10
    middle = files.get(url, headers={"Range": "bytes=50-149"}).content
    assert middle[:50] == part.content[50:]  # ranges are slices of one file
    past = files.get(url, headers={"Range": f"bytes={photo.bytes}-"})
    assert past.status_code == 416
    assert past.headers["Content-Range"] == f"bytes */{photo.bytes}"
    # Counted: GETs that served bytes (the HEAD and the 416 served none).
    assert shop.stats()["pictures"] == {"requests": 3, "bytes": 100 + 10 + 100, "with_token": 0}


def test_photo_copies_do_not_change_the_rest_of_the_catalogue() -> None:
    plain, seeded = (
        SandboxShop(products=30, seed=5),
        SandboxShop(products=30, seed=5, photo_copies=1),
    )
    for product in plain.products():
        before = {image["name"]: image for image in plain.images(product["guid"])}
        after = {image["name"]: image for image in seeded.images(product["guid"])}
        assert {name: after[name] for name in before} == before
    extra = [
        image["name"]
        for product in seeded.products()
        for image in seeded.images(product["guid"])
        if seeded.photo(image["name"]).variant != "original"
    ]
    assert extra, "photo_copies=1 seeds copies"


# --- audit_images end to end --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop_client() -> sn.ShoptetClient:
    return sn.sandbox(seed=7, products=30, photo_copies=0.5)


@pytest.fixture(scope="module")
def audited(
    shop_client: sn.ShoptetClient, tmp_path_factory: pytest.TempPathFactory
) -> tuple[pd.DataFrame, sn.ImageAudit, dict[str, int], Path]:
    """One audit of the shop shared by the tests that only read it (and its cache folder)."""
    images = sn.read_images(shop_client, method="galleries", progress=False)
    shop_client.sandbox.reset_stats()
    folder = tmp_path_factory.mktemp("audit-cache")
    audit = sn.audit_images(shop_client, images, cache=folder, progress=False)
    return images, audit, dict(shop_client.sandbox.stats()["pictures"]), folder


def truth(shop: SandboxShop, photos: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name in photos["name"]:
        photo = shop.photo(name)
        rows.append(
            {
                "width": photo.width,
                "height": photo.height,
                "format": photo.format,
                "bytes": photo.bytes,
                "scene": photo.scene,
            }
        )
    return pd.DataFrame(rows, index=photos.index)


def test_audit_matches_the_oracle(shop_client: sn.ShoptetClient, audited: tuple) -> None:
    images, audit, pictures, _ = audited
    shop = shop_client.sandbox
    photos = audit.photos
    assert list(photos.index) == list(images.index)
    assert set(photos["status"]) == {"ok"}
    expected = truth(shop, photos)
    for column in ("width", "height", "format", "bytes"):
        assert photos[column].tolist() == expected[column].tolist(), column
    # Findings follow the facts, rule by rule.
    rules = photos["findings"]
    short = expected[["width", "height"]].min(axis=1)
    assert rules.map(lambda f: "below_500" in f).tolist() == (short < 500).tolist()
    assert (
        rules.map(lambda f: "over_16mb" in f).tolist() == (expected["bytes"] > MAX_BYTES).tolist()
    )
    pixels = expected["width"] * expected["height"]
    assert rules.map(lambda f: "over_64mp" in f).tolist() == (pixels > MAX_PIXELS).tolist()
    mismatch = [
        not extension_matches(n, f) for n, f in zip(photos["name"], expected["format"], strict=True)
    ]
    assert rules.map(lambda f: "ext_mismatch" in f).tolist() == mismatch
    assert any(mismatch)  # the seeded shop has each defect
    assert (short < 500).any()
    # Duplicates: photos with the same scene, and only those, share a group.
    same_scene = expected.groupby("scene")["scene"].transform("size") > 1
    assert photos["duplicate_group"].notna().tolist() == same_scene.tolist()
    for _, group in photos.groupby("duplicate_group"):
        assert expected.loc[group.index, "scene"].nunique() == 1
    # Byte-frugal, and the token never went to the picture host.
    assert pictures["with_token"] == 0
    assert pictures["bytes"] / len(photos) <= 70 * 1024
    assert pictures["bytes"] == audit.stats["downloaded"]


def test_second_run_downloads_nothing(shop_client: sn.ShoptetClient, audited: tuple) -> None:
    images, first, _, tmp_path = audited
    shop_client.sandbox.reset_stats()
    second = sn.audit_images(shop_client, images, cache=tmp_path, progress=False)
    assert shop_client.sandbox.stats()["pictures"] == {"requests": 0, "bytes": 0, "with_token": 0}
    assert set(second.photos["status"]) == {"cached"}
    pd.testing.assert_frame_equal(
        first.photos.drop(columns=["status"]), second.photos.drop(columns=["status"])
    )
    # A changed photo (a new changeTime) is read again, and only it.
    changed = images.copy()
    changed.loc[0, "change_time"] = pd.Timestamp("2026-01-01", tz="UTC")
    third = sn.audit_images(shop_client, changed, cache=tmp_path, progress=False)
    assert third.photos["status"].tolist() == ["ok"] + ["cached"] * (len(images) - 1)


def test_worklists(shop_client: sn.ShoptetClient, audited: tuple) -> None:
    images, audit, _, _ = audited
    replace = audit.to_replace()
    assert replace["findings"].map(lambda f: bool(set(f) & set(sn.audit.RULES_2027))).all()
    assert replace["reason"].str.len().gt(0).all()
    delete = audit.to_delete()
    assert list(delete.columns) == ["guid", "gallery", "name"]
    dupes = audit.duplicates()
    kept = dupes[dupes["keep"]]
    # One photo of each group stays in each gallery; the delete list never names it.
    assert not kept.duplicated(["duplicate_group", "guid", "gallery"]).any()
    assert delete.merge(kept, on=["guid", "gallery", "name"]).empty
    # Everything deleted is a copy of a photo that stays in the same gallery.
    shop = shop_client.sandbox
    for row in delete.itertuples():
        group = dupes[(dupes["name"] == row.name) & (dupes["guid"] == row.guid)]["duplicate_group"]
        keeper = kept[(kept["duplicate_group"] == group.iloc[0]) & (kept["guid"] == row.guid)]
        assert shop.photo(keeper["name"].iloc[0]).scene == shop.photo(row.name).scene
    products = audit.products
    assert products["photos"].sum() == len(images.drop_duplicates(["guid", "gallery", "name"]))
    assert (products["fail_2027"] <= products["photos"]).all()


def test_bad_input_is_refused_before_any_request(tmp_path: Path) -> None:
    client = sn.sandbox(products=3)
    with pytest.raises(sn.FrameError, match="name"):
        sn.audit_images(client, pd.DataFrame({"guid": ["x"], "gallery": ["shop"]}), cache=tmp_path)
    with pytest.raises(sn.ArgumentError, match="cache"):
        sn.audit_images(client, pd.DataFrame(columns=["guid", "gallery", "name"]), cache=3)  # type: ignore[arg-type]
    assert client.sandbox.stats()["requests"] == {}


def test_a_missing_file_fails_its_row_only(tmp_path: Path) -> None:
    client = sn.sandbox(products=5)
    images = sn.read_images(client, method="galleries", progress=False).head(3).copy()
    images.loc[1, "name"] = "no such file.jpg"  # the picture host answers 404
    audit = sn.audit_images(client, images, cache=tmp_path, progress=False)
    assert audit.photos["status"].tolist() == ["ok", "failed", "ok"]
    assert "404" in audit.photos.loc[1, "message"]
    assert audit.photos.loc[1, "findings"] == ()


class InterruptAt(httpx.BaseTransport):
    """Raises KeyboardInterrupt (as Ctrl+C in the calling thread) at the n-th picture request."""

    def __init__(self, inner: httpx.BaseTransport, at: int) -> None:
        self.inner, self.at, self.seen = inner, at, 0

    def gains_from_concurrency(self) -> bool:
        return False  # one thread: the interrupt lands in the caller's, as Ctrl+C does

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/user/" in request.url.path:
            self.seen += 1
            if self.seen == self.at:
                raise KeyboardInterrupt
        return self.inner.handle_request(request)


def test_interrupt_gives_the_partial_audit_and_caches_it(tmp_path: Path) -> None:
    shop = SandboxShop(products=20, seed=2)
    client = sn.connect("t", base_url=SANDBOX_BASE_URL, transport=InterruptAt(shop.transport(), 9))
    client.sandbox = shop
    images = sn.read_images(client, method="galleries", progress=False)
    with pytest.raises(sn.Interrupted) as stopped:
        sn.audit_images(client, images, cache=tmp_path, progress=False)
    partial = stopped.value.result
    assert isinstance(partial, sn.ImageAudit)
    statuses = partial.photos["status"].value_counts().to_dict()
    done = statuses["ok"]
    assert 1 <= done < 5  # two or three requests a photo: the 9th was in the 4th or 5th
    assert statuses["not_attempted"] == len(images) - done
    assert len(statuses) == 2
    shop.reset_stats()
    again = sn.audit_images(client, images, cache=tmp_path, progress=False)
    assert (again.photos["status"] == "cached").sum() == done
    assert set(again.photos["status"]) == {"cached", "ok"}


def test_cache_folder_default_and_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop_client: sn.ShoptetClient
) -> None:
    from shoptet_nb.audit.cache import CACHE_FILE, resolve_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert resolve_cache(True) == tmp_path / "xdg" / "shoptet_nb"
    assert resolve_cache(False) is None
    assert resolve_cache(str(tmp_path / "mine")) == tmp_path / "mine"
    images = sn.read_images(shop_client, method="galleries", progress=False).head(2)
    audit = sn.audit_images(shop_client, images, cache=False, progress=False)
    assert set(audit.photos["status"]) == {"ok"}
    assert not list(tmp_path.rglob(CACHE_FILE))  # nothing written anywhere under tmp_path
    sn.audit_images(shop_client, images, progress=False)  # cache=True: the XDG folder
    assert (tmp_path / "xdg" / "shoptet_nb" / CACHE_FILE).is_file() or not sys.platform.startswith(
        "linux"
    )
