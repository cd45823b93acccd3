"""How the topic reports write numbers and tables: currency, separators, no cents,
percentages, dashes with a footnote instead of NaN, yes/no instead of True/False."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simlib.topics import format as F


@pytest.mark.parametrize(
    ("x", "kw", "text"),
    [(11098060.4, {}, "CNY 11.1 m"), (9_999_999.6, {}, "CNY 10,000,000"),
     (1234.5, {}, "CNY 1,234"), (1235.5, {}, "CNY 1,236"), (-1200, {}, "-CNY 1,200"),
     (2_500_000, {"millions": True}, "CNY 2.5 m"), (float("nan"), {}, "–"), (None, {}, "–")],
)  # fmt: skip
def test_money_has_currency_separators_and_no_cents(x, kw, text):
    assert F.money(x, "CNY", **kw) == text


def test_changes_rates_and_points():
    assert F.signed_money(500, "EUR") == "+EUR 500"
    assert F.signed_money(-500, "EUR") == "-EUR 500"
    assert F.pct(0.194) == "19%" and F.pct(0.1945, 1) == "19.4%"
    assert F.signed_pct(0.05) == "+5.0%" and F.points(0.005) == "+0.5 pts"
    assert F.kpi_value(0.975, "rate", "CNY") == "97.5%"
    assert F.kpi_value(733719, "count", "CNY") == "733,719"
    assert F.kpi_change(-0.024, "currency") == "-2.4%"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_money_never_shows_cents_and_reads_back_to_the_amount(x):
    text = F.money(x, "USD", millions=False)
    assert "." not in text
    back = float(text.replace("USD ", "").replace(",", ""))
    assert abs(back - x) <= 0.5 + 1e-6 * abs(x)


def test_table_shows_dashes_with_a_footnote_yes_no_and_no_index_numbers():
    df = pd.DataFrame(
        {"group": ["a", "b"], "share_sd": [0.1, np.nan], "top_changed": [True, False]}
    ).set_index("group")
    t = F.table(df, formats={"share_sd": F.pct},
                names={"share_sd": "spread of the share", "top_changed": "top group changes"},
                missing_note="too few people")  # fmt: skip
    assert list(t.frame.columns) == ["group", "spread of the share", "top group changes"]
    assert t.frame["spread of the share"].tolist() == ["10%", "–"]
    assert t.frame["top group changes"].tolist() == ["yes", "no"]
    assert t.notes == ["– too few people."]
    page = t._repr_html_()
    assert "NaN" not in page and "True" not in page and "share_sd" not in page
    assert "– too few people." in page
    # A frame without a named index keeps no 0, 1, 2 column.
    plain = F.table(pd.DataFrame({"x": [1.0, 2.5]}))
    assert list(plain.frame.columns) == ["x"] and plain.notes == []
    assert plain.frame["x"].tolist() == ["1", "2.50"]


def test_tenure_bands_are_ordered_by_time_since_hire():
    assert F.ordered_tenure(["5y+", "1-3y", "<1y", "3-5y"]) == ["<1y", "1-3y", "3-5y", "5y+"]
    assert F.ordered_tenure(["unknown", "5y+", "1-3y", "<1y"]) == ["<1y", "1-3y", "5y+", "unknown"]


def test_axis_is_clipped_only_when_outliers_would_squash_the_chart():
    bulk = np.linspace(0.0, 1.0, 1000)
    lo, hi, n = F.clip_limits(bulk)
    assert (lo, hi, n) == (0.0, 1.0, 0)  # an even spread: nothing clipped
    # One value at 17.5 (1,750%) beside a bulk in 0-1: the axis stops at the 99th
    # percentile and the values beyond are counted for the note.
    lo, hi, n = F.clip_limits(np.append(bulk, 17.5))
    assert hi < 1.01 and n == sum(v > hi or v < lo for v in np.append(bulk, 17.5))
    assert F.clip_note(n, "reps").startswith(f"{n:,} reps outside the axis range")
    assert F.clip_note(0, "reps") == ""
