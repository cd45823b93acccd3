"""A hand-written numpy kernel of the engine benchmark's workload: the speed to aim at.

The same reps, months, KPIs, expectations, shock sizes, targets, plan and scorecard
as ``bench_engine.py``'s ``local`` case (taken from the engine's own set-up, which
is not timed here), written with plain numpy and nothing general: chunks of draws,
each KPI one contiguous (draws, reps, months) block, every buffer allocated once
before the first chunk and reused, no pandas and no Python loop over reps, groups
or months. One core. Per draw it computes:

* sales: for each rep, month and KPI (revenue, new customers, high-value retention)
  ``base + sigma_rep Z_rep + C + G[region] + sigma_month Z`` with the normals
  correlated across the KPIs (Cholesky factor), company and region shocks AR(1)
  over the months, drawn in float32; exp for the two counted KPIs (zero where the
  rep is not expected to sell), clipped to 0-1 for the retention rate;
* annual results over the staffed months (sum, or mean for the rate, in float64)
  and attainment against the annual target of each KPI (NaN without a target);
* appraisal of the rated reps: three KPI rules (ratio capped at 150%, two linear),
  competence points, the team score from team totals, the blend, and a forced
  10/20/40/20/10 distribution by rank within each region (one sort per region);
* plan, month by month: quarterly revenue bonus (threshold 80%, accelerator, cap)
  times a modifier on the quarter's mean retention, a branch bonus on half branch /
  half own quarterly attainment, a new-customer SPIF in its campaign months with a
  year-to-date cap, and the plan cap at 2.5x year-to-date target incentive
  (the excess held back month by month); pay per rep is the year's sum;
* per-draw metrics: total pay, budget ratio, revenue, cost of sales, leverage P90,
  shares at threshold / quota / cap, median attainment, Spearman of attainment
  and pay multiple (ranks), Gini, cost of sales of the bottom and top attainment
  quartiles, share of regions at target, grade shares, mean coefficient, pay by
  group; per rep: fixed-point sums of pay and attainment, counts at quota and the
  attainment and log-pay histogram bins.

Run: ``python benchmarks/engine_kernel.py [draws]`` (prints wall and CPU seconds).
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np


def inputs_from_engine(work) -> dict:
    """Plain arrays of the workload, read from the engine's prepared work, laid out
    KPI first: (kpis, reps, months)."""
    model, prep, sc = work.sales_model, work.plan, work.scorecard
    spec = {c.name: c for c in prep.spec.components}
    bonus, team, spif = spec["revenue_bonus"], spec["branch_bonus"], spec["new_customer_spif"]
    inv = prep.teams[team.name][2]
    rules = [k.rule for k in sc.scorecard.kpis]
    kmajor = lambda x: np.ascontiguousarray(np.moveaxis(x, -1, 0))  # noqa: E731
    inactive = ~model._active & model.layout.is_rate
    return {
        "base": kmajor(model._base32),
        "sigma": np.stack(
            [model.sigma_rep, model.sigma_company, model.sigma_region, model.sigma_month]
        ).astype(np.float32),
        "half_var": model._half_var.astype(np.float32),
        "rho": (model.rho_company, model.rho_region),
        "chol": model._chol,
        "region": model.layout.region,
        "region_space": model.layout.region_space,
        "is_rate": model.layout.is_rate,
        "inactive_rate": kmajor(inactive),
        "staffed": kmajor(work._staffed),
        "months": work._staffed_months,
        "target_y": work._target_y,
        "targets": kmajor(np.nan_to_num(work.targets)),
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
        "budget": work.budget,
        "region_codes": work.region_codes,
        "n_regions": len(work.region_labels),
        "groupings": [(codes, len(labels)) for codes, labels in work.groupings.values()],
    }


def _common_shock(z: np.ndarray, c: np.ndarray, rho: float, sigma: np.ndarray) -> np.ndarray:
    """(K, ..., T) normals -> correlated across KPIs, AR(1) over months, scaled."""
    z = np.einsum("jk,k...->j...", c, z)
    s = np.sqrt(1 - rho**2)
    for t in range(1, z.shape[-1]):
        z[..., t] = rho * z[..., t - 1] + s * z[..., t]
    return z * sigma.reshape(-1, *[1] * (z.ndim - 1))


def _curve(x: np.ndarray, pts: np.ndarray, below: float | None) -> np.ndarray:
    f = np.interp(x, pts[:, 0], pts[:, 1])
    if below is not None:
        f[x < pts[0, 0]] = below
    return f


def _rule_points(x: np.ndarray, rule: tuple) -> np.ndarray:
    kind, cap, lo, hi, s_lo, s_hi = rule
    if kind == "ratio":
        return 100 * np.clip(x, 0, cap)
    return s_lo + np.clip((x - lo) / (hi - lo), 0, 1) * (s_hi - s_lo)


def _ranks(order: np.ndarray) -> np.ndarray:
    """Positions 0..R-1 from the indices that sort each row."""
    r = np.empty_like(order)
    np.put_along_axis(r, order, np.arange(order.shape[-1])[None, :], axis=-1)
    return r


def _flat_codes(n: int, codes: np.ndarray, m: int) -> np.ndarray:
    """Codes of (draw, group) pairs for one bincount over a chunk."""
    return (np.arange(n)[:, None] * m + codes).ravel()


def run(inp: dict, draws: int, chunk: int = 16, seed: int = 1) -> dict:
    f32, f64 = np.float32, np.float64
    base = inp["base"]
    K, R, T = base.shape
    sig, half_var = inp["sigma"], inp["half_var"]
    chol = inp["chol"].astype(f32)
    cm = chol * sig[3][:, None]  # monthly noise: correlation and size in one product
    rho_c, rho_g = inp["rho"]
    region, G = inp["region"], inp["region_space"]
    rate_k = [k for k in range(K) if inp["is_rate"][k]]
    inactive = [np.flatnonzero(inp["inactive_rate"][k]) for k in range(K)]
    staffed, months = inp["staffed"], inp["months"]
    target_y, tq = inp["target_y"], inp["targets"]
    ti_month, ti, salary = inp["ti_month"], inp["ti"], inp["base_salary"]
    bonus_curve, mod_curve = inp["bonus_curve"], inp["modifier_curve"]
    w_bonus, w_team = inp["weights"]
    b_team, b_ind = inp["blend"]
    branch = inp["branch"]
    n_branch = int(branch.max()) + 1
    spif_mask, spif_amount, spif_cap = inp["spif"]
    spif_months = np.flatnonzero(spif_mask)
    at_quarter_end = spif_months % 3 == 2
    spif_only, spif_quarter_end = spif_months[~at_quarter_end], spif_months[at_quarter_end]
    rated, rank_group, counts = inp["rated"], inp["rank_group"], inp["counts"]
    n_rated = len(rated)
    sc_team = inp["sc_team"]
    n_sc_team = int(sc_team.max()) + 1
    cw, comp_pts = inp["competence"]
    kw, tw = inp["kpi_weights"], inp["team_weight"]
    coefs = inp["coefficients"]
    n_grades = len(coefs)
    rg, nr = inp["region_codes"], inp["n_regions"]
    # Fixed over draws: quarterly targets and target incentives, branch quotas, caps,
    # the rated reps grouped by region with each rank's grade, region targets.
    ti_q = ti_month.reshape(R, 4, 3).sum(-1)
    q_rev = tq[0].reshape(R, 4, 3).sum(-1)
    inv_q = np.divide(1.0, q_rev, out=np.zeros_like(q_rev), where=q_rev > 0)
    q_branch = np.stack([np.bincount(branch, q_rev[:, j], n_branch) for j in range(4)], 1)
    branch_q = (np.arange(4) * n_branch + branch[:, None]).ravel()  # (rep, quarter) codes
    inv_branch = 1 / q_branch.T  # (4, B)
    branch_idx = np.broadcast_to(branch, (1, 4, R))
    limit = inp["plan_cap"] * np.cumsum(ti_month, axis=1)
    spif_limit = spif_cap * inp["year_share"][:, spif_months]
    by_group = np.argsort(rank_group, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(rank_group))])
    grade_of_rank = [
        np.searchsorted(np.cumsum(counts[g]), np.arange(bounds[g + 1] - bounds[g]), "right")
        for g in range(len(bounds) - 1)
    ]
    tgt_r = target_y[rated]
    team_q = np.stack([np.bincount(sc_team, tgt_r[:, k], n_sc_team) for k in range(K)])
    region_target = np.bincount(rg, target_y[:, 0], nr)
    has_ti = ti > 0
    ti_pos = ti[has_ti]
    spread = 2 * np.arange(1, R + 1) - R - 1
    salary_total = salary.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_target = np.where(target_y > 0, 1 / target_y, np.nan).T  # (K, R)
        inv_months = 1 / months.T
    # Buffers, allocated once.
    C = min(chunk, draws)
    cube = np.empty((K, C, R, T), f32)
    gather = np.empty((R, T), f32)
    rep_z = np.empty((K, R), f32)
    annual = np.empty((K, C, R))
    pay = np.zeros((C, R, T))  # months without a payment stay 0
    ytd = np.empty((C, R, T))
    quarter = np.empty((2, C, R, 4))
    pay_sum = np.zeros(R, dtype=np.int64)
    att_sum = np.zeros(R, dtype=np.int64)
    at_quota = np.zeros(R, dtype=np.int64)
    att_bins = np.zeros((R, 150), dtype=np.uint32)
    pay_bins = np.zeros((R, 630), dtype=np.uint32)
    reps = np.arange(R)
    per_draw = []
    root = np.random.SeedSequence(seed)
    t_wall, t_cpu = time.perf_counter(), time.process_time()
    for start in range(0, draws, C):
        n = min(C, draws - start)
        # Sales, draw by draw, straight into the chunk's KPI blocks.
        for i, child in enumerate(root.spawn(n)):
            g = np.random.default_rng(child)
            company = _common_shock(g.standard_normal((K, T), f32), chol, rho_c, sig[1])
            company -= half_var[:, None]
            reg = _common_shock(g.standard_normal((K, G, T), f32), chol, rho_g, sig[2])
            g.standard_normal(out=rep_z, dtype=f32)
            rep = np.einsum("jk,kr->jr", chol * sig[0][:, None], rep_z)
            z = cube[:, i]
            for k in range(K):
                g.standard_normal(out=z[k], dtype=f32)
            for j in reversed(range(K)):  # in place: row j reads rows 0..j only
                z[j] *= cm[j, j]
                for k in range(j):
                    z[j] += cm[j, k] * z[k]
            for k in range(K):
                np.take(reg[k], region, axis=0, out=gather)
                gather += rep[k][:, None]
                gather += company[k]
                gather += base[k]
                z[k] += gather
                if k in rate_k:
                    np.clip(z[k], 0, 1, out=z[k])
                    z[k].reshape(-1)[inactive[k]] = 0
                else:
                    np.exp(z[k], out=z[k])
        rev, nc, ret = cube[0, :n], cube[1, :n], cube[2, :n]
        # Annual results and attainment (K, n, R).
        for k in range(K):
            np.einsum("nrt,rt->nr", cube[k, :n], staffed[k], out=annual[k, :n])
            if k in rate_k:
                annual[k, :n] *= inv_months[k]
        ann = annual[:, :n]
        att = ann * inv_target[:, None, :]
        a0 = att[0]
        valid = ~np.isnan(a0)
        n_valid = valid.sum(-1)
        # Appraisal of the rated reps.
        individual = cw * comp_pts + sum(
            (1 - cw) * kw[k] * _rule_points(att[k][:, rated], r) for k, r in enumerate(inp["rules"])
        )
        team_codes = _flat_codes(n, sc_team, n_sc_team)
        team_score = 0.0
        for k, r in enumerate(inp["rules"]):
            a = np.bincount(team_codes, ann[k][:, rated].ravel(), n * n_sc_team)
            x = a.reshape(n, n_sc_team) / team_q[k]  # a rate's team mean over its mean target
            team_score = team_score + kw[k] * _rule_points(x, r)
        score = (1 - tw) * individual + tw * team_score[:, sc_team]
        # Forced distribution: per region, one sort of the draw's scores, grades by rank.
        grade_r = np.empty((n, n_rated), dtype=np.int64)
        for gi, table in enumerate(grade_of_rank):
            members = by_group[bounds[gi] : bounds[gi + 1]]
            order = np.argsort(-score[:, members], axis=-1)
            grade_r[:, members] = table[_ranks(order)]
        # Plan arithmetic on the monthly grid: quarterly bonuses paid in the quarter's
        # last month, the SPIF in its campaign months, the cap on the year to date.
        rev_q, ret_q = quarter[0, :n], quarter[1, :n]
        rev4, ret4 = rev.reshape(n, R, 4, 3), ret.reshape(n, R, 4, 3)
        np.add(rev4[..., 0], rev4[..., 1], out=rev_q, dtype=f64)
        rev_q += rev4[..., 2]
        np.add(ret4[..., 0], ret4[..., 1], out=ret_q, dtype=f64)
        ret_q += ret4[..., 2]
        ret_q /= 3
        att_q = rev_q * inv_q
        qb = np.bincount(_flat_codes(n, branch_q, 4 * n_branch), rev_q.ravel(), n * 4 * n_branch)
        branch_att = qb.reshape(n, 4, n_branch) * inv_branch  # (n, 4, B)
        blend = np.take_along_axis(branch_att, branch_idx, axis=-1).transpose(0, 2, 1)
        blend = b_team * blend + b_ind * att_q
        bonus = w_bonus * _curve(att_q, bonus_curve, 0.0)
        bonus *= _curve(ret_q, mod_curve, None)
        bonus += w_team * _curve(blend, bonus_curve, 0.0)
        bonus *= ti_q
        p = pay[:n]
        p[..., 2::3] = bonus
        units = spif_amount * nc[..., spif_months].astype(f64)
        spif = np.minimum(np.cumsum(units, axis=-1), spif_limit)
        spif[..., 1:] -= spif[..., :-1].copy()
        p[..., spif_only] = spif[..., ~at_quarter_end]
        p[..., spif_quarter_end] += spif[..., at_quarter_end]
        held = ytd[:n]
        np.cumsum(p, axis=-1, out=held)
        earned = held[..., -1].copy()
        held -= limit
        np.maximum(held, 0, out=held)  # held back each month; released as the limit grows
        rep_pay = earned - held[..., -1]  # what the months paid: earned less still held
        # Per-draw metrics.
        total = rep_pay.sum(-1)
        revenue = ann[0]
        rev_total = revenue.sum(-1)
        a0r = np.where(valid, np.minimum(a0, 1e9), -1.0)
        order_a = np.argsort(a0r, axis=-1)
        rank_a = _ranks(order_a)
        rank_p = _ranks(np.argsort(rep_pay, axis=-1))
        quart = _flat_codes(n, rank_a * 4 // R, 4)
        cos_q = np.bincount(quart, (rep_pay + salary).ravel(), 4 * n) / np.bincount(
            quart, revenue.ravel(), 4 * n
        )
        region_reach = (
            np.bincount(_flat_codes(n, rg, nr), revenue.ravel(), n * nr).reshape(n, nr)
            >= region_target
        )
        pay_by = [
            np.bincount(_flat_codes(n, codes, m), rep_pay.ravel(), n * m)
            for codes, m in inp["groupings"]
        ]
        sorted_a = np.take_along_axis(a0r, order_a, axis=-1)
        missing = R - n_valid
        mid = sorted_a[np.arange(n), missing + (n_valid - 1) // 2]
        mid2 = sorted_a[np.arange(n), missing + n_valid // 2]
        median = np.where(n_valid % 2 == 1, mid2, (mid + mid2) / 2)
        gini = (spread * np.sort(rep_pay, axis=-1)).sum(-1) / (R * total)
        rx = rank_a - (R - 1) / 2
        ry = rank_p - (R - 1) / 2
        spearman = (rx * ry).sum(-1) / np.sqrt((rx * rx).sum(-1) * (ry * ry).sum(-1))
        multiple = rep_pay[:, has_ti] / ti_pos
        per_draw.append(
            np.column_stack(
                [
                    total, total / inp["budget"], rev_total, (total + salary_total) / rev_total,
                    np.quantile(multiple, 0.9, axis=-1),
                    (a0 >= 0.8).sum(-1) / n_valid, (a0 >= 1).sum(-1) / n_valid,
                    (a0 >= 1.5).sum(-1) / n_valid, median, spearman, gini,
                    cos_q.reshape(n, 4)[:, [0, 3]], region_reach.mean(-1),
                    np.stack([(grade_r == j).mean(-1) for j in range(n_grades)], -1),
                    coefs[grade_r].mean(-1), pay_by[0].reshape(n, -1),
                ]
            )
        )  # fmt: skip
        # Per rep: fixed-point sums, counts and histogram bins.
        pay_sum += np.rint(rep_pay / 1e-4).astype(np.int64).sum(0)
        att_sum += np.rint(np.where(valid, np.minimum(a0, 1e6), 0) / 1e-9).astype(np.int64).sum(0)
        at_quota += (a0 >= 1).sum(0)
        a_bin = np.clip(np.where(valid, a0, 0) / 0.02, 0, 149).astype(np.intp)
        p_bin = np.clip(np.log1p(np.maximum(rep_pay, 0)) / (21 / 630), 0, 629).astype(np.intp)
        for i in range(n):  # each rep in one bin per draw: no repeated cell
            att_bins[reps[valid[i]], a_bin[i, valid[i]]] += 1
            pay_bins[reps, p_bin[i]] += 1
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
