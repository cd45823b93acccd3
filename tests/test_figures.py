"""Report figures draw on the axes they are given and return them; without axes they
draw on a new figure of their own."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from simlib.engine.simulate import SimulationResult
from simlib.workbench import figures


def result(name: str, cost: list[float], pay: list[float], shares=(0.25, 0.5, 0.25)):
    per_draw = pd.DataFrame(
        {
            "total_payout": cost,
            "over_budget": (np.asarray(cost) > 100).astype(float),
            "share_at_quota": [0.6] * len(cost),
            "pay_performance_spearman": [0.8] * len(cost),
        }
    )
    per_draw.index.name = "draw"
    reps = pd.DataFrame(
        {
            "rep_id": list("abcd"),
            "target_incentive": [10.0, 10.0, 10.0, 10.0],
            "mean_payout": pay,
            "mean_attainment": [0.8, 0.9, 1.0, 1.2],
        }
    )
    hist = pd.DataFrame({"attainment_from": [0.5, 1.0, 1.5], "share": list(shares)})
    return SimulationResult(
        name=name,
        per_draw=per_draw,
        group_draws={},
        reps=reps,
        attainment_hist=hist,
        provenance={"seed": 1, "data_hash": "h", "budget": 100.0, "draws": len(cost)},
    )


DESIGN = {"plan": {"components": [{"name": "q", "type": "quota_bonus",
                                   "curve": [[0.75, 0.3], [1.0, 1.0], [1.6, 2.5]]}]}}  # fmt: skip


@pytest.fixture
def results():
    yield {
        "baseline": result("baseline", [90.0, 95.0, 100.0, 105.0], [5.0, 8.0, 10.0, 14.0]),
        "reform": result(
            "reform", [100.0, 110.0, 120.0, 95.0], [4.0, 9.0, 12.0, 40.0], (0.5, 0.25, 0.25)
        ),
    }
    plt.close("all")


@pytest.mark.parametrize(
    "draw",
    [
        lambda r, ax: figures.plot_curves({"baseline": DESIGN}, ax=ax),
        lambda r, ax: figures.plot_attainment(r, ax=ax),
        lambda r, ax: figures.plot_cost_distribution(r, "EUR", ax=ax),
        lambda r, ax: figures.plot_cost_distribution({"baseline": r["baseline"]}, ax=ax),
        lambda r, ax: figures.plot_pay_vs_attainment(r["reform"], ax=ax),
    ],
    ids=["curves", "attainment", "cost-several", "cost-one", "pay-vs-attainment"],
)
def test_a_figure_draws_on_the_given_axes_and_returns_them(results, draw):
    fig, (left, right) = plt.subplots(1, 2)
    got = draw(results, right)
    assert got is right
    assert right.has_data() and not left.has_data()
    assert right.get_title()  # every figure says what it shows
    assert len(fig.axes) == 2  # nothing added beside the caller's axes


def test_without_axes_a_figure_gets_a_new_figure_of_its_own(results):
    before = set(plt.get_fignums())
    ax = figures.plot_attainment(results)
    assert set(plt.get_fignums()) - before == {ax.figure.number}
    # Two designs, two distinct attainment curves: two steps plus the quota line.
    assert len(ax.get_lines()) == 3


def test_pay_spread_draws_one_panel_per_design_on_the_given_axes(results):
    fig, axes = plt.subplots(1, 3)
    got = figures.plot_pay_distribution(results, ax=axes)
    assert list(got.flat[:2]) == list(axes[:2])
    assert [a.get_title().splitlines()[0] for a in axes[:2]] == ["baseline", "reform"]
    assert not axes[2].has_data()
    # The reform's rep paid 4x target sits beyond the 3x axis: drawn at the edge.
    counts = sum(p.get_height() for p in axes[1].patches)
    assert counts == 4


def test_pay_spread_refuses_fewer_axes_than_designs(results):
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="2 designs need as many axes"):
        figures.plot_pay_distribution(results, ax=ax)
