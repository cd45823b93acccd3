"""Appraisal edge cases: defects once found in ratings, weights and outcomes (B1-B6), tests
that could not fail made strict, bad inputs.

Every expected number is derived by hand in the test (or named from its source).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from appraisal_fixtures import make_appraisal_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

import simlib as sl
from simlib.appraisal import (
    Groups,
    QuotaDeviationWarning,
    blend,
    composite,
    rate_bands,
    rate_forced,
)

FORCED3 = [{"name": "A", "share": 0.2}, {"name": "B", "share": 0.7}, {"name": "C", "share": 0.1}]


# ------------------------------------------------------------------ B1 float ties
def test_b1_scores_equal_on_paper_are_tied_despite_float_noise():
    # Defect B1: two reps whose blended scores are both 84.28 on paper:
    #   rep 1: KPI composite .5*40 + .3*115 + .2*100 = 74.5; individual .8*74.5 + .2*110 = 81.6
    #   rep 2: KPI composite .5*100 + .3*40 + .2*100 = 82;   individual .8*82 + .2*80 = 81.6
    #   blended with team 95 at 20%: .8*81.6 + .2*95 = 84.28 for both.
    w = np.array([0.5, 0.3, 0.2])
    pts = np.array([[40, 115, 100], [100, 40, 100]], float)
    comp = np.array([110.0, 80.0])
    s = blend(0.8 * composite(pts, w) + 0.2 * comp, np.array([95.0, 95.0]), 0.2)
    assert s[0] == pytest.approx(84.28) and s[1] == pytest.approx(84.28)
    assert s[0] != s[1]  # float noise: the case the tie rule must absorb
    # 8 better reps + these two = 10 reps at 20/70/10 -> counts 2, 7, 1; ranks 3 and 4 are
    # grade 1 (B) under any tie rule. The float noise must not matter for "up"/"down".
    scores = np.r_[np.arange(120.0, 112.0, -1), s]
    for ties in ("up", "down"):
        g = rate_forced(scores, None, [0.2, 0.7, 0.1], ties=ties, min_group=None)
        assert g[8] == g[9], ties
    # A tie straddling the B/C boundary: 9 reps ahead, the two tied last: counts 2, 7, 1
    # for 10... use 11 reps (counts 2, 8, 1: quotas 2.2, 7.7, 1.1 -> 2, 7, 1 + 1 to B).
    scores11 = np.r_[np.arange(120.0, 111.0, -1), s]
    up = rate_forced(scores11, None, [0.2, 0.7, 0.1], ties="up", min_group=None)
    down = rate_forced(scores11, None, [0.2, 0.7, 0.1], ties="down", min_group=None)
    np.testing.assert_array_equal(up[9:], [1, 1])  # both take the better grade
    np.testing.assert_array_equal(down[9:], [2, 2])  # both the worse


def test_b1_band_threshold_reached_despite_float_noise():
    # 100 points x attainment 0.57 is 56.99999999999999 in floats; on paper it is 57 and
    # reaches a 57-point band.
    x = 0.57 * 100
    assert x < 57
    assert rate_bands(np.array([x]), [57.0, None]).tolist() == [0]


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.integers(60, 70), min_size=2, max_size=40),
    seed=st.integers(0, 10_000),
    ties=st.sampled_from(["up", "down"]),
)
def test_b1_property_float_near_ties_rate_like_exact_ties(base, seed, ties):
    # Exact integer scores vs the same scores computed as a weighted sum in a shuffled
    # order of parts (noise ~1e-14): the grades must be identical.
    rng = np.random.default_rng(seed)
    exact = np.array(base, float)
    parts = rng.dirichlet(np.ones(5), size=len(exact))  # shares summing to 1 (in floats ~)
    noisy = (parts * exact[:, None]).sum(axis=1) / parts.sum(axis=1)
    groups = rng.integers(0, 2, len(exact))
    kw = dict(ties=ties, min_group=None, quota_tolerance=None)
    g_exact = rate_forced(exact, groups, [0.2, 0.7, 0.1], **kw)
    g_noisy = rate_forced(noisy, groups, [0.2, 0.7, 0.1], **kw)
    np.testing.assert_array_equal(g_noisy, g_exact)


def test_forced_distribution_warns_when_ties_push_counts_off_quota():
    # 10 reps, 6 tied at a cap of 150 points; 20/70/10 -> quotas 2, 7, 1. Under ties="up"
    # all six tied reps get A: counts 6, 3, 1 (A is 4 over its quota of 2, limit max(1, 1)).
    s = np.array([150.0] * 6 + [100, 90, 80, 70])
    with pytest.warns(QuotaDeviationWarning, match=r"quotas \[2, 7, 1\], given \[6, 3, 1\]"):
        g = rate_forced(s, None, [0.2, 0.7, 0.1], min_group=None)
    assert np.bincount(g).tolist() == [6, 3, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rate_forced(s, None, [0.2, 0.7, 0.1], min_group=None, quota_tolerance=None)
        rate_forced(np.arange(10.0), None, [0.2, 0.7, 0.1], min_group=None)  # no ties


# ------------------------------------------------------- B2/B5 break-even weights
def _scorecard(weights, rating):
    return {
        "name": "t",
        "kpis": [
            {"kpi": "revenue", "weight": weights[0]},
            {"kpi": "new_customers", "weight": weights[1]},
            {"kpi": "churn", "weight": weights[2]},
        ],
        "rating": rating,
    }


FORCED_RATING = {"type": "forced", "min_group": 1, "quota_tolerance": 1, "grades": FORCED3}
BANDS_RATING = {
    "type": "bands",
    "grades": [{"name": "A", "min_score": 110}, {"name": "B", "min_score": 90}, {"name": "C"}],
}


def _assert_break_even_by_brute_force(app):
    """Every row of break_even_weights against re-rating on a fine grid (both groups, sides)."""
    be = sl.appraisal.break_even_weights(app)
    w = app.weights.to_numpy()
    base = app.rated["grade_index"].to_numpy()
    last = len(app.scorecard.rating.grades) - 1

    def member(t, k, label):
        g = app.rate(app.effective @ sl.appraisal.shift_weight(w, k, t) + app.offset)
        return g == (0 if label == "top" else last)

    checked = 0
    for _, row in be.iterrows():
        k = app.weights.names.index(row["kpi"])
        inside = base == (0 if row["group"] == "top" else last)
        for side, direction, limit in (("up", 1, 1.0), ("down", -1, 0.0)):
            t_star = row[f"weight_{side}"]
            end = limit if np.isnan(t_star) else t_star
            for t in np.linspace(w[k], end, 301)[1:-1]:
                assert (member(t, k, row["group"]) == inside).all(), (row["kpi"], side, t)
            if not np.isnan(t_star):
                beyond = np.clip(t_star + direction * 1e-6, 0.0, 1.0)
                assert (member(beyond, k, row["group"]) != inside).any(), (row["kpi"], side)
                checked += 1
            elif w[k] != limit:
                # never changes: not even at the limit
                assert (member(limit, k, row["group"]) == inside).all(), (row["kpi"], side)
    return be, checked


def test_b2_break_even_with_tied_reps_at_the_top_boundary():
    # Defect B2: weights .8/.2/0; a3 and b4 both score 116 (revenue 120, new
    # customers 100: .8*120 + .2*100) and are tied at the top boundary (ties up). a3 has
    # churn points 120, b4 100: any churn weight > 0 separates them, so the top group
    # changes at once when the churn weight rises: weight_up = 0, immediate.
    ds = make_appraisal_dataset()
    app = sl.appraisal.appraise(ds, _scorecard([0.8, 0.2, 0.0], FORCED_RATING), 2026)
    r = app.rated.set_index("rep_id")
    assert r.loc["a3", "score"] == pytest.approx(116) and r.loc["b4", "score"] == pytest.approx(116)
    assert r.loc["a3", "rating"] == r.loc["b4", "rating"] == "A"
    be, checked = _assert_break_even_by_brute_force(app)
    churn_top = be[(be["kpi"] == "churn") & (be["group"] == "top")].iloc[0]
    assert churn_top["weight_up"] == 0.0 and churn_top["immediate_up"]
    # Revenue t, new customers 1 - t (churn stays 0): a3 = b4 = 120t + 100(1-t) and
    # c3 = 100t + 120(1-t) meet at t = 0.5: the top group changes there.
    rev_top = be[(be["kpi"] == "revenue") & (be["group"] == "top")].iloc[0]
    assert rev_top["weight_down"] == pytest.approx(0.5, abs=1e-9)
    assert checked == 3  # revenue down, new customers up, churn up (the rest never change)


@pytest.mark.parametrize("ties", ["up", "down", "split"])
def test_break_even_brute_force_forced_all_tie_rules(ties):
    ds = make_appraisal_dataset()
    rating = {**FORCED_RATING, "ties": ties}
    for weights in ([0.5, 0.3, 0.2], [0.8, 0.2, 0.0], [0.0, 0.0, 1.0]):
        app = sl.appraisal.appraise(ds, _scorecard(weights, rating), 2026)
        _assert_break_even_by_brute_force(app)


def test_break_even_brute_force_bands():
    ds = make_appraisal_dataset()
    for weights in ([0.5, 0.3, 0.2], [0.8, 0.2, 0.0]):
        app = sl.appraisal.appraise(ds, _scorecard(weights, BANDS_RATING), 2026)
        _assert_break_even_by_brute_force(app)


def test_b5_single_kpi_and_full_weight():
    ds = make_appraisal_dataset()
    one = {
        "name": "one",
        "kpis": [{"kpi": "revenue", "weight": 1.0}],
        "rating": FORCED_RATING,
    }
    app = sl.appraisal.appraise(ds, one, 2026)
    assert sl.appraisal.weight_sensitivity(app).empty  # no weight to move, no crash
    be = sl.appraisal.break_even_weights(app)
    assert be[["weight_up", "weight_down"]].isna().all().all()
    with pytest.raises(ValueError, match="one KPI"):
        sl.appraisal.shift_weight(np.array([1.0]), 0, 0.5)
    # Churn weight 1: moving it to 1 - d gives the other two d/2 each (shift_weight), and
    # break_even_weights must model exactly that (B5): brute force agrees.
    np.testing.assert_allclose(
        sl.appraisal.shift_weight(np.array([0.0, 0.0, 1.0]), 2, 0.8), [0.1, 0.1, 0.8]
    )
    app1 = sl.appraisal.appraise(ds, _scorecard([0.0, 0.0, 1.0], BANDS_RATING), 2026)
    _assert_break_even_by_brute_force(app1)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(2, 40), ngroups=st.integers(1, 3))
def test_forced_crossing_matches_pairwise_closed_form(seed, n, ngroups):
    # The bisection against the plain pairwise crossing times (alpha_j - alpha_i)/(b_i - b_j)
    # of every member i / non-member j in the same group.
    from simlib.appraisal.analysis import _forced_crossing

    rng = np.random.default_rng(seed)
    s0 = rng.normal(100, 10, n).round(1)
    slope = rng.normal(0, 20, n)
    groups = rng.integers(0, ngroups, n)
    g = Groups(groups)
    member = np.zeros(n, bool)
    for code in range(g.n_groups):  # top 30% by score within each group are members
        idx = np.flatnonzero(g.codes == code)
        top = idx[np.argsort(-s0[idx])][: max(1, len(idx) // 3)]
        cut = s0[top].min()
        member[idx[s0[idx] >= cut]] = True
    best = np.inf
    for i in np.flatnonzero(member):
        for j in np.flatnonzero(~member & (g.codes == g.codes[i])):
            if slope[j] > slope[i]:
                best = min(best, (s0[i] - s0[j]) / (slope[j] - slope[i]))
    span = 0.7
    got = _forced_crossing(s0, slope, member, g, span)
    if best > span:
        assert got == np.inf
    else:
        assert got == pytest.approx(best, abs=1e-7)


# ------------------------------------------------------------- B3 entropy default
def _entropy_by_hand(cols):
    """Standard entropy weights (share normalization) with plain Python loops and math.log."""
    import math

    d = []
    for col in cols:
        total = sum(col)
        e = -sum((v / total) * math.log(v / total) for v in col if v > 0) / math.log(len(col))
        d.append(1 - e)
    return [x / sum(d) for x in d]


def test_b3_entropy_default_gives_spread_kpis_more_weight():
    # Defect B3: KPI A, 99 reps at 100 points and one at 100.5; KPI B spread evenly over
    # 60..140. The docstring promise ("KPIs whose values differ more weigh more") holds
    # for the default (share) normalization; minmax inverts it (A gets ~0.96).
    a = [100.0] * 99 + [100.5]
    bcol = list(np.linspace(60, 140, 100))
    x = np.column_stack([a, bcol])
    w = sl.appraisal.entropy_weights(x)
    assert w.inputs["normalization"] == "share"
    np.testing.assert_allclose(w.to_numpy(), _entropy_by_hand([a, bcol]), rtol=1e-9)
    assert w.to_numpy()[1] > 0.99
    mm = sl.appraisal.entropy_weights(x, normalization="minmax").to_numpy()
    assert mm[0] > 0.9  # documented min-max behaviour
    # Zeros are allowed for a benefit KPI (0 ln 0 = 0), not for a cost KPI (1/x).
    z = np.array([[0.0, 1.0], [50.0, 2.0], [100.0, 3.0]])
    np.testing.assert_allclose(
        sl.appraisal.entropy_weights(z).to_numpy(),
        _entropy_by_hand([[0.0, 50.0, 100.0], [1.0, 2.0, 3.0]]),
        rtol=1e-9,
    )
    with pytest.raises(ValueError, match=r"row 0, column 'c1'"):
        sl.appraisal.entropy_weights(z, benefit=[False, True])


# ------------------------------------------------------------------ B4 weight_kpi
TEAM_SC = {
    "name": "team",
    "kpis": [
        {"kpi": "revenue", "weight": 0.5},
        {"kpi": "new_customers", "weight": 0.3},
        {"kpi": "churn", "weight": 0.2},
    ],
    "team": {"weight": 0.5, "level": "team"},
    "rating": BANDS_RATING,
}


def test_b4_unit_churn_is_weighted_by_revenue_when_the_kpi_table_says_so():
    # Team T1 (a1-a4), 2026: churn .02, .02, .016, .02; revenue 110, 70, 130, 90 a month.
    #   revenue-weighted churn = (.02*110 + .02*70 + .016*130 + .02*90) / 400 = 7.48/400 = .0187
    #   (a plain mean would be .019). Attainment .02/.0187; ratio rule (cap 1.2) -> points.
    #   Revenue: 400/400 -> 100 points; new customers (.9 + 1 + 1 + 1.2)/4 = 1.025 -> 102.5.
    churn_pts = 100 * 0.02 / 0.0187
    team_t1 = 0.5 * 100 + 0.3 * 102.5 + 0.2 * churn_pts
    plain_t1 = 0.5 * 100 + 0.3 * 102.5 + 0.2 * 100 * 0.02 / 0.019
    weighted = sl.appraisal.appraise(make_appraisal_dataset("revenue"), TEAM_SC, 2026)
    r = weighted.rated.set_index("rep_id")
    assert r.loc["a1", "team_score"] == pytest.approx(team_t1, abs=1e-9)
    plain = sl.appraisal.appraise(make_appraisal_dataset(), TEAM_SC, 2026)
    assert plain.rated.set_index("rep_id").loc["a1", "team_score"] == pytest.approx(plain_t1)
    assert any("churn by revenue" in n for n in weighted.notes)
    # The prepared core (Monte Carlo) weights the same way.
    ds = make_appraisal_dataset("revenue")
    ids = weighted.rated["rep_id"].tolist()
    prep = sl.appraisal.prepare(ds, TEAM_SC, ids)
    actual = weighted.kpis.pivot(index="rep_id", columns="kpi", values="actual")
    target = weighted.kpis.pivot(index="rep_id", columns="kpi", values="target")
    cols = ["revenue", "new_customers", "churn"]
    ev = prep.evaluate(actual.loc[ids, cols].to_numpy(), target.loc[ids, cols].to_numpy())
    assert ev.team_score[ids.index("a1")] == pytest.approx(team_t1, abs=1e-9)
    # A weight KPI outside the scorecard cannot be simulated: clear error.
    two = {
        **TEAM_SC,
        "kpis": [{"kpi": "churn", "weight": 0.5}, {"kpi": "new_customers", "weight": 0.5}],
    }
    with pytest.raises(ValueError, match="weighted by revenue.*weight 0"):
        sl.appraisal.prepare(ds, two, ids)


def test_b4_rep_churn_over_months_is_weighted_by_revenue():
    # a1 in 2026 with months 1-6 at revenue 50 and churn .04, months 7-12 at revenue 150 and
    # churn .01: weighted churn = (.04*50*6 + .01*150*6)/(200*6) = 21/1200 = .0175
    # (a plain mean .025); the target .02 every month -> attainment .02/.0175.
    import dataclasses

    ds = make_appraisal_dataset("revenue")
    s = ds.sales.copy()
    a1 = (s["rep_id"] == "a1") & (s["period"].dt.year == 2026)
    first = s["period"].dt.month <= 6
    s.loc[a1 & first & (s["kpi"] == "revenue"), "value"] = 50.0
    s.loc[a1 & ~first & (s["kpi"] == "revenue"), "value"] = 150.0
    s.loc[a1 & first & (s["kpi"] == "churn"), "value"] = 0.04
    s.loc[a1 & ~first & (s["kpi"] == "churn"), "value"] = 0.01
    fields = {f.name: getattr(ds, f.name) for f in dataclasses.fields(ds) if f.init}
    ds2 = type(ds)(**{**fields, "sales": s})
    app = sl.appraisal.appraise(ds2, TEAM_SC, 2026)
    k = app.kpis.set_index(["rep_id", "kpi"])
    assert k.loc[("a1", "churn"), "actual"] == pytest.approx(0.0175)
    assert k.loc[("a1", "churn"), "attainment"] == pytest.approx(0.02 / 0.0175)


# ------------------------------------------------------------------ bad inputs (section 4)
def _spec_error(spec):
    with pytest.raises(sl.errors.SpecError) as exc:
        sl.appraisal.Scorecard.from_dict(spec)
    return str(exc.value)


BASE = {
    "name": "x",
    "kpis": [{"kpi": "revenue", "weight": 0.6}, {"kpi": "churn", "weight": 0.4}],
    "rating": {"type": "forced", "grades": FORCED3},
}


def test_reversed_scoring_on_attainment_is_rejected_with_the_path():
    falling = {"type": "linear", "floor": 0.7, "ceiling": 1.2,
               "score_at_floor": 100, "score_at_ceiling": 0}  # fmt: skip
    msg = _spec_error({**BASE, "kpis": [BASE["kpis"][0], {**BASE["kpis"][1], "rule": falling}]})
    assert "scorecard.kpis[1].rule" in msg and "points fall as attainment rises" in msg
    at_most = {
        "type": "steps",
        "bands": [{"at_most": 0.05, "score": 50}, {"at_most": 0.02, "score": 100}],
    }
    msg = _spec_error({**BASE, "kpis": [BASE["kpis"][0], {**BASE["kpis"][1], "rule": at_most}]})
    assert "scorecard.kpis[1].rule" in msg and "at_most" in msg
    falling_steps = {
        "type": "steps",
        "bands": [{"at_least": 0.9, "score": 100}, {"at_least": 1.0, "score": 80}],
    }
    msg = _spec_error(
        {**BASE, "kpis": [{**BASE["kpis"][0], "rule": falling_steps}, BASE["kpis"][1]]}
    )
    assert "scorecard.kpis[0].rule" in msg and "must not fall" in msg
    # the same shapes on raw values (basis: actual) are how a lower-is-better scale is written
    ok = {**at_most, "basis": "actual"}
    sl.appraisal.Scorecard.from_dict(
        {**BASE, "kpis": [BASE["kpis"][0], {**BASE["kpis"][1], "rule": ok}]}
    )
    ok2 = {**falling, "floor": 0.05, "ceiling": 0.02, "score_at_floor": 0, "score_at_ceiling": 100,
           "basis": "actual"}  # fmt: skip
    sl.appraisal.Scorecard.from_dict(
        {**BASE, "kpis": [BASE["kpis"][0], {**BASE["kpis"][1], "rule": ok2}]}
    )


def test_keys_the_spec_would_ignore_are_rejected_with_the_path():
    bands_with_share = {"type": "bands", "grades": [
        {"name": "A", "min_score": 110, "share": 0.2}, {"name": "B"}]}  # fmt: skip
    msg = _spec_error({**BASE, "rating": bands_with_share})
    assert "scorecard.rating" in msg and "share on ['A'] would be ignored" in msg
    forced_with_min = {"type": "forced", "grades": [
        {"name": "A", "share": 0.5, "min_score": 100}, {"name": "B", "share": 0.5}]}  # fmt: skip
    assert "min_score on ['A'] would be ignored" in _spec_error({**BASE, "rating": forced_with_min})
    ent = {**BASE, "kpis": [{"kpi": "revenue"}, {"kpi": "churn"}],
           "weights": {"method": "entropy", "pairwise": [[1, 2], [0.5, 1]]}}  # fmt: skip
    msg = _spec_error(ent)
    assert "scorecard.weights" in msg and "['pairwise'] not used by method 'entropy'" in msg
    some_coef = {"type": "forced", "grades": [
        {"name": "A", "share": 0.5, "coefficient": 1.2}, {"name": "B", "share": 0.5}]}  # fmt: skip
    msg = _spec_error({**BASE, "rating": some_coef})
    assert "scorecard.rating" in msg and "not for ['B']" in msg
    last_min = {"type": "bands", "grades": [{"name": "A", "min_score": 110},
                                            {"name": "B", "min_score": 80}]}  # fmt: skip
    msg = _spec_error({**BASE, "rating": last_min})
    assert "scorecard.rating" in msg and "last grade (B)" in msg


def test_unclear_errors_are_now_clear():
    with pytest.raises(ValueError, match=r"one value per rep\? pass a column"):
        sl.appraisal.entropy_weights([1, 2, 3])
    with pytest.raises(ValueError, match="2-D"):
        sl.appraisal.critic_weights([1, 2, 3])
    ds = make_appraisal_dataset()
    rel = {**BASE, "kpis": [BASE["kpis"][0],
                            {**BASE["kpis"][1], "rule": {"type": "percentile", "within": "branch"}}]}  # fmt: skip
    with pytest.raises(
        ValueError, match=r"scorecard\.kpis\[1\]\.rule\.within: unknown level 'branch'"
    ):
        sl.appraisal.appraise(ds, rel, 2026)
    app = sl.appraisal.appraise(ds, {**BASE, "rating": {**BASE["rating"], "min_group": 1}}, 2026)
    hist = sl.appraisal.appraise_history(
        ds, {**BASE, "rating": {**BASE["rating"], "min_group": 1}}, [2025, 2026]
    )
    with pytest.raises(sl.outcomes.OutcomeError, match=r"\['revenu'\] not appraised KPIs"):
        sl.outcomes.improvement_flags(hist, app, attainment_floor={"revenu": 0.9})


# ------------------------------------------------------ T2 variance shares, rating version
def _fixture_app(weights=(0.8, 0.2, 0.0), rating=FORCED_RATING):
    return sl.appraisal.appraise(make_appraisal_dataset(), _scorecard(list(weights), rating), 2026)


def test_t2_variance_shares_closed_form_for_uncorrelated_kpis():
    import dataclasses

    app = _fixture_app((0.5, 0.3, 0.2))
    n = len(app.rated)
    # Orthogonal, centred columns: Cov(E_j, E_k) = 0, so Var(score) = sum_k w_k^2 Var(E_k)
    # and KPI k's share is w_k^2 Var(E_k) / that sum: .25*4 : .09*1 : .04*0 here.
    t = np.arange(n) - (n - 1) / 2
    e1 = 2 * np.sign(t) * (np.abs(t) > 2)  # +-2 at the ends, 0 in the middle
    e2 = np.where(np.abs(t) <= 2, np.where(np.arange(n) % 2 == 0, 1.0, -1.0), 0.0)
    e2 = e2 - e2.mean()
    assert abs(e1 @ e2) < 1e-12 and abs(e1.sum()) < 1e-12
    eff = np.column_stack([e1 + 100, e2 + 100, np.full(n, 100.0)])
    fake = dataclasses.replace(app, effective=eff, offset=np.zeros(n))
    vs = sl.appraisal.variance_shares(fake)
    v1, v2 = 0.25 * e1.var(), 0.09 * e2.var()
    np.testing.assert_allclose(vs.to_numpy(), [v1 / (v1 + v2), v2 / (v1 + v2), 0.0], atol=1e-12)


def test_rating_variance_shares_two_predictors_closed_form():
    # Two predictors: LMG share of x1 = (R2(x1) + R2(x1, x2) - R2(x2)) / 2 with R2(xi) = r_iy^2
    # and R2(x1, x2) = (r1^2 + r2^2 - 2 r1 r2 r12) / (1 - r12^2) (textbook formula for two
    # regressors). Churn weight 0 -> its column is all zero and explains nothing.
    app = _fixture_app((0.5, 0.5, 0.0), {**FORCED_RATING, "quota_tolerance": 1})
    rv = sl.appraisal.rating_variance_shares(app)
    y = app.rated["grade_index"].to_numpy(float)
    x1 = app.effective[:, 0] * 0.5
    x2 = app.effective[:, 1] * 0.5
    r1, r2 = np.corrcoef(x1, y)[0, 1], np.corrcoef(x2, y)[0, 1]
    r12 = np.corrcoef(x1, x2)[0, 1]
    both = (r1**2 + r2**2 - 2 * r1 * r2 * r12) / (1 - r12**2)
    assert rv.attrs["r2"] == pytest.approx(both)
    assert rv.loc["revenue", "share"] == pytest.approx((r1**2 + both - r2**2) / 2)
    assert rv.loc["new_customers", "share"] == pytest.approx((r2**2 + both - r1**2) / 2)
    assert rv.loc["churn", "share"] == pytest.approx(0.0, abs=1e-12)
    assert rv.loc["(not explained)", "share"] == pytest.approx(1 - both)


# ------------------------------------------------------------ T3 weight sensitivity by hand
def test_t3_weight_sensitivity_numbers_by_hand():
    # Weights .8/.2/0, delta .35. Revenue .8 -> .45 (new customers .55, churn stays 0):
    #   b3 .45*120 + .55*110 = 114.5; c3 .45*100 + .55*120 = 111; a3 = b4 = .45*120 + .55*100
    #   = 109; then a1 99, ... c2 .45*55 + .55*50 = 52.25 last.
    # Quotas of 12 at 20/70/10: 2, 9, 1. Top: b3, c3 (a3/b4 tied in places 3-4: B).
    # Today's top: b3, a3, b4 (118, 116, 116 tied: ties up). Changes: c3 up; a3, b4 down.
    app = _fixture_app()
    sens = sl.appraisal.weight_sensitivity(app, delta=0.35)
    row = sens[(sens["kpi"] == "revenue") & (sens["change"] < 0)].iloc[0]
    assert row["weight_to"] == pytest.approx(0.45)
    assert row["rating_changed"] == pytest.approx(3 / 12)
    assert row["moved_up"] == pytest.approx(1 / 12)
    assert row["moved_down"] == pytest.approx(2 / 12)
    assert row["top_changed"] == 3 and row["bottom_changed"] == 0
    from scipy.stats import spearmanr

    w = sl.appraisal.shift_weight(app.weights.to_numpy(), 0, 0.45)
    new = app.effective @ w
    assert row["rank_correlation"] == pytest.approx(spearmanr(new, app.rated["score"]).statistic)
    # Revenue +.35 would pass 1: no row; new customers +.35 is the same move (.45/.55/0).
    assert not ((sens["kpi"] == "revenue") & (sens["change"] > 0)).any()
    nc = sens[(sens["kpi"] == "new_customers") & (sens["change"] > 0)].iloc[0]
    assert nc["rating_changed"] == pytest.approx(3 / 12) and nc["top_changed"] == 3


# --------------------------------------------------- T5 hand numbers and rule monotonicity
def test_t5_appraise_with_ahp_weights_by_hand():
    # Consistent AHP matrix (revenue 2x new customers, 4x churn; new customers 2x churn):
    # weights exactly 4/7, 2/7, 1/7. a3 in 2026: revenue 1.3 -> capped at 1.2 -> 120 points;
    # new customers 1.0 -> 100; churn .02/.016 = 1.25 -> capped 120. Score (480+200+120)/7.
    spec = {
        "name": "ahp",
        "weights": {"method": "ahp", "pairwise": [[1, 2, 4], ["1/2", 1, 2], ["1/4", "1/2", 1]]},
        "kpis": [{"kpi": "revenue"}, {"kpi": "new_customers"}, {"kpi": "churn"}],
        "rating": BANDS_RATING,
    }
    app = sl.appraisal.appraise(make_appraisal_dataset(), spec, 2026)
    np.testing.assert_allclose(app.weights.to_numpy(), [4 / 7, 2 / 7, 1 / 7], atol=1e-12)
    r = app.rated.set_index("rep_id")
    assert r.loc["a3", "score"] == pytest.approx(800 / 7)
    assert r.loc["a3", "rating"] == "A"  # 114.3 >= 110
    # c2: revenue .55 -> 55, new .5 -> 50, churn .02/.05 = .4 -> 40: (220 + 100 + 40)/7 = 51.4
    assert r.loc["c2", "score"] == pytest.approx(360 / 7)
    assert r.loc["c2", "rating"] == "C"


def test_t5_prepared_core_scores_a_draw_by_hand():
    # One draw where every rep hits exactly 100% of every KPI except a1 at 150% revenue:
    # ratio rule cap 1.2 -> a1 revenue 120 points, the rest 100: a1 = .5*120 + .3*100 + .2*100
    # = 110; everyone else 100. Bands: a1 A (>= 110), the others B.
    ds = make_appraisal_dataset()
    spec = _scorecard([0.5, 0.3, 0.2], BANDS_RATING)
    ids = ["a1", "a2", "b1", "c1"]
    prep = sl.appraisal.prepare(ds, spec, ids)
    target = np.array([[1200.0, 120.0, 0.02]] * 4)
    actual = target.copy()
    actual[0, 0] = 1800.0
    ev = prep.evaluate(actual[None], target)
    np.testing.assert_allclose(ev.score[0], [110, 100, 100, 100])
    np.testing.assert_array_equal(ev.grade_index[0], [0, 1, 1, 1])


def _rules():
    linear = st.builds(
        lambda f, span, s0, rise: {"type": "linear", "floor": f, "ceiling": f + span,
                                   "score_at_floor": s0, "score_at_ceiling": s0 + rise},
        st.floats(0.0, 1.5), st.floats(0.05, 1.0), st.floats(0, 80), st.floats(0, 80),
    )  # fmt: skip
    steps = st.lists(st.tuples(st.floats(0.01, 0.5), st.floats(0, 30)), min_size=1, max_size=5).map(
        lambda parts: {
            "type": "steps",
            "below": 0.0,
            "bands": [
                {"at_least": float(np.cumsum([p[0] for p in parts])[i]),
                 "score": float(np.cumsum([p[1] for p in parts])[i])}
                for i in range(len(parts))
            ],
        }
    )  # fmt: skip
    ratio = st.floats(0.5, 3).map(lambda c: {"type": "ratio", "cap": c})
    z = st.tuples(st.floats(50, 150), st.floats(1, 40)).map(
        lambda t: {"type": "zscore", "center": t[0], "scale": t[1]}
    )
    pct = st.tuples(st.floats(0, 50), st.floats(0, 100)).map(
        lambda t: {"type": "percentile", "low": t[0], "high": t[0] + t[1]}
    )
    return st.one_of(linear, steps, ratio, z, pct)


@settings(max_examples=120, deadline=None)
@given(rule=_rules(), values=st.lists(st.floats(0, 3), min_size=2, max_size=30))
def test_t5_every_valid_rule_is_monotone_in_attainment(rule, values):
    sc = sl.appraisal.Scorecard.from_dict(
        {
            "name": "m",
            "kpis": [{"kpi": "revenue", "weight": 1.0, "rule": rule}],
            "rating": BANDS_RATING,
        }  # fmt: skip
    )
    x = np.array(values)
    pts = sl.appraisal.score_kpis(sc, x[:, None])[:, 0]
    order = np.argsort(x, kind="stable")
    assert (np.diff(pts[order]) >= -1e-9).all(), (rule, x[order], pts[order])


# ------------------------------------------------ competence item weights, score calibration
def test_competence_item_weights_by_hand():
    # b1: product knowledge 3, negotiation 4 (both assessments in 2026). Weights .75/.25:
    # 3.25 -> 100 + 10 * (3.25 - 3) = 102.5 points (equal weights would give 3.5 -> 105).
    spec = {**_scorecard([0.5, 0.3, 0.2], BANDS_RATING),
            "competence": {"weight": 0.2,
                           "item_weights": {"product knowledge": 0.75, "negotiation": 0.25}}}  # fmt: skip
    app = sl.appraisal.appraise(make_appraisal_dataset(), spec, 2026)
    r = app.rated.set_index("rep_id")
    assert r.loc["b1", "competence_raw"] == pytest.approx(3.25)
    assert r.loc["b1", "competence_score"] == pytest.approx(102.5)
    bad = {**spec, "competence": {"weight": 0.2, "item_weights": {"negotiation": 0.5}}}
    msg = _spec_error(bad)
    assert "scorecard.competence" in msg and "sum to 1" in msg


def test_score_calibration_by_unit_by_hand():
    # Revenue only (ratio, cap 1.5), 2026 points: T1 110, 70, 130, 90 (mean 100); T2 100, 65,
    # 120, 140 (mean 106.25); T3 90, 55, 100, 80 (mean 81.25; c5 not rated). Overall mean
    # 1150/12. "mean" calibration: points - unit mean + overall mean.
    spec = {"name": "cal", "kpis": [
        {"kpi": "revenue", "weight": 1.0, "rule": {"type": "ratio", "cap": 1.5}}],
        "calibration": {"method": "mean", "by": "unit"}, "rating": BANDS_RATING}  # fmt: skip
    ds = make_appraisal_dataset()
    app = sl.appraisal.appraise(ds, spec, 2026)
    r = app.rated.set_index("rep_id")
    overall = 1150 / 12
    assert r.loc["b4", "score"] == pytest.approx(140 - 106.25 + overall)
    assert r.loc["c3", "score"] == pytest.approx(100 - 81.25 + overall)
    assert r.loc["a3", "score"] == pytest.approx(130 - 100 + overall)
    # still linear in the weights: the sensitivity analyses see the calibrated score
    np.testing.assert_allclose(app.effective @ app.weights.to_numpy() + app.offset, r["score"])
    # the prepared core calibrates the same way
    ids = app.rated["rep_id"].tolist()
    prep = sl.appraisal.prepare(ds, spec, ids)
    act = app.kpis.set_index("rep_id").loc[ids, ["actual"]].to_numpy()
    tgt = app.kpis.set_index("rep_id").loc[ids, ["target"]].to_numpy()
    np.testing.assert_allclose(prep.evaluate(act, tgt).score, r.loc[ids, "score"])
    # z-score calibration is not linear in the weights: analyses refuse rather than mislead
    two = {**_scorecard([0.5, 0.3, 0.2], BANDS_RATING), "calibration": {"method": "zscore"}}
    appz = sl.appraisal.appraise(ds, two, 2026)
    with pytest.raises(NotImplementedError, match="not linear"):
        sl.appraisal.break_even_weights(appz)


def test_critic_cost_branch_on_the_tus_adali_data_derived_from_the_benefit_case():
    # Tus & Aytac Adali (2019) data (price in column 0). Declaring price a cost criterion
    # normalizes it as (max - x)/(max - min) = 1 - (benefit normalization): its standard
    # deviation is unchanged and its correlation with every other column flips sign. So,
    # from the benefit case's sigma_j and r_jk (whose weights reproduce the paper),
    #   C_price = sigma_p * sum_k (1 + r_pk),  C_j = sigma_j * (sum_{k != p} (1 - r_jk) + 1 + r_jp).
    m = np.array(
        [[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
         [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]], dtype=float,
    )  # fmt: skip
    ben = sl.appraisal.critic_weights(m)
    np.testing.assert_allclose(
        ben.to_numpy(), [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], atol=5e-4
    )
    sd = ben.diagnostics["std"].to_numpy()
    r = ben.diagnostics["correlation"].to_numpy()
    flip = np.ones(6)
    flip[0] = -1
    r_cost = r * flip[:, None] * flip[None, :]  # the price row and column change sign
    c = sd * (1 - r_cost).sum(axis=0)
    cost = sl.appraisal.critic_weights(m, benefit=[False] + [True] * 5)
    np.testing.assert_allclose(cost.to_numpy(), c / c.sum(), atol=1e-12)
    np.testing.assert_allclose(cost.diagnostics["std"].to_numpy(), sd, atol=1e-12)


def test_new_docstring_examples_run():
    import doctest
    import importlib

    for name in ("simlib.appraisal.rating", "simlib.appraisal.appraise"):
        mod = importlib.import_module(name)
        res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert res.failed == 0 and res.attempted > 0, name
