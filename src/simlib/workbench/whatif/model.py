"""The what-if model: a plan bound to one year of actual results, and its controls.

A *control* is one setting of the plan an HR strategist moves: a curve's
threshold, the payout at one of its points, the accelerator above quota, the
cap, a gate, the pay mix, the team share, the weights of the individual
measures. Each control edits exactly its own setting of the plan; a control at
its start value edits nothing. So the edited plan is always "the starting plan
with these settings changed", whatever the order the controls were moved in:
a two-step threshold survives a cap move, and every control back at its start
gives the starting plan exactly.

What is shown is a *replay*: the year's actual results and targets, paid under
the edited plan. It answers "what would this design have paid last year, and to
whom", not "what will happen" (people sell differently under another plan);
the batch reports answer that with Monte Carlo.

Speed comes from preparing once: actuals and targets become arrays (reps x
months) when the :class:`WhatIf` is made, together with the reps' proration and
team groupings; each evaluation builds the (small) plan and runs the vectorized
payout of :mod:`simlib.plans.core`, the code :meth:`Plan.evaluate` runs.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib import metrics as m
from simlib import vocabulary as voc
from simlib.errors import SimlibError, SpecError
from simlib.i18n import N_, _
from simlib.plans.components import REGISTRY
from simlib.scenario import NO_CAP_ATTAINMENT
from simlib.workbench.whatif.values import cap_index, show_value

#: Where "no cap" puts the curve's last point (attainment, as a multiple of quota),
#: as a scenario file's ``none`` cap does.
NO_CAP = NO_CAP_ATTAINMENT
#: Components whose curve pays on attainment of quota (the curve controls apply).
CURVE_TYPES = tuple(t for t, kind in REGISTRY.items() if kind.pays_on_quota)


def _ti_share(c: dict) -> float | None:
    """A component's share of the target incentive (``None``: not paid on it)."""
    return REGISTRY[c["type"]].model_construct(**c).ti_weight()


#: Smallest group shown in the winners / losers table (as the reports' default).
MIN_GROUP = 5


class WhatIfError(SimlibError, ValueError):
    """The what-if cannot be set up, or the controls do not make a valid plan."""


@dataclass(frozen=True)
class Control:
    """One setting of the plan that the what-if can move.

    Attributes
    ----------
    key : str
        ``<component>.<setting>`` (``revenue_bonus.cap``) or ``plan.<setting>``.
    label : str
        What it is, in words (``cap: attainment where pay stops rising``).
    group : str
        Where it belongs (the component's label, or ``Whole plan``).
    kind : {"attainment", "factor", "slope", "share", "money", "value", "switch"}
        How its value reads: attainment as % of quota, a payout factor as % of the
        target amount, a slope, a share of pay, an amount in the plan currency,
        a KPI value, or on / off.
    unit : str
        The unit shown beside the value.
    start : float or bool
        Its value in the starting plan.
    low, high, step : float
        The range offered (always holding ``start``) and the step of a slider.
    help : str
        One sentence on what moving it does.
    """

    key: str
    label: str
    group: str
    kind: str
    unit: str
    start: float | bool
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind == "switch":
            return
        # The range holds the start, on the slider's grid: a slider never starts
        # clamped or snapped (which would move the plan before anyone touched it).
        start, step = float(self.start), float(self.step)
        # Whole steps that stay inside the given limits (a threshold below the next
        # curve point, a cap above the point before it).
        below = math.floor(max(start - float(self.low), 0.0) / step + 1e-9)
        above = math.floor(max(float(self.high) - start, 0.0) / step + 1e-9)
        if below == above == 0:
            above = 1
        object.__setattr__(self, "low", round(start - below * step, 10) + 0.0)
        object.__setattr__(self, "high", round(start + above * step, 10) + 0.0)

    @property
    def short(self) -> str:
        """The label's name part (``cap`` for ``cap: attainment where pay stops rising``)."""
        return self.label.replace("：", ":").split(":")[0]

    def show(self, value: Any) -> str:
        """The value as a reader expects it, with its unit."""
        return show_value(self.kind, value, self.unit)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return abs(float(a) - float(b)) <= 1e-9


@dataclass(frozen=True)
class WhatIfResult:
    """One evaluation: the year re-paid under one plan.

    Attributes
    ----------
    metrics : dict
        :func:`simlib.metrics.plan_health` figures (keys of
        :data:`simlib.vocabulary.METRICS`) as floats.
    rep_pay : numpy.ndarray
        Pay in the year per paid rep (currency; for group tables, never shown per rep).
    target_incentive : numpy.ndarray
        The year's target incentive per paid rep (currency).
    curves : dict
        Component name -> payout curve points, for each curve component.
    spec : dict
        The plan evaluated.
    """

    metrics: dict[str, float]
    rep_pay: np.ndarray
    target_incentive: np.ndarray
    curves: dict[str, list]
    spec: dict

    @property
    def total_payout(self) -> float:
        """What the plan pays in the year (currency)."""
        return self.metrics["total_payout"]


@dataclass
class _Prepared:
    """Per-rep constants of the replay, computed once."""

    base: Any  # PreparedPlan of the starting plan
    teams: dict[str, Any] = field(default_factory=dict)


class WhatIf:
    """A plan bound to one year of actual results, ready to be re-paid many times.

    Parameters
    ----------
    ds : Dataset
        The data (the sample, or yours): actual sales and the targets table.
    plan : Plan, dict or path
        The starting plan (the current one, or a proposal).
    year : int, optional
        The year replayed (default: the last year with targets).
    targets : pandas.DataFrame, optional
        ``rep_id, period, kpi, target`` (default ``ds.targets``).
    team_level : str, optional
        Org level of a team component the team share adds (default: above teams).
    min_group : int
        Groups with fewer reps are left out of the winners / losers table.
    labels : simlib.labels.Labels, optional
        Names of KPIs and components on the page (default: those ``ds`` carries).

    Examples
    --------
    >>> wi = WhatIf(ds, "scenarios/plans/am_proposed.yaml")        # doctest: +SKIP
    >>> moved = {**wi.start, "revenue_bonus.cap": 1.5}               # doctest: +SKIP
    >>> wi.evaluate(moved).total_payout - wi.evaluate().total_payout  # doctest: +SKIP
    """

    def __init__(
        self,
        ds,
        plan: Any,
        year: int | None = None,
        targets: pd.DataFrame | None = None,
        team_level: str | None = None,
        min_group: int = MIN_GROUP,
        labels: Any = None,
    ) -> None:
        from simlib.data.checks import exclude_missing_months
        from simlib.data.org import Hierarchy
        from simlib.engine.simulate import load_plan
        from simlib.labels import load_labels

        self.ds = ds
        self.labels = labels if labels is not None else load_labels(None, ds)
        self.plan = load_plan(plan, ds)
        self.min_group = int(min_group)
        tg = ds.targets if targets is None else targets
        if tg is None:
            raise WhatIfError(_("no targets: the dataset has no targets table; pass targets="))
        tg = tg.loc[tg["rep_id"].notna()] if "rep_id" in tg.columns else tg
        periods_all = pd.PeriodIndex(tg["period"])
        self.year = int(periods_all.year.max()) if year is None else int(year)
        tg = tg.loc[periods_all.year == self.year]
        if tg.empty:
            raise WhatIfError(_("no targets in {year}").format(year=self.year))
        act = ds.sales.loc[ds.sales["period"].dt.year == self.year]
        # A month an employed rep has no sales row for is missing data, not zero
        # sales: its target is left out too, so the rep is measured on the months he
        # has, as the plan replay and `simlib explain` measure him.
        tg = exclude_missing_months(act, tg, ds)
        self.targets = tg
        self.periods = pd.period_range(f"{self.year}-01", f"{self.year}-12", freq="M")
        # Every rep with targets or sales in the year is kept (a team's attainment
        # is the whole unit's, as Plan.evaluate computes it); only the plan's
        # positions are paid.
        self.actuals = act
        used = set(tg["rep_id"].unique()) | set(act["rep_id"].unique())
        self.reps = ds.reps.loc[ds.reps["rep_id"].isin(used)].reset_index(drop=True)
        self.paid = self.plan.covers(self.reps)
        if not self.paid.any():
            raise WhatIfError(
                _("plan {plan}: nobody with targets in {year}").format(
                    plan=repr(self.plan.name), year=self.year
                )
            )
        self.kpis = ds.kpi_names
        self.hierarchy = Hierarchy.of(ds)
        h = self.hierarchy
        self.team_level = team_level or (h.levels[-2] if len(h.levels) >= 2 else h.levels[0])
        self.base_spec: dict = self.plan.spec.model_dump(mode="json", exclude_none=True)
        self.currency = self.base_spec.get("currency", "")
        main = next(
            (i for i, c in enumerate(self.base_spec["components"]) if c["type"] in CURVE_TYPES),
            None,
        )
        if main is None:
            raise WhatIfError(
                _(
                    "plan {plan} has no quota-bonus or team component: the what-if moves "
                    "payout curves"
                ).format(plan=repr(self.plan.name))
            )
        scorecards = [c["name"] for c in self.base_spec["components"] if REGISTRY[c["type"]].rated]
        if scorecards:
            raise NotImplementedError(
                _(
                    "plan {plan}: scorecard component(s) {names} pay on appraisal scores, which "
                    "a replay of sales results does not have; the what-if covers plans without "
                    "scorecards"
                ).format(plan=repr(self.plan.name), names=scorecards)
            )
        self.main = main
        self.main_kpi = self.base_spec["components"][main]["kpi"]
        self._actual, self._target, self.periods = self.plan.arrays(
            act, tg, self.reps, self.periods
        )
        base = self.plan.prepare(self.reps, self.periods, hierarchy=h, kpi_rules=ds.kpis)
        self._prep = _Prepared(
            base=base,
            teams={
                f"{c['name']}@{c['level']}": base.teams[c["name"]]
                for c in self.base_spec["components"]
                if REGISTRY[c["type"]].sums_over_units
            },
        )
        self._ti_cache: dict[str, np.ndarray] = {}
        # Annual attainment of the main KPI (sum of actuals over sum of targets;
        # target / actual for a lower-is-better KPI), the engine's definition.
        a = np.nansum(self._actual[self.main_kpi], axis=1)
        q = np.nansum(self._target[self.main_kpi], axis=1)
        lower = ds.kpi(self.main_kpi)["direction"] == "lower"
        with np.errstate(invalid="ignore", divide="ignore"):
            att = np.where(lower, q / a, a / q)
        att = np.where(q > 0, att, np.nan)
        self.attainment = att[self.paid]
        self.region_level = h.levels[1] if len(h.levels) > 1 else h.levels[0]
        region = h.rep_unit_at(self.reps.loc[self.paid], self.region_level)
        names = ds.units.set_index("unit_id")["name"] if "name" in ds.units else None
        labels = pd.Series(region.to_numpy()).fillna(h.root).astype(str)
        if names is not None:
            labels = labels.map(lambda u: str(names.get(u, u)))
        self.region = labels.to_numpy()
        rank_att = np.where(np.isnan(self.attainment), -1.0, self.attainment)
        region_codes, region_labels = pd.factorize(pd.Series(self.region), sort=True)
        # Group codes computed once: a slider move only re-sums pay per group.
        self._groupings = {
            "quartile": (m.quartile_codes(rank_att), ["Q1 (bottom)", "Q2", "Q3", "Q4 (top)"]),
            "region": (region_codes, [str(x) for x in region_labels]),
        }
        self.controls: dict[str, Control] = {c.key: c for c in self._build_controls()}
        self._start_result: WhatIfResult | None = None
        self._alone: dict[tuple[str, Any], WhatIfResult] = {}

    # ------------------------------------------------------------ controls
    @property
    def start(self) -> dict[str, Any]:
        """Every control at its start value (the starting plan)."""
        return {k: c.start for k, c in self.controls.items()}

    def _label(self, comp: dict) -> str:
        zh = self.labels.name("component", comp["name"], "zh-CN") if i18n.is_chinese() else None
        return (zh if zh != comp["name"] else None) or comp.get("label") or comp["name"].replace(
            "_", " ").capitalize()  # fmt: skip

    def _build_controls(self) -> list[Control]:
        out: list[Control] = []
        comps = self.base_spec["components"]
        for comp in comps:
            if comp["type"] in CURVE_TYPES:
                out += self._curve_controls(comp)
            gate = comp.get("gate")
            if gate:
                out += self._gate_controls(comp, gate)
        out += self._plan_controls()
        return out

    def _curve_controls(self, comp: dict) -> list[Control]:
        name, group = comp["name"], self._label(comp)
        pts = [(float(a), float(b)) for a, b in comp["curve"]]
        out: list[Control] = []
        if len(pts) < 2:
            return out
        end = cap_index(comp["curve"])
        x0 = pts[0][0]
        if pts[1][0] > x0:
            out.append(
                Control(
                    f"{name}.threshold", _("threshold: where pay starts"), group, "attainment",
                    "% of quota", x0, low=min(0.3, x0), high=round(pts[1][0] - 0.01, 4),
                    step=0.01, help=_("Below this attainment the component pays nothing."),
                )
            )  # fmt: skip
        for j in range(end):
            x, y = pts[j]
            where = _("the threshold") if j == 0 else _("{pct} of quota").format(pct=f"{x:.0%}")
            if j > 0 and pts[j - 1][0] == x:
                where = _("{where} (after the step)").format(where=where)
            elif j + 1 < len(pts) and pts[j + 1][0] == x:
                where = _("{where} (before the step)").format(where=where)
            out.append(
                Control(
                    f"{name}.point{j}", _("payout at {where}").format(where=where), group,
                    "factor", "% of target amount", y, low=0.0, high=max(1.0, round(2 * y, 2)),
                    step=0.05, help=_("Share of the target amount paid at {where}.").format(
                        where=where),
                )
            )  # fmt: skip
        xp, yp = pts[end - 1]
        xe, ye = pts[end]
        capped = xe < NO_CAP
        if xe > xp:
            slope = (ye - yp) / (xe - xp)
            out.append(
                Control(
                    f"{name}.accelerator", _("accelerator above {pct} of quota").format(
                        pct=f"{xp:.0%}"), group,
                    "slope", "x (1% more attainment pays this many % more)", slope,
                    low=0.0, high=max(5.0, round(2 * slope, 1)), step=0.1,
                    help=_("How fast pay rises towards the cap: 2x pays 2% of the target "
                           "amount for each 1% of quota."),
                )
            )  # fmt: skip
        cap_start = xe if capped else max(2.0, xp + 0.5)
        out.append(
            Control(
                f"{name}.cap", _("cap: attainment where pay stops rising"), group, "attainment",
                "% of quota", cap_start, low=round(xp + 0.05, 4),
                high=max(3.0, round(cap_start + 0.5, 1)), step=0.05,
                help=_("Above the cap pay stays flat; the accelerator's slope runs up to it."),
            )
        )  # fmt: skip
        out.append(
            Control(
                f"{name}.no_cap", _("no cap"), group, "switch", "", not capped, help=_(
                    "Pay keeps rising at the accelerator's slope, however high the attainment."),
            )
        )  # fmt: skip
        return out

    def _gate_controls(self, comp: dict, gate: dict) -> list[Control]:
        name, group = comp["name"], self._label(comp)
        kpi, lo_, said = gate["kpi"], float(gate["min"]), self.labels.name("kpi", gate["kpi"])
        if gate.get("basis", "attainment") == "attainment":
            kind, unit, low, high, step = "attainment", "% of quota", 0.0, max(1.5, lo_), 0.01
        else:
            rule = self.ds.kpi(kpi)
            if rule["unit"] == "rate":
                kind, unit, low, high, step = "share", "", 0.0, 1.0, 0.005
            else:
                kind = "money" if rule["unit"] == "currency" else "value"
                unit = self.currency if kind == "money" else str(rule["unit"])
                low, high, step = 0.0, max(1.0, 2 * lo_), max(lo_ / 100, 0.01)
        return [
            Control(
                f"{name}.gate", _("gate on {kpi}").format(kpi=said), group, "switch", "", True,
                help=_("Off: the component pays whatever {kpi} is.").format(kpi=said),
            ),
            Control(
                f"{name}.gate_min", _("gate: {kpi} at least").format(kpi=said), group, kind, unit,
                lo_, low=min(low, lo_), high=max(high, lo_), step=step, help=_(
                    "The component pays only in periods where {kpi} reaches this.").format(kpi=said),
            ),
        ]  # fmt: skip

    def _individual(self, comps: list[dict]) -> list[dict]:
        """Target-incentive components paid on the rep's own results (not the team)."""
        return [c for c in comps if not REGISTRY[c["type"]].sums_over_units and _ti_share(c)]

    def _plan_controls(self) -> list[Control]:
        out: list[Control] = []
        spec = self.base_spec
        group = _("Whole plan")
        ti = spec.get("target_incentive") or {}
        if ti.get("pay_mix"):
            v = float(ti["pay_mix"]["variable"])
            out.append(
                Control(
                    "plan.variable_share", _("pay mix: variable share of on-target pay"), group,
                    "share", "", v, low=min(0.05, v), high=max(0.8, v), step=0.01,
                    help=_("Target incentive = base salary x variable / (1 - variable)."),
                )
            )  # fmt: skip
        elif ti.get("amount") is not None:
            v = float(ti["amount"])
            out.append(
                Control(
                    "plan.target_incentive", _("target incentive a year"), group, "money",
                    self.currency, v, low=0.0, high=max(2 * v, 1.0), step=max(v / 100, 1.0),
                    help=_("The incentive paid at 100% of every target."),
                )
            )  # fmt: skip
        elif ti.get("by_position"):
            for pos, v in ti["by_position"].items():
                v = float(v)
                out.append(
                    Control(
                        f"plan.target_incentive.{pos}", _("target incentive a year: {position}")
                        .format(position=pos), group, "money", self.currency, v, low=0.0,
                        high=max(2 * v, 1.0), step=max(v / 100, 1.0),
                        help=_("The incentive of a {position} at target.").format(position=pos),
                    )
                )  # fmt: skip
        comps = spec["components"]
        indiv = self._individual(comps)
        if indiv:
            share = sum(float(c["weight"]) for c in comps if REGISTRY[c["type"]].sums_over_units)
            out.append(
                Control(
                    "plan.team_share", _("team share of target incentive"), group, "share", "",
                    share, low=0.0, high=max(0.6, share), step=0.05,
                    help=_("The part of target incentive paid on the team's result; the "
                           "individual measures share the rest."),
                )
            )  # fmt: skip
        if len(indiv) >= 2:
            for c in indiv:
                out.append(
                    Control(
                        f"{c['name']}.weight", _("weight of {component}").format(
                            component=self._label(c)), group, "value",
                        N_("relative"), float(c["weight"]), low=0.0, high=1.0, step=0.05,
                        help=_("Relative weight among the individual measures; they share "
                               "what the team share leaves."),
                    )
                )  # fmt: skip
        return out

    # ------------------------------------------------------------ the plan
    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` completed with the start of every control not given; unknown keys
        are an error."""
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise WhatIfError(
                _("no control(s) {unknown}; the controls are {controls}").format(
                    unknown=unknown, controls=sorted(self.controls)
                )
            )
        return {**self.start, **values}

    def moved(self, values: Mapping[str, Any]) -> list[str]:
        """The controls whose value differs from the start (in control order)."""
        v = self.check(values)
        return [k for k, c in self.controls.items() if not _same(v[k], c.start)]

    def spec(self, values: Mapping[str, Any] | None = None) -> dict:
        """The starting plan with the moved controls applied (a new dict).

        Controls at their start change nothing: with no control moved this is
        the starting plan exactly. Order of application (so combined moves mean
        one thing): curve points, threshold, accelerator, cap; gates; target
        incentive; individual weights; team share.
        """
        v = self.check(values or {})
        moved = set(self.moved(v))
        spec = copy.deepcopy(self.base_spec)
        if not moved:
            return spec
        comps = spec["components"]
        for comp in comps:
            name = comp["name"]
            if comp["type"] in CURVE_TYPES and any(k.startswith(f"{name}.") for k in moved):
                self._edit_curve(comp, v, moved)
            if f"{name}.gate" in moved and not v[f"{name}.gate"]:
                comp.pop("gate", None)
            elif f"{name}.gate_min" in moved and comp.get("gate"):
                comp["gate"]["min"] = float(v[f"{name}.gate_min"])
        ti = spec.get("target_incentive") or {}
        if "plan.variable_share" in moved:
            var = float(v["plan.variable_share"])
            if not 0 <= var < 1:
                raise WhatIfError(
                    _("the variable share must be within 0-100%, got {share}").format(
                        share=f"{var:.0%}"
                    )
                )
            ti["pay_mix"] = {"base": round(1.0 - var, 12), "variable": var}
        if "plan.target_incentive" in moved:
            ti["amount"] = float(v["plan.target_incentive"])
        for k in moved:
            if k.startswith("plan.target_incentive."):
                ti["by_position"][k.split(".", 2)[2]] = float(v[k])
        indiv = self._individual(comps)
        if any(f"{c['name']}.weight" in moved for c in indiv):
            rel = {c["name"]: float(v[f"{c['name']}.weight"]) for c in indiv}
            total_rel = sum(rel.values())
            if total_rel <= 0:
                raise WhatIfError(_("the weights of the individual measures add up to 0"))
            room = sum(float(c["weight"]) for c in indiv)
            for c in indiv:
                c["weight"] = room * rel[c["name"]] / total_rel
        if "plan.team_share" in moved:
            spec["components"] = self._set_team_share(comps, float(v["plan.team_share"]))
        return spec

    def _edit_curve(self, comp: dict, v: Mapping[str, Any], moved: set[str]) -> None:
        name = comp["name"]
        curve = [[float(a), float(b)] for a, b in comp["curve"]]
        end = cap_index(comp["curve"])
        for j in range(end):
            if f"{name}.point{j}" in moved:
                curve[j][1] = float(v[f"{name}.point{j}"])
        if f"{name}.threshold" in moved:
            curve[0][0] = float(v[f"{name}.threshold"])
        if f"{name}.accelerator" in moved:
            (xp, yp), xe = curve[end - 1], curve[end][0]
            ye = yp + float(v[f"{name}.accelerator"]) * (xe - xp)
            for k in range(end, len(curve)):  # a flat tail stays flat at the new level
                curve[k][1] = ye
        if f"{name}.cap" in moved or f"{name}.no_cap" in moved:
            (xp, yp), (xe, ye) = curve[end - 1], curve[end]
            new_x = NO_CAP if v[f"{name}.no_cap"] else float(v[f"{name}.cap"])
            if new_x <= xp:
                raise WhatIfError(
                    _(
                        "{component}: the cap ({cap}) must be above the point before it ({x})"
                    ).format(component=self._label(comp), cap=f"{new_x:.0%}", x=f"{xp:.0%}")
                )
            slope = (ye - yp) / (xe - xp) if xe > xp else 0.0
            del curve[end:]
            curve.append([new_x, yp + slope * (new_x - xp)])
        comp["curve"] = curve

    def _set_team_share(self, comps: list[dict], share: float) -> list[dict]:
        if not 0 <= share < 1:
            raise WhatIfError(
                _("the team share must be within 0-100% (below 100%), got {share}").format(
                    share=f"{share:.0%}"
                )
            )
        teams = [c for c in comps if REGISTRY[c["type"]].sums_over_units]
        indiv = self._individual(comps)
        if share > 0 and not teams:
            main = indiv[0] if indiv else comps[self.main]
            names = {c["name"] for c in comps}
            name = "team_bonus" if "team_bonus" not in names else "team_bonus_2"
            team = {
                "type": "team",
                "name": name,
                "kpi": main["kpi"],
                "level": self.team_level,
                "weight": share,
                "curve": copy.deepcopy(main.get("curve") or [[1.0, 1.0]]),
            }
            comps = [*comps, team]
            teams = [team]
        elif share == 0:
            comps = [c for c in comps if not REGISTRY[c["type"]].sums_over_units]
            teams = []
        old_team = sum(float(t["weight"]) for t in teams)
        for t in teams:
            t["weight"] = share * (float(t["weight"]) / old_team if old_team else 1 / len(teams))
        room = 1.0 - share
        if room <= 0:
            raise WhatIfError(
                _("a team share of {share} leaves nothing for individual measures").format(
                    share=f"{share:.0%}"
                )
            )
        old = sum(float(c["weight"]) for c in indiv)
        for c in indiv:
            c["weight"] = room * float(c["weight"]) / old
        return comps

    # ------------------------------------------------------------ compute
    def plan_of(self, values: Mapping[str, Any] | None = None):
        """The edited plan as a validated :class:`~simlib.plans.Plan`."""
        from simlib.plans import Plan

        spec = self.spec(values)
        try:
            return Plan.from_dict(spec, kpis=self.kpis, root="plan")
        except SpecError as exc:
            raise WhatIfError(_("not a valid plan: {error}").format(error=exc)) from None

    def evaluate(self, values: Mapping[str, Any] | None = None) -> WhatIfResult:
        """Re-pay the year under the plan the control ``values`` describe."""
        if not values or not self.moved(values):
            if self._start_result is None:
                self._start_result = self._evaluate(self.plan)
            return self._start_result
        moved = self.moved(values)
        if len(moved) == 1:
            # One control moved: the change lines ask for these again and again.
            key = (moved[0], values[moved[0]])
            if key not in self._alone:
                if len(self._alone) > 256:
                    self._alone.clear()
                self._alone[key] = self._evaluate(self.plan_of(values))
            return self._alone[key]
        return self._evaluate(self.plan_of(values))

    def _evaluate(self, plan) -> WhatIfResult:
        from simlib.plans.core import PreparedPlan

        base = self._prep.base
        teams = {}
        for c in plan.spec.components:
            if c.sums_over_units:
                key = f"{c.name}@{c.level}"
                if key not in self._prep.teams:
                    self._prep.teams[key] = plan.prepare(
                        self.reps, self.periods, hierarchy=self.hierarchy, kpi_rules=self.ds.kpis
                    ).teams[c.name]
                teams[c.name] = self._prep.teams[key]
        ti = self._target_incentive(plan)
        prep = PreparedPlan(
            plan.spec,
            base.rep_ids,
            base.periods,
            ti,
            base.prorate,
            teams,
            base.spif_masks,
            base.kpi_aggregation,
            base.kpi_direction,
            paid=base.paid,
            draw_mask=base.draw_mask,
        )
        pay = prep.payout(self._actual, self._target)
        rep_pay = m.total(pay.total)[self.paid]
        ti_year = (ti * base.prorate.mean(axis=1))[self.paid]
        curve = plan.curve(plan.spec.components[self.main].name)
        cap = curve.cap if curve.cap < NO_CAP else None
        health = m.plan_health(rep_pay, ti_year, self.attainment, curve.threshold, cap, self.budget)
        curves = {
            c.name: [list(p) for p in c.curve]
            for c in plan.spec.components
            if getattr(c, "type", "") in CURVE_TYPES
        }
        return WhatIfResult(
            metrics={k: float(v) for k, v in health.items()},
            rep_pay=rep_pay,
            target_incentive=ti_year,
            curves=curves,
            spec=plan.spec.model_dump(mode="json", exclude_none=True),
        )

    def _target_incentive(self, plan) -> np.ndarray:
        """Annual target incentive per rep under ``plan`` (0 for reps not paid)."""
        key = repr(plan.spec.target_incentive)
        if key not in self._ti_cache:
            ti = np.zeros(len(self.reps))
            ti[self.paid] = plan.target_incentive(self.reps.loc[self.paid]).to_numpy()
            self._ti_cache[key] = ti
        return self._ti_cache[key]

    @property
    def budget(self) -> float:
        """The incentive budget: the starting plan's target incentive for the year
        (prorated), as the reports default it (currency)."""
        base = self._prep.base
        return float((base.target_incentive * base.prorate.mean(axis=1))[self.paid].sum())

    # ------------------------------------------------------------ words and tables
    def table(self, start: WhatIfResult, now: WhatIfResult) -> pd.DataFrame:
        """Start | as set | change for the figures HR reads first (numbers, not text)."""
        from simlib.workbench.report import METRICS

        rows = []
        for key in TABLE_METRICS:
            # The name every page uses (the vocabulary); the display kind of its unit.
            label, kind = voc.metric(key).name, METRICS[key][1]
            if key == "total_payout":
                label = f"{label} ({self.currency})"
            if key == "budget_ratio":
                label = _("Budget use (cost / the starting plan's target incentive)")
            a, b = start.metrics[key], now.metrics[key]
            rows.append(
                {"key": key, "measure": label, "kind": kind, "start": a, "as set": b,
                 "change": b - a}
            )  # fmt: skip
        return pd.DataFrame(rows).set_index("key")

    def groups(self, start: WhatIfResult, now: WhatIfResult, by: str) -> pd.DataFrame:
        """Winners and losers: mean pay per rep by ``by`` ("quartile" or "region") at
        the start and as set, and the change; groups under ``min_group`` reps are
        left out (listed in ``.attrs["suppressed"]``). No individual's pay."""
        if by not in self._groupings:
            raise WhatIfError(_("group by 'quartile' or 'region', not {by}").format(by=repr(by)))
        codes, labels = self._groupings[by]
        n = np.bincount(codes, minlength=len(labels))
        with np.errstate(invalid="ignore", divide="ignore"):
            a = np.bincount(codes, start.rep_pay, minlength=len(labels)) / n
            b = np.bincount(codes, now.rep_pay, minlength=len(labels)) / n
        out = pd.DataFrame(
            {"reps": n, "start": a, "as set": b}, index=pd.Index(labels, name="group")
        )
        out["change"] = out["as set"] - out["start"]
        with np.errstate(invalid="ignore", divide="ignore"):
            out["change %"] = np.where(out["start"] > 0, out["change"] / out["start"], np.nan)
        small = out.index[out["reps"] < self.min_group].tolist()
        out = out.drop(index=small)
        out.attrs["suppressed"] = [str(s) for s in small]
        return out

    def change_lines(self, values: Mapping[str, Any]) -> list[str]:
        """One plain-language line per moved control: the change and its effect alone
        (that control moved, every other at its start)."""
        v = self.check(values)
        start = self.evaluate()
        lines = []
        for key in self.moved(v):
            c = self.controls[key]
            try:
                alone = self.evaluate({key: v[key]})
            except WhatIfError as exc:
                words = str(exc)
            else:
                words = effect_words(self, start, alone)
            lines.append(f"{c.group} {c.short} {c.show(c.start)} -> {c.show(v[key])}: {words}")
        return lines


#: The figures of the start | as set | change table, in reading order.
TABLE_METRICS = ("total_payout", "budget_ratio", "share_at_threshold", "share_at_quota",
                 "share_at_cap", "leverage_p90", "pay_performance_spearman")  # fmt: skip


def effect_words(wi: WhatIf, start: WhatIfResult, now: WhatIfResult) -> str:
    """What a change does, in words: cost, and who gains or loses most."""
    d = now.total_payout - start.total_payout
    if abs(d) < 0.5:
        return _("changes no one's pay last year")
    pct = d / start.total_payout if start.total_payout else np.nan
    cost = _("cost {change}").format(change=f"{d:+,.0f} {wi.currency}") + (
        f" ({pct:+.1%})" if np.isfinite(pct) else "")  # fmt: skip
    q = wi.groups(start, now, "quartile")
    if q.empty:
        return cost
    top = q.loc[q["change"].abs().idxmax()]
    who = {"Q1 (bottom)": _("the bottom quarter of performers"), "Q4 (top)": _("top earners")}.get(
        str(top.name), _("performance quartile {q}").format(q=top.name))  # fmt: skip
    said = _("{who} gain most ({amount} a rep on average); ") if top["change"] > 0 else _(
        "{who} lose most ({amount} a rep on average); ")  # fmt: skip
    return said.format(who=who, amount=f"{abs(top['change']):,.0f} {wi.currency}") + cost
