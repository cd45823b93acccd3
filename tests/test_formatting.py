"""How numbers, labels and tables read on leadership pages (simlib.formatting)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simlib import formatting as fm


def test_money_in_millions_with_the_currency_and_exact_below_a_million():
    assert fm.money(11_098_060, "CNY") == "CNY 11.1 m"
    assert fm.money(11_098_060, "CNY", exact=True) == "CNY 11,098,060"
    assert fm.money(539_200.4, "CNY") == "CNY 539,200"  # no cents
    assert fm.money(-2_970_201, "CNY", sign=True) == "-CNY 3.0 m"
    assert fm.money(2_970_201, "CNY", sign=True) == "+CNY 3.0 m"
    assert fm.money(105) == "105"
    assert fm.money(-0.4, "CNY") == "CNY 0"  # never "-0"


def test_missing_values_read_as_a_dash_never_nan():
    for bad in (None, float("nan"), float("inf"), -np.inf, "x"):
        assert fm.money(bad, "CNY") == fm.MISSING
        assert fm.pct(bad) == fm.MISSING
        assert fm.number(bad) == fm.MISSING
        assert fm.points(bad) == fm.MISSING


def test_rates_as_percentages_and_changes_in_points():
    assert fm.pct(0.597) == "59.7%"
    assert fm.pct(0.0583, 2) == "5.83%"
    assert fm.pct(0.269, sign=True) == "+26.9%"
    assert fm.points(0.0123) == "+1.2 pts"
    assert fm.points(-0.00001) == "+0.0 pts"  # a rounding zero is not a loss
    assert fm.multiple(1.9412) == "1.94x"


def test_a_change_and_its_interval_share_one_unit():
    # 2,970,201 +- 116,566: both in millions (the half-width to two decimals: 0.12 m).
    assert fm.money_pm(2_970_201, 116_566, "CNY") == "+CNY 3.0 m ± 0.12 m"
    # A change of about nothing on a cost of 11 m still reads in millions.
    assert fm.money_pm(3_211, 126_745, "CNY", scale=11_000_000) == "CNY 0.0 m ± 0.13 m"
    assert fm.money_pm(10, 0) == "+10 ± 0"


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_money_never_shows_cents_and_always_the_currency(x):
    s = fm.money(x, "CNY")
    assert "CNY" in s
    body = s.replace("CNY", "").replace("m", "").strip(" +-")
    if abs(x) >= fm.MILLIONS_FROM:
        assert s.endswith(" m") and re.fullmatch(r"[\d,]+\.\d", body)
        assert float(body.replace(",", "")) == pytest.approx(abs(x) / 1e6, abs=0.05 + 1e-9)
    else:
        assert re.fullmatch(r"[\d,]+", body)  # whole units, thousands separated
        assert abs(int(body.replace(",", "")) - abs(x)) <= 0.5 + 1e-9


def test_column_names_become_words_but_design_names_stay():
    assert fm.label("weight_from") == "Weight before"
    assert fm.label("share_sd") == "Share (standard deviation)"
    assert fm.label("top_changed") == "Top grade changed"
    assert fm.label("share_at_quota") == "Share at quota"
    assert fm.label("baseline: mean pay") == "baseline: mean pay"
    t = fm.tidy_table(pd.DataFrame({"team_weighted": [1], "share_sd": [2]}),
                      keep=["team_weighted"])  # fmt: skip
    assert list(t.columns) == ["team_weighted", "Share (standard deviation)"]


def test_tenure_bands_and_quartiles_in_their_natural_order():
    assert fm.ordered(["1-3y", "3-5y", "5y+", "<1y"]) == ["<1y", "1-3y", "3-5y", "5y+"]
    assert fm.ordered(["Q3", "Q1 (bottom)", "Q4 (top)", "Q2"]) == [
        "Q1 (bottom)", "Q2", "Q3", "Q4 (top)"
    ]  # fmt: skip
    assert fm.ordered(["10-20", "2-5", "<2"]) == ["<2", "2-5", "10-20"]
    assert fm.ordered(["N", "S", "E"]) == ["N", "S", "E"]  # no natural order: as given


def test_tables_drop_the_index_and_show_dashes_for_missing_values():
    df = pd.DataFrame({"weight_from": [0.2, np.nan], "flag": [True, False]},
                      index=pd.Index(["a", "b"], name="kpi"))  # fmt: skip
    t = fm.tidy_table(df)
    assert list(t.columns) == ["KPI", "Weight before", "Flag"]
    assert t["Weight before"].tolist() == [0.2, fm.MISSING]
    assert t["Flag"].tolist() == ["yes", "no"]
    assert t.attrs["missing"]
    html = fm.html_table(df)
    assert "NaN" not in html and "nan" not in html and "False" not in html
    assert fm.MISSING_NOTE in html
    assert "<th>kpi</th>" not in html and "KPI" in html


def test_an_axis_is_clipped_only_where_outliers_would_squash_it():
    v = np.r_[np.linspace(0, 1.5, 200), 17.5]  # one rep at 1,750%
    lo, hi, n = fm.clip_range(v, floor=0.0)
    assert lo == 0.0 and hi < 2.0 and n == 1
    lo, hi, n = fm.clip_range(np.linspace(0, 1.5, 200), floor=0.0)
    assert n == 0 and hi >= 1.5


def test_money_axis_ticks_are_short_millions():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 800_000, 12_500_000], [0, 1, 2])
    fm.money_axis(ax, "CNY", "x")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert all(len(s) <= 5 for s in labels), labels  # "12.5", not "12500000"
    assert "CNY m" in ax.get_xlabel()
    plt.close(fig)


def test_every_place_that_names_tenure_bands_names_the_bands_simlib_forms():
    from simlib import decision
    from simlib.data.tenure import TENURE_BANDS
    from simlib.formatting import ORDERS
    from simlib.topics import format as topic_format

    assert ORDERS["tenure"] == TENURE_BANDS
    assert topic_format.TENURE_ORDER == TENURE_BANDS
    # The catalog's literals, which translations are keyed on.
    assert [g for g in decision.GROUP_LABELS if g in TENURE_BANDS] == list(TENURE_BANDS)
