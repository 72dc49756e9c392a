"""select_photos: the rows of an images frame whose photo another frame (findings) names."""

from __future__ import annotations

import pandas as pd
import pytest

import shoptet_nb as sn
from shoptet_nb.errors import FrameError

KEY = ["guid", "gallery", "language", "name"]


@pytest.fixture(scope="module")
def images() -> pd.DataFrame:
    client = sn.sandbox(products=40)
    return sn.read_images(client, gallery="all", method="galleries", progress=False)


def test_only_the_photos_with_findings_are_selected(images: pd.DataFrame) -> None:
    findings = sn.lint_captions(images)

    picked = sn.select_photos(images, findings)

    wanted = set(findings[KEY].astype(str).itertuples(index=False))
    assert set(picked[KEY].astype(str).itertuples(index=False)) == wanted
    assert len(picked) == len(wanted)
    # By file name alone, photos that merely share a name with a flagged one come along too.
    by_name = images[images["name"].isin(findings["name"])]
    assert len(by_name) > len(picked)
    # The frame's rows, order and index as they were.
    pd.testing.assert_frame_equal(picked, images.loc[picked.index])
    assert picked.index.is_monotonic_increasing


def test_a_language_selects_only_its_own_rows(images: pd.DataFrame) -> None:
    slovak = images.assign(language="sk")
    both = pd.concat([images, slovak], ignore_index=True)
    findings = sn.lint_captions(slovak)

    picked = sn.select_photos(both, findings)

    assert len(picked) == len(findings.drop_duplicates(KEY))
    assert picked["language"].eq("sk").all()


def test_a_frame_without_the_key_columns_is_a_frame_error(images: pd.DataFrame) -> None:
    with pytest.raises(FrameError, match=r"select_photos\(\).*gallery"):
        sn.select_photos(images, images[["guid", "name"]])
    with pytest.raises(FrameError, match=r"select_photos\(\).*name"):
        sn.select_photos(images.drop(columns="name"), images)
    with pytest.raises(FrameError, match="DataFrame"):
        sn.select_photos(images, ["a.jpg"])  # type: ignore[arg-type]
