"""The numpy core: a plan prepared for a set of reps and months, paid on arrays.

:meth:`PreparedPlan.payout` takes actuals and targets per KPI as arrays of shape
``(..., reps, months)`` (any leading axes, e.g. Monte Carlo draws) and returns a
:class:`PlanPayout` with one array of payments per line (each component, the plan
cap, clawbacks, the draw) of the same shape, plus the total. There is no Python
loop over reps: loops run over components, measurement windows (at most 12 a
year) and months only.

How one component is paid, per measurement window (a month, quarter or year;
with ``true_up`` the window is the year to date):

1. measure: sums of actuals and targets over the window (a "mean" KPI such as a
   retention rate is averaged over the months it has data); attainment =
   actual / target (target / actual for a lower-is-better KPI, +inf when that
   KPI is at 0, its best); 0 without a target, recorded as "no target";
2. raw entitlement: weight x target incentive x curve(attainment) for bonuses;
   the commission schedule for commissions; amount x units (never below 0) for
   a SPIF;
3. modifier (x curve of another KPI), scorecard coefficient (x coefficient);
4. payment: the window's entitlement, or with true-up the year-to-date
   entitlement minus what earlier windows of the year paid; a window whose gate
   fails (the gate KPI measured over the period itself, not the year to date)
   pays nothing; the component cap holds the component's year-to-date payments
   at ``max_payout`` x the share of the plan year worked.

Then, on the monthly grid: the plan cap (year-to-date pay at most
``max_payout_multiple`` x year-to-date target incentive and/or ``max_payout`` x
the share of the year worked), clawbacks (a share of what was paid after the
plan cap, never more), the draw (only where ``draw_mask`` is 1, e.g. a new
hire's first months). Reps with ``paid`` False count in team sums but are paid 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from simlib.i18n import _
from simlib.plans.components import PlanComponent, commission_amount
from simlib.plans.components.team import team_index
from simlib.plans.curve import PayoutCurve
from simlib.plans.spec import PlanSpec
from simlib.plans.windows import (
    PERIOD_MONTHS,
    Windows,
    finite,
    make_windows,
    month_cumsum,
    ratio,
    spread,
    window_sums,
)


@dataclass
class PlanPayout:
    """Payments of one plan on arrays.

    Attributes
    ----------
    lines : dict of str to numpy.ndarray
        Payment per line, shape ``(..., reps, months)``, currency: one line per
        component (by name), then ``plan_cap`` (adjustment from the plan cap),
        ``clawback:<component>`` (reversals, negative), ``draw`` (top-ups
        positive, recoveries negative) when the plan has them.
    total : numpy.ndarray
        Sum of the lines: what is paid each month.
    trace : dict
        With ``trace=True``: per component, the window-level steps (attainment,
        factor, gate, modifier, caps, entitlement, payment) for pay statements.
    """

    lines: dict[str, np.ndarray]
    total: np.ndarray
    trace: dict = field(default_factory=dict)
    windows: dict[str, Windows] = field(default_factory=dict)


class PreparedPlan:
    """A plan bound to reps and months: per-rep constants computed once.

    Build with :meth:`simlib.plans.Plan.prepare`; then call :meth:`payout` as
    often as needed (e.g. once per chunk of Monte Carlo draws).

    Attributes
    ----------
    rep_ids : numpy.ndarray
        Reps along the reps axis.
    periods : pandas.PeriodIndex
        Months along the months axis.
    target_incentive : numpy.ndarray
        Annual target incentive per rep (currency), before proration.
    prorate : numpy.ndarray
        (reps, months) share of each month's days the rep was employed and not
        on leave (1.0 = the whole month).
    paid : numpy.ndarray
        (reps,) True for the reps the plan pays; the others (e.g. store staff
        in an account manager's branch) count in team sums only and get 0 on
        every line. Pass every rep of the units to get whole-unit attainment.
    draw_mask : numpy.ndarray
        (reps, months) 1 where the draw applies (a new hire's first months).
    year_share : numpy.ndarray
        (reps, months) share of the plan year the rep works; annual caps scale by it.
    """

    def __init__(
        self,
        spec: PlanSpec,
        rep_ids: np.ndarray,
        periods,
        target_incentive: np.ndarray,
        prorate: np.ndarray,
        teams: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
        spif_masks: Mapping[str, np.ndarray],
        kpi_aggregation: Mapping[str, str],
        kpi_direction: Mapping[str, str],
        paid: np.ndarray | None = None,
        draw_mask: np.ndarray | None = None,
    ) -> None:
        self.spec = spec
        self.rep_ids = np.asarray(rep_ids)
        self.periods = periods
        self.target_incentive = np.asarray(target_incentive, dtype=float)
        self.prorate = np.asarray(prorate, dtype=float)
        self.ti_month = self.target_incentive[:, None] / 12.0 * self.prorate
        self.teams = dict(teams)
        self.spif_masks = dict(spif_masks)
        self.kpi_aggregation = dict(kpi_aggregation)
        self.kpi_direction = dict(kpi_direction)
        R = len(self.rep_ids)
        #: Reps the plan pays; the others only count towards team (unit) sums.
        self.paid = np.ones(R, dtype=bool) if paid is None else np.asarray(paid, dtype=bool)
        #: (reps, months) where the draw applies (e.g. a new hire's first months).
        self.draw_mask = (
            np.ones((R, len(periods))) if draw_mask is None else np.asarray(draw_mask, float)
        )
        month0 = (periods.month.to_numpy() - spec.year_start_month) % 12
        # Plan year: a December-start plan's year begins in the calendar year before.
        shift = (periods.month.to_numpy() < spec.year_start_month).astype(int)
        year_id = periods.year.to_numpy() - shift
        self.month_in_year = month0
        self.year_id = year_id
        self.windows: dict[str, Windows] = {}
        #: The measurement periods themselves (not year to date): where gates are measured.
        self.period_windows: dict[str, Windows] = {}
        for c in spec.components:
            per = c.period or spec.period
            self.windows[c.name] = make_windows(month0, year_id, per, spec.true_up)
            self.period_windows[c.name] = make_windows(month0, year_id, per, False)
        # Share of each plan year a rep works (absences per the proration rules),
        # on the months grid: annual caps are scaled by it.
        away = 1.0 - self.prorate
        self.year_share = np.ones_like(self.prorate)
        for y in np.unique(year_id):
            m = year_id == y
            self.year_share[:, m] = 1.0 - away[:, m].sum(axis=1, keepdims=True) / 12.0
        self.curves: dict[str, PayoutCurve] = {}
        self.modifiers: dict[str, PayoutCurve] = {}
        for c in spec.components:
            curve = c.factor_curve()
            if curve is not None:
                self.curves[c.name] = curve
            if c.modifier is not None:
                self.modifiers[c.name] = PayoutCurve(c.modifier.curve, below=None)
        self.multipliers: dict[str, list[str]] = {}
        for c in spec.components:
            for target in c.multiplies():
                self.multipliers.setdefault(target, []).append(c.name)
        self._cs_cache: dict = {}
        self._by_name = {c.name: c for c in spec.components}
        self._score = self._coef_cache = self._full = None

    def subset(self, rows: np.ndarray | slice) -> PreparedPlan:
        """The plan bound to the reps ``rows`` only (ascending rows, or a slice): each
        team component's units are re-indexed among them, so a subset of whole units
        pays its reps exactly what the whole population's plan pays them. With a slice
        the per-rep arrays are views of this plan's."""
        teams = {
            name: team_index(np.asarray(labels)[inv[rows]])
            for name, (_order, _starts, inv, labels) in self.teams.items()
        }
        sub = PreparedPlan(
            self.spec,
            self.rep_ids[rows],
            self.periods,
            self.target_incentive[rows],
            self.prorate[rows],
            teams,
            self.spif_masks,
            self.kpi_aggregation,
            self.kpi_direction,
            paid=self.paid[rows],
            draw_mask=self.draw_mask[rows],
        )
        # Per rep: this plan's rows are the same numbers (views with a slice).
        sub.ti_month, sub.year_share = self.ti_month[rows], self.year_share[rows]
        return sub

    def unit_memberships(self) -> list[np.ndarray]:
        """Per team component, each rep's unit number: the groups of reps whose pay
        depends on each other (a unit's attainment sums its reps)."""
        return [np.asarray(inv, dtype=np.int64) for _o, _s, inv, _l in self.teams.values()]

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.rep_ids), len(self.periods))

    # ---------------------------------------------------------------- helpers
    def _sum(self, kind: str, kpi: str, w: Windows) -> np.ndarray:
        """Window sum of actuals (``kind='a'``) or targets (``'q'``)."""
        key = (kind, kpi, w.period)
        got = self._ws.get(key)
        if got is None:
            src = self._actual if kind == "a" else self._target
            got = self._ws[key] = window_sums(src[kpi], w)
        return got

    def _mean_or_sum(self, kind: str, kpi: str, w: Windows) -> np.ndarray:
        s = self._sum(kind, kpi, w)
        if self.kpi_aggregation.get(kpi, "sum") != "mean":
            return s
        fin = (self._finite_a if kind == "a" else self._finite_q)[kpi]
        if fin is None:  # every month has data: divide by the window's length
            n = (w.ends - w.starts + 1).astype(float)
        else:
            n = window_sums(fin.astype(float), w)
        return ratio(s, n)

    def _has_data(self, kind: str, kpi: str, w: Windows) -> np.ndarray | bool:
        fin = (self._finite_a if kind == "a" else self._finite_q)[kpi]
        if fin is None:
            return True
        return window_sums(fin.astype(float), w) > 0

    def attainment(self, kpi: str, w: Windows) -> np.ndarray:
        """Attainment of ``kpi`` over each window: actual / target, or for a
        lower-is-better KPI target / actual.

        Conventions: without a (positive) target the attainment is 0 and the
        component records "no target". A lower-is-better KPI at 0 (no churn at
        all, its best possible value) has attainment +inf: the curve pays its
        cap (its last point), a gate holds, a modifier gives its top factor.
        """
        a = self._mean_or_sum("a", kpi, w)
        q = self._mean_or_sum("q", kpi, w)
        return self._att_from(kpi, a, q, self._has_data("a", kpi, w))

    def _att_from(self, kpi: str, a: np.ndarray, q: np.ndarray, has) -> np.ndarray:
        """``has``: where there is data for the actual (``None``: wherever it is not 0)."""
        if self.kpi_direction.get(kpi, "higher") == "lower":
            att = ratio(q, a)
            best = (a <= 0) & (q > 0) & (a != 0 if has is None else has)
            if np.any(best):
                att = np.where(best, np.inf, att)
            return att
        return ratio(a, q)

    def _measure(self, kpi: str, basis: str, w: Windows) -> np.ndarray:
        if basis == "attainment":
            return self.attainment(kpi, w)
        return self._mean_or_sum("a", kpi, w)

    def _window_share(self, w: Windows) -> np.ndarray:
        """Share of a year each window covers, prorated (reps, windows)."""
        return window_sums(self.prorate, w) / 12.0

    def _team_sum(self, name: str, x: np.ndarray) -> np.ndarray:
        order, starts, inv, _sizes = self.teams[name]
        xs = np.take(x, order, axis=-2)
        sums = np.add.reduceat(xs, starts, axis=-2)
        return np.take(sums, inv, axis=-2)

    # ------------------------------------------------ helpers for components
    def window_sum(self, kind: str, kpi: str, w: Windows) -> np.ndarray:
        """Window sum of actuals (``kind='a'``) or targets (``'q'``) of ``kpi``."""
        return self._sum(kind, kpi, w)

    def window_value(self, kind: str, kpi: str, w: Windows) -> np.ndarray:
        """Window sum, or mean for a ``mean`` KPI, of actuals (``'a'``) or targets (``'q'``)."""
        return self._mean_or_sum(kind, kpi, w)

    def attainment_from(self, kpi: str, a: np.ndarray, q: np.ndarray, has) -> np.ndarray:
        """Attainment from an actual and a target already measured (see :meth:`attainment`)."""
        return self._att_from(kpi, a, q, has)

    def window_share(self, w: Windows) -> np.ndarray:
        """Share of a year each window covers, prorated (reps, windows)."""
        return self._window_share(w)

    def team_sum(self, name: str, x: np.ndarray) -> np.ndarray:
        """Sums of ``x`` over the units of team component ``name``, for each rep of the unit."""
        return self._team_sum(name, x)

    def ti_window(self, w: Windows) -> np.ndarray:
        """Target incentive for each window (prorated), (reps, windows)."""
        return window_sums(self.ti_month, w)

    def actual(self, kpi: str) -> np.ndarray:
        """The actuals of ``kpi`` being paid (NaN as 0), ``(..., reps, months)``."""
        return self._actual[kpi]

    def coefficient(self, sc: PlanComponent, w: Windows) -> tuple[np.ndarray, np.ndarray]:
        """Scorecard ``sc``'s performance coefficient per window and where it had no score.

        The mean score over the months that have one, through the scorecard's curve;
        a window without any score pays nothing and is recorded as "no score".
        """
        key = (sc.name, w.period)
        cache = self._coef_cache
        if key not in cache:
            score = self._score
            if score is None:
                raise ValueError(
                    _(
                        "component {name!r} is a scorecard: pass score= "
                        "(appraisal score or performance coefficient per rep and month)"
                    ).format(name=sc.name)
                )
            if isinstance(score, Mapping):
                if sc.name not in score:
                    raise ValueError(
                        _("score: no entry for scorecard {name!r}; it has {names}").format(
                            name=sc.name, names=sorted(score)
                        )
                    )
                src = score[sc.name]
            else:
                src = score
            s = np.broadcast_to(np.asarray(src, dtype=float), self._full)
            fin = np.isfinite(s)
            # The mean over the months that have a score; a window with none
            # pays nothing and is recorded as "no score" (never silently 0).
            n = window_sums(fin.astype(float), w)
            mean = ratio(window_sums(np.where(fin, s, 0.0), w), n)
            curve = self.curves.get(sc.name)
            coef = curve(mean) if curve is not None else mean
            cache[key] = (np.where(n > 0, coef, 0.0), n <= 0)
        return cache[key]

    # ----------------------------------------------------------------- payout
    def payout(
        self,
        actual: Mapping[str, np.ndarray],
        target: Mapping[str, np.ndarray],
        score: np.ndarray | None = None,
        trace: bool = False,
        lines: bool = True,
    ) -> PlanPayout:
        """Pay the plan on arrays.

        Parameters
        ----------
        actual : mapping of KPI name to array
            Actual results, shape ``(..., reps, months)`` (KPI units: currency,
            counts, rates). NaN (not employed, no data) counts as nothing.
        target : mapping of KPI name to array
            Targets (quotas) in the same units, broadcastable to the actuals'
            shape (e.g. ``(reps, months)`` shared by every draw).
        score : array, optional
            Appraisal score or performance coefficient for scorecard
            components, broadcastable to ``(..., reps, months)``.
        trace : bool
            Keep the window-level steps for pay statements.
        lines : bool
            Keep each line's monthly payments (``PlanPayout.lines``). ``False``
            returns the total only (``lines`` empty): components paid on the same
            windows one after another are added per window and spread onto the
            months once, which spares the Monte Carlo engine several passes over
            (draws x reps x months) arrays. The total is the same sum, in the same order.
        """
        spec = self.spec
        full = self._load(actual, target)
        # A clawback reverses single lines, and a trace explains them: both need every line.
        keep_lines = lines or trace or any(c.clawback is not None for c in spec.components)
        self._score, self._coef_cache, self._full = score, {}, full
        tr: dict = {}
        try:
            if keep_lines:
                ordered = self._component_lines(full, tr if trace else None)
                earned = np.zeros(full)
                for arr in ordered.values():
                    earned += arr
            else:
                ordered = {}
                earned = self._component_total(full)
            earned, extra = self._plan_lines(earned, ordered, keep_lines, tr if trace else None)
            if keep_lines:
                ordered.update(extra)
            if not self.paid.all():
                # Reps outside the plan's positions: in the unit's sums, never paid.
                m = self.paid[:, None]
                ordered = {k: np.where(m, v, 0.0) for k, v in ordered.items()}
                earned = np.where(m, earned, 0.0)
            return PlanPayout(
                lines=ordered if lines or trace else {}, total=earned, trace=tr,
                windows=dict(self.windows),
            )  # fmt: skip
        finally:
            self._actual = self._target = self._finite_a = self._finite_q = None
            self._ws = None
            self._score = self._coef_cache = None

    def _load(self, actual: Mapping[str, np.ndarray], target: Mapping[str, np.ndarray]):
        """Check and keep the actuals and targets of every KPI the plan reads; the full
        shape ``(..., reps, months)`` of the payments."""
        R, T = self.shape
        needed = self.kpis_needed()
        missing = [k for k in needed if k not in actual]
        if missing:
            raise KeyError(
                _("actuals missing for KPI(s) {missing}; the plan uses {needed}").format(
                    missing=missing, needed=sorted(needed)
                )
            )
        lead = None
        self._actual, self._target = {}, {}
        self._finite_a, self._finite_q = {}, {}
        for k in needed:
            a = np.asarray(actual[k], dtype=float)
            if a.shape[-2:] != (R, T):
                raise ValueError(
                    _(
                        "actuals for {kpi!r} have shape {shape}; expected (..., {reps}, {months})"
                    ).format(kpi=k, shape=a.shape, reps=R, months=T)
                )
            lead = a.shape[:-2] if lead is None else np.broadcast_shapes(lead, a.shape[:-2])
            self._actual[k], self._finite_a[k] = finite(a)
            if k in target:
                q = np.asarray(target[k], dtype=float)
                try:
                    np.broadcast_shapes(q.shape, a.shape)
                except ValueError:
                    raise ValueError(
                        _(
                            "targets for {kpi!r} have shape {shape}; expected ({reps}, {months}) "
                            "or any shape broadcastable to the actuals' {actuals} "
                            "(reps, months last)"
                        ).format(kpi=k, shape=q.shape, reps=R, months=T, actuals=a.shape)
                    ) from None
                self._target[k], self._finite_q[k] = finite(q)
            else:
                self._target[k] = np.zeros((R, T))
                self._finite_q[k] = np.zeros((R, T), dtype=bool)
        self._ws = {}
        return (*lead, R, T) if lead is not None else (R, T)

    def _component_payment(
        self, c: PlanComponent, full: tuple[int, ...], trace: bool
    ) -> tuple[np.ndarray, dict]:
        """One component's payments per window, and its steps: the component's own
        entitlement, then what every component shares (gate, modifier, scorecard
        coefficients, true-up, component cap)."""
        w = self.windows[c.name]
        raw, t = c.entitlement(self, w)
        raw = np.broadcast_to(raw, (*full[:-1], len(w.ends)))
        t["raw"] = raw
        if c.needs_target():
            t["no_target"] = np.broadcast_to(self._mean_or_sum("q", c.own_kpi, w) <= 0, raw.shape)
        kpi = c.trace_kpi()
        if trace and kpi is not None:
            t["_actual"] = self._mean_or_sum("a", kpi, w)
            t["_target"] = self._mean_or_sum("q", kpi, w)
            t["ti_window"] = self.ti_window(w)
        ent = raw
        ok = None
        if c.gate is not None:
            # Measured over the period itself, also under true-up (see spec.Gate).
            gw = self.period_windows[c.name]
            gm = self._measure(c.gate.kpi, c.gate.basis, gw)
            ok = np.broadcast_to(gm >= c.gate.min, raw.shape)
            t.update(gate_measure=gm, gate_ok=ok)
        if c.modifier is not None:
            mm = self._measure(c.modifier.kpi, c.modifier.basis, w)
            mf = self.modifiers[c.name](mm)
            ent = ent * mf
            t.update(modifier_measure=mm, modifier_factor=mf)
        for sc_name in self.multipliers.get(c.name, []):
            coef, no_score = self.coefficient(self._by_name[sc_name], w)
            ent = ent * coef
            t[f"coefficient:{sc_name}"] = coef
            t[f"no_score:{sc_name}"] = no_score
        t["entitlement"] = ent
        pay, before = self._pay_from_entitlement(ent, w, ok)
        t["paid_before"] = before
        if c.max_payout is not None:
            pay = self._component_cap(c.max_payout, pay, w, t, trace)
        t["payment"] = pay
        return pay, t

    def _component_lines(self, full: tuple[int, ...], tr: dict | None) -> dict[str, np.ndarray]:
        """Each component's payments on the months grid, in the plan's order."""
        out: dict[str, np.ndarray] = {}
        for c in self.spec.components:
            if not c.pays():
                out[c.name] = np.zeros(full)
                continue
            pay, t = self._component_payment(c, full, tr is not None)
            out[c.name] = spread(pay, self.windows[c.name], full)
            if tr is not None:
                tr[c.name] = t
        return out

    def _component_total(self, full: tuple[int, ...]) -> np.ndarray:
        """The components' total on the months grid without keeping lines: components
        paid on the same windows one after another are added per window first."""
        #: (windows, summed window payments) of consecutive components.
        run: list = []
        earned_total: np.ndarray | None = None

        def flush() -> None:
            nonlocal earned_total
            if run:
                monthly = spread(run[1], run[0], full)
                if earned_total is None:
                    earned_total = np.array(monthly, dtype=float, copy=True)
                else:
                    earned_total += monthly
                run.clear()

        for c in self.spec.components:
            if not c.pays():
                continue
            pay, _t = self._component_payment(c, full, False)
            w = self.windows[c.name]
            if (
                run
                and run[0] is w
                or (run and run[0].period == w.period and run[0].true_up == w.true_up)
            ):
                run[1] = run[1] + pay
            else:
                flush()
                run[:] = [w, np.array(np.broadcast_to(pay, pay.shape), dtype=float)]
        flush()
        earned = earned_total if earned_total is not None else np.zeros(full)
        if earned.shape != full:
            earned = np.array(np.broadcast_to(earned, full), dtype=float)
        return earned

    def _plan_lines(
        self, earned: np.ndarray, ordered: dict, keep_lines: bool, tr: dict | None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The plan-level lines on the components' total: plan cap, clawbacks, draw."""
        spec = self.spec
        extra: dict[str, np.ndarray] = {}
        kept = None
        capped = spec.max_payout_multiple is not None or spec.max_payout is not None
        if not keep_lines and capped:
            self._plan_cap(earned, None, in_place=True)
        elif capped:
            adj = self._plan_cap(earned, tr)
            extra["plan_cap"] = adj
            if any(c.clawback is not None for c in spec.components):
                # Share of each month's positive component pay really paid after the
                # plan cap: a clawback reverses only what was paid, never more.
                positive = np.zeros(earned.shape)
                for arr in ordered.values():
                    positive += np.maximum(arr, 0.0)
                kept = np.clip(ratio(positive + adj, positive) + (positive <= 0), 0.0, 1.0)
            earned += adj
        for c in spec.components:
            if c.clawback is not None:
                base = np.maximum(ordered[c.name], 0.0)
                if kept is not None:
                    base = base * kept
                cb = self._clawback(c, base, tr)
                extra[f"clawback:{c.name}"] = cb
                earned += cb
        if spec.draw is not None:
            paid = self._draw(earned, spec.draw, tr)
            extra["draw"] = paid - earned
            earned = paid
        return earned, extra

    # ----------------------------------------------------------------- stages
    def kpis_needed(self) -> list[str]:
        """The KPIs the plan's components read, in the order they name them."""
        out: list[str] = []
        for c in self.spec.components:
            for k in c.kpis():
                if k not in out:
                    out.append(k)
        return out

    def _pay_from_entitlement(
        self, ent: np.ndarray, w: Windows, ok: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Payment per window and what earlier windows of the year paid (true-up).

        ``ok``: the gate per window; a window whose gate fails pays nothing.
        """
        if not self.spec.true_up:
            return (ent if ok is None else ent * ok), None
        if ok is None and self.spec.negative_true_up == "recover":
            before = np.where(w.prev >= 0, np.take(ent, np.maximum(w.prev, 0), axis=-1), 0.0)
            return ent - before, before
        hold = self.spec.negative_true_up == "hold"
        pay = np.empty_like(ent)
        before = np.empty_like(ent)
        paid = np.zeros(ent.shape[:-1])
        for j in range(ent.shape[-1]):
            if w.prev[j] < 0:
                paid = np.zeros(ent.shape[:-1])
            before[..., j] = paid
            p = ent[..., j] - paid
            if hold:  # never pay a negative true-up; the overpayment is held against later windows
                p = np.maximum(p, 0.0)
            if ok is not None:
                p = p * ok[..., j]
            pay[..., j] = p
            paid = paid + p
        return pay, before

    def _component_cap(
        self, cap: float, pay: np.ndarray, w: Windows, t: dict, trace: bool = True
    ) -> np.ndarray:
        """Hold a component's year-to-date payments at ``cap`` x the share of the year worked.

        An annual cap, not a per-window one: a three-month campaign can pay up
        to the whole annual cap.
        """
        limit = cap * self.year_share[:, w.ends]
        yw = self.year_id[w.ends]
        if np.all(yw == yw[0]):  # one plan year (the common case): a few vector operations
            if not trace:
                # Where the year's positive payments stay under the cap it cannot bind:
                # those reps (and draws) are paid as earned, the others held below.
                binds = np.maximum(pay, 0.0).sum(axis=-1) > limit.min(axis=-1)
                if not binds.any():
                    return pay
                shape = np.broadcast_shapes(pay.shape, limit.shape)
                out = np.array(np.broadcast_to(pay, shape))
                rows = np.nonzero(np.broadcast_to(binds, shape[:-1]))
                out[rows] = self._hold_ytd(out[rows], np.broadcast_to(limit, shape)[rows])
                return out
            held = np.array(np.broadcast_to(pay, np.broadcast_shapes(pay.shape, limit.shape)))
            for j in range(1, held.shape[-1]):  # cumsum along a short last axis, but faster
                held[..., j] += held[..., j - 1]
            np.minimum(held, limit, out=held)
            out = np.empty_like(held)
            out[..., 0] = held[..., 0]
            np.subtract(held[..., 1:], held[..., :-1], out=out[..., 1:])
            if trace:
                t.update(cap_limit=limit, capped=out < pay - 1e-9, cap_paid_before=held - out)
            return out
        out = np.empty(np.broadcast_shapes(pay.shape, limit.shape))
        ytd_before = np.zeros_like(out)
        cum = np.zeros(out.shape[:-1])
        held = np.zeros(out.shape[:-1])
        for j in range(pay.shape[-1]):
            if j > 0 and yw[j] != yw[j - 1]:
                cum = np.zeros(out.shape[:-1])
                held = np.zeros(out.shape[:-1])
            ytd_before[..., j] = held
            cum = cum + pay[..., j]
            new_held = np.minimum(cum, limit[..., j])
            out[..., j] = new_held - held
            held = new_held
        t.update(cap_limit=limit, capped=out < pay - 1e-9, cap_paid_before=ytd_before)
        return out

    @staticmethod
    def _hold_ytd(pay: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """Payments (rows, windows) of one plan year held so their running total stays at
        ``limit`` (the same shape)."""
        held = np.array(pay, dtype=float, copy=True)
        for j in range(1, held.shape[-1]):
            held[..., j] += held[..., j - 1]
        np.minimum(held, limit, out=held)
        out = np.empty_like(held)
        out[..., 0] = held[..., 0]
        np.subtract(held[..., 1:], held[..., :-1], out=out[..., 1:])
        return out

    def plan_cap_limit(self) -> np.ndarray:
        """Year-to-date limit of the plan cap per rep and month (currency), (reps, months).

        The smaller of ``max_payout_multiple`` x year-to-date target incentive and
        ``max_payout`` x the share of the plan year worked (whichever are given).
        """
        spec = self.spec
        lim = np.full(self.shape, np.inf)
        if spec.max_payout_multiple is not None:
            lim = np.minimum(
                lim, spec.max_payout_multiple * month_cumsum(self.ti_month, self.year_id)
            )
        if spec.max_payout is not None:
            lim = np.minimum(lim, spec.max_payout * self.year_share)
        return lim

    def _plan_cap(
        self, earned: np.ndarray, tr: dict | None = None, in_place: bool = False
    ) -> np.ndarray:
        """The plan cap's adjustment per month (<= 0); with ``in_place`` it is added to
        ``earned`` directly, only for the reps (and draws) the cap holds back."""
        ytd = month_cumsum(earned, self.year_id)
        limit = self.plan_cap_limit()
        # The cumulative amount held back by the cap, year to date (in the year-to-date
        # buffer itself unless a trace keeps both).
        over = ytd - limit if tr is not None else np.subtract(ytd, limit, out=ytd)
        np.maximum(over, 0.0, out=over)
        if tr is not None:
            tr["plan_cap"] = {"ytd_earned": ytd, "limit": limit, "held": over}
        if in_place:
            rows = np.nonzero(over.any(axis=-1))
            if len(rows[0]):
                earned[rows] += self._plan_cap_adjustment(over[rows])
            return earned
        return self._plan_cap_adjustment(over)

    def _plan_cap_adjustment(self, over: np.ndarray) -> np.ndarray:
        adj = np.empty_like(over)
        adj[..., 0] = -over[..., 0]
        np.subtract(over[..., :-1], over[..., 1:], out=adj[..., 1:])
        for t in np.flatnonzero(self.year_id[1:] != self.year_id[:-1]) + 1:
            adj[..., t] = -over[..., t]
        adj += 0.0  # no negative zeros in statements
        return adj

    def _clawback(self, c, paid: np.ndarray, tr: dict | None = None) -> np.ndarray:
        """Reverse ``share`` of each month's payment ``paid`` (>= 0, after the plan
        cap) in the first month within ``within_months`` where the KPI falls short."""
        cb = c.clawback
        if cb.basis == "attainment":
            q = self._target[cb.kpi]
            a = self._actual[cb.kpi]
            if self.kpi_direction.get(cb.kpi, "higher") == "lower":
                qb = np.broadcast_to(q, a.shape)
                m = ratio(qb, a)
                fa = self._finite_a[cb.kpi]
                # At 0 a lower-is-better KPI is at its best (attainment +inf), never short.
                best = (a <= 0) & (qb > 0) & (True if fa is None else fa)
                if best.any():
                    m = np.where(best, np.inf, m)
            else:
                m = ratio(a, np.broadcast_to(q, a.shape))
        else:
            m = self._actual[cb.kpi]
        fin = self._finite_a[cb.kpi]
        short = (m < cb.min) if fin is None else (fin & (m < cb.min))
        short = np.broadcast_to(short, paid.shape)
        pending = cb.share * np.maximum(paid, 0.0)
        alive = np.ones(paid.shape, dtype=bool)
        out = np.zeros(paid.shape)
        T = paid.shape[-1]
        hits = []
        for k in range(1, min(cb.within_months, T - 1) + 1):
            hit = short[..., k:] & alive[..., : T - k]
            out[..., k:] -= pending[..., : T - k] * hit
            alive[..., : T - k] &= ~hit
            hits.append((k, hit))
        if tr is not None:
            tr[f"clawback:{c.name}"] = {"measure": m, "paid": paid, "hits": hits}
        return out

    def _draw(self, earned: np.ndarray, d, tr: dict | None = None) -> np.ndarray:
        draw = d.amount * self.prorate * self.draw_mask
        if not d.recoverable:
            return np.maximum(earned, draw)
        pay = np.empty_like(earned)
        bal = np.zeros(earned.shape[:-1])
        balance = np.empty_like(earned)
        forgiven = np.zeros_like(earned)
        for t in range(earned.shape[-1]):
            if t > 0 and self.year_id[t] != self.year_id[t - 1] and d.unrecovered == "forgive":
                forgiven[..., t] = bal
                bal = np.zeros(earned.shape[:-1])  # written off at the end of the plan year
            p = np.maximum(earned[..., t] - bal, draw[..., t])
            bal = bal + p - earned[..., t]
            pay[..., t] = p
            balance[..., t] = bal
        if tr is not None:
            tr["draw"] = {"balance": balance, "forgiven": forgiven, "draw": draw}
        return pay


__all__ = [
    "PERIOD_MONTHS",
    "PlanPayout",
    "PreparedPlan",
    "Windows",
    "commission_amount",
    "make_windows",
    "month_cumsum",
    "window_sums",
]
