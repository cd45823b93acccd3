"""The :class:`Plan`: a validated plan spec with its tidy-frame edge.

``Plan.from_yaml(path)`` / ``Plan.from_dict(d)`` validate; ``plan.prepare(reps,
periods, ...)`` binds the plan to reps and months for the numpy core;
``plan.evaluate(actuals, targets, reps)`` pays history (a replay) or any tidy
actuals and returns one row per rep, month and payment line;
``plan.explain(rep_id, period, ...)`` is the pay statement of one rep and month.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import SpecError
from simlib.i18n import _
from simlib.plans.components.team import team_index
from simlib.plans.core import PlanPayout, PreparedPlan
from simlib.plans.curve import PayoutCurve
from simlib.plans.inputs import PlanInputError, PlanWarning, number_column, require_columns
from simlib.plans.inputs import dates_of as _dates
from simlib.plans.inputs import number_column as _numbers
from simlib.plans.inputs import periods_of as _periods
from simlib.plans.inputs import require_columns as _require
from simlib.plans.inputs import unique_reps as _unique_reps
from simlib.plans.spec import PlanSpec, check_plan, decreasing_curves
from simlib.plans.statement import PayStatement
from simlib.plans.tidy import payout_totals, tidy_payout
from simlib.spec import load_yaml, parse_spec


class Plan:
    """An incentive plan: components combined, as data.

    Parameters
    ----------
    spec : PlanSpec
        The validated spec; build a plan with :meth:`from_dict` or :meth:`from_yaml`.

    Examples
    --------
    >>> plan = Plan.from_dict({
    ...     "name": "AM plan", "period": "quarter",
    ...     "target_incentive": {"pay_mix": {"base": 0.6, "variable": 0.4}},
    ...     "components": [{"type": "quota_bonus", "name": "revenue", "kpi": "revenue",
    ...                     "weight": 1.0, "curve": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}]})
    >>> plan.curve("revenue")([0.7, 1.0, 2.0]).tolist()
    [0.0, 1.0, 2.0]
    """

    def __init__(self, spec: PlanSpec) -> None:
        self.spec = spec

    # ----------------------------------------------------------- construction
    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any] | PlanSpec,
        kpis: Sequence[str] | None = None,
        root: str = "plan",
    ) -> Plan:
        """Validate a plan given as a dict (e.g. parsed YAML).

        Parameters
        ----------
        data : mapping
            The plan (see :class:`~simlib.plans.spec.PlanSpec`).
        kpis : sequence of str, optional
            KPI names that exist (e.g. ``ds.kpi_names``): every KPI the plan
            measures, gates or modifies on must be one of them.

        Raises
        ------
        SpecError
            Listing every problem with its path, e.g.
            ``plan.components[1].curve[2]: attainment must increase (0.9 after 1.0)``.
        """
        spec = parse_spec(PlanSpec, data, root)
        errs = check_plan(spec, list(kpis) if kpis is not None else None, root)
        if errs:
            raise SpecError(errs)
        for path, msg in decreasing_curves(spec, root):
            warnings.warn(
                _("{path}: {message}").format(path=path, message=msg), PlanWarning, stacklevel=2
            )
        return cls(spec)

    @classmethod
    def from_yaml(cls, path: str | Path, kpis: Sequence[str] | None = None) -> Plan:
        """Read and validate a plan file; error paths start with the file name."""
        data = load_yaml(path)
        return cls.from_dict(data, kpis=kpis, root=f"{Path(path).name}: plan")

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def components(self) -> list:
        return list(self.spec.components)

    def component(self, name: str):
        for c in self.spec.components:
            if c.name == name:
                return c
        raise KeyError(
            _("plan {plan!r} has no component {name!r}; it has {names}").format(
                plan=self.name, name=name, names=[c.name for c in self.spec.components]
            )
        )

    def curve(self, name: str) -> PayoutCurve:
        """The payout curve of a quota-bonus or team component."""
        c = self.component(name)
        curve = c.payout_curve()
        if curve is None:
            raise KeyError(
                _("component {name!r} ({type}) has no payout curve").format(name=name, type=c.type)
            )
        return curve

    def __repr__(self) -> str:
        return f"Plan({self.name!r}, {len(self.spec.components)} components, period={self.spec.period})"

    # ------------------------------------------------------ target incentive
    def target_incentive(self, reps: pd.DataFrame) -> pd.Series:
        """Annual target incentive per rep (currency), indexed by ``rep_id``.

        From the pay mix on ``base_salary`` (variable / base x base salary: 60/40
        on 120,000 gives 80,000), a flat amount, or an amount per ``position``.
        Practice (pay-mix tables, talentfoot/Xactly): hunters 40-60% variable,
        farmers 20-40%, managers 10-30%.
        """
        ti = self.spec.target_incentive
        idx = reps["rep_id"].to_numpy()
        if ti is None:
            return pd.Series(0.0, index=idx, name="target_incentive")
        if ti.pay_mix is not None:
            _require(reps, "reps", ["rep_id", "base_salary"])
            base = _numbers(reps, "base_salary", "reps")
            vals = base * ti.pay_mix.variable / ti.pay_mix.base
        elif ti.amount is not None:
            vals = np.full(len(reps), float(ti.amount))
        else:
            _require(reps, "reps", ["rep_id", "position"])
            pos = reps["position"].astype(str)
            missing = sorted(set(pos) - set(ti.by_position))
            if missing:
                raise PlanInputError(
                    _(
                        "reps: position(s) {missing} have no amount in "
                        "plan.target_incentive.by_position (it lists {listed})"
                    ).format(missing=missing, listed=sorted(ti.by_position))
                )
            vals = pos.map(ti.by_position).to_numpy(dtype=float)
        return pd.Series(vals, index=idx, name="target_incentive")

    def on_target_earnings(self, reps: pd.DataFrame) -> pd.DataFrame:
        """Base salary, target incentive and on-target earnings (OTE) per rep, annual."""
        ti = self.target_incentive(reps)
        base = _numbers(reps, "base_salary", "reps") if "base_salary" in reps else np.nan
        out = pd.DataFrame(
            {
                "rep_id": reps["rep_id"].to_numpy(),
                "base_salary": base,
                "target_incentive": ti.to_numpy(),
            }
        )
        out["ote"] = out["base_salary"] + out["target_incentive"]
        out["variable_share"] = out["target_incentive"] / out["ote"]
        return out

    # --------------------------------------------------------------- prepare
    def prepare(
        self,
        reps: pd.DataFrame,
        periods: Any,
        ds=None,
        hierarchy=None,
        leave: pd.DataFrame | None = None,
        kpi_rules: pd.DataFrame | None = None,
        paid: np.ndarray | Sequence[bool] | None = None,
    ) -> PreparedPlan:
        """Bind the plan to reps and months for the numpy core.

        Parameters
        ----------
        reps : pandas.DataFrame
            One row per rep in the order of the reps axis: ``rep_id``,
            ``unit_id`` (team components), ``position``, ``base_salary`` (target
            incentive), ``hire_date`` / ``exit_date`` (proration; optional).
        periods : sequence of months
            The months axis (``pandas.PeriodIndex`` or strings like ``"2026-01"``).
        ds : Dataset, optional
            Supplies the hierarchy (team components) and KPI rules (``mean``
            KPIs such as retention are averaged, not summed; ``lower`` KPIs have
            attainment target / actual).
        leave : pandas.DataFrame, optional
            ``rep_id, start, end`` (dates, inclusive): days on leave scale the
            target incentive down when ``proration.leave`` is on.
        paid : boolean array, optional
            Which of ``reps`` the plan pays. Default: those whose ``position`` is
            in the plan's ``positions`` (everyone when the plan lists none).
            Reps not paid still count in a team component's unit: pass every
            rep of the units (all positions) with their actuals and targets so
            that a unit's attainment is the whole unit's, and the lines of the
            reps not paid are 0.
        """
        _require(reps, "reps", ["rep_id"])
        _unique_reps(reps)
        periods = _periods(periods)
        if len(periods) == 0:
            raise PlanInputError(_("periods: no months given"))
        rep_ids = reps["rep_id"].to_numpy()
        if paid is None:
            paid = self.covers(reps)
        paid = np.asarray(paid, dtype=bool)
        if paid.shape != (len(reps),):
            raise PlanInputError(
                _("paid: expected one True/False per rep ({n}), got shape {shape}").format(
                    n=len(reps), shape=paid.shape
                )
            )
        ti = np.zeros(len(reps))
        if paid.any():
            ti[paid] = self.target_incentive(reps.loc[paid]).to_numpy()
        prorate = self._prorate(reps, periods, leave)
        draw_mask = None
        if self.spec.draw is not None and self.spec.draw.months is not None:
            draw_mask = self._new_hire_months(reps, periods, self.spec.draw.months)
        if hierarchy is None and ds is not None:
            from simlib.data.org import Hierarchy

            hierarchy = Hierarchy.of(ds)
        bound: dict[str, dict] = {"teams": {}, "spif_masks": {}}
        for c in self.spec.components:
            for kind, value in c.bind(reps, periods, hierarchy).items():
                bound[kind][c.name] = value
        rules = kpi_rules if kpi_rules is not None else (ds.kpis if ds is not None else None)
        agg, direction = {}, {}
        if rules is not None:
            for _i, r in rules.iterrows():
                agg[str(r["kpi"])] = str(r.get("aggregation", "sum"))
                direction[str(r["kpi"])] = str(r.get("direction", "higher"))
        return PreparedPlan(
            self.spec,
            rep_ids,
            periods,
            ti,
            prorate,
            bound["teams"],
            bound["spif_masks"],
            agg,
            direction,
            paid=paid,
            draw_mask=draw_mask,
        )

    def covers(self, reps: pd.DataFrame) -> np.ndarray:
        """Which reps the plan pays: ``position`` in the plan's ``positions`` (all if none)."""
        if self.spec.positions is None:
            return np.ones(len(reps), dtype=bool)
        _require(reps, "reps", ["rep_id", "position"])
        return reps["position"].isin(self.spec.positions).to_numpy()

    @staticmethod
    def _new_hire_months(reps: pd.DataFrame, periods: pd.PeriodIndex, months: int) -> np.ndarray:
        """(reps, months) 1 in the first ``months`` months from the hire month, else 0.

        Reps without a ``hire_date`` are not new hires.
        """
        if "hire_date" not in reps:
            raise PlanInputError(
                _(
                    "reps: the plan's draw is for new hires (months: {months}): "
                    "a 'hire_date' column is needed"
                ).format(months=months)
            )
        hire = _dates(reps, "hire_date")
        out = np.zeros((len(reps), len(periods)))
        ok = ~np.isnat(hire)
        if ok.any():
            hp = pd.DatetimeIndex(hire[ok]).to_period("M")
            h_ord = hp.year.to_numpy() * 12 + hp.month.to_numpy() - 1
            p_ord = periods.year.to_numpy() * 12 + periods.month.to_numpy() - 1
            since = p_ord[None, :] - h_ord[:, None]
            out[ok] = ((since >= 0) & (since < months)).astype(float)
        return out

    def _prorate(
        self, reps: pd.DataFrame, periods: pd.PeriodIndex, leave: pd.DataFrame | None
    ) -> np.ndarray:
        pr = self.spec.proration
        start = periods.start_time.normalize().to_numpy()
        end = periods.end_time.normalize().to_numpy()
        days = ((end - start) / np.timedelta64(1, "D")).astype(float) + 1
        n = len(reps)
        hire = (
            _dates(reps, "hire_date")
            if "hire_date" in reps
            else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        )
        exit_ = (
            _dates(reps, "exit_date")
            if "exit_date" in reps
            else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        )
        if not pr.hire:
            # Without hire proration a rep is paid for the whole month they joined in.
            hire = pd.DatetimeIndex(hire).to_period("M").start_time.to_numpy()
        if not pr.exit:
            exit_ = pd.DatetimeIndex(exit_).to_period("M").end_time.normalize().to_numpy()
        lo = np.maximum(start[None, :], np.where(np.isnat(hire), start[0], hire)[:, None])
        hi = np.minimum(end[None, :], np.where(np.isnat(exit_), end[-1], exit_)[:, None])
        worked = np.clip((hi - lo) / np.timedelta64(1, "D") + 1, 0, None)
        if leave is not None and pr.leave and len(leave):
            _require(leave, "leave", ["rep_id", "start", "end"])
            r = pd.Index(reps["rep_id"]).get_indexer(leave["rep_id"])
            if (r < 0).any():
                bad = leave["rep_id"][r < 0].unique()[:5].tolist()
                raise PlanInputError(
                    _("leave: rep_id(s) {bad} are not among the reps").format(bad=bad)
                )
            ls = _dates(leave, "start", "leave")
            le = _dates(leave, "end", "leave")
            wrong = (le < ls) | np.isnat(ls) | np.isnat(le)
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                raise PlanInputError(
                    _(
                        "leave, row {row}: a leave spell needs a start and an end on or after it "
                        "(start {start!r}, end {end!r})"
                    ).format(row=i + 1, start=leave["start"].iloc[i], end=leave["end"].iloc[i])
                )
            llo = np.maximum(start[None, :], ls[:, None])
            lhi = np.minimum(end[None, :], le[:, None])
            ldays = np.clip((lhi - llo) / np.timedelta64(1, "D") + 1, 0, None)
            np.add.at(worked, r, -ldays)
            worked = np.clip(worked, 0, None)
        return worked / days[None, :]

    # --------------------------------------------------------------- evaluate
    def arrays(self, actuals, targets, reps, periods):
        """Actuals and targets per KPI on the (reps, months) grid, and the months."""
        _require(actuals, "actuals", ["rep_id", "period", "kpi", "value"])
        _require(targets, "targets", ["rep_id", "period", "kpi", "target"])
        if periods is None:
            tp = _periods(targets["period"], "targets")
            if len(tp) == 0:
                raise PlanInputError(_("targets: no rows, so no months to pay; pass periods="))
            periods = pd.period_range(tp.min(), tp.max(), freq="M")
        periods = _periods(periods)
        rep_ids = reps["rep_id"].to_numpy()
        r_idx = pd.Index(rep_ids)
        p_idx = pd.PeriodIndex(periods)
        kpis = self._kpis()
        need_target = self._kpis_needing_targets()
        out: dict = {"actuals": {}, "targets": {}}
        for name, frame, col in (("actuals", actuals, "value"), ("targets", targets, "target")):
            r = r_idx.get_indexer(frame["rep_id"])
            t = p_idx.get_indexer(_periods(frame["period"], name))
            if len(frame) and (r < 0).all():
                raise PlanInputError(
                    _("{name}: none of its rep_id values are among the reps").format(name=name)
                )
            vals = _numbers(frame, col, name)
            kpi_col = frame["kpi"].to_numpy()
            for k in kpis:
                keep = (r >= 0) & (t >= 0) & (kpi_col == k)
                if name == "actuals" and not keep.any():
                    raise PlanInputError(
                        _(
                            "{path}: no rows for KPI {kpi!r} in the actuals for the "
                            "months paid ({first}..{last}); the plan uses it"
                        ).format(path=self._kpi_path(k), kpi=k, first=periods[0], last=periods[-1])
                    )
                if name == "targets" and k in need_target and not keep.any():
                    raise PlanInputError(
                        _(
                            "targets: no rows for KPI {kpi!r} in the months paid; the plan "
                            "measures attainment on it"
                        ).format(kpi=k)
                    )
                cell = r[keep] * len(periods) + t[keep]
                dup = pd.Series(cell).duplicated().to_numpy()
                if dup.any():
                    i = int(np.flatnonzero(keep)[np.flatnonzero(dup)[0]])
                    raise PlanInputError(
                        _(
                            "{name}, row {row}: a second row for rep {rep!r}, "
                            "{period}, KPI {kpi!r}; expected one row per rep, month and KPI"
                        ).format(
                            name=name,
                            row=i + 1,
                            rep=frame["rep_id"].iloc[i],
                            period=frame["period"].iloc[i],
                            kpi=k,
                        )
                    )
                a = np.full((len(rep_ids), len(periods)), np.nan)
                a[r[keep], t[keep]] = vals[keep]
                arrs_k = a
                out.setdefault(name, {})[k] = arrs_k
        return out["actuals"], out["targets"], periods

    def _kpi_path(self, kpi: str) -> str:
        """The spec path where the plan first names ``kpi`` (for error messages)."""
        for i, c in enumerate(self.spec.components):
            if getattr(c, "kpi", None) == kpi:
                return f"plan.components[{i}].kpi"
            for sub in ("gate", "modifier", "clawback"):
                x = getattr(c, sub)
                if x is not None and x.kpi == kpi:
                    return f"plan.components[{i}].{sub}.kpi"
        return "plan"

    def _kpis_needing_targets(self) -> set[str]:
        out = set()
        for c in self.spec.components:
            if c.needs_target():
                out.add(c.own_kpi)
            for sub in (c.gate, c.modifier, c.clawback):
                if sub is not None and sub.basis == "attainment":
                    out.add(sub.kpi)
        return out

    def _kpis(self) -> list[str]:
        out = []
        for c in self.spec.components:
            for k in c.kpis():
                if k and k not in out:
                    out.append(k)
        return out

    def _score_array(self, scores, reps, periods) -> np.ndarray | None:
        if scores is None:
            return None
        if isinstance(scores, np.ndarray):
            return scores
        if isinstance(scores, pd.Series):
            s = scores.reindex(reps["rep_id"].to_numpy())
            return s.to_numpy(dtype=float)[:, None]
        _require(scores, "scores", ["rep_id"])
        if "rating" not in scores.columns and "score" not in scores.columns:
            raise PlanInputError(_("scores: expected a 'score' or a 'rating' column"))
        if "rating" in scores.columns and not any(
            getattr(c, "ratings", None) for c in self.spec.components
        ):
            raise PlanInputError(
                _("scores: ratings given but no scorecard component has a ratings table")
            )
        r = pd.Index(reps["rep_id"]).get_indexer(scores["rep_id"])
        t = (
            pd.PeriodIndex(periods).get_indexer(_periods(scores["period"], "scores"))
            if "period" in scores.columns
            else None
        )
        out: dict[str, np.ndarray] = {}
        for i, sc in enumerate(self.spec.components):
            vals = sc.score_values(scores, i)
            if vals is None:
                continue
            if t is None:
                a = np.full((len(reps), 1), np.nan)
                a[r[r >= 0], 0] = vals[r >= 0]
            else:
                a = np.full((len(reps), len(periods)), np.nan)
                keep = (r >= 0) & (t >= 0)
                a[r[keep], t[keep]] = vals[keep]
                # A rating given once (e.g. at year end) holds for the whole year.
                a = pd.DataFrame(a).T.bfill().ffill().T.to_numpy()
            out[sc.name] = a
        return out

    def _check_scores(self, score, reps: pd.DataFrame, paid: np.ndarray) -> None:
        """A paid rep without any score or rating is an input error, not a zero bonus."""
        if not isinstance(score, dict):
            return
        for name, a in score.items():
            none = paid & ~np.isfinite(a).any(axis=1)
            if none.any():
                ids = reps["rep_id"].to_numpy()[none]
                raise PlanInputError(
                    _(
                        "scores: no score or rating for rep(s) {reps}{more} (scorecard {name!r}); "
                        "a missing appraisal is not a zero: give one"
                    ).format(
                        reps=ids[:10].tolist(),
                        more=_(" and {n} more").format(n=len(ids) - 10) if len(ids) > 10 else "",
                        name=name,
                    )
                )

    def run(
        self,
        actuals: pd.DataFrame,
        targets: pd.DataFrame,
        reps: pd.DataFrame | None = None,
        ds=None,
        scores=None,
        leave: pd.DataFrame | None = None,
        periods: Any = None,
        kpi_rules: pd.DataFrame | None = None,
    ) -> tuple[PreparedPlan, PlanPayout]:
        """Pay tidy inputs and return the core objects (with the trace)."""
        if reps is None:
            if ds is None:
                raise PlanInputError(_("pass reps= (or ds=, whose reps are used)"))
            reps = ds.reps
        _require(reps, "reps", ["rep_id"])
        _unique_reps(reps)
        _require(actuals, "actuals", ["rep_id", "period", "kpi", "value"])
        _require(targets, "targets", ["rep_id", "period", "kpi", "target"])
        if ds is not None:
            errs = check_plan(self.spec, list(ds.kpi_names))
            if errs:
                raise SpecError(errs)
        used = set(targets["rep_id"]) | set(actuals["rep_id"])
        if isinstance(scores, pd.DataFrame) and "rep_id" in scores:
            used |= set(scores["rep_id"])  # a scorecard-only plan pays on scores alone
        keep = reps["rep_id"].isin(used).to_numpy().copy()
        covered = self.covers(reps)
        if not any(c.sums_over_units for c in self.spec.components):
            keep = keep & covered  # no unit sums: the other reps are not needed
        if not (keep & covered).any():
            raise PlanInputError(
                _(
                    "plan {plan!r}: no reps to pay (positions {positions}, "
                    "and reps need actuals or targets)"
                ).format(plan=self.name, positions=self.spec.positions)
            )
        paid = covered[keep]
        reps = reps.loc[keep].reset_index(drop=True)
        a, q, periods = self.arrays(actuals, targets, reps, periods)
        self._warn_no_targets(a, q, reps, paid)
        prep = self.prepare(reps, periods, ds=ds, leave=leave, kpi_rules=kpi_rules, paid=paid)
        score = self._score_array(scores, reps, periods)
        self._check_scores(score, reps, paid)
        return prep, prep.payout(a, q, score=score, trace=True)

    def _warn_no_targets(self, a: dict, q: dict, reps: pd.DataFrame, paid: np.ndarray) -> None:
        """One warning listing paid reps with actuals but no target on a KPI the plan
        measures attainment on: they are paid nothing on it ("no target")."""
        hit: dict[str, list] = {}
        ids = reps["rep_id"].to_numpy()
        for k in sorted(self._kpis_needing_targets()):
            if k not in a:
                continue
            has_a = np.isfinite(a[k]).any(axis=1)
            no_q = ~(np.nan_to_num(q[k]) > 0).any(axis=1)
            bad = paid & has_a & no_q
            if bad.any():
                hit[k] = ids[bad].tolist()
        if hit:
            parts = [
                f"{k}: {v[:10]}" + (_(" and {n} more").format(n=len(v) - 10) if len(v) > 10 else "")
                for k, v in hit.items()
            ]
            warnings.warn(
                _(
                    "plan {plan}: reps with actuals but no target, paid nothing on the "
                    "components measuring attainment (recorded as 'no target'): {reps}"
                ).format(plan=repr(self.name), reps=_("; ").join(parts)),
                PlanWarning,
                stacklevel=3,
            )

    def evaluate(
        self,
        actuals: pd.DataFrame,
        targets: pd.DataFrame,
        reps: pd.DataFrame | None = None,
        ds=None,
        scores=None,
        leave: pd.DataFrame | None = None,
        periods: Any = None,
        kpi_rules: pd.DataFrame | None = None,
        totals: bool = True,
    ) -> pd.DataFrame:
        """Pay the plan on tidy actuals and targets (a replay of history, or simulated).

        Parameters
        ----------
        actuals : pandas.DataFrame
            ``rep_id, period, kpi, value`` (e.g. ``ds.sales``).
        targets : pandas.DataFrame
            ``rep_id, period, kpi, target`` (e.g. ``ds.targets`` or the cascade's output).
            The months paid are those the targets span unless ``periods`` is given.
        reps : pandas.DataFrame, optional
            Rep attributes (default ``ds.reps``); see :meth:`prepare`.
        ds : Dataset, optional
            For the hierarchy (team components) and KPI rules.
        scores : DataFrame, Series or array, optional
            For scorecard components: ``rep_id, [period,] score`` or
            ``rep_id, [period,] rating`` (mapped through the scorecard's ratings).
        leave : pandas.DataFrame, optional
            ``rep_id, start, end`` leave spells, for proration.
        kpi_rules : pandas.DataFrame, optional
            ``kpi, aggregation, direction`` when no ``ds`` is given (default:
            every KPI sums and higher is better).
        totals : bool
            Add one ``component == "total"`` row per rep and month: what is
            paid that month (the sum of the other lines). Sum ``payout`` over
            the other lines only, or over the total rows only.

        Returns
        -------
        pandas.DataFrame
            One row per rep, month and payment line: ``rep_id, period, component,
            type, payout`` (currency), and for a component in the month its
            measurement window closes: ``kpi, actual, target, attainment,
            factor, gate_ok, modifier, entitlement`` (year to date under true-up,
            when ``payout`` is the entitlement minus what was paid before), and
            ``note`` ("no target", "no score") where a line paid nothing for want
            of data rather than performance; with ``totals`` the ``total`` rows.
            :func:`payout_totals` sums by rep (and month) either way.

        Warns
        -----
        PlanWarning
            Once, listing the reps with actuals but no target on a KPI whose
            attainment the plan measures (they are paid nothing on it).
        """
        prep, pay = self.run(
            actuals,
            targets,
            reps,
            ds=ds,
            scores=scores,
            leave=leave,
            periods=periods,
            kpi_rules=kpi_rules,
        )
        return tidy_payout(self, prep, pay, totals=totals)

    # ---------------------------------------------------------------- explain
    def explain(
        self,
        rep_id: str,
        period: Any,
        actuals: pd.DataFrame | None = None,
        targets: pd.DataFrame | None = None,
        reps: pd.DataFrame | None = None,
        ds=None,
        scores=None,
        leave: pd.DataFrame | None = None,
        periods: Any = None,
        kpi_rules: pd.DataFrame | None = None,
        run: tuple[PreparedPlan, PlanPayout] | None = None,
        labels=None,
    ) -> PayStatement:
        """The pay statement of one rep for one month: every step in numbers and words.

        Same inputs as :meth:`evaluate`. The statement's amounts are the
        evaluated payouts (a test recomputes them by hand from its words).
        For many statements, pay once with ``run = plan.run(actuals, targets,
        ...)`` and pass ``run=run`` (the other inputs are then not needed).
        ``labels`` (:func:`simlib.labels.load_labels`) names KPIs and components in the
        statement's language; the words follow :func:`simlib.i18n.use`.
        """
        from simlib.plans.statement import statement

        if run is not None:
            return statement(self, run[0], run[1], rep_id, period, labels)
        if actuals is None or targets is None:
            raise PlanInputError(_("explain: pass actuals and targets, or run=plan.run(...)"))
        prep, pay = self.run(
            actuals,
            targets,
            reps,
            ds=ds,
            scores=scores,
            leave=leave,
            periods=periods,
            kpi_rules=kpi_rules,
        )
        return statement(self, prep, pay, rep_id, period, labels)

    # -------------------------------------------------------- plain language
    def describe(self, ds=None, labels: Mapping[str, str] | None = None) -> str:
        """A plain-language summary a rep could read, followed by practice checks.

        ``ds`` (or ``labels``, KPI name -> words) names KPIs by their labels
        (``hv_retention`` -> "High-value retention") instead of their codes.
        """
        from simlib.plans.describe import describe

        lab = dict(labels or {})
        if ds is not None and "label" in ds.kpis:
            for _i, r in ds.kpis.iterrows():
                if pd.notna(r["label"]):
                    lab.setdefault(str(r["kpi"]), str(r["label"]).lower())
        return describe(self, lab)

    def warnings(self) -> list[str]:
        """Where the plan falls outside practitioner norms (see ``docs/practice.md``)."""
        from simlib.plans.describe import practice_warnings

        return practice_warnings(self)

    def curve_table(self) -> pd.DataFrame:
        """Every curve's points: ``component, curve, point, attainment, factor, slope_after``.

        ``curve`` is ``payout`` (bonus curves), ``modifier`` or ``coefficient``
        (scorecards); ``slope_after`` is the slope to the next point (NaN at a
        jump or the last point, after which the curve is flat).
        """
        rows = []
        for c in self.spec.components:
            for kind, pts in c.curves():
                curve = PayoutCurve(pts)
                slopes = np.r_[curve.slopes(), np.nan]
                for i, (x, y) in enumerate(pts):
                    rows.append(
                        {
                            "component": c.name,
                            "curve": kind,
                            "point": i,
                            "attainment": x,
                            "factor": y,
                            "slope_after": slopes[i],
                        }
                    )
        return pd.DataFrame(
            rows, columns=["component", "curve", "point", "attainment", "factor", "slope_after"]
        )

    def plot_curves(self, ax_width: float = 3.6, ax=None):
        """One panel per curve (bonus, modifier, scorecard, commission), side by side.

        ``ax``: matplotlib Axes to draw on (one per panel; a new figure when None).
        Returns the Axes of a single panel, else a numpy array of them, as pandas
        does; ``.figure`` of any is the figure.
        """
        from simlib.plans.components.drawing import drawn, panel_axes

        panels = [(c, kind) for c in self.spec.components for kind in c.panels()]
        axes, new = panel_axes(ax, len(panels), ax_width, 3.2)
        for a, (c, kind) in zip(axes, panels, strict=False):
            c.draw(a, kind)
        return drawn(axes, new)


__all__ = [
    "PayStatement",
    "Plan",
    "PlanInputError",
    "PlanWarning",
    "number_column",
    "payout_totals",
    "require_columns",
    "team_index",
]
