"""What-if: re-pay last year under a changed plan, fast enough for sliders.

The what-if notebook lets an analyst move a plan's threshold, accelerator, cap,
measure weights and team share and see at once what it would have cost, how
many reps it would have paid at quota and whether pay would have followed
performance. It is a *replay*: the sample's actual results and targets of one
year, paid under the changed plan. Nothing is simulated, so it answers
"what would this design have done last year", not "what will it do"; the batch
reports answer the second with Monte Carlo.

Speed comes from preparing once: actuals and targets are arrays (reps x
months x KPIs) built when the :class:`WhatIf` is made, the reps' target
incentive, proration and team groupings are computed once, and each change only
rebuilds the (small) plan spec and re-runs the vectorized payout. The benchmark
(``benchmarks/bench_demo.py``) times one recomputation; the goal is under
200 ms for 600 reps.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simlib import metrics as m
from simlib.errors import SimlibError

#: Where "no cap" puts the curve's last point (attainment as a multiple of quota).
NO_CAP = 10.0


class WhatIfError(SimlibError, ValueError):
    """The what-if cannot be set up or the settings do not make a plan."""


@dataclass(frozen=True)
class WhatIfResult:
    """One recomputation.

    Attributes
    ----------
    total_payout : float
        What the changed plan would have paid in the year (currency).
    target_incentive : float
        Sum of the reps' target incentives for the year: the budget at 100% of
        every target (currency).
    revenue : float
        Revenue of the paid reps in the year (currency).
    share_at_threshold, share_at_quota, share_at_cap : float
        Share of reps whose annual attainment of the main KPI reaches the
        threshold, quota (100%), the cap.
    pay_performance : float
        Spearman correlation of payout (as a multiple of target incentive) with
        attainment (>= 0.8 strong, Falcon Incentives rule of thumb).
    attainment, pay_multiple : numpy.ndarray
        Per rep (no names): annual attainment and payout / target incentive.
    curve : list of (attainment, factor)
        The main component's payout curve as set.
    spec : dict
        The changed plan.
    """

    total_payout: float
    target_incentive: float
    revenue: float
    share_at_threshold: float
    share_at_quota: float
    share_at_cap: float
    pay_performance: float
    attainment: np.ndarray
    pay_multiple: np.ndarray
    curve: list
    spec: dict

    @property
    def cost_ratio(self) -> float:
        """Payout / target incentive (1.0 = the plan paid exactly its target)."""
        return self.total_payout / self.target_incentive if self.target_incentive else np.nan

    @property
    def cost_of_sales(self) -> float:
        """Payout / revenue (incentive only; cash cost of sales adds base pay)."""
        return self.total_payout / self.revenue if self.revenue else np.nan

    def summary(self) -> pd.DataFrame:
        """The headline numbers, formatted for reading."""
        rows = [
            ("total payout", f"{self.total_payout:,.0f}"),
            ("payout / target incentive", f"{self.cost_ratio:.1%}"),
            ("incentive cost of sales", f"{self.cost_of_sales:.2%}"),
            ("share of reps at threshold", f"{self.share_at_threshold:.1%}"),
            ("share of reps at quota (aim 60-70%)", f"{self.share_at_quota:.1%}"),
            ("share of reps at the cap", f"{self.share_at_cap:.1%}"),
            ("pay-performance correlation (>= 0.8 strong)", f"{self.pay_performance:.2f}"),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"]).set_index("measure")


class WhatIf:
    """A plan bound to one year of actual results, ready to be re-paid many times.

    Parameters
    ----------
    ds : Dataset
        The data (the sample, or yours): actual sales and the targets table.
    plan : Plan, dict or path
        The plan to start from; its first quota-bonus (or team) component is
        the *main* one whose curve the sliders reshape.
    year : int, optional
        The year replayed (default: the last year with targets).
    targets : pandas.DataFrame, optional
        ``rep_id, period, kpi, target`` (default ``ds.targets``).
    team_level : str, optional
        Org level of the team component added when ``team_share`` > 0 and the
        plan has none (default: the level above teams, e.g. ``branch``).

    Examples
    --------
    >>> wi = WhatIf(ds, "scenarios/plans/am_current.yaml")        # doctest: +SKIP
    >>> wi.evaluate(threshold=0.8, cap=None, team_share=0.2).summary()  # doctest: +SKIP
    """

    def __init__(
        self,
        ds,
        plan: Any,
        year: int | None = None,
        targets: pd.DataFrame | None = None,
        team_level: str | None = None,
    ) -> None:
        from simlib.engine.simulate import load_plan
        from simlib.org import Hierarchy

        self.ds = ds
        self.plan = load_plan(plan, ds)
        tg = ds.targets if targets is None else targets
        if tg is None:
            raise WhatIfError("no targets: the dataset has no targets table; pass targets=")
        tg = tg.loc[tg["rep_id"].notna()] if "rep_id" in tg.columns else tg
        periods_all = pd.PeriodIndex(tg["period"])
        self.year = int(periods_all.year.max()) if year is None else int(year)
        tg = tg.loc[periods_all.year == self.year]
        if tg.empty:
            raise WhatIfError(f"no targets in {self.year}")
        self.periods = pd.period_range(f"{self.year}-01", f"{self.year}-12", freq="M")
        # Every rep with targets or sales in the year is kept (a team's attainment
        # is the whole unit's, as in simlib.plans.replay); only the plan's
        # positions are paid.
        sold = ds.sales.loc[ds.sales["period"].dt.year == self.year, "rep_id"].unique()
        reps = ds.reps.loc[ds.reps["rep_id"].isin(set(tg["rep_id"].unique()) | set(sold))]
        self.reps = reps.reset_index(drop=True)
        self.paid = (
            self.reps["position"].isin(self.plan.spec.positions).to_numpy()
            if self.plan.spec.positions is not None
            else np.ones(len(self.reps), dtype=bool)
        )
        if not self.paid.any():
            raise WhatIfError(f"plan {self.plan.name!r}: nobody with targets in {self.year}")
        self.kpis = ds.kpi_names
        # The same arrays the plan's own tidy evaluation builds (simlib.plans.replay).
        act = ds.sales.loc[ds.sales["period"].dt.year == self.year]
        self._actual, self._target, self.periods = self.plan._arrays(
            act, tg, self.reps, self.periods
        )
        self.base_spec = self.plan.spec.model_dump(mode="json", exclude_none=True)
        main = next(
            (
                i
                for i, c in enumerate(self.base_spec["components"])
                if c["type"] in ("quota_bonus", "team")
            ),
            None,
        )
        if main is None:
            raise WhatIfError(f"plan {self.plan.name!r} has no quota-bonus or team component")
        self.main = main
        self.main_kpi = self.base_spec["components"][main]["kpi"]
        h = Hierarchy.of(ds)
        self.team_level = team_level or (h.levels[-2] if len(h.levels) >= 2 else h.levels[0])
        currency = [kk for kk in self.kpis if ds.kpi(kk)["unit"] == "currency"]
        self.revenue_kpi = currency[0] if currency else self.main_kpi
        # Constants of the replay, computed once.
        base_prep = self.plan.prepare(self.reps, self.periods, ds=ds)
        self._extra = {
            k: getattr(base_prep, k) for k in ("paid", "draw_mask") if hasattr(base_prep, k)
        }
        self._prep_parts = base_prep
        self._teams_cache: dict[tuple[str, str], Any] = dict(
            ((c.name, getattr(c, "level", "")), base_prep.teams[c.name])
            for c in self.plan.spec.components
            if c.name in base_prep.teams
        )
        ti_year = base_prep.target_incentive * base_prep.prorate.mean(axis=1)
        self.target_incentive = ti_year
        a = np.nan_to_num(self._actual[self.main_kpi]).sum(axis=1)
        q = np.nan_to_num(self._target[self.main_kpi]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            att = np.where(q > 0, a / q, 0.0)
        if ds.kpi(self.main_kpi)["direction"] == "lower":
            with np.errstate(invalid="ignore", divide="ignore"):
                att = np.where(a > 0, q / a, 0.0)
        self.attainment = att[self.paid]
        rev_tidy = act.loc[act["kpi"] == self.revenue_kpi].groupby("rep_id")["value"].sum()
        rev = rev_tidy.reindex(self.reps["rep_id"]).fillna(0.0).to_numpy()
        self.revenue = float(rev[self.paid].sum())

    # ----------------------------------------------------------- settings
    def defaults(self) -> dict[str, Any]:
        """The starting plan's settings, as :meth:`evaluate` takes them."""
        c = self.base_spec["components"][self.main]
        pts = c["curve"]
        above = [p for p in pts if p[0] > 1.0]
        at1 = [p for p in pts if p[0] <= 1.0]
        accel = (above[-1][1] - at1[-1][1]) / (above[-1][0] - at1[-1][0]) if above and at1 else 1.0
        weights = {
            cc["name"]: cc.get("weight")
            for cc in self.base_spec["components"]
            if cc["type"] in ("quota_bonus",) and cc.get("weight")
        }
        team = sum(
            cc.get("weight") or 0.0 for cc in self.base_spec["components"] if cc["type"] == "team"
        )
        return {
            "threshold": float(pts[0][0]),
            "threshold_payout": float(pts[0][1]),
            "accelerator": float(accel),
            "cap": float(pts[-1][0]) if pts[-1][0] < NO_CAP else None,
            "weights": weights,
            "team_share": float(team),
        }

    @property
    def weighable(self) -> list[str]:
        """Individual quota-bonus components whose relative weights can be set (a
        weight slider means something only when there are two or more)."""
        return list(self.defaults()["weights"])

    def changes_from(self, values: dict[str, Any]) -> dict[str, Any]:
        """Only the settings in ``values`` that differ from the starting plan.

        Sliders always hold a value; passing all of them to :meth:`evaluate` would
        replace the plan's own curve (steps included) by its three-point form even
        when nothing was moved. This keeps the plan exactly as it is until a curve
        setting moves (then all four curve settings apply together, since they
        describe one curve), and passes weights and team share only when changed.
        ``cap`` ``None`` means no cap.
        """
        d = self.defaults()

        def same(a: Any, b: Any) -> bool:
            if a is None or b is None:
                return a is None and b is None
            return abs(float(a) - float(b)) <= 1e-6

        out: dict[str, Any] = {}
        curve = ("threshold", "threshold_payout", "accelerator", "cap")
        if any(k in values and not same(values[k], d[k]) for k in curve):
            out.update({k: values[k] for k in curve if k in values})
        if "team_share" in values and not same(values["team_share"], d["team_share"]):
            out["team_share"] = values["team_share"]
        w = values.get("weights") or {}
        if any(not same(v, d["weights"].get(k)) for k, v in w.items()):
            out["weights"] = dict(w)
        return out

    def plan_spec(
        self,
        threshold: float | None = None,
        threshold_payout: float | None = None,
        accelerator: float | None = None,
        cap: float | None | str = "keep",
        weights: dict[str, float] | None = None,
        team_share: float | None = None,
    ) -> dict:
        """The starting plan with these settings (``None`` / ``"keep"``: unchanged;
        with no curve setting the main curve is the plan's own, steps included).

        ``threshold``: attainment where pay starts (0.8 = 80% of quota), paying
        ``threshold_payout`` x the target amount; the curve rises linearly to 1.0
        at quota, then by ``accelerator`` per 100% of attainment (2.0 = 2% of the
        target amount for each 1% over quota) up to ``cap`` (attainment; ``None``
        = no cap). ``weights``: relative weights of the individual quota
        bonuses; ``team_share``: share of target incentive paid on the team's
        result (the individual weights share the rest).
        """
        d = self.defaults()
        thr = d["threshold"] if threshold is None else float(threshold)
        thr_pay = d["threshold_payout"] if threshold_payout is None else float(threshold_payout)
        acc = d["accelerator"] if accelerator is None else float(accelerator)
        cp = d["cap"] if cap == "keep" else cap
        cp = NO_CAP if cp is None else float(cp)
        if not 0 < thr < 1.0 < cp:
            raise WhatIfError(f"need threshold < 100% < cap; got threshold {thr:.0%}, cap {cp:.0%}")
        if not 0 <= thr_pay <= 1:
            raise WhatIfError(f"threshold payout must be within 0-1 of target, got {thr_pay}")
        if acc < 0:
            raise WhatIfError(f"accelerator must be >= 0, got {acc}")
        spec = copy.deepcopy(self.base_spec)
        comps = spec["components"]
        reshaped = any(v is not None for v in (threshold, threshold_payout, accelerator)) or (
            cap != "keep"
        )
        if reshaped:
            # Any curve setting replaces the curve by its three-point form:
            # threshold, quota, cap (a plan's steps between them are dropped).
            comps[self.main]["curve"] = [[thr, thr_pay], [1.0, 1.0], [cp, 1.0 + acc * (cp - 1.0)]]
        share = d["team_share"] if team_share is None else float(team_share)
        if not 0 <= share < 1:
            raise WhatIfError(f"team share must be within 0-1 (and below 1), got {share}")
        indiv = [c for c in comps if c["type"] == "quota_bonus"]
        teams = [c for c in comps if c["type"] == "team"]
        w = dict(d["weights"])
        if weights:
            unknown = sorted(set(weights) - set(w))
            if unknown:
                raise WhatIfError(
                    f"weights: no quota-bonus component(s) {unknown}; have {sorted(w)}"
                )
            w.update({k: float(v) for k, v in weights.items()})
        if share > 0 and not teams:
            main = comps[self.main]
            teams = [
                {
                    "type": "team",
                    "name": "team_bonus",
                    "kpi": main["kpi"],
                    "level": self.team_level,
                    "weight": share,
                    "curve": main["curve"],
                }
            ]
            comps.append(teams[0])
        if share == 0 and teams:
            spec["components"] = comps = [c for c in comps if c["type"] != "team"]
            teams = []
        total_w = sum(w[c["name"]] for c in indiv)
        if total_w <= 0:
            raise WhatIfError("the individual weights add up to 0")
        other = sum(
            c.get("weight") or 0.0 for c in comps if c["type"] not in ("quota_bonus", "team")
        )
        room = 1.0 - share - other
        if room <= 0:
            raise WhatIfError(f"team share {share:.0%} leaves nothing for individual measures")
        for c in indiv:
            c["weight"] = room * w[c["name"]] / total_w
        old_team = sum(t["weight"] for t in teams)
        for t in teams:
            t["weight"] = share * (t["weight"] / old_team if old_team else 1.0 / len(teams))
        return spec

    # ----------------------------------------------------------- compute
    def evaluate(self, **settings: Any) -> WhatIfResult:
        """Re-pay the year under the changed plan (settings as in :meth:`plan_spec`)."""
        from simlib.plans import Plan
        from simlib.plans.core import PreparedPlan

        spec = self.plan_spec(**settings)
        plan = Plan.from_dict(spec, kpis=self.kpis, root="what-if plan")
        base = self._prep_parts
        teams = {}
        for c in plan.spec.components:
            if getattr(c, "type", "") == "team":
                key = (c.name, c.level)
                if key not in self._teams_cache:
                    self._teams_cache[key] = plan.prepare(
                        self.reps, self.periods, ds=self.ds
                    ).teams[c.name]
                teams[c.name] = self._teams_cache[key]
        prep = PreparedPlan(
            plan.spec,
            base.rep_ids,
            base.periods,
            base.target_incentive,
            base.prorate,
            teams,
            base.spif_masks,
            base.kpi_aggregation,
            base.kpi_direction,
            **self._extra,
        )
        pay = prep.payout(self._actual, self._target)
        rep_pay = pay.total.sum(axis=-1)[self.paid]
        ti = self.target_incentive[self.paid]
        with np.errstate(invalid="ignore", divide="ignore"):
            mult = np.where(ti > 0, rep_pay / ti, np.nan)
        att = self.attainment
        curve = spec["components"][self.main]["curve"]
        thr, cp = curve[0][0], curve[-1][0]
        return WhatIfResult(
            total_payout=float(rep_pay.sum()),
            target_incentive=float(ti.sum()),
            revenue=self.revenue,
            share_at_threshold=float(m.share_at_or_above(att, thr)),
            share_at_quota=float(m.share_at_or_above(att, 1.0)),
            share_at_cap=float(m.share_at_or_above(att, cp)) if cp < NO_CAP else 0.0,
            pay_performance=float(m.spearman(att, np.nan_to_num(mult))),
            attainment=att,
            pay_multiple=mult,
            curve=curve,
            spec=spec,
        )

    def plot(self, result: WhatIfResult, baseline: WhatIfResult | None = None):
        """Payout curve and pay against attainment (one dot per rep, no names)."""
        import matplotlib.pyplot as plt

        from simlib.plans.curve import PayoutCurve

        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
        a = np.linspace(0, 2.2, 441)
        if baseline is not None:
            ax1.plot(a * 100, PayoutCurve(baseline.curve)(a), color="0.6", ls="--", label="start")
        ax1.plot(a * 100, PayoutCurve(result.curve)(a), lw=2, label="as set")
        ax1.set_xlabel("attainment (% of quota)")
        ax1.set_ylabel("payout factor")
        ax1.set_title("Payout curve (main measure)")
        ax1.legend(frameon=False, fontsize=8)
        ax2.scatter(result.attainment * 100, result.pay_multiple, s=7, alpha=0.5)
        ax2.set_xlabel("attainment last year (% of quota)")
        ax2.set_ylabel("payout / target incentive")
        ax2.set_title(f"Pay vs performance (Spearman {result.pay_performance:.2f})")
        fig.tight_layout()
        return fig
