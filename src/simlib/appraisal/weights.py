"""KPI weights: manual, AHP (eigenvector or geometric mean, with a hierarchy), entropy, CRITIC.

Every function returns a :class:`Weights`: weights that sum to 1, indexed by
criterion (KPI or competence item) name, plus a record of how they were obtained
(``method``, ``inputs``, ``diagnostics``) so a report can say where a number came
from.

Subjective weights come from people (a manual list, or Saaty's pairwise
comparisons); objective weights come from the KPI data (entropy: criteria whose
scores vary more carry more information; CRITIC: contrast *and* conflict with the
other criteria). :func:`combine` mixes the two kinds, e.g. ``0.6 * AHP + 0.4 *
entropy``.

References
----------
- Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill. Random
  index table (n=3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
  10: 1.49); accept a matrix when its consistency ratio CR <= 0.10
  (``docs/practice.md``, "AHP consistency").
- Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
  *Int. J. Services Sciences* 1(1), 83-98 (the drinks example used in the tests).
- Crawford, G. & Williams, C. (1985). A note on the analysis of subjective
  judgment matrices. *J. Math. Psych.* 29, 387-405 (row geometric mean method).
- Zeleny, M. (1982). *Multiple Criteria Decision Making*; Shannon entropy weights.
- Diakoulaki, D., Mavrotas, G. & Papayannakis, L. (1995). Determining objective
  weights in multiple criteria problems: the CRITIC method. *Computers & Operations
  Research* 22(7), 763-770.

The tests reproduce published worked examples: Saaty (2008) drinks and Saaty
(2005) best-city hierarchy (AHP); Xu (2004, EJOR 156(2)), Zavadskas & Podvezko
(2016, IJITDM 15(2)) and Ersoy (2021, LogForum 17(3)) (entropy, ``normalization=
"share"``); Tus & Aytac Adali (2019, Opsearch 56(2)) (CRITIC).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

from simlib.errors import SimlibError, SimlibWarning, SpecError
from simlib.i18n import _

#: Saaty's (1980) random consistency index by matrix order n (the mean CI of
#: random reciprocal matrices). n = 1, 2 are always consistent.
SAATY_RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
}
#: Saaty's acceptance threshold for the consistency ratio.
CR_THRESHOLD = 0.10


class InconsistentJudgmentsWarning(SimlibWarning):
    """A pairwise-comparison matrix has a consistency ratio above 0.10.

    Saaty's rule of thumb: revisit the judgments (the ``diagnostics`` of the
    result list the judgments furthest from the weights) before using the weights.
    """


class InconsistentJudgmentsError(SimlibError, ValueError):
    """Raised instead of the warning when ``on_inconsistent="raise"``."""


@dataclass(frozen=True)
class Weights:
    """Criterion weights summing to 1, with how they were obtained.

    Attributes
    ----------
    weights : pandas.Series
        One weight per criterion (index: criterion names), non-negative, sum 1.
    method : str
        ``"manual"``, ``"ahp-eigen"``, ``"ahp-geometric"``, ``"ahp-hierarchy"``,
        ``"entropy"``, ``"critic"`` or ``"combined"``.
    inputs : dict
        What the method was given (the pairwise matrix, the data shape, the
        benefit flags, the mixing share ...).
    diagnostics : dict
        Method-specific results: for AHP ``lambda_max``, ``consistency_index``,
        ``random_index``, ``consistency_ratio``; for entropy the entropies and
        divergences; for CRITIC the standard deviations, correlations and
        information amounts.
    """

    weights: pd.Series
    method: str
    inputs: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        w = self.weights.to_numpy(dtype=float)
        if (w < -1e-12).any() or not np.isclose(w.sum(), 1.0, atol=1e-9):
            raise ValueError(
                _("weights must be non-negative and sum to 1, got {w}").format(w=w.tolist())
            )

    # AHP conveniences (the public API: ``.weights``, ``.consistency_ratio``, ``.lambda_max``)
    @property
    def consistency_ratio(self) -> float:
        return self._diag("consistency_ratio")

    @property
    def consistency_index(self) -> float:
        return self._diag("consistency_index")

    @property
    def lambda_max(self) -> float:
        return self._diag("lambda_max")

    @property
    def random_index(self) -> float:
        return self._diag("random_index")

    def _diag(self, key: str) -> float:
        if key not in self.diagnostics:
            raise AttributeError(
                _("{key} is defined for AHP weights only (method={method})").format(
                    key=key, method=self.method
                )
            )
        return float(self.diagnostics[key])

    @property
    def names(self) -> list[str]:
        return [str(x) for x in self.weights.index]

    def to_numpy(self) -> np.ndarray:
        return self.weights.to_numpy(dtype=float)

    def __getitem__(self, name: str) -> float:
        return float(self.weights[name])

    def record(self) -> dict[str, Any]:
        """A JSON-friendly record: method, weights, inputs and diagnostics."""

        def plain(x: Any) -> Any:
            if isinstance(x, pd.Series | pd.DataFrame):
                return x.to_dict()
            if isinstance(x, np.ndarray):
                return x.tolist()
            if isinstance(x, np.generic):
                return x.item()
            if isinstance(x, dict):
                return {k: plain(v) for k, v in x.items()}
            if isinstance(x, list | tuple):
                return [plain(v) for v in x]
            return x

        return {
            "method": self.method,
            "weights": {k: float(v) for k, v in self.weights.items()},
            "inputs": plain(self.inputs),
            "diagnostics": plain(self.diagnostics),
        }

    def __repr__(self) -> str:
        ws = ", ".join(f"{k}={v:.4f}" for k, v in self.weights.items())
        extra = ""
        if "consistency_ratio" in self.diagnostics:
            extra = f", CR={self.consistency_ratio:.4f}"
        return f"Weights({self.method}: {ws}{extra})"


# --------------------------------------------------------------------- manual
def manual(
    weights: Mapping[str, float] | pd.Series, normalize: bool = False, path: str = "weights"
) -> Weights:
    """Weights set by hand, e.g. ``{"revenue": 0.5, "new_customers": 0.3, ...}``.

    Parameters
    ----------
    weights : mapping of criterion -> weight
        Fractions (0.5, not 50). They must sum to 1 (within 1e-6) unless
        ``normalize=True``, which divides by their sum (say so in a report).
    path : str
        Spec path used in error messages.
    """
    s = pd.Series(dict(weights), dtype=float)
    if s.empty:
        raise SpecError([(path, _("at least one weight is needed"))])
    bad = s[~np.isfinite(s.to_numpy()) | (s.to_numpy() < 0)]
    if len(bad):
        raise SpecError(
            [
                (f"{path}.{k}", _("weight must be a finite number >= 0, got {v}").format(v=v))
                for k, v in bad.items()
            ]
        )
    total = float(s.sum())
    if normalize:
        if total <= 0:
            raise SpecError([(path, _("weights sum to 0; cannot normalize"))])
        s = s / total
    elif not np.isclose(total, 1.0, atol=1e-6):
        raise SpecError(
            [
                (
                    path,
                    _("weights must sum to 1 (100%); they sum to {total:.6g} ({total:.4%})").format(
                        total=total
                    ),
                )
            ]
        )
    return Weights(s / s.sum(), "manual", {"weights": dict(weights), "normalize": normalize})


# ------------------------------------------------------------------------ AHP
def _parse_judgment(x: Any) -> float:
    """A pairwise judgment: a number or a fraction written as text ("1/3")."""
    if isinstance(x, str):
        try:
            return float(Fraction(x.strip()))
        except (ValueError, ZeroDivisionError):
            return float("nan")
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def pairwise_matrix(
    pairwise: Any, criteria: Sequence[str] | None = None, path: str = "pairwise", rtol: float = 0.02
) -> tuple[np.ndarray, list[str]]:
    """Validate a pairwise-comparison matrix and return it with its criterion names.

    ``pairwise[i][j]`` says how much more important criterion *i* is than *j*
    on Saaty's 1-9 scale (3 = moderately, 5 = strongly, 9 = extremely; 1/3 the
    reverse). Accepts a square list of lists (entries may be strings such as
    ``"1/3"``), a numpy array or a DataFrame (criterion names from its index).

    The matrix must be square, positive, have ones on the diagonal, and be
    reciprocal: ``a[j][i] * a[i][j] == 1`` within ``rtol`` (2% tolerates judgments
    typed as 0.33 for 1/3). Every violation is reported with its path
    (``pairwise[1][0]``).
    """
    if isinstance(pairwise, pd.DataFrame):
        names = [str(c) for c in pairwise.index]
        raw = pairwise.to_numpy().tolist()
    else:
        raw = pairwise.tolist() if isinstance(pairwise, np.ndarray) else pairwise
        names = None
    if not isinstance(raw, list | tuple) or not all(isinstance(r, list | tuple) for r in raw):
        raise SpecError([(path, _("expected a square matrix (a list of rows)"))])
    n = len(raw)
    errors: list[tuple[str, str]] = []
    if n == 0:
        raise SpecError([(path, _("the matrix is empty"))])
    for i, row in enumerate(raw):
        if len(row) != n:
            errors.append(
                (
                    f"{path}[{i}]",
                    _("row has {n_row} entries; expected {n} (square)").format(n_row=len(row), n=n),
                )
            )
    if errors:
        raise SpecError(errors)
    a = np.array([[_parse_judgment(x) for x in row] for row in raw], dtype=float)
    for i, j in zip(*np.nonzero(~np.isfinite(a) | (a <= 0)), strict=True):
        errors.append(
            (
                f"{path}[{i}][{j}]",
                _("judgment must be a positive number, got {raw!r}").format(raw=raw[i][j]),
            )
        )
    if errors:
        raise SpecError(errors)
    for i in range(n):
        if not np.isclose(a[i, i], 1.0):
            errors.append(
                (f"{path}[{i}][{i}]", _("diagonal must be 1, got {raw!r}").format(raw=raw[i][i]))
            )
    prod = a * a.T
    for i, j in zip(
        *np.nonzero(np.triu(~np.isclose(prod, 1.0, rtol=rtol, atol=0), 1)), strict=True
    ):
        errors.append(
            (
                f"{path}[{j}][{i}]",
                _(
                    "not reciprocal: expected 1/{judgment} (= {inverse:.4g}) because "
                    "{path}[{i}][{j}] = {judgment}, got {got!r}"
                ).format(
                    judgment=raw[i][j], inverse=1 / a[i, j], path=path, i=i, j=j, got=raw[j][i]
                ),
            )
        )
    if errors:
        raise SpecError(errors)
    if criteria is not None:
        if len(criteria) != n:
            raise SpecError(
                [
                    (
                        path,
                        _("{n}x{n} matrix but {n_criteria} criteria names {criteria}").format(
                            n=n, n_criteria=len(criteria), criteria=list(criteria)
                        ),
                    )
                ]
            )
        names = [str(c) for c in criteria]
    if names is None:
        names = [f"c{i + 1}" for i in range(n)]
    return a, names


def ahp(
    pairwise: Any,
    criteria: Sequence[str] | None = None,
    method: Literal["eigen", "geometric"] = "eigen",
    on_inconsistent: Literal["warn", "raise", "ignore"] = "warn",
    random_index: float | None = None,
    path: str = "pairwise",
) -> Weights:
    """Weights from Saaty's pairwise comparisons (Analytic Hierarchy Process).

    Parameters
    ----------
    pairwise : square matrix
        Judgments on Saaty's 1-9 scale, ``pairwise[i][j]`` = importance of
        criterion *i* relative to *j*; see :func:`pairwise_matrix`.
    criteria : list of str, optional
        Criterion (KPI) names in matrix order; defaults to a DataFrame's index or
        ``c1, c2, ...``.
    method : {"eigen", "geometric"}
        ``"eigen"``: Saaty's principal right eigenvector. ``"geometric"``: the
        normalized row geometric means (Crawford & Williams 1985); for n <= 3 the
        two coincide. With ``"geometric"`` ``lambda_max`` is estimated as
        ``mean((A w) / w)``, the usual approximation.
    on_inconsistent : {"warn", "raise", "ignore"}
        What to do when the consistency ratio exceeds 0.10 (Saaty 1980).
    random_index : float, optional
        Override Saaty's random index (needed for n > 10, where tables disagree).

    Returns
    -------
    Weights
        ``.weights`` sum to 1; ``.lambda_max``, ``.consistency_index`` =
        (lambda_max - n)/(n - 1), ``.random_index`` and ``.consistency_ratio`` =
        CI / RI (0 when n <= 2). ``diagnostics["worst_judgments"]`` lists the
        judgments that contribute most to the inconsistency.

    Examples
    --------
    >>> w = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], ["revenue", "new", "retention"])
    >>> round(w.consistency_ratio, 3), w.weights.round(3).tolist()
    (0.033, [0.637, 0.258, 0.105])
    """
    a, names = pairwise_matrix(pairwise, criteria, path=path)
    n = len(names)
    if method == "eigen":
        vals, vecs = np.linalg.eig(a)
        k = int(np.argmax(vals.real))
        lam = float(vals[k].real)
        w = np.abs(vecs[:, k].real)
    elif method == "geometric":
        w = np.exp(np.log(a).mean(axis=1))
        w = w / w.sum()
        lam = float(np.mean((a @ w) / w))
    else:
        raise SpecError(
            [("method", _("expected 'eigen' or 'geometric', got {method!r}").format(method=method))]
        )
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ci = max(ci, 0.0)  # rounding can make a consistent matrix's CI -1e-16
    if random_index is None:
        if n not in SAATY_RANDOM_INDEX:
            raise SpecError(
                [
                    (
                        path,
                        _(
                            "Saaty's random index table stops at n=10 (this matrix is {n}x{n}); "
                            "group the criteria into a hierarchy or pass random_index="
                        ).format(n=n),
                    )
                ]
            )
        ri = SAATY_RANDOM_INDEX[n]
    else:
        ri = float(random_index)
    cr = ci / ri if ri > 0 else 0.0
    # Which judgments disagree most with the weights: a[i,j] vs w_i/w_j.
    err = np.abs(np.log(a * w[None, :] / w[:, None]))
    iu = np.triu_indices(n, 1)
    order = np.argsort(-err[iu])[:3]
    worst = [
        {
            "entry": f"{path}[{iu[0][o]}][{iu[1][o]}]",
            "criteria": (names[iu[0][o]], names[iu[1][o]]),
            "judgment": float(a[iu[0][o], iu[1][o]]),
            "implied_by_weights": float(w[iu[0][o]] / w[iu[1][o]]),
        }
        for o in order
    ]
    diag = {
        "lambda_max": lam,
        "consistency_index": ci,
        "random_index": ri,
        "consistency_ratio": cr,
        "consistent": cr <= CR_THRESHOLD,
        "worst_judgments": worst,
    }
    if cr > CR_THRESHOLD:
        msg = _(
            "{path}: consistency ratio {cr:.3f} is above {threshold} (Saaty 1980); "
            "revisit the judgments, starting with {entry} ({a} vs {b}: judged "
            "{judged:.3g}, the weights imply {implied:.3g})"
        ).format(
            path=path,
            cr=cr,
            threshold=CR_THRESHOLD,
            entry=worst[0]["entry"],
            a=worst[0]["criteria"][0],
            b=worst[0]["criteria"][1],
            judged=worst[0]["judgment"],
            implied=worst[0]["implied_by_weights"],
        )
        if on_inconsistent == "raise":
            raise InconsistentJudgmentsError(msg)
        if on_inconsistent == "warn":
            warnings.warn(msg, InconsistentJudgmentsWarning, stacklevel=2)
    return Weights(
        pd.Series(w, index=names, dtype=float),
        f"ahp-{method}",
        {"pairwise": a, "criteria": names, "method": method},
        diag,
    )


def ahp_hierarchy(
    tree: Mapping[str, Any],
    method: Literal["eigen", "geometric"] = "eigen",
    on_inconsistent: Literal["warn", "raise", "ignore"] = "warn",
    path: str = "weights",
) -> Weights:
    """AHP over a hierarchy of criteria: criteria -> sub-criteria -> ... -> KPIs.

    Parameters
    ----------
    tree : mapping
        ``{"criteria": [names], "pairwise": matrix, "sub": {name: subtree}}``.
        A criterion listed in ``sub`` is split further by its own pairwise
        matrix; the others are leaves (KPIs or competence items). A single
        criterion needs no matrix.

    Returns
    -------
    Weights
        Global leaf weights (the product of local weights down the path), which
        sum to 1. ``diagnostics["nodes"]`` holds each node's local weights and
        consistency ratio; ``diagnostics["max_consistency_ratio"]`` the worst.
    """
    leaves: dict[str, float] = {}
    nodes: dict[str, dict[str, Any]] = {}

    def visit(node: Mapping[str, Any], p: str, name: str, share: float) -> None:
        if not isinstance(node, Mapping):
            raise SpecError([(p, _("expected a mapping with 'criteria' and 'pairwise'"))])
        unknown = set(node) - {"criteria", "pairwise", "sub"}
        if unknown:
            raise SpecError([(f"{p}.{k}", _("unknown key")) for k in sorted(unknown)])
        crit = node.get("criteria")
        if not crit:
            raise SpecError([(f"{p}.criteria", _("list the criteria compared at this level"))])
        crit = [str(c) for c in crit]
        if len(crit) == 1:
            local = Weights(pd.Series([1.0], index=crit), "single")
            cr = 0.0
        else:
            if "pairwise" not in node:
                raise SpecError([(f"{p}.pairwise", _("missing: a matrix for these criteria"))])
            local = ahp(
                node["pairwise"],
                crit,
                method=method,
                on_inconsistent=on_inconsistent,
                path=f"{p}.pairwise",
            )
            cr = local.consistency_ratio
        nodes[name] = {"local_weights": local.weights.to_dict(), "consistency_ratio": cr}
        sub = node.get("sub") or {}
        for k in sub:
            if k not in crit:
                raise SpecError(
                    [
                        (
                            f"{p}.sub.{k}",
                            _("not one of this level's criteria {crit}").format(crit=crit),
                        )
                    ]
                )
        for c, wc in local.weights.items():
            if c in sub:
                visit(sub[c], f"{p}.sub.{c}", c, share * float(wc))
            else:
                if c in leaves:
                    raise SpecError(
                        [(p, _("criterion {c!r} appears twice in the hierarchy").format(c=c))]
                    )
                leaves[c] = share * float(wc)

    visit(tree, path, "(goal)", 1.0)
    s = pd.Series(leaves, dtype=float)
    return Weights(
        s / s.sum(),
        "ahp-hierarchy",
        {"tree": dict(tree), "method": method},
        {
            "nodes": nodes,
            "max_consistency_ratio": max(v["consistency_ratio"] for v in nodes.values()),
        },
    )


# -------------------------------------------------------- objective weights
def _as_matrix(
    matrix: Any, benefit: Sequence[bool] | None, criteria: Sequence[str] | None
) -> tuple[np.ndarray, list[str], np.ndarray]:
    if isinstance(matrix, pd.DataFrame):
        names = [str(c) for c in matrix.columns] if criteria is None else list(criteria)
        x = matrix.to_numpy(dtype=float)
    else:
        x = np.asarray(matrix, dtype=float)
        names = []
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        msg = _(
            "expected a 2-D matrix with alternatives (reps) as rows and criteria (KPIs) "
            "as columns, at least 2 rows; got shape {shape}"
        ).format(shape=x.shape)
        if x.ndim == 1:
            msg += _(" (one value per rep? pass a column: [[1], [2], [3]])")
        raise ValueError(msg)
    if not names:
        names = list(criteria) if criteria is not None else [f"c{j + 1}" for j in range(x.shape[1])]
    if len(names) != x.shape[1]:
        raise ValueError(
            _("{n_names} criteria names {names} for {shape} columns").format(
                n_names=len(names), names=names, shape=x.shape[1]
            )
        )
    if not np.isfinite(x).all():
        rows, cols = np.nonzero(~np.isfinite(x))
        raise ValueError(
            _(
                "the matrix has missing or infinite values, e.g. row {rows}, column {names!r}; "
                "drop or impute them first"
            ).format(rows=rows[0], names=names[cols[0]])
        )
    b = np.ones(x.shape[1], dtype=bool) if benefit is None else np.asarray(benefit, dtype=bool)
    if b.shape != (x.shape[1],):
        raise ValueError(
            _("benefit needs one flag per criterion ({shape}), got {n_b}").format(
                shape=x.shape[1], n_b=len(b)
            )
        )
    return x, names, b


def _minmax(x: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    """Benefit: (x - min)/(max - min); cost: (max - x)/(max - min). Constant columns -> 0."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    r = np.where(benefit, (x - lo) / span, (hi - x) / span)
    return np.where(hi > lo, r, 0.0)


def entropy_weights(
    matrix: Any,
    benefit: Sequence[bool] | None = None,
    criteria: Sequence[str] | None = None,
    normalization: Literal["share", "minmax"] = "share",
) -> Weights:
    """Objective weights from Shannon entropy: KPIs whose values differ more across reps weigh more.

    Parameters
    ----------
    matrix : (reps, criteria) array or DataFrame
        One row per rep (alternative), one column per KPI (criterion), e.g. the
        year's KPI points.
    benefit : list of bool, optional
        ``True`` where higher is better (revenue), ``False`` for a cost KPI
        (churn). Default: all benefit.
    normalization : {"share", "minmax"}
        ``"share"`` (default, the standard entropy-weight method, Zeleny 1982;
        Zou et al. 2006): p_ij = x_ij / sum_i x_ij for a benefit KPI and
        (1/x_ij) / sum_i (1/x_ij) for a cost KPI. Needs values >= 0 (> 0 for a
        cost KPI). A KPI weighs more the more *unequal* its values are relative
        to their level: 99 reps at 100 points and one at 100.5 carry almost no
        information (weight ~0), points spread over 60..140 carry a lot.
        ``"minmax"``: r = (x - min)/(max - min) (benefit) or (max - x)/(max - min)
        (cost) first, as some textbooks do. Beware: min-max stretches every
        non-constant column to [0, 1] whatever its spread, so in the example
        above the near-constant KPI, whose stretched values are 99 zeros and a
        one (maximally concentrated), gets almost all the weight (0.96). Use it
        only for data on very different scales where that is intended
        (Roszkowska & Wachowicz 2024, *Entropy* 26(5), 365: sum and vector
        normalization leave entropy weights unchanged, min-max changes them).

    Notes
    -----
    p_ij = r_ij / sum_i r_ij; e_j = -(1/ln m) sum_i p_ij ln p_ij (0 ln 0 = 0);
    d_j = 1 - e_j; w_j = d_j / sum d. ``diagnostics`` holds ``entropy`` and
    ``divergence`` per KPI. A column of zeros carries no information (weight 0);
    if every column is constant the method is undefined and a ``ValueError``
    says so.

    Examples
    --------
    >>> x = [[100, 60], [100, 100], [100.5, 140]]
    >>> entropy_weights(x).weights.round(2).tolist()
    [0.0, 1.0]
    """
    x, names, b = _as_matrix(matrix, benefit, criteria)
    m = x.shape[0]
    if normalization == "minmax":
        r = _minmax(x, b)
    elif normalization == "share":
        neg = (x < 0) | ((x == 0) & ~b[None, :])
        if neg.any():
            rows, cols = np.nonzero(neg)
            raise ValueError(
                _(
                    "normalization='share' needs values >= 0 (> 0 for a cost criterion); row "
                    "{rows}, column {names!r} is {x!r}: shift the data or use "
                    "normalization='minmax'"
                ).format(rows=rows[0], names=names[cols[0]], x=x[rows[0], cols[0]])
            )
        with np.errstate(divide="ignore"):
            r = np.where(b, x, 1.0 / np.where(x > 0, x, 1.0))
    else:
        raise ValueError(
            _("normalization must be 'minmax' or 'share', got {normalization!r}").format(
                normalization=normalization
            )
        )
    col = r.sum(axis=0)
    p = np.divide(r, col, out=np.zeros_like(r), where=col > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    e = np.where(col > 0, e, 1.0)  # a constant column: maximal entropy, no information
    d = 1.0 - e
    if d.sum() <= 0:
        raise ValueError(
            _("every criterion is constant across rows: entropy weights are undefined")
        )
    w = d / d.sum()
    return Weights(
        pd.Series(w, index=names),
        "entropy",
        {"shape": x.shape, "benefit": b.tolist(), "normalization": normalization},
        {"entropy": pd.Series(e, index=names), "divergence": pd.Series(d, index=names)},
    )


def critic_weights(
    matrix: Any,
    benefit: Sequence[bool] | None = None,
    criteria: Sequence[str] | None = None,
) -> Weights:
    """Objective weights by CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995).

    A KPI weighs more when its (min-max normalized) values vary more across
    reps (contrast, the standard deviation sigma_j) and when it conflicts with
    the other KPIs (low correlation r_jk): C_j = sigma_j * sum_k (1 - r_jk),
    w_j = C_j / sum C.

    Parameters
    ----------
    matrix : (reps, criteria) array or DataFrame
        As for :func:`entropy_weights`.
    benefit : list of bool, optional
        Cost KPIs are normalized as (max - x)/(max - min), benefit ones as
        (x - min)/(max - min).

    Notes
    -----
    The weights do not depend on whether sigma is the sample or population
    standard deviation (a common factor); the sample one (ddof=1) is reported.
    A constant column has sigma 0 and weight 0 (its correlations are taken as 0).
    """
    x, names, b = _as_matrix(matrix, benefit, criteria)
    r = _minmax(x, b)
    sd = r.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(r, rowvar=False) if r.shape[1] > 1 else np.ones((1, 1))
    corr = np.atleast_2d(np.nan_to_num(corr, nan=0.0))
    np.fill_diagonal(corr, 1.0)
    info = sd * (1.0 - corr).sum(axis=0)
    if info.sum() <= 0:
        raise ValueError(
            _(
                "CRITIC weights are undefined: every criterion is constant, or there is one "
                "criterion only"
            )
        )
    w = info / info.sum()
    return Weights(
        pd.Series(w, index=names),
        "critic",
        {"shape": x.shape, "benefit": b.tolist()},
        {
            "std": pd.Series(sd, index=names),
            "correlation": pd.DataFrame(corr, index=names, columns=names),
            "information": pd.Series(info, index=names),
        },
    )


def combine(
    subjective: Weights,
    objective: Weights,
    alpha: float = 0.5,
    how: Literal["linear", "multiplicative"] = "linear",
) -> Weights:
    """Mix subjective (e.g. AHP) and objective (e.g. entropy) weights.

    Parameters
    ----------
    alpha : float in [0, 1]
        Share of the subjective weights: ``"linear"`` gives
        ``alpha * subjective + (1 - alpha) * objective``.
        ``"multiplicative"`` ignores alpha and gives
        ``subjective * objective / sum(subjective * objective)``.
    """
    if set(subjective.names) != set(objective.names):
        raise ValueError(
            _("the two weight sets cover different criteria: {subjective} vs {objective}").format(
                subjective=subjective.names, objective=objective.names
            )
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(_("alpha is a share in [0, 1], got {alpha}").format(alpha=alpha))
    s = subjective.weights
    o = objective.weights.reindex(s.index)
    if how == "linear":
        w = alpha * s + (1 - alpha) * o
    elif how == "multiplicative":
        w = s * o
        if w.sum() <= 0:
            raise ValueError(_("the two weight sets have no criterion in common with weight > 0"))
        w = w / w.sum()
    else:
        raise ValueError(_("how must be 'linear' or 'multiplicative', got {how!r}").format(how=how))
    return Weights(
        w / w.sum(),
        "combined",
        {
            "subjective": subjective.record(),
            "objective": objective.record(),
            "alpha": alpha,
            "how": how,
        },
        {},
    )
