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

from simlib.errors import SimlibError, SimlibWarning, SpecError
from simlib.i18n import N_
from simlib.plans.core import PlanPayout, PreparedPlan, commission_amount
from simlib.plans.curve import PayoutCurve
from simlib.plans.spec import (
    Commission,
    PlanSpec,
    QuotaBonus,
    Scorecard,
    Spif,
    Team,
    check_plan,
    decreasing_curves,
)
from simlib.plans.statement import PayStatement
from simlib.plans.tidy import _tidy, payout_totals
from simlib.spec import load_yaml, parse_spec

#: The curves a plan draws, as the chart titles name them.
_CURVE_KINDS = {
    "payout": N_("payout"),
    "modifier": N_("modifier"),
    "coefficient": N_("coefficient"),
}


class PlanInputError(SimlibError, ValueError):
    """Actuals, targets or reps handed to a plan are not what it needs."""


class PlanWarning(SimlibWarning):
    """Inputs a plan can pay but that probably are not what was meant (e.g. no targets)."""


def _periods(values: Any, where: str = "periods") -> pd.PeriodIndex:
    """Months from Periods, dates or strings like ``"2026-03"``; a clear error naming
    ``where`` (and the row) for anything that is not a month."""
    if isinstance(values, pd.PeriodIndex):
        return values.asfreq("M")
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(s).asfreq("M")
    txt = s.astype(str)
    got = pd.to_datetime(txt, errors="coerce", format="mixed")
    # A month needs its year: "March" alone must not become March of this year.
    bad = got.isna().to_numpy() | ~txt.str.contains(r"\d{4}", regex=True).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PlanInputError(
            f"{where}, row {i + 1}: {s.iloc[i]!r} is not a month; expected e.g. '2026-03'"
        )
    return pd.PeriodIndex(got, freq="M")


def _dates(reps: pd.DataFrame, col: str, name: str = "reps") -> np.ndarray:
    """A date column as datetime64 (missing -> NaT), naming the row of a bad cell."""
    raw = reps[col]
    got = pd.to_datetime(raw, errors="coerce", format="mixed")
    bad = got.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PlanInputError(
            f"{name}, row {i + 1}, column {col!r}: {raw.iloc[i]!r} is not a date; "
            "expected e.g. '2026-03-15'"
        )
    return got.to_numpy(dtype="datetime64[ns]")


def _numbers(frame: pd.DataFrame, col: str, name: str) -> np.ndarray:
    raw = frame[col]
    vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(vals) & raw.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise PlanInputError(
            f"{name}, row {i + 1}, column {col!r}: found {raw.iloc[i]!r}; expected a number"
        )
    return vals


def _unique_reps(reps: pd.DataFrame) -> None:
    dup = reps["rep_id"].duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise PlanInputError(
            f"reps, row {i + 1}, column 'rep_id': {reps['rep_id'].iloc[i]!r} appears twice; "
            "expected one row per rep"
        )


def _require(frame: pd.DataFrame, name: str, cols: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise PlanInputError(f"{name}: expected a DataFrame with columns {list(cols)}")
    miss = [c for c in cols if c not in frame.columns]
    if miss:
        raise PlanInputError(
            f"{name}: missing column(s) {miss}; expected {list(cols)}, found {list(frame.columns)}"
        )


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
            warnings.warn(f"{path}: {msg}", PlanWarning, stacklevel=2)
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
            f"plan {self.name!r} has no component {name!r}; it has {[c.name for c in self.spec.components]}"
        )

    def curve(self, name: str) -> PayoutCurve:
        """The payout curve of a quota-bonus or team component."""
        c = self.component(name)
        if not isinstance(c, (QuotaBonus, Team)):
            raise KeyError(f"component {name!r} ({c.type}) has no payout curve")
        return PayoutCurve(c.curve, below=0.0)

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
                    f"reps: position(s) {missing} have no amount in plan.target_incentive.by_position "
                    f"(it lists {sorted(ti.by_position)})"
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
            raise PlanInputError("periods: no months given")
        rep_ids = reps["rep_id"].to_numpy()
        if paid is None:
            paid = self.covers(reps)
        paid = np.asarray(paid, dtype=bool)
        if paid.shape != (len(reps),):
            raise PlanInputError(
                f"paid: expected one True/False per rep ({len(reps)}), got shape {paid.shape}"
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
        teams = {}
        for c in self.spec.components:
            if isinstance(c, Team):
                if hierarchy is None:
                    raise PlanInputError(
                        f"component {c.name!r} is a team component: pass ds= (or hierarchy=) so reps can be grouped at level {c.level!r}"
                    )
                _require(reps, "reps", ["rep_id", "unit_id"])
                try:
                    units = hierarchy.ancestor_at(reps["unit_id"].to_numpy(), c.level)
                except KeyError as exc:
                    raise PlanInputError(f"component {c.name!r}: {exc.args[0]}") from None
                units = np.where(
                    pd.isna(units), "rep:" + reps["rep_id"].astype(str).to_numpy(), units
                ).astype(str)
                teams[c.name] = team_index(units)
        spif_masks = {}
        for c in self.spec.components:
            if isinstance(c, Spif):
                spif_masks[c.name] = _date_overlap(
                    periods, pd.Timestamp(c.start), pd.Timestamp(c.end)
                )
        rules = kpi_rules if kpi_rules is not None else (ds.kpis if ds is not None else None)
        agg, direction = {}, {}
        if rules is not None:
            for _, r in rules.iterrows():
                agg[str(r["kpi"])] = str(r.get("aggregation", "sum"))
                direction[str(r["kpi"])] = str(r.get("direction", "higher"))
        return PreparedPlan(
            self.spec,
            rep_ids,
            periods,
            ti,
            prorate,
            teams,
            spif_masks,
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
                f"reps: the plan's draw is for new hires (months: {months}): "
                "a 'hire_date' column is needed"
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
                raise PlanInputError(f"leave: rep_id(s) {bad} are not among the reps")
            ls = _dates(leave, "start", "leave")
            le = _dates(leave, "end", "leave")
            wrong = (le < ls) | np.isnat(ls) | np.isnat(le)
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                raise PlanInputError(
                    f"leave, row {i + 1}: a leave spell needs a start and an end on or after it "
                    f"(start {leave['start'].iloc[i]!r}, end {leave['end'].iloc[i]!r})"
                )
            llo = np.maximum(start[None, :], ls[:, None])
            lhi = np.minimum(end[None, :], le[:, None])
            ldays = np.clip((lhi - llo) / np.timedelta64(1, "D") + 1, 0, None)
            np.add.at(worked, r, -ldays)
            worked = np.clip(worked, 0, None)
        return worked / days[None, :]

    # --------------------------------------------------------------- evaluate
    def _arrays(self, actuals, targets, reps, periods):
        _require(actuals, "actuals", ["rep_id", "period", "kpi", "value"])
        _require(targets, "targets", ["rep_id", "period", "kpi", "target"])
        if periods is None:
            tp = _periods(targets["period"], "targets")
            if len(tp) == 0:
                raise PlanInputError("targets: no rows, so no months to pay; pass periods=")
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
                raise PlanInputError(f"{name}: none of its rep_id values are among the reps")
            vals = _numbers(frame, col, name)
            kpi_col = frame["kpi"].to_numpy()
            for k in kpis:
                keep = (r >= 0) & (t >= 0) & (kpi_col == k)
                if name == "actuals" and not keep.any():
                    raise PlanInputError(
                        f"{self._kpi_path(k)}: no rows for KPI {k!r} in the actuals for the "
                        f"months paid ({periods[0]}..{periods[-1]}); the plan uses it"
                    )
                if name == "targets" and k in need_target and not keep.any():
                    raise PlanInputError(
                        f"targets: no rows for KPI {k!r} in the months paid; the plan measures "
                        "attainment on it"
                    )
                cell = r[keep] * len(periods) + t[keep]
                dup = pd.Series(cell).duplicated().to_numpy()
                if dup.any():
                    i = int(np.flatnonzero(keep)[np.flatnonzero(dup)[0]])
                    raise PlanInputError(
                        f"{name}, row {i + 1}: a second row for rep {frame['rep_id'].iloc[i]!r}, "
                        f"{frame['period'].iloc[i]}, KPI {k!r}; expected one row per rep, month "
                        "and KPI"
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
            if isinstance(c, (QuotaBonus, Team)) or (
                isinstance(c, Commission) and c.basis == "attainment"
            ):
                out.add(c.kpi)
            for sub in (c.gate, c.modifier, c.clawback):
                if sub is not None and sub.basis == "attainment":
                    out.add(sub.kpi)
        return out

    def _kpis(self) -> list[str]:
        out = []
        for c in self.spec.components:
            for k in (
                getattr(c, "kpi", None),
                c.gate and c.gate.kpi,
                c.modifier and c.modifier.kpi,
                c.clawback and c.clawback.kpi,
            ):
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
            raise PlanInputError("scores: expected a 'score' or a 'rating' column")
        cards = [c for c in self.spec.components if isinstance(c, Scorecard)]
        if "rating" in scores.columns and not any(c.ratings for c in cards):
            raise PlanInputError(
                "scores: ratings given but no scorecard component has a ratings table"
            )
        r = pd.Index(reps["rep_id"]).get_indexer(scores["rep_id"])
        t = (
            pd.PeriodIndex(periods).get_indexer(_periods(scores["period"], "scores"))
            if "period" in scores.columns
            else None
        )
        out: dict[str, np.ndarray] = {}
        for i, sc in enumerate(self.spec.components):
            if not isinstance(sc, Scorecard):
                continue
            if sc.ratings:
                if "rating" not in scores.columns:
                    raise PlanInputError(
                        f"scores: plan.components[{i}] ({sc.name!r}) maps ratings "
                        f"{sorted(sc.ratings)}; expected a 'rating' column"
                    )
                lab = scores["rating"].astype(str)
                bad = sorted(set(lab[scores["rating"].notna()]) - set(sc.ratings))
                if bad:
                    raise PlanInputError(
                        f"scores: rating(s) {bad} are not in plan.components[{i}].ratings "
                        f"{sorted(sc.ratings)}"
                    )
                vals = lab.map(sc.ratings).to_numpy(dtype=float)
            else:
                if "score" not in scores.columns:
                    raise PlanInputError(
                        f"scores: plan.components[{i}] ({sc.name!r}) reads a score; expected a "
                        "'score' column"
                    )
                vals = _numbers(scores, "score", "scores")
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
                    f"scores: no score or rating for rep(s) {ids[:10].tolist()}"
                    + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
                    + f" (scorecard {name!r}); a missing appraisal is not a zero: give one"
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
                raise PlanInputError("pass reps= (or ds=, whose reps are used)")
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
        if not any(isinstance(c, Team) for c in self.spec.components):
            keep = keep & covered  # no unit sums: the other reps are not needed
        if not (keep & covered).any():
            raise PlanInputError(
                f"plan {self.name!r}: no reps to pay (positions {self.spec.positions}, "
                "and reps need actuals or targets)"
            )
        paid = covered[keep]
        reps = reps.loc[keep].reset_index(drop=True)
        a, q, periods = self._arrays(actuals, targets, reps, periods)
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
                f"{k}: {v[:10]}" + (f" and {len(v) - 10} more" if len(v) > 10 else "")
                for k, v in hit.items()
            ]
            warnings.warn(
                f"plan {self.name!r}: reps with actuals but no target, paid nothing on the "
                "components measuring attainment (recorded as 'no target'): " + "; ".join(parts),
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
        return _tidy(self, prep, pay, totals=totals)

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
            raise PlanInputError("explain: pass actuals and targets, or run=plan.run(...)")
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
            for _, r in ds.kpis.iterrows():
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
            items = []
            if isinstance(c, (QuotaBonus, Team)):
                items.append(("payout", c.curve))
            if isinstance(c, Scorecard) and c.curve is not None:
                items.append(("coefficient", c.curve))
            if c.modifier is not None:
                items.append(("modifier", c.modifier.curve))
            for kind, pts in items:
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

    def plot_curves(self, ax_width: float = 3.6):
        """A matplotlib figure with one panel per curve (bonus, modifier, scorecard, commission)."""
        import matplotlib.pyplot as plt

        panels = []
        for c in self.spec.components:
            if isinstance(c, (QuotaBonus, Team)):
                panels.append((c, "payout"))
            if isinstance(c, Scorecard) and c.curve is not None:
                panels.append((c, "coefficient"))
            if isinstance(c, Commission):
                panels.append((c, "commission"))
            if c.modifier is not None:
                panels.append((c, "modifier"))
        from simlib.i18n import _

        n = max(len(panels), 1)
        fig, axes = plt.subplots(1, n, figsize=(ax_width * n, 3.2), squeeze=False)
        for ax, (c, kind) in zip(axes[0], panels, strict=False):
            if kind == "commission":
                top = (
                    max([t.above for t in (c.tiers or [])] + [c.cap or 0, c.threshold or 0, 1.0])
                    * 1.5
                )
                x = np.linspace(0, top, 400)
                scale = np.ones_like(x)
                y = commission_amount(c, x, scale)
                ax.plot(x, y, color="C2")
                ax.set_xlabel(
                    _("annual value") if c.basis == "value" else _("attainment x annual target")
                )
                ax.set_ylabel(_("commission (per unit of scale)"))
                ax.set_title(
                    _("{component}: {mode} commission").format(component=c.name, mode=_(c.mode)),
                    fontsize=9,
                )
                continue
            pts = c.modifier.curve if kind == "modifier" else c.curve
            curve = PayoutCurve(pts, below=0.0 if kind == "payout" else None)
            xmax = max(p[0] for p in pts) * 1.3 + 0.05
            x = np.linspace(0, xmax, 600)
            ax.plot(x, curve(x), color="C0" if kind == "payout" else "C1")
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=12, color="k", zorder=3)
            if kind == "payout":
                ax.axvspan(0.7, 0.8, color="0.9", label=_("threshold norm 70-80%"))
                ax.axvline(1.0, color="0.6", lw=0.8, ls="--")
                ax.legend(fontsize=7, loc="upper left")
            ax.set_xlabel(
                _("attainment")
                if kind != "modifier" or c.modifier.basis == "attainment"
                else _("{kpi} value").format(kpi=c.modifier.kpi)
            )
            ax.set_ylabel(_("factor"))
            ax.set_title(f"{c.name}: {_(_CURVE_KINDS[kind])}", fontsize=9)
        fig.tight_layout()
        return fig


def team_index(units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """How a team component sums over units: ``(order, starts, inv, labels)``.

    ``order`` sorts reps by unit (stable: reps keep their order within a unit),
    ``starts`` are where each unit's block begins in that order, ``inv`` is each
    rep's unit number and ``labels`` the units' names, in block order.
    """
    codes, uniq = pd.factorize(np.asarray(units))
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    group_sorted = np.cumsum(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) - 1
    inv = np.empty(len(codes), dtype=np.int64)
    inv[order] = group_sorted
    return order, starts, inv, np.asarray(uniq)[sorted_codes[starts]]


def _date_overlap(periods: pd.PeriodIndex, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Share of each month's days inside [start, end] (units assumed spread evenly)."""
    ms = periods.start_time.normalize().to_numpy()
    me = periods.end_time.normalize().to_numpy()
    days = (me - ms) / np.timedelta64(1, "D") + 1
    lo = np.maximum(ms, np.datetime64(start, "ns"))
    hi = np.minimum(me, np.datetime64(end, "ns"))
    return np.clip((hi - lo) / np.timedelta64(1, "D") + 1, 0, None) / days


__all__ = ["PayStatement", "Plan", "PlanInputError", "PlanWarning", "payout_totals"]
