"""A plan's and a result's tables in a notebook show whole reasons and messages, not pandas'
default cut at 50 characters."""

from __future__ import annotations

import html

import pandas as pd

import shoptet_nb as sn


def test_plan_and_result_tables_show_whole_reasons() -> None:
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
        assert html.escape(reason) in plan._repr_html_()
        result = sn.apply(plan, journal=False, progress=False)
        assert html.escape(reason) in result._repr_html_()
