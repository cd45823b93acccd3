"""Response models: how reps change what they sell when the plan changes.

Each model is a spec (data, so a scenario file can name it) that is *bound* to a
:class:`ResponseContext` (the plan prepared for the simulated reps, their
expected sales and quotas) once per simulation, and then applied to every chunk
of Monte Carlo draws: ``bound(sales, generators) -> sales`` with ``sales`` of
shape ``(draws, reps, months, kpis)``. Everything is vectorized over draws and
reps; the models are deterministic given a draw's mechanical sales, so results
do not depend on chunk size, threads or backend.

Models (``model:`` in a spec):

``none``
    Mechanical replay: sales are what the sales model drew. The baseline.
``elasticity``
    Output scales with the marginal pay rate a rep faces at their expected
    attainment, ``(rate / reference_rate) ** elasticity``.
``effort``
    Each rep picks the effort that maximizes expected pay minus a convex cost of
    effort and a risk premium (Holmstrom & Milgrom 1987), solved for all reps at
    once on a grid with parabolic refinement.
``timing``
    At the end of each measurement period, reps just short of a kink of the
    payout curve (threshold, quota, accelerator) pull sales in from the next
    month(s); reps past the cap push sales out (Oyer 1998; Larkin 2014; Sohoni
    et al. 2010).
``ratchet``
    When next year's quota rises with this year's beat, reps above quota hold
    back a share of the beat (Leone, Misra & Zimmerman; Misra & Nair 2011).

Composition: a list of models is applied in order (e.g. effort, then timing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simlib.behavior.effort import solve_effort
from simlib.behavior.specs import (
    BehaviorError,
    EffortSpec,
    ElasticitySpec,
    NoneSpec,
    RatchetSpec,
    TimingSpec,
    parse_behavior,
)
from simlib.i18n import _


# ========================================================================= context
@dataclass
class ResponseContext:
    """What a response model needs to know about the simulated year.

    Attributes
    ----------
    expected : (reps, months, kpis) array
        Mechanical expected monthly sales (the sales model's centre).
    targets : (reps, months, kpis) array
        Monthly quotas (NaN where the seat is not staffed).
    plan : PreparedPlan
        The plan bound to the reps and months.
    kpis : tuple of str
    primary : int
        Index of the quota KPI (the one the quota bonus is paid on).
    summed : (kpis,) bool
        KPIs that add up over months (sales, counts); effort scales these only.
    sigma : (reps,) array or None
        Relative standard deviation of each rep's annual output on the quota KPI.
    kinks : sequence of float
        Attainment points where the pay curve bends (threshold first).
    cap : float or None
        Attainment after which the quota component pays nothing more.
    threshold : float
        Attainment below which the quota component pays nothing.
    window_ends, window_starts : arrays of month indices
        Measurement periods of the quota component.
    paid : (reps,) bool array, optional
        Reps the plan pays. Others are simulated only because they count in a
        team total: no model changes their sales (default: everyone is paid).
    currency : (kpis,) bool array, optional
        KPIs measured in money: a timing discount lowers these (default: the
        quota KPI when it is summed).
    reference : ResponseContext, optional
        The same reps and year under the *reference plan*, the plan in force when
        the history was earned. Effort and elasticity respond to the change of
        incentive from it, so the reference plan replays history unchanged.
        ``reference is self`` when the simulated plan is the reference plan.
    """

    expected: np.ndarray
    targets: np.ndarray
    plan: Any
    kpis: tuple[str, ...]
    primary: int
    summed: np.ndarray
    sigma: np.ndarray | None = None
    kinks: tuple[float, ...] = (1.0,)
    cap: float | None = None
    threshold: float = 1.0
    window_ends: np.ndarray | None = None
    window_starts: np.ndarray | None = None
    paid: np.ndarray | None = None
    reference: ResponseContext | None = None
    currency: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.expected = np.nan_to_num(np.asarray(self.expected, dtype=float))
        self.targets = np.asarray(self.targets, dtype=float)
        r, t, _kpis = self.expected.shape
        self.paid = (
            np.ones(r, dtype=bool) if self.paid is None else np.asarray(self.paid, dtype=bool)
        )
        if self.paid.shape != (r,):
            raise BehaviorError(
                _("paid: expected {r} flags (one per rep), got {shape}").format(
                    r=r, shape=self.paid.shape
                )
            )
        if self.currency is None:
            self.currency = np.zeros(len(self.kpis), dtype=bool)
            self.currency[self.primary] = bool(np.asarray(self.summed)[self.primary])
        if self.window_ends is None:
            self.window_ends = np.array([t - 1])
            self.window_starts = np.array([0])
        if not self.summed[self.primary]:
            self._primary_summed = False
        else:
            self._primary_summed = True

    @property
    def n_reps(self) -> int:
        return self.expected.shape[0]

    @property
    def y0(self) -> np.ndarray:
        """(reps,) expected annual output on the quota KPI (its units)."""
        return self.expected[..., self.primary].sum(axis=1)

    @property
    def quota(self) -> np.ndarray:
        """(reps,) annual quota on the quota KPI."""
        return np.nansum(self.targets[..., self.primary], axis=1)

    @property
    def expected_attainment(self) -> np.ndarray:
        q = self.quota
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(q > 0, self.y0 / q, np.nan)

    def pay_at_scales(self, scales: np.ndarray, block: int = 16) -> np.ndarray:
        """Annual pay per rep when every summed KPI is ``scale`` x expected.

        Returns ``(len(scales), reps)`` in currency. The plan is evaluated on the
        expected monthly profile scaled evenly (a rep reasons about their year as
        a whole); a scorecard coefficient is taken at 1 (on target); rates stay at
        their expected values. Blocks of scales keep memory flat.
        """
        import copy

        scales = np.asarray(scales, dtype=float)
        key = scales.tobytes()
        if key in self._cache:
            return self._cache[key]
        if not self._primary_summed:
            raise BehaviorError(
                _(
                    "KPI {kpis!r} is a rate: effort and elasticity responses need a summed quota "
                    "KPI (sales, counts)"
                ).format(kpis=self.kpis[self.primary])
            )
        plan = copy.copy(self.plan)
        tgt = {k: self.targets[..., i] for i, k in enumerate(self.kpis)}
        out = np.empty((len(scales), self.n_reps))
        for a in range(0, len(scales), block):
            s = scales[a : a + block]
            act = {}
            for i, k in enumerate(self.kpis):
                x = self.expected[..., i]
                act[k] = (
                    x[None] * s[:, None, None]
                    if self.summed[i]
                    else np.broadcast_to(x, (len(s), *x.shape))
                )
            pay = plan.payout(act, tgt, score=np.ones(1))
            out[a : a + block] = pay.total.sum(axis=-1)
            for name in self.team_components:
                if (key, name) not in self._cache:
                    self._cache[(key, name)] = np.empty((len(scales), self.n_reps))
                self._cache[(key, name)][a : a + block] = pay.lines[name].sum(axis=-1)
        self._cache[key] = out
        return out

    @property
    def team_components(self) -> list[str]:
        """Names of the plan's team components (pay on a unit's total)."""
        spec = getattr(self.plan, "spec", None)
        comps = getattr(spec, "components", []) if spec is not None else []
        teams = getattr(self.plan, "teams", {})
        return [c.name for c in comps if c.sums_over_units and c.name in teams]

    def own_pay_at_scales(self, scales: np.ndarray) -> np.ndarray:
        """Annual pay when *only this rep* sells ``scale`` x expected (others as expected).

        :meth:`pay_at_scales` scales everyone at once, which overstates what a team
        component pays one rep for their own effort by about the team's size (free
        riding ignored). Here a team component's pay is read at the common scale
        that gives the same blended attainment: with the rep's share ``w`` of the
        team's expected output, the team total moves by ``1 + w (s - 1)``, so
        ``s_eff = (bt TA (1 + w (s - 1)) + bi IA s) / (bt TA + bi IA)`` for a blend
        ``bt`` team / ``bi`` individual of team and individual attainments ``TA``,
        ``IA`` (exact for a blend linear in attainment on an evenly scaled year).
        ``scales`` must be uniform and increasing. Returns ``(len(scales), reps)``.
        """
        scales = np.asarray(scales, dtype=float)
        total = self.pay_at_scales(scales)
        names = self.team_components
        if not names:
            return total
        key = scales.tobytes()
        out = total.copy()
        spec_by_name = {c.name: c for c in self.plan.spec.components}
        ds = scales[1] - scales[0]
        for name in names:
            comp = spec_by_name[name]
            k = self.kpis.index(comp.kpi)
            y = self.expected[..., k].sum(axis=1)
            q = np.nansum(self.targets[..., k], axis=1)
            ty = self.plan.team_sum(name, y[:, None])[:, 0]
            tq = self.plan.team_sum(name, q[:, None])[:, 0]
            with np.errstate(invalid="ignore", divide="ignore"):
                w = np.where(ty > 0, y / ty, 0.0)
                ta = np.where(tq > 0, ty / tq, 0.0)
                ia = np.where(q > 0, y / q, 0.0)
            bt, bi = comp.blend.team, comp.blend.individual
            den = bt * ta + bi * ia
            s = scales[None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                s_eff = np.where(
                    den[:, None] > 0,
                    (bt * ta[:, None] * (1 + w[:, None] * (s - 1)) + bi * ia[:, None] * s)
                    / den[:, None],
                    s,
                )  # (R, S)
            line = self._cache[(key, name)].T  # (R, S) at the common scale
            f = np.clip((s_eff - scales[0]) / ds, 0.0, len(scales) - 1.000001)
            i0 = np.floor(f).astype(np.int64)
            p0 = np.take_along_axis(line, i0, axis=1)
            p1 = np.take_along_axis(line, i0 + 1, axis=1)
            out -= line.T
            out += (p0 + (f - i0) * (p1 - p0)).T
        return out

    def pay_at_rep_scales(self, scales: np.ndarray) -> np.ndarray:
        """Annual pay when rep ``r``'s summed KPIs are ``scales[j, r]`` x expected.

        Like :meth:`pay_at_scales` but each rep at their own scale; ``(m, reps)``
        in, ``(m, reps)`` currency out.
        """
        import copy

        scales = np.asarray(scales, dtype=float)
        plan = copy.copy(self.plan)
        tgt = {k: self.targets[..., i] for i, k in enumerate(self.kpis)}
        act = {}
        for i, k in enumerate(self.kpis):
            x = self.expected[..., i]
            act[k] = (
                x[None] * scales[..., None]
                if self.summed[i]
                else np.broadcast_to(x, (len(scales), *x.shape))
            )
        return plan.payout(act, tgt, score=np.ones(1)).total.sum(axis=-1)

    def marginal_rate(self, window: float = 0.1) -> np.ndarray:
        """(reps,) pay per unit of quota-KPI output around the expected level.

        The average slope of annual pay between ``1 - window`` and ``1 + window``
        times the expected output (a finite difference, so thresholds and caps
        within the window count in proportion).
        """
        p = self.pay_at_scales(np.array([1 - window, 1 + window]))
        y0 = self.y0
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(y0 > 0, (p[1] - p[0]) / (2 * window * y0), 0.0)


# ========================================================================== models
class Bound:
    """A response model bound to one simulation; ``bound(sales, gens) -> sales``."""

    name = "none"
    #: The engine passes the draws' generators (the hook's contract).
    takes_generators = True

    def __call__(self, sales: np.ndarray, generators: Sequence[Any] | None = None) -> np.ndarray:
        return sales

    def diagnostics(self) -> dict[str, Any]:
        return {}

    def summary(self) -> dict[str, Any]:
        """Small JSON-friendly facts for a result's provenance."""
        return {"model": self.name}


@dataclass
class _Multiplier(Bound):
    """Per-rep factor on every summed KPI (effort, elasticity): same in every draw."""

    factor: np.ndarray  # (reps,), 1 for reps the plan does not pay
    summed: np.ndarray  # (kpis,)
    name: str = "multiplier"
    info: dict = field(default_factory=dict)
    paid: np.ndarray | None = None  # (reps,) bool: the summary describes these

    def __post_init__(self) -> None:
        self._f = np.where(self.summed[None, None, :], self.factor[:, None, None], 1.0)

    def __call__(self, sales, generators=None):
        return sales * self._f

    def diagnostics(self):
        return {"factor": self.factor, **self.info}

    def summary(self):
        f = self.factor if self.paid is None else self.factor[self.paid]
        if f.size == 0:
            return {"model": self.name, "paid_reps": 0}
        out = {
            "model": self.name,
            "paid_reps": int(f.size),
            "factor_mean": round(float(np.mean(f)), 4),
            "factor_p5": round(float(np.quantile(f, 0.05)), 4),
            "factor_p95": round(float(np.quantile(f, 0.95)), 4),
        }
        # The effort model's value of the plan to reps (currency, summed over reps,
        # unrounded): what a design search counts for the participation constraint.
        for key in ("certainty_equivalent", "reference_certainty_equivalent"):
            if key in self.info:
                out[f"{key}_total"] = float(np.nansum(self.info[key]))
        return out


def _positive_median(rate: np.ndarray, mask: np.ndarray) -> float | None:
    pos = rate[mask & (rate > 0)]
    return float(np.median(pos)) if pos.size else None


def _bind_elasticity(spec: ElasticitySpec, ctx: ResponseContext) -> Bound:
    rate = ctx.marginal_rate(spec.window)
    paid = ctx.paid
    ref_ctx = ctx.reference
    if ref_ctx is not None:
        ref_rate = rate if ref_ctx is ctx else ref_ctx.marginal_rate(spec.window)
        scale = spec.reference_rate or _positive_median(ref_rate, paid)
        if scale is None:
            raise BehaviorError(
                _(
                    "elasticity: the reference plan pays nothing at the margin for any paid rep; "
                    "give reference_rate (the marginal pay rate history was earned under)"
                )
            )
        # Each rep against their own reference rate: the reference plan gives 1 exactly.
        rel = np.maximum(rate, spec.floor * scale) / np.maximum(ref_rate, spec.floor * scale)
    elif spec.reference_rate is not None:
        ref_rate, scale = np.full_like(rate, spec.reference_rate), spec.reference_rate
        rel = np.maximum(rate, spec.floor * scale) / scale
    else:
        raise BehaviorError(
            _(
                "elasticity: needs the plan history was earned under to compare against: pass "
                "simulate(behavior_reference=<plan in force>) (a scenario passes its baseline "
                "plan), or give reference_rate (pay per unit of quota-KPI sales in history)"
            )
        )
    f = np.clip(rel**spec.elasticity, 1 / (1 + spec.max_change), 1 + spec.max_change)
    f = np.where(paid & (ctx.y0 > 0), f, 1.0)
    return _Multiplier(
        f, ctx.summed, "elasticity",
        {"marginal_rate": rate, "reference_rate": ref_rate, "floor_scale": scale}, paid,
    )  # fmt: skip


def _bind_effort(spec: EffortSpec, ctx: ResponseContext) -> Bound:
    if spec.min_effort >= spec.max_effort:
        raise BehaviorError(_("effort: min_effort must be below max_effort"))
    if spec.sigma is not None:
        sigma = np.full(ctx.n_reps, spec.sigma)
    elif ctx.sigma is not None:
        sigma = np.broadcast_to(np.asarray(ctx.sigma, dtype=float), (ctx.n_reps,))
    else:
        raise BehaviorError(
            _(
                "effort: the sales model has no sigmas to tell reps how uncertain their year is; "
                "give sigma (relative standard deviation of a rep's annual sales, e.g. 0.15)"
            )
        )
    ref = ctx.reference
    act = np.flatnonzero(ctx.paid & (ctx.y0 > 0))  # reps whose effort the plan moves
    if spec.cost is not None:
        cost = spec.cost
    elif ref is not None:
        med = _positive_median(ref.marginal_rate(), ctx.paid)
        if med is None:
            raise BehaviorError(
                _("effort: the reference plan pays nothing at the margin; give cost")
            )
        cost = med / (1 - spec.intrinsic)
    else:
        raise BehaviorError(
            _(
                "effort: needs the plan history was earned under to calibrate against: pass "
                "simulate(behavior_reference=<plan in force>) (a scenario passes its baseline "
                "plan), or give cost (pay per unit of quota-KPI sales at which reps keep their "
                "historical effort)"
            )
        )
    smax = spec.max_effort + 5 * float(np.max(sigma, initial=0.0))
    scales = np.linspace(0.0, smax, int(np.ceil(smax / 0.025)) + 1)
    efforts = np.linspace(spec.min_effort, spec.max_effort, spec.grid)

    def optimum(c: ResponseContext) -> tuple[np.ndarray, dict]:
        pay = c.own_pay_at_scales(scales).T[act]  # (paid reps, S): own effort only
        return solve_effort(
            pay, scales, c.y0[act], sigma[act], cost, spec.elasticity, spec.risk_aversion,
            spec.intrinsic * cost, efforts=efforts,
        )  # fmt: skip

    e_act, parts = optimum(ctx)
    parts_ref = parts
    if ref is not None:
        # The reference plan is what history shows: its optimum is effort 1 by
        # definition, so the response is the ratio (exactly 1 at the reference plan).
        e_ref, parts_ref = (e_act, parts) if ref is ctx else optimum(ref)
        e_act = np.clip(e_act / e_ref, spec.min_effort, spec.max_effort)
    factor = np.ones(ctx.n_reps)
    factor[act] = e_act
    info = {"cost": cost, "sigma": sigma, "relative_to_reference": ref is not None}
    for k, v in parts.items():
        full = np.full(ctx.n_reps, np.nan)
        full[act] = v
        info[k] = full
    if ref is not None:
        full = np.full(ctx.n_reps, np.nan)
        full[act] = parts_ref["certainty_equivalent"]
        info["reference_certainty_equivalent"] = full
    return _Multiplier(factor, ctx.summed, "effort", info, ctx.paid)


@dataclass
class _Timing(Bound):
    spec: TimingSpec
    ctx: ResponseContext
    name: str = "timing"

    def __post_init__(self) -> None:
        c, sp = self.ctx, self.spec
        kinks = sorted(set(sp.kinks if sp.kinks is not None else c.kinks))
        cap, lost = c.cap, sp.lost_band is not None
        ref = c.reference
        if sp.net_of_reference and ref is not None:
            # History already shows the period-end pattern the plan in force produced:
            # only incentives the simulated plan adds move sales again.
            same_windows = ref is c or (
                np.array_equal(ref.window_ends, c.window_ends)
                and np.array_equal(ref.window_starts, c.window_starts)
            )
            if same_windows:
                ref_kinks = set(c.kinks) if ref is c else set(ref.kinks)
                kinks = [k for k in kinks if k not in ref_kinks]
                if ref is c or (ref.cap is not None and ref.cap == c.cap):
                    cap = None
                if ref is c or ref.threshold == c.threshold:
                    lost = False
        self._kinks = np.asarray(kinks, dtype=float)
        self._cap, self._lost = cap, lost
        self._q = np.nan_to_num(c.targets[..., c.primary])  # (R, T)
        self._summed = np.asarray(c.summed, dtype=float)
        # A price concession lowers the value booked, not the number of deals.
        cur = np.zeros(len(c.kpis)) if c.currency is None else np.asarray(c.currency, float)
        self._keep_value = 1.0 - sp.discount * cur

    def __call__(self, sales, generators=None):
        sp, c = self.spec, self.ctx
        out = np.array(sales, dtype=float, copy=True)
        if self._kinks.size == 0 and self._cap is None and not self._lost:
            return out
        p = c.primary
        T = out.shape[-2]
        d = sp.discount
        windows = list(zip(c.window_starts, c.window_ends, strict=True))
        if len(windows) > 1 and int(windows[-1][1]) == T - 1:
            # The year-end moves that wrap onto January stand for last December's:
            # they happened before this year began, so they go first.
            windows = windows[-1:] + windows[:-1]
        for a, b in windows:
            a, b = int(a), int(b)
            act = out[..., a : b + 1, p].sum(axis=-1)
            q = self._q[:, a : b + 1].sum(axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                att = np.where(q > 0, act / q, np.nan)
            ok = np.isfinite(att) & c.paid  # unpaid reps (team totals only) do not react
            # Past the year's end the next months are next year's: in a steady state
            # they sell like this year's first months, which last year's pull-ins and
            # push-outs reached in turn, so the year wraps onto January.
            nxt = [(b + 1 + i) % T for i in range(sp.window)]
            wraps = all(not (a <= t <= b) for t in nxt)
            if not wraps:  # a year-long window: the next months are next year's own
                nxt = []
            if self._kinks.size:
                # ---- pull-in toward the nearest kink above, within the band
                gap = self._kinks[None, None, :] - att[..., None]
                near = (gap > 0) & (gap <= sp.band + 1e-12)
                gap_min = np.where(near, gap, np.inf).min(axis=-1)
                has = ok & np.isfinite(gap_min)
                exact = np.where(has, np.where(has, gap_min, 0.0) * q, 0.0)
                # A discounted deal books (1 - discount) of its value: pull in more.
                needed = exact / (1.0 - d) * (1 + 1e-9)  # lands on the kink despite rounding
                # Next year (a year-long window): assume its first months sell like
                # this December; what is pulled in is next year's loss, outside.
                pool = out[..., nxt, p].sum(axis=-1) if nxt else out[..., b, p] * sp.window
                can = (exact > 0) & (sp.share * pool * (1 + 1e-6) >= needed / (1 + 1e-9))
                can &= pool > 0
                with np.errstate(all="ignore"):
                    frac = np.where(can, needed / pool, 0.0)  # share of each next month moved
                fk = frac[..., None] * self._summed  # (n, R, K), 0 for rates
                moved = np.zeros_like(out[..., b, :])
                for t in nxt:
                    m = out[..., t, :] * fk
                    out[..., t, :] -= m
                    moved += m
                if not nxt:
                    moved = out[..., b, :] * (sp.window * fk)
                out[..., b, :] += moved * self._keep_value
            # ---- push-out: past the cap, or hopeless below the threshold
            push = np.zeros_like(att)
            last = out[..., b, p]
            if sp.push_after_cap and self._cap is not None:
                excess = np.where(ok, (att - self._cap) * q, 0.0)
                push = np.where(excess > 0, np.minimum(sp.share * last, excess), push)
            if self._lost:
                lost = ok & (att < c.threshold - sp.lost_band)
                push = np.where(lost, sp.share * last, push)
            if not push.any():
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                pf = np.where((push > 0) & (last > 0), push / last, 0.0)
            shifted = out[..., b, :] * (pf[..., None] * self._summed)
            out[..., b, :] -= shifted
            if wraps:  # December's push-outs reach January (the steady state)
                out[..., (b + 1) % T, :] += shifted
            # else a year-long window: pushed sales are next year's, outside
        return out


@dataclass
class _Ratchet(Bound):
    spec: RatchetSpec
    ctx: ResponseContext
    name: str = "ratchet"

    def __post_init__(self) -> None:
        c, sp = self.ctx, self.spec
        # Unpaid reps (in a team total only) get quota 0: nothing held back.
        self._quota = np.where(c.paid, c.quota, 0.0)  # (R,)
        self.held = np.zeros(c.n_reps)
        if sp.up == 0 or sp.share == 0 or not c.paid.any():
            return
        # What a unit beyond quota earns now (the plan's slope between 100% and
        # 100% + above) against what it costs: ``up`` units more quota next year,
        # each worth the pay rate around quota (100% +/- 5%), the rate at which a
        # higher quota takes pay away. Held share = share x cost / (cost + gain).
        a0 = c.expected_attainment
        # Reps expected near zero will not beat quota: left alone (and no overflow).
        ok = c.paid & np.isfinite(a0) & (a0 > 1e-3) & (c.y0 > 0)
        a0 = np.where(ok, a0, 1.0)
        pts = np.array([0.95, 1.05, 1.05 + sp.above])
        pv = c.pay_at_rep_scales(pts[:, None] / a0[None, :]).T  # (R, 3)
        q = np.where(ok, c.quota, 1.0)
        rate_q = (pv[:, 1] - pv[:, 0]) / (0.10 * q)  # pay per unit around quota
        gain = np.maximum((pv[:, 2] - pv[:, 1]) / (sp.above * q), 0.0)  # beyond it
        cost = sp.up * np.maximum(rate_q, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(cost + gain > 0, cost / (cost + gain), 0.0)
        self.held = np.where(ok, sp.share * frac, 0.0)
        self.rate_at_quota, self.rate_above = rate_q, gain

    def diagnostics(self):
        return {"held_share": self.held}

    def summary(self):
        h = self.held[self.ctx.paid]
        return {"model": self.name, "held_share_mean": round(float(h.mean()), 4) if h.size else 0.0}

    def __call__(self, sales, generators=None):
        c = self.ctx
        if not self.held.any():
            return sales
        p = c.primary
        q = self._quota
        prim = sales[..., p]  # (n, R, T)
        # Per month, the share kept: 1 - share x (part of the month beyond the
        # annual quota) / month; computed on the quota KPI, applied to all summed KPIs.
        keep = np.ones(prim.shape)
        cum = np.zeros(prim.shape[:-1])
        over_prev = np.zeros_like(cum)
        for t in range(prim.shape[-1]):
            month = prim[..., t]
            cum = cum + month
            over = np.maximum(cum - q, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                keep[..., t] = np.where(
                    (month > 0) & (q > 0), 1.0 - self.held * (over - over_prev) / month, 1.0
                )
            over_prev = over
        return sales * np.where(c.summed, keep[..., None], 1.0)


@dataclass
class Composite(Bound):
    """Models applied in order."""

    parts: list[Bound]
    name: str = "composite"

    def __call__(self, sales, generators=None):
        for m in self.parts:
            sales = m(sales, generators)
        return sales

    def diagnostics(self):
        return {m.name: m.diagnostics() for m in self.parts}

    def summary(self):
        return [m.summary() for m in self.parts]


def bind(spec: Any, ctx: ResponseContext) -> Composite:
    """Bind a behaviour spec (name, dict, list or :class:`BehaviorSpec`) to a simulation."""
    parsed = parse_behavior(spec)
    parts: list[Bound] = []
    for m in parsed.models:
        if isinstance(m, NoneSpec):
            continue
        if isinstance(m, ElasticitySpec):
            parts.append(_bind_elasticity(m, ctx))
        elif isinstance(m, EffortSpec):
            parts.append(_bind_effort(m, ctx))
        elif isinstance(m, TimingSpec):
            parts.append(_Timing(m, ctx))
        elif isinstance(m, RatchetSpec):
            parts.append(_Ratchet(m, ctx))
    return Composite(parts)


def curve_kinks(curve: Any, h: float = 1e-6) -> tuple[float, ...]:
    """Attainments where reaching a little further pays more than the slope before.

    A point of the payout curve is worth chasing at a period's end when pay jumps
    there (a threshold, a step) or the slope rises (an accelerator). Where the
    slope falls (a decelerator, the cap) pulling deals in buys nothing extra, so
    those points are left out (the AM curve's slope falls from 2.5 to 2.0 at
    100%: no kink there).
    """
    out = []
    for x in np.unique(np.asarray(curve.x, dtype=float)):
        f = np.asarray(curve(np.array([x - 2 * h, x - h, x, x + h])), dtype=float)
        jump = f[2] - f[1] - (f[1] - f[0])  # beyond what the slope before explains
        left, right = (f[1] - f[0]) / h, (f[3] - f[2]) / h
        if jump > 1e-9 or right > left + 1e-6:
            out.append(float(x))
    return tuple(out)


def _reference_context(reference, ctx, expected, targets, kpis, primary, sigma):
    plan_ref, prep_ref = reference if isinstance(reference, tuple) else (None, reference)
    ref = ResponseContext(
        expected=expected, targets=targets, plan=prep_ref, kpis=tuple(kpis), primary=primary,
        summed=ctx.summed, sigma=sigma, paid=ctx.paid, kinks=(),
    )  # fmt: skip
    if plan_ref is not None:
        comp = next(
            (c for c in plan_ref.components if c.pays_on_quota),
            None,
        )
        if comp is not None:
            ref_curve = plan_ref.curve(comp.name)
            ref.kinks = curve_kinks(ref_curve)
            ref.cap, ref.threshold = ref_curve.cap, ref_curve.threshold
            w = prep_ref.windows[comp.name]
            ref.window_ends, ref.window_starts = np.asarray(w.ends), np.asarray(w.starts)
    return ref


def context_from_plan(
    plan: Any,
    prepared: Any,
    expected: np.ndarray,
    targets: np.ndarray,
    kpis: Sequence[str],
    summed: np.ndarray,
    primary: int,
    sigma: np.ndarray | None = None,
    paid: np.ndarray | None = None,
    reference: Any = None,
    currency: np.ndarray | None = None,
) -> ResponseContext:
    """A :class:`ResponseContext` from a :class:`~simlib.plans.Plan` and its prepared form.

    The quota component is the plan's first ``quota_bonus`` or ``team``
    component (its curve gives the kinks, threshold and cap, its period the
    measurement windows); a commission-only plan uses its commission's period and
    a single kink at 100%.

    ``paid`` flags the reps the plan pays (default all). ``reference`` is the
    reference plan (the plan in force in history) prepared on the same reps and
    months, or a ``(Plan, PreparedPlan)`` pair (then its kinks are known, which
    timing nets out), or ``"self"`` when the simulated plan is the reference.
    """
    comp = next((c for c in plan.components if c.pays_on_quota), None)
    if comp is None:
        comp = plan.components[0]
    has_curve = comp.pays_on_quota
    curve = plan.curve(comp.name) if has_curve else None  # a commission has no curve
    w = prepared.windows[comp.name]
    if curve is not None:
        kinks = curve_kinks(curve)
        cap, threshold = curve.cap, curve.threshold
    else:
        # A commission pays the same for every sale: no point worth reaching early.
        kinks, cap, threshold = (), None, 0.0
    ctx = ResponseContext(
        expected=expected,
        targets=targets,
        plan=prepared,
        kpis=tuple(kpis),
        primary=primary,
        summed=np.asarray(summed, dtype=bool),
        sigma=sigma,
        kinks=kinks,
        cap=cap,
        threshold=threshold,
        window_ends=np.asarray(w.ends),
        # Under true-up a window measures the year to date: that is what reps watch.
        window_starts=np.asarray(w.starts),
        paid=paid,
        currency=None if currency is None else np.asarray(currency, dtype=bool),
    )
    if isinstance(reference, str) and reference == "self":
        ctx.reference = ctx
    elif reference is not None:
        ctx.reference = _reference_context(reference, ctx, expected, targets, kpis, primary, sigma)
    return ctx
