"""Plan charts draw on the axes they are given (or on a new figure) and return the axes,
as pandas and seaborn plot functions do."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from simlib.plans import Plan, Replay, ReplaySummary, plot_payout_distribution

PLAN = {
    "name": "p",
    "target_incentive": {"amount": 10000},
    "components": [
        {"type": "quota_bonus", "name": "q", "kpi": "revenue", "weight": 1.0,
         "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]],
         "modifier": {"kpi": "retention", "curve": [[0.9, 0.8], [1.0, 1.2]]}},
        {"type": "commission", "name": "c", "kpi": "revenue", "rate": 0.01},
    ],
}  # fmt: skip


def replay_of(name: str, multiples: list[float]) -> Replay:
    by_rep = pd.DataFrame(
        {
            "rep_id": [f"r{i}" for i in range(len(multiples))],
            "payout": np.asarray(multiples) * 1000.0,
            "revenue": 1e5,
            "payout_to_ti": multiples,
        }
    )
    summary = ReplaySummary(name, pd.DataFrame(), by_rep, pd.DataFrame())
    return Replay(None, pd.DataFrame(), summary)


def test_plan_curves_draw_on_the_given_axes_and_return_them():
    plan = Plan.from_dict(PLAN)
    # Panels: the bonus curve, its modifier, the commission.
    fig, given = plt.subplots(1, 3)
    got = plan.plot_curves(ax=given)
    assert list(got) == list(given)
    titles = [a.get_title() for a in given]
    assert titles == ["q: payout", "q: modifier", "c: marginal commission"]
    plt.close(fig)


def test_plan_curves_make_a_figure_when_no_axes_are_given():
    got = Plan.from_dict(PLAN).plot_curves()
    assert len(got) == 3 and got[0].figure.axes == list(got)
    plt.close(got[0].figure)


def test_too_few_axes_are_refused_naming_how_many_are_needed():
    fig, one = plt.subplots()
    with pytest.raises(ValueError, match="3 panels"):
        Plan.from_dict(PLAN).plot_curves(ax=one)
    plt.close(fig)


def test_the_payout_distribution_draws_one_plan_on_one_axes():
    fig, ax = plt.subplots()
    got = plot_payout_distribution([replay_of("a", [0.5, 1.0, 1.5, 2.5])], ax=ax)
    assert got is ax
    (bars,) = ax.containers
    assert sum(b.get_height() for b in bars) == 4  # the four reps, in the histogram's bars
    assert "a" in ax.get_title()
    plt.close(fig)


def test_the_payout_distribution_of_two_plans_returns_two_axes():
    got = plot_payout_distribution([replay_of("a", [1.0]), replay_of("b", [2.0])])
    assert [a.get_title().split("\n")[0] for a in got] == ["a", "b"]
    plt.close(got[0].figure)
