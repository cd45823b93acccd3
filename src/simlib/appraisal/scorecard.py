"""Scorecards as data, and the vectorized scoring core.

A scorecard says which KPIs are appraised, how each is turned into points (a
scoring rule), how the points are weighted, whether manager-assessed competence
items (1-5 scale) count, how much the team's result counts, and how the blended
score becomes a rating. It is written as YAML or a dict and validated strictly
(unknown keys are errors; every error names its path, e.g.
``scorecard.rating.grades: shares must sum to 1 (100%) ...``)::

    name: rep-2026
    kpis:
      - {kpi: revenue,       weight: 0.5, rule: {type: ratio, cap: 1.5}}
      - {kpi: new_customers, weight: 0.3, rule: {type: linear, floor: 0.8, ceiling: 1.2}}
      - {kpi: hv_retention,  weight: 0.2,
         rule: {type: steps, bands: [{at_least: 0.9, score: 80}, {at_least: 1.0, score: 100}]}}
    competence: {weight: 0.2}
    team: {weight: 0.3, level: team}
    rating:
      type: forced
      within: company
      grades:
        - {name: 优秀, share: 0.10, coefficient: 1.2}
        - {name: 良好, share: 0.20, coefficient: 1.1}
        - {name: 合格, share: 0.40, coefficient: 1.0}
        - {name: 待改进, share: 0.20, coefficient: 0.9}
        - {name: 不合格, share: 0.10, coefficient: 0.8}

Points scale: 100 points = on target (attainment 1.0), as in a 百分制 scorecard.

Scoring rules (``rule.type``), each reading the KPI's *attainment* (actual /
target, or target / actual for a lower-is-better KPI, so higher is always better)
unless ``basis: actual`` asks for the raw value:

``ratio``
    100 x attainment, capped at ``100 x cap`` and floored at 0.
``linear``
    ``score_at_floor`` points at ``floor`` rising linearly to
    ``score_at_ceiling`` at ``ceiling``; below the floor ``score_below_floor``
    (default: the floor score); above the ceiling the ceiling score.
``steps``
    Bands: the score of the hardest band whose ``at_least`` the value reaches
    (or, with ``at_most`` for lower-is-better values on ``basis: actual``, whose
    ``at_most`` it stays under); ``below`` otherwise.
``zscore``
    ``center + scale x z`` where z is the standard score within the group
    (``within``: ``company`` or a level such as ``branch``), clipped to
    ``[0, max_score]``. Relative: it ranks reps against peers, not a standard.
``percentile``
    ``low + (high - low) x percentile`` within the group (mid-rank, ties equal).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from simlib.appraisal.rating import Groups, percentile_within, zscore_within
from simlib.appraisal.weights import Weights, ahp, ahp_hierarchy, critic_weights, entropy_weights
from simlib.errors import SpecError
from simlib.i18n import _
from simlib.spec import StrictModel, load_yaml, parse_spec

Basis = Literal["attainment", "actual"]


# ------------------------------------------------------------------ rules
class RatioRule(StrictModel):
    """100 points x attainment, capped (``cap`` is an attainment, e.g. 1.5 = 150 points)."""

    type: Literal["ratio"] = "ratio"
    cap: float = Field(1.2, gt=0)


class LinearRule(StrictModel):
    """Linear from ``floor`` to ``ceiling`` (values on the basis: attainment or actual).

    ``ceiling`` below ``floor`` makes a falling scale, for a lower-is-better KPI
    on ``basis: actual`` (churn 5% -> 0 points, 2% -> 100 points).
    """

    type: Literal["linear"] = "linear"
    floor: float
    ceiling: float
    score_at_floor: float = 0.0
    score_at_ceiling: float = 100.0
    score_below_floor: float | None = None
    basis: Basis = "attainment"

    @model_validator(mode="after")
    def _order(self) -> LinearRule:
        if self.ceiling == self.floor:
            raise ValueError(
                _("floor and ceiling are equal ({floor}); they must differ").format(
                    floor=self.floor
                )
            )
        rising = (self.score_at_ceiling - self.score_at_floor) * (self.ceiling - self.floor)
        if self.basis == "attainment" and rising < 0:
            raise ValueError(
                _(
                    "points fall as attainment rises (attainment {floor} -> {score_at_floor:g} "
                    "points, {ceiling} -> {score_at_ceiling:g}); attainment is already oriented so "
                    "higher is better (target/actual for a lower-is-better KPI): give the floor "
                    "the lower attainment and the lower score, or use basis: actual for a falling "
                    "scale on raw values"
                ).format(
                    floor=self.floor,
                    score_at_floor=self.score_at_floor,
                    ceiling=self.ceiling,
                    score_at_ceiling=self.score_at_ceiling,
                )
            )
        return self


class Band(StrictModel):
    """A step: reach ``at_least`` (or stay ``at_most``, for lower-is-better values) to earn ``score``."""

    at_least: float | None = None
    at_most: float | None = None
    score: float

    @model_validator(mode="after")
    def _one(self) -> Band:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(_("give exactly one of at_least / at_most"))
        return self


class BandsRule(StrictModel):
    """Steps, listed from the easiest band to the hardest."""

    type: Literal["steps"] = "steps"
    bands: list[Band] = Field(min_length=1)
    below: float = 0.0
    basis: Basis = "attainment"

    @field_validator("bands")
    @classmethod
    def _monotone(cls, v: list[Band]) -> list[Band]:
        if all(b.at_least is not None for b in v):
            th = [b.at_least for b in v]
            if any(y <= x for x, y in zip(th, th[1:], strict=False)):
                raise ValueError(
                    _("at_least must increase from band to band, got {th}").format(th=th)
                )
        elif all(b.at_most is not None for b in v):
            th = [b.at_most for b in v]
            if any(y >= x for x, y in zip(th, th[1:], strict=False)):
                raise ValueError(
                    _("at_most must decrease from band to band, got {th}").format(th=th)
                )
        else:
            raise ValueError(_("use at_least in every band or at_most in every band, not a mix"))
        return v

    @model_validator(mode="after")
    def _rising_on_attainment(self) -> BandsRule:
        if self.basis != "attainment":
            return self
        if self.bands[0].at_most is not None:
            raise ValueError(
                _(
                    "at_most bands on basis 'attainment' reverse the scoring (attainment is "
                    "oriented so higher is better): use at_least, or basis: actual for raw "
                    "lower-is-better values"
                )
            )
        pts = [self.below] + [b.score for b in self.bands]
        if any(b < a for a, b in zip(pts, pts[1:], strict=False)):
            raise ValueError(
                _(
                    "points must not fall as attainment rises: below {below:g}, then {scores} for "
                    "the bands from easiest to hardest"
                ).format(below=self.below, scores=[b.score for b in self.bands])
            )
        return self


class ZScoreRule(StrictModel):
    """Relative: ``center + scale * z`` within a group, clipped to [0, max_score]."""

    type: Literal["zscore"] = "zscore"
    within: str = "company"
    center: float = 100.0
    scale: float = Field(20.0, gt=0)
    max_score: float = Field(150.0, gt=0)
    basis: Basis = "attainment"


class PercentileRule(StrictModel):
    """Relative: ``low + (high - low) * percentile`` within a group."""

    type: Literal["percentile"] = "percentile"
    within: str = "company"
    low: float = 0.0
    high: float = 100.0
    basis: Basis = "attainment"


Rule = Annotated[
    RatioRule | LinearRule | BandsRule | ZScoreRule | PercentileRule, Field(discriminator="type")
]


class KPIItem(StrictModel):
    """One appraised KPI: its direction (default from ``ds.kpis``), rule and weight."""

    kpi: str
    direction: Literal["higher", "lower"] | None = None
    rule: Rule = Field(default_factory=RatioRule)
    weight: float | None = Field(None, ge=0, le=1)


class WeightsSpec(StrictModel):
    """How KPI weights are obtained when not written on each KPI.

    ``method``: ``ahp`` (``pairwise`` in the order of ``kpis``), ``ahp_hierarchy``
    (``hierarchy``: criteria -> sub-criteria, leaves are KPI names), ``entropy`` or
    ``critic`` (from this period's KPI *points* of the appraised reps: the scored,
    direction-oriented values the weights multiply, so every column is "higher is
    better"), or ``combined``: ``alpha`` x AHP (``pairwise``) + (1 - alpha) x
    ``objective``. ``normalization`` is the entropy normalization (``share``, the
    standard method, or ``minmax``; see :func:`~simlib.appraisal.entropy_weights`).
    Keys that the method does not use are rejected (a ``pairwise`` matrix under
    ``method: entropy`` would be silently ignored otherwise).
    """

    method: Literal["ahp", "ahp_hierarchy", "entropy", "critic", "combined"]
    pairwise: list[list[float | str]] | None = None
    hierarchy: dict[str, Any] | None = None
    ahp_method: Literal["eigen", "geometric"] = "eigen"
    on_inconsistent: Literal["warn", "raise", "ignore"] = "warn"
    objective: Literal["entropy", "critic"] = "entropy"
    alpha: float = Field(0.5, ge=0, le=1)
    normalization: Literal["share", "minmax"] = "share"

    @model_validator(mode="after")
    def _needs(self) -> WeightsSpec:
        if self.method in ("ahp", "combined") and self.pairwise is None:
            raise ValueError(
                _("method {method!r} needs a 'pairwise' matrix").format(method=self.method)
            )
        if self.method == "ahp_hierarchy" and self.hierarchy is None:
            raise ValueError(_("method 'ahp_hierarchy' needs a 'hierarchy'"))
        used = {
            "ahp": {"pairwise", "ahp_method", "on_inconsistent"},
            "ahp_hierarchy": {"hierarchy", "ahp_method", "on_inconsistent"},
            "entropy": {"normalization"},
            "critic": set(),
            "combined": {"pairwise", "ahp_method", "on_inconsistent", "objective", "alpha",
                         "normalization"},
        }[self.method]  # fmt: skip
        unused = sorted((self.model_fields_set - {"method"}) - used)
        if unused:
            raise ValueError(
                _("{unused} not used by method {method!r} (it uses {used})").format(
                    unused=unused, method=self.method, used=sorted(used) or _("nothing else")
                )
            )
        return self


class CompetenceSpec(StrictModel):
    """Manager / 360 competence items (1-5 scale) as a share of the individual score.

    A rep's competence score is the mean of their item scores (each item the
    mean of the period's assessments), weighted by ``item_weights`` when given
    (e.g. ``{product knowledge: 0.6, negotiation: 0.4}``; a rep not assessed on
    an item is scored on the others, their weights rescaled, and the appraisal
    notes say how many). The score s becomes ``100 + points_per_step * (s - meets)`` points: with
    the defaults 3 ("meets expectations") = 100 points, 5 = 120, 1 = 80, so a
    competence point is worth as much as a KPI point near target.
    """

    weight: float = Field(gt=0, le=1)
    items: list[str] | None = None
    item_weights: dict[str, float] | None = None
    meets: float = Field(3.0, ge=1, le=5)
    points_per_step: float = Field(10.0, gt=0)
    calibrate: Literal["none", "zscore", "mean", "mixed"] = "none"

    @model_validator(mode="after")
    def _item_weights(self) -> CompetenceSpec:
        iw = self.item_weights
        if iw is None:
            return self
        bad = {k: v for k, v in iw.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            raise ValueError(_("item_weights must be finite and >= 0, got {bad}").format(bad=bad))
        total = float(sum(iw.values()))
        if not np.isclose(total, 1.0, atol=1e-6):
            raise ValueError(
                _("item_weights must sum to 1 (100%); they sum to {total:.6g}").format(total=total)
            )
        if self.items is not None and set(iw) != set(self.items):
            raise ValueError(
                _(
                    "item_weights cover {iw} but items are {items}; give the same items (or leave "
                    "items out: the weighted items are used)"
                ).format(iw=sorted(iw), items=sorted(self.items))
            )
        return self

    @property
    def used_items(self) -> list[str] | None:
        """The items counted: ``items``, else the keys of ``item_weights``, else all (None)."""
        if self.items is not None:
            return list(self.items)
        return list(self.item_weights) if self.item_weights is not None else None


class TeamSpec(StrictModel):
    """Blend of the individual score with the score of the rep's unit (团队业绩和个人业绩结合)."""

    weight: float = Field(ge=0, le=1)
    level: str = "team"


class CalibrationSpec(StrictModel):
    """Calibrate the individual score (KPI composite + competence) across raters.

    Units (their heads, who rate) differ in leniency; ``method`` (see
    :func:`simlib.appraisal.calibrate`) removes each group's offset (``mean``)
    or offset and spread (``zscore``; ``mixed`` shrinks small groups, tidy
    appraisals only) before the team blend and the rating. ``by`` is ``unit``
    (the rep's own unit: its head is the rater) or a level name (``branch``).
    Only ``mean`` keeps the score linear in the KPI weights, which the weight
    sensitivity analysis needs.
    """

    method: Literal["mean", "zscore", "mixed"]
    by: str = "unit"


class Grade(StrictModel):
    name: str
    min_score: float | None = None
    share: float | None = Field(None, ge=0, le=1)
    coefficient: float | None = Field(None, ge=0)


class RatingSpec(StrictModel):
    """Ratings: absolute ``bands`` (``min_score`` per grade) or ``forced`` (``share`` per grade).

    Grades are listed best first. ``within`` is ``company`` or a level name
    (rank within each branch ...). ``ties`` is the forced-distribution tie rule
    (see :mod:`simlib.appraisal.rating`). ``min_group`` triggers a warning for
    small groups; ``quota_tolerance`` one when ties move a grade's count off its
    quota by more than that share of the group.
    """

    type: Literal["bands", "forced"]
    grades: list[Grade] = Field(min_length=2)
    within: str = "company"
    ties: Literal["up", "down", "split"] = "up"
    min_group: int = Field(25, ge=1)
    quota_tolerance: float = Field(0.1, ge=0, le=1)

    @model_validator(mode="after")
    def _grades(self) -> RatingSpec:
        names = [g.name for g in self.grades]
        if len(set(names)) != len(names):
            raise ValueError(_("grade names repeat: {names}").format(names=names))
        coef = [g.name for g in self.grades if g.coefficient is None]
        if coef and len(coef) < len(self.grades):
            raise ValueError(
                _(
                    "grades: a coefficient is given for some grades but not for {coef}; give every "
                    "grade one (or none)"
                ).format(coef=coef)
            )
        if self.type == "forced":
            stray = [g.name for g in self.grades if g.min_score is not None]
            if stray:
                raise ValueError(
                    _(
                        "forced distribution: min_score on {stray} would be ignored (grades follow "
                        "shares); remove it, or use type: bands"
                    ).format(stray=stray)
                )
            missing = [g.name for g in self.grades if g.share is None]
            if missing:
                raise ValueError(
                    _("forced distribution: every grade needs a share; missing {missing}").format(
                        missing=missing
                    )
                )
            total = sum(g.share for g in self.grades)  # type: ignore[misc]
            if not np.isclose(total, 1.0, atol=1e-6):
                raise ValueError(
                    _(
                        "grades: shares must sum to 1 (100%); they sum to {total:.6g} ({total:.2%})"
                    ).format(total=total)
                )
        else:
            stray = [g.name for g in self.grades if g.share is not None]
            if stray:
                raise ValueError(
                    _(
                        "bands: share on {stray} would be ignored (grades follow min_score); "
                        "remove it, or use type: forced"
                    ).format(stray=stray)
                )
            th = [g.min_score for g in self.grades]
            if any(t is None for t in th[:-1]):
                raise ValueError(_("bands: every grade but the last needs a min_score"))
            if th[-1] is not None:
                raise ValueError(
                    _(
                        "bands: the last grade ({name}) catches every score below the others; "
                        "remove its min_score ({th:g}), or a lower score has no grade"
                    ).format(name=self.grades[-1].name, th=th[-1])
                )
            cut = [t for t in th if t is not None]
            if any(b >= a for a, b in zip(cut, cut[1:], strict=False)):
                raise ValueError(
                    _("bands: min_score must decrease from the best grade, got {cut}").format(
                        cut=cut
                    )
                )
        return self

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.grades]

    @property
    def shares(self) -> list[float]:
        return [float(g.share) for g in self.grades]  # type: ignore[arg-type]

    @property
    def thresholds(self) -> list[float | None]:
        return [g.min_score for g in self.grades]

    @property
    def coefficients(self) -> dict[str, float] | None:
        c = {g.name: g.coefficient for g in self.grades}
        return None if any(v is None for v in c.values()) else c  # type: ignore[return-value]


class Scorecard(StrictModel):
    """An appraisal design: KPIs and rules, weights, competence, team blend, rating scheme."""

    name: str
    description: str = ""
    # ``weights`` is declared before ``kpis`` so the KPI validator can see it.
    weights: WeightsSpec | None = None
    kpis: list[KPIItem] = Field(min_length=1)
    competence: CompetenceSpec | None = None
    calibration: CalibrationSpec | None = None
    team: TeamSpec | None = None
    rating: RatingSpec

    @field_validator("kpis")
    @classmethod
    def _kpi_weights(cls, kpis: list[KPIItem], info: ValidationInfo) -> list[KPIItem]:
        names = [k.kpi for k in kpis]
        if len(set(names)) != len(names):
            raise ValueError(_("a KPI is listed twice: {names}").format(names=names))
        given = [k.weight for k in kpis]
        block = info.data.get("weights")
        if "weights" not in info.data:
            return kpis  # the weights block itself failed; its error is reported
        if block is None:
            if any(w is None for w in given):
                missing = [k.kpi for k in kpis if k.weight is None]
                raise ValueError(
                    _(
                        "no weight for {missing}: give every KPI a weight, or a 'weights' block "
                        "(ahp, entropy ...)"
                    ).format(missing=missing)
                )
            total = float(sum(given))  # type: ignore[arg-type]
            if not np.isclose(total, 1.0, atol=1e-6):
                raise ValueError(
                    _("weights must sum to 1 (100%); they sum to {total:.6g} ({total:.2%})").format(
                        total=total
                    )
                )
        else:
            if any(w is not None for w in given):
                raise ValueError(_("weights are given both on the KPIs and in the 'weights' block"))
            if block.pairwise is not None and len(block.pairwise) != len(names):
                raise ValueError(
                    _(
                        "weights.pairwise has {n_pairwise} rows for {n_names} KPIs {names} (rows "
                        "and columns follow the order of kpis)"
                    ).format(n_pairwise=len(block.pairwise), n_names=len(names), names=names)
                )
        return kpis

    # -------------------------------------------------------------- loading
    @classmethod
    def from_dict(cls, data: Any) -> Scorecard:
        """Validate a dict; errors name their path under ``scorecard``."""
        sc = parse_spec(cls, data, root="scorecard")
        if sc.weights is not None and sc.weights.pairwise is not None:
            # Check reciprocity/positivity now, with the path the user wrote; an
            # inconsistent matrix fails here too when the spec says "raise".
            strict = "raise" if sc.weights.on_inconsistent == "raise" else "ignore"
            ahp(
                sc.weights.pairwise,
                sc.kpi_names,
                on_inconsistent=strict,
                path="scorecard.weights.pairwise",
            )
        if sc.weights is not None and sc.weights.hierarchy is not None:
            strict = "raise" if sc.weights.on_inconsistent == "raise" else "ignore"
            w = ahp_hierarchy(
                sc.weights.hierarchy, on_inconsistent=strict, path="scorecard.weights.hierarchy"
            )
            if set(w.names) != set(sc.kpi_names):
                raise SpecError(
                    [
                        (
                            "scorecard.weights.hierarchy",
                            _("leaves {names} must be exactly the KPIs {kpi_names}").format(
                                names=sorted(w.names), kpi_names=sorted(sc.kpi_names)
                            ),
                        )
                    ]
                )
        return sc

    @classmethod
    def from_yaml(cls, path: str | Path) -> Scorecard:
        """Read a scorecard YAML file (optionally under a top-level ``scorecard:`` key)."""
        data = load_yaml(path)
        if isinstance(data, dict) and set(data) == {"scorecard"}:
            data = data["scorecard"]
        try:
            return cls.from_dict(data)
        except SpecError as exc:
            raise SpecError([(f"{path}: {p}", m) for p, m in exc.errors]) from None

    @property
    def kpi_names(self) -> list[str]:
        return [k.kpi for k in self.kpis]

    def resolve_weights(self, attainment: np.ndarray | None = None) -> Weights:
        """The KPI weights: written on the KPIs, from AHP, or from the data.

        Parameters
        ----------
        attainment : (reps, kpis) array, optional
            Needed for ``entropy`` / ``critic`` / ``combined``: the appraised
            reps' KPI points (what :func:`appraise` passes: the scored values,
            higher is better in every column), from which the objective weights
            are computed. (The name is kept for compatibility.)
        """
        from simlib.appraisal import weights as W

        names = self.kpi_names
        ws = self.weights
        if ws is None:
            return W.manual({k.kpi: float(k.weight) for k in self.kpis}, path="scorecard.kpis")
        p = "scorecard.weights"
        if ws.method == "ahp":
            return W.ahp(
                ws.pairwise,
                names,
                method=ws.ahp_method,
                on_inconsistent=ws.on_inconsistent,
                path=f"{p}.pairwise",
            )
        if ws.method == "ahp_hierarchy":
            w = W.ahp_hierarchy(
                ws.hierarchy or {},
                method=ws.ahp_method,
                on_inconsistent=ws.on_inconsistent,
                path=f"{p}.hierarchy",
            )
            return W.Weights(w.weights.reindex(names), w.method, w.inputs, w.diagnostics)
        if attainment is None:
            raise ValueError(
                _("{p}: method {method!r} needs the attainment data to compute").format(
                    p=p, method=ws.method
                )
            )
        x = np.asarray(attainment, dtype=float)
        obj = ws.objective if ws.method == "combined" else ws.method
        if obj == "entropy":
            objective = entropy_weights(x, criteria=names, normalization=ws.normalization)
        else:
            objective = critic_weights(x, criteria=names)
        if ws.method == "combined":
            subj = W.ahp(
                ws.pairwise,
                names,
                method=ws.ahp_method,
                on_inconsistent=ws.on_inconsistent,
                path=f"{p}.pairwise",
            )
            return W.combine(subj, objective, alpha=ws.alpha)
        return objective


def load_scorecard(spec: Scorecard | dict | str | Path) -> Scorecard:
    """A :class:`Scorecard` from itself, a dict, or a YAML path."""
    if isinstance(spec, Scorecard):
        return spec
    if isinstance(spec, str | Path):
        return Scorecard.from_yaml(spec)
    return Scorecard.from_dict(spec)


# ------------------------------------------------------------ scoring core
def attainment(actual: np.ndarray, target: np.ndarray, lower_is_better: np.ndarray) -> np.ndarray:
    """Attainment per KPI, oriented so higher is better: actual/target or target/actual.

    Arrays broadcast; the last axis is the KPI axis. A zero or missing target
    gives NaN (there is nothing to attain); for a lower-is-better KPI a zero
    actual (no churn at all) gives +inf, which every rule caps.
    """
    a = np.asarray(actual, dtype=float)
    t = np.asarray(target, dtype=float)
    low = np.asarray(lower_is_better, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(t > 0, a / np.where(t > 0, t, 1.0), np.nan)
        down = np.where(t > 0, np.where(a > 0, t / np.where(a > 0, a, 1.0), np.inf), np.nan)
    return np.where(low, down, up)


def score_rule(
    rule: Any,
    attain: np.ndarray,
    actual: np.ndarray | None = None,
    groups: Groups | None = None,
) -> np.ndarray:
    """Points for one KPI under one rule; arrays of shape (..., reps), NaN in -> NaN out."""
    if getattr(rule, "basis", "attainment") == "actual":
        if actual is None:
            raise ValueError(
                _("rule {type!r} on basis 'actual' needs the actual values").format(type=rule.type)
            )
        x = np.asarray(actual, dtype=float)
    else:
        x = np.asarray(attain, dtype=float)
    nan = np.isnan(x)
    if rule.type == "ratio":
        out = 100.0 * np.clip(x, 0.0, rule.cap)
    elif rule.type == "linear":
        frac = np.clip((x - rule.floor) / (rule.ceiling - rule.floor), 0.0, 1.0)
        out = rule.score_at_floor + frac * (rule.score_at_ceiling - rule.score_at_floor)
        if rule.score_below_floor is not None:
            worse = x < rule.floor if rule.ceiling > rule.floor else x > rule.floor
            out = np.where(worse, rule.score_below_floor, out)
    elif rule.type == "steps":
        sc = np.array([rule.below] + [b.score for b in rule.bands])
        if rule.bands[0].at_least is not None:
            th = np.array([b.at_least for b in rule.bands])
            idx = (x[..., None] >= th).sum(axis=-1)
        else:
            th = np.array([b.at_most for b in rule.bands])
            idx = (x[..., None] <= th).sum(axis=-1)
        out = sc[idx]
    elif rule.type in ("zscore", "percentile"):
        g = groups if groups is not None else Groups.single(x.shape[-1])
        if rule.type == "zscore":
            # +inf attainment (a lower-is-better KPI at 0) is left out of the group's
            # mean and sd, and scores the maximum.
            z = zscore_within(np.where(np.isinf(x), np.nan, x), g)
            out = np.clip(rule.center + rule.scale * z, 0.0, rule.max_score)
            out = np.where(np.isposinf(x), rule.max_score, out)
        else:
            # +inf ranks first; a missing value ranks last (it still counts in the group).
            out = rule.low + (rule.high - rule.low) * percentile_within(
                np.where(np.isnan(x), -np.inf, x), g
            )
    else:  # pragma: no cover - the spec's discriminator prevents this
        raise ValueError(_("unknown rule type {type!r}").format(type=rule.type))
    return np.where(nan, np.nan, out)


def score_kpis(
    sc: Scorecard,
    attain: np.ndarray,
    actual: np.ndarray | None = None,
    groups: dict[str, Groups] | None = None,
    company_wide: bool = False,
) -> np.ndarray:
    """Points per KPI: (..., reps, kpis) attainment -> (..., reps, kpis) scores.

    Parameters
    ----------
    attain : (..., reps, kpis) array
        Attainment oriented so higher is better (see :func:`attainment`), KPIs in
        ``sc.kpi_names`` order. Leading axes are draws.
    actual : same shape, optional
        Raw KPI values, for rules with ``basis: actual``.
    groups : dict of level -> Groups
        Groups for relative rules (``within``); ``company`` may be omitted.
    company_wide : bool
        Rank relative rules across all rows whatever their ``within`` says (used
        for unit-level team scores, where the rows are units).
    """
    a = np.asarray(attain, dtype=float)
    k = len(sc.kpis)
    if a.shape[-1] != k:
        raise ValueError(
            _("attainment has {n} KPI columns; the scorecard has {k}").format(n=a.shape[-1], k=k)
        )
    out = np.empty(a.shape)
    for j, item in enumerate(sc.kpis):  # loop over KPIs (a handful), never over reps
        within = getattr(item.rule, "within", "company")
        g = None
        if within != "company" and not company_wide:
            if groups is None or within not in groups:
                raise ValueError(
                    _("rule for {kpi!r} ranks within {within!r}: pass its groups").format(
                        kpi=item.kpi, within=within
                    )
                )
            g = groups[within]
        out[..., j] = score_rule(
            item.rule, a[..., j], None if actual is None else actual[..., j], g
        )
    return out


def team_scores(
    sc: Scorecard,
    actual: np.ndarray,
    target: np.ndarray,
    lower_is_better: np.ndarray,
    summed: np.ndarray,
    teams: Groups,
    weights: np.ndarray | Weights,
    mean_weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The unit's own score for each rep (the team part of the blend), vectorized over draws.

    Each unit's actual and target are rolled up from its reps (summed for a
    ``sum`` KPI, averaged over reps for a ``mean`` KPI such as a retention
    rate, weighted by ``mean_weights`` when given: churn weighted by revenue),
    the unit's attainment is scored with the same rules (relative rules rank
    units company-wide) and weighted.

    Parameters
    ----------
    actual, target : (..., reps, kpis) arrays
        NaN for reps that do not count towards their unit.
    lower_is_better, summed : (kpis,) bool
    teams : Groups
        Each rep's unit at the team level.
    mean_weights : (..., reps, kpis) array, optional
        Each rep's weight in the unit's mean of a ``mean`` KPI (e.g. the rep's
        revenue for a churn rate whose ``weight_kpi`` is revenue); ignored for
        summed KPIs. Default: every rep counts once (headcount), as
        :func:`simlib.data.org.rollup` does without a ``weight_kpi``.

    Returns
    -------
    (team_kpi_points, team_score): (..., reps, kpis) and (..., reps), each rep
    carrying their unit's values.
    """
    act = np.swapaxes(np.asarray(actual, dtype=float), -1, -2)  # (..., kpis, reps)
    tgt = np.swapaxes(np.asarray(target, dtype=float), -1, -2)
    s = np.asarray(summed, dtype=bool)[:, None]
    if mean_weights is None:
        mean_a, mean_t = teams.mean(act), teams.mean(tgt)
    else:
        wts = np.swapaxes(
            np.broadcast_to(np.asarray(mean_weights, float), np.shape(actual)), -1, -2
        )
        wts = np.where(np.isnan(act), 0.0, np.nan_to_num(wts, nan=0.0))
        wsum = teams.sum(wts)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_a = np.where(wsum > 0, teams.sum(act * wts) / wsum, np.nan)
            mean_t = np.where(wsum > 0, teams.sum(tgt * wts) / wsum, np.nan)
    ua = np.where(s, teams.sum(act), mean_a)  # (..., kpis, units)
    ut = np.where(s, teams.sum(tgt), mean_t)
    ua, ut = np.swapaxes(ua, -1, -2), np.swapaxes(ut, -1, -2)  # (..., units, kpis)
    pts = score_kpis(sc, attainment(ua, ut, lower_is_better), ua, company_wide=True)
    per_rep = np.take(pts, teams.codes, axis=-2)
    return per_rep, composite(per_rep, weights)


def composite(scores: np.ndarray, weights: np.ndarray | Weights) -> np.ndarray:
    """Weighted sum of KPI points: (..., reps, kpis) -> (..., reps). NaN if any KPI is NaN."""
    w = weights.to_numpy() if isinstance(weights, Weights) else np.asarray(weights, float)
    return np.asarray(scores, dtype=float) @ w


def competence_points(score_1_5: np.ndarray, spec: CompetenceSpec) -> np.ndarray:
    """Competence item scores (1-5) -> points: ``100 + points_per_step * (s - meets)``."""
    return 100.0 + spec.points_per_step * (np.asarray(score_1_5, dtype=float) - spec.meets)


def blend(individual: np.ndarray, team: np.ndarray | None, team_weight: float) -> np.ndarray:
    """``(1 - w) * individual + w * team`` (the document's team/individual combination)."""
    if team is None or team_weight == 0:
        return np.asarray(individual, dtype=float)
    return (1.0 - team_weight) * np.asarray(individual, float) + team_weight * np.asarray(
        team, float
    )
