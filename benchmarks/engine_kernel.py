"""A hand-written numpy kernel of the engine benchmark's workload: the speed to aim at.

The same reps, months, KPIs, expectations, shock sizes, targets, plan and scorecard
as ``bench_engine.py``'s ``local`` case (taken from the engine's own set-up, which
is not timed here), computed draw by draw with plain numpy and nothing general:

* sales: lognormal around each rep's expected month, company and region AR(1)
  shocks, a rep shock and monthly noise correlated across the three KPIs (float32),
  retention clipped to 0-1;
* annual results over the staffed months; attainment against the annual quota;
* appraisal: three KPI rules (ratio capped at 150%, two linear), competence, a
  team score, a forced 10/20/40/20/10 distribution within each region;
* plan: quarterly revenue bonus (threshold 80%, accelerator, cap) times a
  retention modifier, a branch bonus on half team / half own attainment, a
  monthly new-customer SPIF in its campaign months with an annual cap, and the
  plan cap at 2.5x year-to-date target incentive;
* per-draw metrics (total pay, budget, cost of sales, leverage P90, shares at
  threshold / quota / cap, median attainment, Spearman, Gini, quartile cost of
  sales, region reach, grade shares, pay by group) and per-rep sums and bins.

Run: ``python benchmarks/engine_kernel.py [draws]`` (prints wall and CPU seconds).
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np


def inputs_from_engine(work) -> dict:
    """Plain arrays of the workload, read from the engine's prepared work."""
    model, prep, sc = work.sales_model, work.plan, work.scorecard
    spec = {c.name: c for c in prep.spec.components}
    bonus, team, spif = spec["revenue_bonus"], spec["branch_bonus"], spec["new_customer_spif"]
    inv = prep.teams[team.name][2]
    shares = np.asarray(sc.scorecard.rating.shares)
    rules = [k.rule for k in sc.scorecard.kpis]
    return {
        "base": model._base32,
        "sigma": np.stack(
            [model.sigma_rep, model.sigma_company, model.sigma_region, model.sigma_month]
        ).astype(np.float32),
        "half_var": model._half_var.astype(np.float32),
        "rho": (model.rho_company, model.rho_region),
        "chol": model._chol,
        "region": model.layout.region,
        "region_space": model.layout.region_space,
        "is_rate": model.layout.is_rate,
        "staffed": work._staffed,
        "months": work._staffed_months,
        "target_y": work._target_y,
        "targets": np.nan_to_num(work.targets),
        "ti_month": prep.ti_month,
        "ti": work.target_incentive,
        "base_salary": work.base_salary,
        "year_share": prep.year_share,
        "bonus_curve": np.asarray(bonus.curve, float),
        "weights": (bonus.weight, team.weight),
        "modifier_curve": np.asarray(bonus.modifier.curve, float),
        "blend": (team.blend.team, team.blend.individual),
        "branch": inv,
        "spif": (np.asarray(prep.spif_masks[spif.name], float), spif.amount, spif.max_payout),
        "plan_cap": prep.spec.max_payout_multiple,
        "kpi_weights": sc.weights.to_numpy(),
        "rules": [
            (
                r.type,
                getattr(r, "cap", None),
                getattr(r, "floor", None),
                getattr(r, "ceiling", None),
                getattr(r, "score_at_floor", None),
                getattr(r, "score_at_ceiling", None),
            )
            for r in rules
        ],  # fmt: skip
        "competence": (sc.scorecard.competence.weight, sc.competence_points),
        "team_weight": sc.scorecard.team.weight,
        "sc_team": sc.team_groups.codes,
        "rated": np.asarray(work.rated),
        "rank_group": sc.rating_groups.codes,
        "counts": sc.counts,
        "coefficients": np.array(
            [sc.scorecard.rating.coefficients[g] for g in sc.scorecard.rating.names]
        ),
        "shares": shares,
        "budget": work.budget,
        "region_codes": work.region_codes,
        "n_regions": len(work.region_labels),
        "groupings": [(codes, len(labels)) for codes, labels in work.groupings.values()],
    }


def _ar1(z: np.ndarray, rho: float) -> np.ndarray:
    out = z.copy()
    for t in range(1, z.shape[-2]):
        out[..., t, :] = rho * out[..., t - 1, :] + np.sqrt(1 - rho**2) * z[..., t, :]
    return out


def _correlate(z: np.ndarray, c: np.ndarray) -> np.ndarray:
    out = np.empty_like(z)
    out[..., 0] = z[..., 0] * c[0, 0]
    out[..., 1] = z[..., 0] * c[1, 0] + z[..., 1] * c[1, 1]
    out[..., 2] = z[..., 0] * c[2, 0] + z[..., 1] * c[2, 1] + z[..., 2] * c[2, 2]
    return out


def _curve(x: np.ndarray, pts: np.ndarray, below: float | None) -> np.ndarray:
    f = np.interp(x, pts[:, 0], pts[:, 1])
    return f if below is None else np.where(x < pts[0, 0], below, f)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks along the last axis (ties broken by position)."""
    order = np.argsort(x, axis=-1, kind="stable")
    r = np.empty_like(order)
    np.put_along_axis(r, order, np.arange(x.shape[-1])[None, :], axis=-1)
    return r


def run(inp: dict, draws: int, chunk: int = 16, seed: int = 1) -> dict:
    f32 = np.float32
    base, sig, half_var, chol = inp["base"], inp["sigma"], inp["half_var"], inp["chol"]
    R, T, K = base.shape
    region, G = inp["region"], inp["region_space"]
    rate_k = np.flatnonzero(inp["is_rate"])
    staffed, months = inp["staffed"], inp["months"]
    target_y, tq = inp["target_y"], inp["targets"]
    ti_month, ti, salary = inp["ti_month"], inp["ti"], inp["base_salary"]
    bonus_curve, mod_curve = inp["bonus_curve"], inp["modifier_curve"]
    w_bonus, w_team = inp["weights"]
    b_team, b_ind = inp["blend"]
    branch = inp["branch"]
    n_branch = int(branch.max()) + 1
    spif_mask, spif_amount, spif_cap = inp["spif"]
    rated, rank_group, counts = inp["rated"], inp["rank_group"], inp["counts"]
    n_rated = len(rated)
    sc_team = inp["sc_team"]
    n_sc_team = int(sc_team.max()) + 1
    cw, comp_pts = inp["competence"]
    coefs = inp["coefficients"]
    n_grades = len(coefs)
    # Per region, the grade cut-offs by rank within the region (counts are fixed).
    cum = np.cumsum(counts, axis=1)
    group_start = np.concatenate([[0], np.cumsum(np.bincount(rank_group))[:-1]])
    ti_q = ti_month.reshape(R, 4, 3).sum(-1)
    q_rev = tq[..., 0].reshape(R, 4, 3).sum(-1)
    q_branch = np.stack([np.bincount(branch, q_rev[:, j], minlength=n_branch) for j in range(4)], 1)
    limit = inp["plan_cap"] * np.cumsum(ti_month, axis=1)
    spif_limit = spif_cap * inp["year_share"]
    has_ti = ti > 0
    pay_sum = np.zeros(R, dtype=np.int64)
    att_sum = np.zeros(R, dtype=np.int64)
    at_quota = np.zeros(R, dtype=np.int64)
    per_draw = []
    root = np.random.SeedSequence(seed)
    t_wall, t_cpu = time.perf_counter(), time.process_time()
    for start in range(0, draws, chunk):
        n = min(chunk, draws - start)
        sales = np.empty((n, R, T, K))
        for i, child in enumerate(root.spawn(n)):
            g = np.random.default_rng(child)
            company = sig[1] * _ar1(_correlate(g.standard_normal((T, K), f32), chol), inp["rho"][0])
            reg = sig[2] * _ar1(_correlate(g.standard_normal((G, T, K), f32), chol), inp["rho"][1])
            rep = sig[0] * _correlate(g.standard_normal((R, K), f32), chol)
            z = _correlate(g.standard_normal((R, T, K), f32), chol)
            z *= sig[3]
            z += base
            z += rep[:, None, :]
            z += (company - half_var)[None]
            z += reg[region]
            rate = np.clip(z[..., rate_k], 0, 1)
            np.exp(z, out=z)
            z[..., rate_k] = rate
            sales[i] = z
        annual = np.einsum("nrtk,rtk->nrk", sales, staffed)
        annual[..., rate_k] /= months[:, rate_k]
        with np.errstate(invalid="ignore", divide="ignore"):
            att = np.where(target_y > 0, annual / target_y, np.nan)  # (n, R, K); no quota: NaN
        a0 = att[..., 0]
        valid = ~np.isnan(a0)
        a0r = np.where(valid, a0, -1.0)
        # Appraisal of the rated reps.
        pts = np.empty((n, n_rated, K))
        for k, (kind, cap, lo, hi, s_lo, s_hi) in enumerate(inp["rules"]):
            x = att[:, rated, k]
            if kind == "ratio":
                pts[..., k] = 100 * np.clip(x, 0, cap)
            else:
                pts[..., k] = s_lo + np.clip((x - lo) / (hi - lo), 0, 1) * (s_hi - s_lo)
        individual = (1 - cw) * (pts @ inp["kpi_weights"]) + cw * comp_pts
        act_r, tgt_r = annual[:, rated], target_y[rated]
        team_pts = np.empty((n, n_sc_team, K))
        size = np.bincount(sc_team, minlength=n_sc_team)
        for k, (kind, cap, lo, hi, s_lo, s_hi) in enumerate(inp["rules"]):
            a = np.stack([np.bincount(sc_team, act_r[d, :, k], n_sc_team) for d in range(n)])
            q = np.bincount(sc_team, tgt_r[:, k], n_sc_team)
            x = a / q if k not in rate_k else (a / size) / (q / size)
            if kind == "ratio":
                team_pts[..., k] = 100 * np.clip(x, 0, cap)
            else:
                team_pts[..., k] = s_lo + np.clip((x - lo) / (hi - lo), 0, 1) * (s_hi - s_lo)
        score = (1 - inp["team_weight"]) * individual + inp["team_weight"] * (
            team_pts @ inp["kpi_weights"]
        )[:, sc_team]
        # Forced distribution within regions: one sort by (region, -score).
        order = np.lexsort((-score, np.broadcast_to(rank_group, score.shape)), axis=-1)
        pos = np.arange(n_rated) - group_start[rank_group[order]]
        grade_sorted = (pos[..., None] >= cum[rank_group[order]]).sum(-1)
        grade_r = np.empty_like(grade_sorted)
        np.put_along_axis(grade_r, order, grade_sorted, axis=-1)
        # Plan arithmetic on the monthly grid.
        rev, nc, ret = sales[..., 0], sales[..., 1], sales[..., 2]
        rev_q = rev.reshape(n, R, 4, 3).sum(-1)
        ret_q = ret.reshape(n, R, 4, 3).mean(-1)
        att_q = np.divide(rev_q, q_rev, out=np.zeros_like(rev_q), where=q_rev > 0)
        pay = np.zeros((n, R, T))
        pay[..., 2::3] = (
            w_bonus * ti_q * _curve(att_q, bonus_curve, 0.0) * _curve(ret_q, mod_curve, None)
        )
        branch_att = (
            np.stack(
                [np.stack([np.bincount(branch, rev_q[d, :, j], n_branch) for j in range(4)], 1)
                 for d in range(n)]
            ) / q_branch
        )  # fmt: skip
        blend_att = b_team * branch_att[:, branch] + b_ind * att_q
        pay[..., 2::3] += w_team * ti_q * _curve(blend_att, bonus_curve, 0.0)
        spif = np.cumsum(spif_amount * nc * spif_mask, axis=-1)
        spif = np.minimum(spif, spif_limit)
        spif[..., 1:] -= spif[..., :-1].copy()
        pay += spif
        ytd = np.cumsum(pay, axis=-1)
        held = np.maximum(ytd - limit, 0)
        pay[..., 0] -= held[..., 0]
        pay[..., 1:] -= held[..., 1:] - held[..., :-1]
        rep_pay = pay.sum(-1)
        # Per-draw metrics.
        total = rep_pay.sum(-1)
        revenue = annual[..., 0]
        rev_total = revenue.sum(-1)
        rank_a, rank_p = _ranks(a0r), _ranks(rep_pay)
        quart = rank_a * 4 // R
        flat = (np.arange(n)[:, None] * 4 + quart).ravel()
        cos_q = np.bincount(flat, (rep_pay + salary).ravel(), 4 * n) / np.bincount(
            flat, revenue.ravel(), 4 * n
        )
        rg = inp["region_codes"]
        nr = inp["n_regions"]
        flat = (np.arange(n)[:, None] * nr + rg).ravel()
        region_reach = np.bincount(flat, annual[..., 0].ravel(), n * nr) >= np.tile(
            np.bincount(rg, target_y[:, 0], nr), n
        )
        by_group = [
            np.bincount((np.arange(n)[:, None] * m + codes).ravel(), rep_pay.ravel(), n * m)
            for codes, m in inp["groupings"]
        ]
        sorted_pay = np.sort(rep_pay, axis=-1)
        gini = ((2 * np.arange(1, R + 1) - R - 1) * sorted_pay).sum(-1) / (R * total)
        rx, ry = rank_a - rank_a.mean(-1, keepdims=True), rank_p - rank_p.mean(-1, keepdims=True)
        spearman = (rx * ry).sum(-1) / np.sqrt((rx**2).sum(-1) * (ry**2).sum(-1))
        per_draw.append(
            np.column_stack(
                [
                    total, total / inp["budget"], rev_total, (total + salary.sum()) / rev_total,
                    np.quantile(rep_pay[:, has_ti] / ti[has_ti], 0.9, axis=-1),
                    (a0 >= 0.8).sum(-1) / valid.sum(-1), (a0 >= 1).sum(-1) / valid.sum(-1),
                    (a0 >= 1.5).sum(-1) / valid.sum(-1), np.nanmedian(a0, axis=-1), spearman, gini, cos_q.reshape(n, 4)[:, [0, 3]],
                    region_reach.reshape(n, nr).mean(-1),
                    np.stack([(grade_r == j).mean(-1) for j in range(n_grades)], -1),
                    coefs[grade_r].mean(-1), by_group[0].reshape(n, -1)[:, :1],
                ]
            )
        )  # fmt: skip
        pay_sum += np.rint(rep_pay / 1e-4).astype(np.int64).sum(0)
        att_sum += np.rint(np.where(valid, np.minimum(a0, 1e6), 0) / 1e-9).astype(np.int64).sum(0)
        at_quota += (a0 >= 1).sum(0)
    out = np.concatenate(per_draw)
    return {
        "wall_s": time.perf_counter() - t_wall,
        "cpu_s": time.process_time() - t_cpu,
        "total_payout": float(out[:, 0].mean()),
        "share_at_quota": float(out[:, 6].mean()),
    }


def main() -> None:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    import bench_engine as be

    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    work = be.prepared_work(10_000)
    inp = inputs_from_engine(work)
    del work
    res = run(inp, draws)
    res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


if __name__ == "__main__":
    main()
