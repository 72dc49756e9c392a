"""The gallery editor and image files: the audit's size and marks on each card (issue 18);
thumbnails fetched without the token."""

from __future__ import annotations

from pathlib import Path

import shoptet_nb as sn
from shoptet_nb.editing.audit_marks import CARD_MARKS
from shoptet_nb.widgets import GalleryEditor


def test_cards_show_the_audits_size_and_marks(tmp_path: Path) -> None:
    client = sn.sandbox(seed=5, products=40, limits=False, photo_copies=0.3)
    images = sn.read_images(client, progress=False)
    audit = sn.audit_images(client, images, cache=tmp_path, progress=False)
    marked = audit.photos[audit.photos["findings"].map(lambda f: bool(set(f) & set(CARD_MARKS)))]
    assert len(marked) > 0
    guid = str(marked["guid"].iloc[0])
    editor = GalleryEditor(client, product=guid, journal=False, audit=audit)
    expected = audit.photos[(audit.photos["guid"] == guid) & (audit.photos["gallery"] == "shop")]
    by_name = {str(r.name): r for r in expected.itertuples()}
    for card in editor.cards:
        row = by_name[card["name"]]
        assert card["audit"]["size"] == f"{row.width} × {row.height} px"
        rules = [m["rule"] for m in card["audit"]["marks"]]
        assert rules == [f for f in row.findings if f in CARD_MARKS]
    assert any(card["audit"]["marks"] for card in editor.cards)
    # Without an audit the cards carry none.
    assert all(c["audit"] is None for c in GalleryEditor(client, product=guid, journal=False).cards)


def test_thumbnails_never_carry_the_token() -> None:
    client = sn.sandbox(seed=5, products=12, limits=False)
    guid = client.sandbox.products()[0]["guid"]
    GalleryEditor(client, product=guid, journal=False)  # fetches the cards' thumbnails
    pictures = client.sandbox.stats()["pictures"]
    assert pictures["requests"] > 0
    assert pictures["with_token"] == 0
