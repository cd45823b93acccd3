"""The target cascade report's logic: spec overrides, the small-group rule, readings,
and the summary's counts, checked against hand-made inputs."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from simlib.topics import ReportParameterError
from simlib.topics import targets as T

SPEC = {
    "name": "t",
    "default": {"method": "history"},
    "levels": {
        "branch": {"method": "blend", "blend": {"history": 0.8, "potential": 0.2}},
        "team": {"method": "history", "padding": 0.03},
        "rep": {"method": "blend", "blend": {"history": 0.8, "capacity": 0.2},
                "guardrail": {"max_change": 0.3}},
    },
    "kpis": {"kpi_b": {"default": {"method": "history", "blend": {"history": 1.0}},
                       "levels": {"rep": {"method": "blend", "blend": {"history": 1.0}}}}},
    "rounding": {"currency": 1000, "count": 1},
}  # fmt: skip
LEVELS = ["company", "region", "branch", "team"]


def test_a_method_override_reaches_every_rule_and_drops_every_blend():
    raw = copy.deepcopy(SPEC)
    spec, _ = T.override_spec(raw, LEVELS, method="even")
    assert raw == SPEC  # the spec as written is not changed
    rules = [spec["default"], *spec["levels"].values(), spec["kpis"]["kpi_b"]["default"],
             *spec["kpis"]["kpi_b"]["levels"].values()]  # fmt: skip
    assert all(r["method"] == "even" and "blend" not in r for r in rules)
    # What else a rule says (padding, guardrail) stays.
    assert spec["levels"]["team"]["padding"] == 0.03
    assert spec["levels"]["rep"]["guardrail"] == {"max_change": 0.3}


def test_padding_goes_into_the_team_level_or_else_the_lowest_unit_level():
    spec, level = T.override_spec(SPEC, LEVELS, padding=0.05)
    assert level == "team" and spec["levels"]["team"]["padding"] == 0.05
    spec, level = T.override_spec(SPEC, ["company", "division", "squad"], padding=0.02)
    assert level == "squad" and spec["levels"]["squad"] == {"padding": 0.02}
    with pytest.raises(ReportParameterError, match="padding needs at least two unit levels"):
        T.override_spec(SPEC, ["company"], padding=0.02)


def test_guardrail_overrides_replace_a_symmetric_band():
    spec, _ = T.override_spec(SPEC, LEVELS, max_increase=2.0)
    assert spec["levels"]["rep"]["guardrail"] == {"max_increase": 2.0}
    spec, _ = T.override_spec(SPEC, LEVELS, max_decrease=0.1, rounding=10000,
                              rounding_method="webster")  # fmt: skip
    assert spec["levels"]["rep"]["guardrail"] == {"max_decrease": 0.1}
    assert spec["rounding"] == {"currency": 10000, "count": 1}
    assert spec["rounding_method"] == "webster"


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [({"method": "random"}, "method"), ({"padding": -0.1}, "padding"),
     ({"max_increase": float("nan")}, "max_increase"), ({"rounding": 0}, "rounding"),
     ({"rounding_method": "dhondt"}, "rounding_method")],
)  # fmt: skip
def test_bad_parameters_are_refused_naming_the_parameter(kwargs, names):
    with pytest.raises(ReportParameterError, match=names):
        T.check_parameters(**kwargs)


def test_guardrails_are_dropped_at_every_depth():
    spec = T.drop_guardrails(SPEC)
    assert "guardrail" not in spec["levels"]["rep"]
    assert spec["levels"]["rep"]["method"] == "blend"


def test_ets_codes_in_words():
    assert T.model_words("ETS(M,Ad,M) monthly") == (
        "a damped trend and a monthly pattern proportional to the level"
    )
    assert T.model_words("ETS(A,N,N)") == "no trend and no monthly pattern"
    assert T.model_words("naive") == "naive"  # an unknown code is shown as it is


@pytest.mark.parametrize(
    ("share", "words"),
    [(0.19, "too hard"), (0.45, "hard"), (0.599, "hard"), (0.60, "in the 60-70% band"),
     (0.70, "in the 60-70% band"), (0.71, "easy"), (0.85, "easy"), (0.86, "too easy"),
     (float("nan"), "no forecast")],
)  # fmt: skip
def test_reading_of_an_expected_share_follows_the_practice_bands(share, words):
    assert T.reading(share) == words


def test_difficulty_grid_hides_small_groups_and_orders_tenure_by_time():
    # Region A: 3 new hires (p 0.2, 0.4, 0.6) and 1 veteran; region B: 2 of 1-3y.
    reps = pd.DataFrame({
        "region": ["A", "A", "A", "A", "B", "B"],
        "tenure": ["<1y", "<1y", "<1y", "5y+", "1-3y", "1-3y"],
        "p_reach": [0.2, 0.4, 0.6, 0.9, 0.5, 0.7],
    })  # fmt: skip
    grid = T.difficulty_grid(reps, min_group=2)
    assert list(grid.columns) == ["<1y", "1-3y", "5y+"]
    assert grid.loc["A", "<1y"] == pytest.approx(0.4)  # (0.2 + 0.4 + 0.6) / 3
    assert np.isnan(grid.loc["A", "5y+"])  # one person: not shown
    assert grid.loc["B", "1-3y"] == pytest.approx(0.6)


@pytest.fixture(scope="module")
def sample_report(sample_ds):
    from simlib.spec import load_yaml

    return T.build(sample_ds, load_yaml("scenarios/cascades/baseline.yaml"), backtest=False)


def test_summary_counts_units_outside_the_band_from_the_difficulty_table(sample_report):
    rep = sample_report
    u = rep.difficulty.units
    k = rep.main_kpi
    # Counted here straight from the unit table: below the company, not reps, 10+ people.
    shown = u[(u["kpi"] == k) & ~u["level"].isin(["rep", "company"]) & (u["reps"] >= 10)]
    s = shown["share_at_or_above"]
    outside = int(((s < 0.60) | (s > 0.70)).sum())
    assert rep.units_outside_band() == (outside, len(shown))
    first = rep.summary()[0]
    assert f"{outside} of {len(shown)} units outside the 60-70% band" in first
    company = u[(u["kpi"] == k) & (u["level"] == "company")]["share_at_or_above"].item()
    assert first.startswith(f"**{company:.0%} of people expected at or above their {k} target")
    assert "No back-test" in rep.summary()[2]


def test_amounts_carry_the_currency_and_one_scale_per_column(sample_report):
    t = sample_report.reconciliation_table().frame
    # The sample's company revenue target is over CNY 10 m: every amount in millions.
    assert t["top-down target"].str.fullmatch(r"-?CNY [\d,]+\.\d m").all()
    assert t["gap"].str.fullmatch(r"-?CNY [\d,]+\.\d m").all()
    assert "nan" not in t.to_string().lower()
