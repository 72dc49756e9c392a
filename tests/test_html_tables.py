"""A plan's table in a notebook shows whole reasons, not pandas' default cut at 50 characters
(a guard: the package's HTML reprs use ``to_html``, which does not cut; plain frames in the
notebooks are covered by tests/test_notebooks.py)."""

from __future__ import annotations

import html

import pandas as pd

import shoptet_nb as sn


def test_plan_table_shows_whole_reasons() -> None:
    client = sn.sandbox(seed=0)
    guid = client.list_products()[0]["guid"]
    images = sn.read_images(client, [guid], progress=False)
    edited = images.copy()
    edited["language"] = edited["language"].astype("string")
    edited.loc[edited.index[0], "language"] = "xx"  # a language the shop does not have
    edited.loc[edited.index[0], "description"] = "a caption in no language"
    plan = sn.plan_updates(client, edited, base=images)
    (reason,) = plan.rows.loc[plan.rows["status"] == "invalid", "reason"]
    assert len(reason) > 60, "pick an input whose reason is longer than pandas' default cut"
    with pd.option_context("display.max_colwidth", 50):  # pandas' default
        assert html.escape(reason, quote=False) in plan._repr_html_()
