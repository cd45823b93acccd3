"""What a scenario file asks and what each design changes, in plain words.

:func:`describe_scenario` is what ``simlib describe`` prints and the scenario
report opens with: the header, the goals, the baseline, then for each reform
every change on its base (:func:`change_words`; a replaced plan parameter by
parameter, :func:`plan_change_words`). Every sentence follows the report
language (:mod:`simlib.i18n`); names and codes from the files are shown as written.
"""

from __future__ import annotations

from typing import Any

from simlib.i18n import N_, _
from simlib.plans.components import REGISTRY
from simlib.scenario import (
    BASELINE,
    COMPONENT_PATH,
    NO_CAP_ATTAINMENT,
    Scenario,
    SimulationSettings,
)


def _pct(x: Any) -> str:
    if isinstance(x, int | float) and not isinstance(x, bool):
        return f"{x:.0%}"
    return _value(x)


def _value(v: Any) -> str:
    """A value from a file as a reader sees it: codes and names quoted as written,
    numbers as written, no value as "none" and yes/no in the report language."""
    if v is None:
        return _("none")
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    return repr(v)


def _code(v: Any) -> str:
    """A KPI, level or position code as written (unquoted); "none" when missing."""
    return _("none") if v is None else str(v)


def _point(attainment: float, factor: float) -> str:
    return _("{attainment} -> {factor}x").format(attainment=_pct(attainment), factor=f"{factor:g}")


def _component_name(design: dict, idx: int) -> str:
    try:
        return str(design["plan"]["components"][idx]["name"])
    except (KeyError, IndexError, TypeError):
        return _("component {number}").format(number=idx)


def _curve_text(points: Any) -> str:
    """``75% -> 0.3x, 100% -> 1x, 160% -> 2.5x``; an uncapped end reads "no cap"."""
    try:
        pts = [(float(a), float(b)) for a, b in points]
        if len(pts) >= 2 and pts[-1][0] >= NO_CAP_ATTAINMENT:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            slope = (y1 - y0) / (x1 - x0)
            head = ", ".join(_point(a, b) for a, b in pts[:-1])
            return _("{points}, then +{slope}x per 100% of quota with no cap").format(
                points=head, slope=f"{slope:g}"
            )
        return ", ".join(_point(a, b) for a, b in pts)
    except (TypeError, ValueError, ZeroDivisionError):
        return str(points)


_PERIOD_WORDS = {"month": N_("monthly"), "quarter": N_("quarterly"), "half": N_("half-yearly"),
                 "year": N_("yearly")}  # fmt: skip
_SALES_WORDS = {"parametric": N_("parametric"), "bootstrap": N_("bootstrap")}


def _period_words(p: Any) -> str:
    return _(_PERIOD_WORDS[p]) if p in _PERIOD_WORDS else _code(p)


def _draw_words(d: Any) -> str:
    """A draw in words: its monthly amount, whether it is recovered, for how long."""
    if not isinstance(d, dict):
        return _value(d)
    amount = f"{d['amount']:,.0f}" if isinstance(d.get("amount"), int | float) else d.get("amount")
    text = (
        _("recoverable draw of {amount} a month")
        if d.get("recoverable", True)
        else _("guaranteed draw of {amount} a month")
    ).format(amount=amount)
    if d.get("months"):
        text += _(" in the first {months} months").format(months=d["months"])
    return text


def _positions_words(p: Any) -> str:
    return _("every position") if not p else ", ".join(map(str, p))


def _component_words(c: dict) -> str:
    t = c.get("type", "")
    words = REGISTRY[t].type_words if t in REGISTRY else ""
    kind = _(words) if words else _code(t) if t else _("component")
    bits = [f"{kind} {c.get('name')!r}"]
    if c.get("kpi"):
        bits.append(
            _("on {kpi}").format(kpi=c["kpi"])
            + (_(" at {level} level").format(level=c["level"]) if c.get("level") else "")
        )
    text = " ".join(bits)
    if c.get("weight") is not None:
        text += _(", with {weight} of target incentive").format(weight=_pct(c["weight"]))
    return text


def _gate_words(g: Any) -> str:
    if not isinstance(g, dict):
        return _("no gate")
    basis = _("attainment") if g.get("basis", "attainment") == "attainment" else _("value")
    return _("paid only when {kpi} {basis} is at least {min}").format(
        kpi=_code(g.get("kpi")), basis=basis, min=_pct(g.get("min"))
    )


def plan_change_words(old: dict, new: dict) -> list[str]:
    """What differs between two plans, parameter by parameter, in plain words.

    Components are matched by name (else by position within their type); for each:
    weight, threshold, cap, the factor paid at the cap, the curve's points, gates
    and component caps. Then plan-level settings: measurement period, true-up,
    variable share of pay, plan caps, draws, positions.
    """
    out = _plan_setting_words(old, new)
    oc = [c for c in old.get("components") or [] if isinstance(c, dict)]
    nc = [c for c in new.get("components") or [] if isinstance(c, dict)]
    matched: list[tuple[dict, dict]] = []
    left = list(oc)
    for c in nc:
        same = next((o for o in left if o.get("name") == c.get("name")), None)
        if same is None:
            same = next((o for o in left if o.get("type") == c.get("type")), None)
        if same is None:
            out.append(_("adds a {component}").format(component=_component_words(c)))
            continue
        left.remove(same)
        matched.append((same, c))
    for o in left:
        out.append(_("drops the {component}").format(component=_component_words(o)))
    for o, c in matched:
        out += _component_change_words(o, c)
    return out + _plan_limit_words(old, new)


def _plan_setting_words(old: dict, new: dict) -> list[str]:
    """Measurement period, true-up and the variable share of pay."""
    out: list[str] = []
    if old.get("period") != new.get("period"):
        out.append(
            _("measured {new} instead of {old}").format(
                new=_period_words(new.get("period")), old=_period_words(old.get("period"))
            )
        )
    if bool(old.get("true_up")) != bool(new.get("true_up")):
        out.append(
            _("trued up to the year to date each period")
            if new.get("true_up")
            else _("no year-to-date true-up any more")
        )
    pm_o = ((old.get("target_incentive") or {}).get("pay_mix") or {}).get("variable")
    pm_n = ((new.get("target_incentive") or {}).get("pay_mix") or {}).get("variable")
    if pm_o != pm_n and pm_o is not None and pm_n is not None:
        out.append(
            _("variable share of on-target pay {old} -> {new}").format(
                old=_pct(pm_o), new=_pct(pm_n)
            )
        )
    return out


def _component_change_words(o: dict, c: dict) -> list[str]:
    """What differs between two versions of one component."""
    out: list[str] = []
    name = c.get("name")
    if o.get("name") != name:
        out.append(
            _("component {old} becomes {new}").format(old=repr(o.get("name")), new=repr(name))
        )
    if o.get("weight") != c.get("weight") and c.get("weight") is not None:
        out.append(
            _("{component} weight {old} -> {new} of target incentive").format(
                component=repr(name), old=_pct(o.get("weight")), new=_pct(c["weight"])
            )
        )
    if o.get("kpi") != c.get("kpi"):
        out.append(
            _("{component} measured on {new} instead of {old}").format(
                component=repr(name), new=_code(c.get("kpi")), old=_code(o.get("kpi"))
            )
        )
    co, cn = o.get("curve"), c.get("curve")
    if co and cn and co != cn:
        out.append(_curve_change_words(repr(name), co, cn))
    if o.get("gate") != c.get("gate"):
        out.append(
            _("{component}: {gate} (was: {old})").format(
                component=repr(name), gate=_gate_words(c.get("gate")),
                old=_gate_words(o.get("gate")))
        )  # fmt: skip
    if o.get("max_payout") != c.get("max_payout"):
        out.append(
            _("{component} cap in currency {old} -> {new}").format(
                component=repr(name), old=_value(o.get("max_payout")),
                new=_value(c.get("max_payout")))
        )  # fmt: skip
    if o.get("blend") != c.get("blend") and c.get("blend"):
        out.append(
            _("{component} measured {team} on the team, {own} on the rep").format(
                component=repr(name), team=_pct(c["blend"].get("team")),
                own=_pct(c["blend"].get("individual")))
        )  # fmt: skip
    return out


def _curve_change_words(component: str, co: list, cn: list) -> str:
    """A component's payout curve: threshold, cap and the most it pays, then both curves."""
    bits = []
    if co[0][0] != cn[0][0]:
        bits.append(
            _("threshold {old} -> {new} of quota").format(old=_pct(co[0][0]), new=_pct(cn[0][0]))
        )
    if co[-1][0] != cn[-1][0]:
        bits.append(
            _("cap {old} of quota removed").format(old=_pct(co[-1][0]))
            if cn[-1][0] >= NO_CAP_ATTAINMENT
            else _("cap {old} -> {new} of quota").format(old=_pct(co[-1][0]), new=_pct(cn[-1][0]))
        )
    if co[-1][1] != cn[-1][1] and cn[-1][0] < NO_CAP_ATTAINMENT:
        bits.append(
            _("most it pays {old}x -> {new}x target").format(
                old=f"{co[-1][1]:g}", new=f"{cn[-1][1]:g}"
            )
        )
    return _("{component} payout curve: {what} (was {old}; now {new})").format(
        component=component, what=_("; ").join(bits) if bits else _("new shape"),
        old=_curve_text(co), new=_curve_text(cn))  # fmt: skip


def _plan_limit_words(old: dict, new: dict) -> list[str]:
    """Plan caps, the draw and the positions covered."""
    out: list[str] = []
    none = _("none")
    for key, words in (("max_payout_multiple", N_("plan cap (x target incentive)")),
                       ("max_payout", N_("plan cap (currency a year)"))):  # fmt: skip
        if old.get(key) != new.get(key):
            out.append(f"{_(words)} {old.get(key) or none} -> {new.get(key) or none}")
    if old.get("draw") != new.get("draw"):
        out.append(
            _("draw {old} -> {new}").format(
                old=_draw_words(old.get("draw")), new=_draw_words(new.get("draw"))
            )
        )
    if old.get("positions") != new.get("positions"):
        out.append(
            _("covers positions {new} (was {old})").format(
                new=_positions_words(new.get("positions")),
                old=_positions_words(old.get("positions")),
            )
        )
    return out


def _merit_words(m: Any) -> str:
    """A merit matrix in a sentence: its grades and the raise range of each."""
    if not isinstance(m, dict):
        return _("none")
    try:
        rows = [
            f"{g} {_pct_raise(min(r))}-{_pct_raise(max(r))}"
            for g, r in zip(m["grades"], m["raises"], strict=True)
        ]
    except (KeyError, TypeError, ValueError):
        return str(m)
    return _("{n} grades, raise by compa-ratio band: {rows}").format(
        n=len(rows), rows=", ".join(rows)
    )


def _pct_raise(x: float) -> str:
    return f"{x:.1%}".replace(".0%", "%")


def _baseline_words(sc: Scenario) -> list[str]:
    d = sc.design
    s = sc.settings
    t = d.get("targets") or {}
    out = [
        "- " + _("data: {data}").format(data=d["data"]),
        "- " + _("plan: {plan}").format(plan=d["plan"].get("name"))
        + (f" ({sc.sources['plan']})" if "plan" in sc.sources else ""),
        "- " + _("targets: {source}").format(source=(
            _("the dataset's targets table")
            if t.get("source", "data") == "data"
            else _("cascaded from the company target")
        )),
        "- " + _("appraisal: {appraisal}").format(appraisal=(
            str(d["appraisal"].get("name")) if isinstance(d.get("appraisal"), dict) else _("none")
        )),
        "- " + _("simulation: {draws} draws, seed {seed}, {sales} sales model").format(
            draws=f"{s.draws:,}", seed=s.seed, sales=_(_SALES_WORDS[s.sales])),
    ]  # fmt: skip
    if d.get("behavior") is not None:
        out.append("- " + _("behavioural response: on"))
    return out


def _setting(sc: Scenario, name: str, raw: Any) -> str:
    """A simulation setting as the scenario has it: one the file leaves out has its default."""
    if name not in SimulationSettings.model_fields:
        return _value(raw)
    v = getattr(sc.settings, name)
    return _(_SALES_WORDS[v]) if name == "sales" else _value(v)


def change_words(changes: list[tuple[str, Any, Any]], base: Scenario, sc: Scenario) -> list[str]:
    """Each change in words (one line per change, grouped where it helps)."""
    out: list[str] = []
    plan_old = base.design["plan"].get("name")
    plan_new = sc.design["plan"].get("name")
    if plan_old != plan_new:
        src = sc.sources.get("plan")
        out.append(
            _("replaces the plan {old} with {new}").format(old=repr(plan_old), new=repr(plan_new))
            + (f" ({src})" if src else "") + ":"
        )  # fmt: skip
        out += [f"  - {w}" for w in plan_change_words(base.design["plan"], sc.design["plan"])]
        changes = [c for c in changes if not c[0].startswith("plan")]
    if any(c[0].startswith("outcomes.merit") for c in changes):
        out.append(
            _("merit matrix: {new} (was {old})").format(
                new=_merit_words((sc.design.get("outcomes") or {}).get("merit")),
                old=_merit_words((base.design.get("outcomes") or {}).get("merit")),
            )
        )
        changes = [c for c in changes if not c[0].startswith("outcomes.merit")]
    if isinstance(sc.design.get("appraisal"), dict) and base.design.get(
        "appraisal"
    ) != sc.design.get("appraisal"):
        old = (base.design.get("appraisal") or {}).get("name")
        new = sc.design["appraisal"].get("name")
        if old != new:
            out.append(
                _("appraises with {new} instead of {old}").format(
                    new=repr(new), old=_("none") if old is None else repr(old)
                )
            )
            changes = [c for c in changes if not c[0].startswith("appraisal")]
    seen_curves: set[int] = set()
    for path, old, new in changes:
        m = COMPONENT_PATH.match(path)
        if m:
            i, fld, rest = int(m.group(1)), m.group(2), m.group(3)
            comp = _component_name(sc.design, i)
            if fld == "curve":
                if i in seen_curves:
                    continue
                seen_curves.add(i)
                oc = base.design["plan"]["components"][i].get("curve")
                nc = sc.design["plan"]["components"][i].get("curve")
                cap_o, cap_n = oc[-1][0], nc[-1][0]
                bits = []
                if oc[0][0] != nc[0][0]:
                    bits.append(
                        _("threshold {old} -> {new}").format(old=_pct(oc[0][0]), new=_pct(nc[0][0]))
                    )
                if cap_o != cap_n:
                    bits.append(
                        _("cap removed (the accelerator continues)")
                        if cap_n >= NO_CAP_ATTAINMENT
                        else _("cap {old} -> {new} of quota").format(
                            old=_pct(cap_o), new=_pct(cap_n)
                        )
                    )
                what = _("; ").join(bits) if bits else _("new shape")
                out.append(
                    _("changes the payout curve of {component}: {what} (was {old}; now {new})")
                    .format(component=repr(comp), what=what, old=_curve_text(oc),
                            new=_curve_text(nc))
                )  # fmt: skip
                continue
            if fld == "weight" and not rest:
                out.append(
                    _("weights {component} at {new} of target incentive (was {old})").format(
                        component=repr(comp), new=_pct(new), old=_pct(old))
                )  # fmt: skip
                continue
            out.append(
                _("sets {field} of {component} to {new} (was {old})").format(
                    field=f"{fld}{rest}", component=repr(comp), new=_value(new), old=_value(old))
            )  # fmt: skip
            continue
        if path.startswith("plan.target_incentive.pay_mix.variable"):
            out.append(_("variable share of on-target pay {old} -> {new}").format(
                old=_pct(old), new=_pct(new)))  # fmt: skip
        elif path.startswith("simulation."):
            name = path.split(".", 1)[1]
            out.append(_("simulation setting {name}: {old} -> {new}").format(
                name=name, old=_setting(base, name, old), new=_setting(sc, name, new)))  # fmt: skip
        elif path == "behavior" or path.startswith("behavior."):
            out.append(_("behavioural response {name}: {old} -> {new}").format(
                name=path, old=_value(old), new=_value(new)))  # fmt: skip
        elif path.startswith("outcomes.pip_floor"):
            out.append(_("improvement-plan floor {old} -> {new} attainment").format(
                old=_pct(old), new=_pct(new)))  # fmt: skip
        else:
            out.append(_("sets {field} to {new} (was {old})").format(
                field=path, new=_value(new), old=_value(old)))  # fmt: skip
    return out


def describe_scenario(file: Scenario) -> str:
    """What a scenario file asks and, for each reform, what it changes, in plain words
    (Markdown: ``simlib describe`` prints it, the scenario report opens with it).

    ``file`` is any scenario of the file (:meth:`Scenario.from_yaml` returns its baseline).
    """
    lines = [f"# {file.header.get('title', file.title)}"]
    if file.header:
        lines += [
            _("Author: {author}").format(author=file.header["author"]),
            "",
            _("What: {what}").format(what=file.header["what"]),
            _("Why: {why}").format(why=file.header["why"]),
        ]
    from simlib.vocabulary import DEFAULT_GOALS

    goals = file.goals or DEFAULT_GOALS
    lines += [
        "",
        "## " + (_("goals") if file.goals else _("goals (none stated: the practice bands)")),
    ]
    lines += [f"{g.priority}. {g.title}" + (f": {g.source}" if g.source else "")
              for g in goals]  # fmt: skip
    base = file.members.get(BASELINE, file)
    lines += ["", "## " + _("baseline"), *_baseline_words(base)]
    for sc in file.scenarios:
        if sc.kind == BASELINE:
            continue
        on = _(" (on {base})").format(base=sc.base) if sc.base != BASELINE else ""
        lines += ["", f"## {sc.name}{on}", sc.what]
        if sc.why:
            lines.append(_("Why: {why}").format(why=sc.why))
        words = change_words(sc.changes, file.members.get(sc.base or BASELINE, base), sc)
        lines += [w if w.startswith("  - ") else f"- {w}" for w in words] or [
            "- " + _("changes nothing")
        ]
        if sc.budget_neutral:
            lines.append("- " + budget_neutral_words())
    for name, why in file.failed.items():
        lines += ["", f"## {name}: " + _("CANNOT BE BUILT"), why]
    if file.search is not None:
        from simlib.scenario.search_spec import describe_search

        lines += ["", *describe_search(file.search)]
    return "\n".join(lines)


def budget_neutral_words(factor: float | None = None) -> str:
    """What a budget-neutral variant is: asked for (no ``factor``), or found
    (payout levels times ``factor``, which makes its expected cost the baseline's)."""
    if factor is None:
        return _(
            "also run budget-neutral: payout levels scaled so the expected cost "
            "equals the baseline's"
        )
    if factor < 1:
        change = _("{pct} lower").format(pct=f"{1 - factor:.1%}")
    else:
        change = _("{pct} higher").format(pct=f"{factor - 1:.1%}")
    return _(
        "payout levels x{factor} ({change}), so the expected cost equals the baseline's"
    ).format(factor=f"{factor:.3f}", change=change)
