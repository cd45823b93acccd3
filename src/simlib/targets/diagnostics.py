"""Before and after a cascade: company proposal, difficulty, reconciliation, gaps, ratchets.

* :func:`propose_company_target`: next year's baseline per KPI from a Holt-Winters
  (ETS) model of the company's monthly history, with a simulated prediction
  interval, plus the strategic growth the user asks for.
* :func:`difficulty`: per rep and unit, target / forecast, the probability of
  reaching the target under the forecast's uncertainty, and the expected share
  of reps at or above target, by unit, region and tenure, flagged against the
  60-70% design band (Alexander Group; above 85% too easy, below 45% too hard,
  salesroadmaps / CSO Insights, see ``docs/practice.md``).
* :func:`reconcile`: each unit's bottom-up forecast against its top-down target.
* :func:`gap_analysis`: actual vs target and pace year-to-date at every level, with
  each child's contribution to its parent's gap.
* :func:`ratchet`: next year's target from this year's actual (symmetric or
  asymmetric, Leone, Misra & Zimmerman), a pure function on arrays.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from simlib.data.checks import last_year_actual, year_months, year_profile
from simlib.data.dataset import Dataset
from simlib.data.org import Hierarchy
from simlib.i18n import _, ngettext
from simlib.targets.cascade import Cascade, CascadeError
from simlib.targets.nodes import rate_weights

#: Design band for the share of reps at or above target (Alexander Group), and the
#: shares outside which the plan is too hard / too easy: the vocabulary's one rule
#: (:data:`simlib.vocabulary.METRICS`, ``share_at_quota``), so every page reads alike.
BAND = (0.60, 0.70)
TOO_HARD, TOO_EASY = 0.45, 0.85


# -------------------------------------------------------------- proposal
def _company_series(ds: Dataset, kpi: str) -> pd.Series:
    """The company's monthly series: a sum, or for rate KPIs a mean weighted by the
    KPI's ``weight_kpi`` when it names one (plain mean otherwise)."""
    rows = np.flatnonzero((ds.sales["kpi"] == kpi).to_numpy())
    s = ds.sales.iloc[rows]
    agg = ds.kpi(kpi)["aggregation"]
    if agg == "sum":
        y = s.groupby("period")["value"].sum()
    else:
        w = rate_weights(ds, kpi, rows)
        f = pd.DataFrame(
            {"period": s["period"].to_numpy(), "vw": s["value"].to_numpy() * w, "w": w}
        )
        g = f.groupby("period")[["vw", "w"]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            y = g["vw"] / g["w"].where(g["w"] > 0)
    return y.reindex(ds.periods).astype(float)


def propose_company_target(
    ds: Dataset,
    kpis: list[str] | str | None = None,
    growth: float | dict[str, float] = 0.0,
    level: float = 0.9,
    year: int | None = None,
    basis: str = "forecast",
    repetitions: int = 2000,
    seed: int = 0,
    partial_year: str = "annualize",
) -> pd.DataFrame:
    """Propose next year's company target per KPI from history.

    The baseline is a Holt-Winters exponential smoothing model (statsmodels
    ``ExponentialSmoothing``) fitted to the company's monthly series: trend none,
    additive or damped, monthly seasonality multiplicative or additive (when
    there are two full years), the combination with the lowest AICc (see
    :func:`_fit_ets`). The prediction interval comes from ``repetitions`` simulated
    12-month paths (errors drawn from the fit's residual variance), summed to a
    year (a mean for rate KPIs).

    Parameters
    ----------
    ds : Dataset
        The history (monthly sales).
    kpis : str or list of str, optional
        Default: every KPI.
    growth : float or dict
        Strategic improvement on top of the ``basis``: 0.08 = +8%. For rate KPIs it
        is added in points (0.01 = one point of retention). For KPIs where lower is
        better (``direction: lower``, e.g. churn or cost) an improvement lowers the
        target: 0.08 = -8%.
    level : float
        Coverage of the prediction interval (0.9 = 5th to 95th percentile).
    year : int, optional
        The target year; default the year after the last month of data. The
        model is fitted on the months before it.
    basis : {"forecast", "last_year"}
        Apply the growth to the baseline forecast or to last year's actual.
    partial_year : {"annualize", "refuse"}
        When the year before ``year`` has fewer than 12 months of data it is never
        taken for a full year: ``annualize`` divides its months by the share of a
        year they carried in the full years before it (the seasonal profile, see
        :func:`simlib.data.checks.last_year_actual`) and warns saying so;
        ``refuse`` raises :class:`~simlib.data.checks.DataCheckError`.

    Returns
    -------
    pandas.DataFrame
        One row per KPI: ``kpi``, ``year``, ``last_year_actual`` (annualized when
        the year is partial), ``last_year_months`` (months on record),
        ``last_year_basis`` (how the figure was obtained, in words), ``forecast``,
        ``lower``, ``upper``, ``level``, ``growth``, ``proposed_target``,
        ``model``; ``proposed_target`` can be passed to :func:`cascade` as is.

    Warns
    -----
    DataCheckWarning
        When last year is partial and was annualized.
    """
    from simlib.data.checks import DataCheckWarning

    if partial_year not in ("annualize", "refuse"):
        raise ValueError(
            _("partial_year: expected 'annualize' or 'refuse', got {value!r}").format(
                value=partial_year
            )
        )

    names = [kpis] if isinstance(kpis, str) else list(kpis or ds.kpi_names)
    year = int(ds.periods[-1].year + 1) if year is None else int(year)
    rng = np.random.default_rng(seed)
    rows = []
    for kpi in names:
        info = ds.kpi(kpi)
        rate = info["aggregation"] != "sum"
        y = _company_series(ds, kpi)
        y = y[y.index.year < year].dropna()
        if len(y) < 12:
            raise CascadeError(
                _(
                    "propose_company_target({kpi!r}): needs at least 12 months before {year}, "
                    "found {n}"
                ).format(kpi=kpi, year=year, n=len(y))
            )
        last = y[y.index.year == year - 1]
        last_actual, last_months, last_basis = (
            np.nan,
            0,
            _("no data in {year}").format(year=year - 1),
        )
        if len(last) and rate:
            # A rate's year is the mean of its months: a partial year needs no annualizing.
            last_actual, last_months = float(last.mean()), len(last)
            last_basis = ngettext(
                "mean of the {n} month of {year} on record",
                "mean of the {n} months of {year} on record",
                len(last),
            ).format(n=len(last), year=year - 1)
        elif len(last):
            ly = last_year_actual(ds, kpi, year - 1, partial_year)
            last_actual, last_months, last_basis = ly.value, ly.months, ly.basis
            if ly.partial:
                warnings.warn(
                    _(
                        "propose_company_target({kpi!r}): {year} has {months} of 12 months "
                        "of data; last year's actual is {basis}"
                    ).format(kpi=kpi, year=year - 1, months=ly.months, basis=ly.basis),
                    DataCheckWarning,
                    stacklevel=2,
                )
        steps = 12 * (year - int(y.index[-1].year)) - (int(y.index[-1].month) - 12)
        steps = max(int(steps), 12)
        yv = y.to_numpy()
        fit, label = _fit_ets(yv)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            err = "mul" if "M)" in label and (yv > 0).all() else "add"
            sims = fit.simulate(steps, repetitions=repetitions, error=err, rng=rng)
        sims = np.asarray(sims).reshape(steps, -1)[-12:]
        point = np.asarray(fit.forecast(steps))[-12:]
        annual = sims.mean(axis=0) if rate else sims.sum(axis=0)
        fc = float(point.mean() if rate else point.sum())
        lo, hi = np.quantile(annual, [(1 - level) / 2, (1 + level) / 2])
        g = growth.get(kpi, 0.0) if isinstance(growth, dict) else float(growth)
        base = fc if basis == "forecast" else last_actual
        # Growth is an improvement: where lower is better it lowers the target.
        sign = -1.0 if info["direction"] == "lower" else 1.0
        proposed = float(np.clip(base + sign * g, 0.0, 1.0)) if rate else base * (1 + sign * g)
        if err == "mul":
            label = label.replace("ETS(A,", "ETS(M,", 1)
        rows.append(
            {
                "kpi": kpi,
                "year": year,
                "last_year_actual": last_actual,
                "last_year_months": last_months,
                "last_year_basis": last_basis,
                "forecast": fc,
                "lower": float(lo),
                "upper": float(hi),
                "level": level,
                "growth": g,
                "proposed_target": float(proposed),
                "model": label,
            }
        )
    return pd.DataFrame(rows)


def _fit_ets(y: np.ndarray):
    """Fit candidate Holt-Winters models and keep the one with the lowest AICc.

    Candidates: trend none / additive / additive damped, times seasonality
    multiplicative (all months positive) or additive, when there are two full
    years; otherwise trend models without seasonality. On short histories a trend
    fitted to two years can swing wildly; the information criterion penalises the
    extra parameters, so a flat seasonal model wins unless the trend earns its keep.
    """
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasons = [None]
    if len(y) >= 24:
        seasons = ["mul", "add"] if (y > 0).all() else ["add"]
    best = None
    for seasonal in seasons:
        for trend, damped in ((None, False), ("add", False), ("add", True)):
            model = ExponentialSmoothing(
                y,
                trend=trend,
                damped_trend=damped,
                seasonal=seasonal,
                seasonal_periods=12 if seasonal else None,
                initialization_method="estimated",
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # convergence chatter on short series
                fit = model.fit()
            aicc = fit.aicc if np.isfinite(fit.aicc) else fit.aic
            if best is None or aicc < best[0]:
                t = "N" if trend is None else ("Ad" if damped else "A")
                sz = "N" if seasonal is None else seasonal[0].upper()
                best = (aicc, fit, f"ETS(A,{t},{sz}) monthly, lowest AICc of {3 * len(seasons)}")
    return best[1], best[2]


# ------------------------------------------------------------ difficulty
def _log_yoy_sigma(values_prev: np.ndarray, values_last: np.ndarray) -> float:
    """Robust spread of year-on-year log changes (MAD x 1.4826)."""
    ok = (values_prev > 0) & (values_last > 0)
    if ok.sum() < 5:
        return np.nan
    r = np.log(values_last[ok] / values_prev[ok])
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


def _tenure_band(hire: pd.Series, year: int) -> pd.Series:
    from simlib.data.tenure import tenure_band

    return tenure_band(hire, pd.Timestamp(f"{year}-01-01"))


@dataclass(frozen=True)
class Difficulty:
    """Difficulty and fairness diagnostics of a cascade (see :func:`difficulty`).

    Attributes
    ----------
    reps : pandas.DataFrame
        ``rep_id``, ``unit_id``, ``region``, ``tenure``, ``kpi``, ``target``,
        ``forecast``, ``difficulty`` (target / forecast), ``p_reach``.
    units : pandas.DataFrame
        ``unit_id``, ``level``, ``kpi``, ``target``, ``forecast`` (the unit's
        own), ``forecast_bottom_up``, ``own_trend``, ``credibility``,
        ``difficulty``, ``p_reach`` (the unit's own), ``share_at_or_above``
        (expected share of its reps), ``share_sd``, ``share_low`` /
        ``share_high`` (in a 1-in-20 bad / good year), ``reps``, ``flag``.
    groups : pandas.DataFrame
        ``by`` (region / tenure), ``group``, ``kpi``, the same share columns,
        ``reps``, ``flag``.
    sigma : dict
        KPI -> ``{"total", "common", "individual"}`` spreads of a rep's annual
        outcome around forecast (log scale; points for rates).
    """

    reps: pd.DataFrame
    units: pd.DataFrame
    groups: pd.DataFrame
    sigma: dict


def _flag(share: np.ndarray) -> np.ndarray:
    """Each share read by the vocabulary's rule for the share at quota (one rule and
    the same words on every page); ``no forecast`` where there is no share."""
    from simlib.vocabulary import metric

    q = metric("share_at_quota")
    share = np.asarray(share, dtype=float)
    out = np.array([q.read(x).text for x in share.ravel()], dtype=object).reshape(share.shape)
    out[np.isnan(share)] = _("no forecast")
    return out


def _rep_forecast(ds: Dataset, cas: Cascade, kpi: str, proposal: pd.DataFrame | None):
    """Rep run-rate forecast, scaled by the company's forecast growth, and sigma."""
    year = cas.year
    s = ds.sales[ds.sales["kpi"] == kpi]
    rate = ds.kpi(kpi)["aggregation"] != "sum"
    yr = s["period"].dt.year
    g1 = s[yr == year - 1].groupby("rep_id")["value"]
    g2 = s[yr == year - 2].groupby("rep_id")["value"]
    if rate:
        run = g1.mean()
    else:
        run = g1.sum() * 12.0 / g1.count()
    comp = _company_series(ds, kpi)
    last = comp[comp.index.year == year - 1]
    if proposal is not None and kpi in set(proposal["kpi"]):
        fc = float(proposal.set_index("kpi").loc[kpi, "forecast"])
    else:
        fc = float(propose_company_target(ds, kpi, year=year, repetitions=200)["forecast"].iloc[0])
    base = float(last.mean() if rate else last.sum())
    if not rate and 0 < len(year_months(ds, year - 1)) < 12:
        # A partial last year is never read as a whole one (a 12-month forecast over
        # 7 months' sales would inflate every forecast): the company's last year is
        # annualized by the seasonal profile, each rep's by the share of a year their
        # own months carried.
        shares = year_profile(ds, kpi, year - 1)[0].to_numpy()
        base = last_year_actual(ds, kpi, year - 1).value
        s1 = s[yr == year - 1]
        share = pd.Series(shares[s1["period"].dt.month.to_numpy() - 1], index=s1.index)
        covered = share.groupby(s1["rep_id"]).sum()
        run = g1.sum() / covered.reindex(g1.sum().index)
    trend = (fc - base) if rate else (fc / base if base > 0 else 1.0)
    full1 = g1.count() == 12
    full2 = g2.count() == 12
    both = full1.index[full1].intersection(full2.index[full2])
    if rate:
        d = (g1.mean().reindex(both) - g2.mean().reindex(both)).to_numpy()
        sigma = float(1.4826 * np.median(np.abs(d - np.median(d)))) if len(d) >= 5 else np.nan
        forecast = run + trend
    else:
        sigma = _log_yoy_sigma(g2.sum().reindex(both).to_numpy(), g1.sum().reindex(both).to_numpy())
        forecast = run * trend
    return forecast, sigma, rate, trend


def difficulty(
    cas: Cascade,
    ds: Dataset,
    proposal: pd.DataFrame | None = None,
    region_level: str | None = None,
    nodes: int = 32,
) -> Difficulty:
    """How hard each target is, and how many reps are likely to reach theirs.

    A rep's forecast is their last-year run rate (annualized over the months
    worked; when last year is partial in the data, by the seasonal share of a year
    their months carried, and the company's last year likewise) times the
    company's forecast growth (from ``proposal``, or a fresh
    :func:`propose_company_target`). A rep's outcome deviates from it by a
    **common** shock shared by everyone (the market: its spread ``s_c`` is read off
    the company forecast's prediction interval) plus an **individual** one (spread
    ``s_i``, so that ``s_c**2 + s_i**2`` equals the robust spread of reps'
    year-on-year log changes among reps with two full years). The probability of
    reaching a target is then ``1 - Phi(ln(target / forecast) / sigma)`` with
    ``sigma = sqrt(s_c**2 + s_i**2)`` (rate KPIs: differences instead of logs;
    reversed for KPIs where lower is better). Reps without last-year sales (new
    hires) have no forecast and are left out of the shares (counted in ``reps``).

    The share of reps at or above target is uncertain mostly because of the
    common shock: in a good year many reach, in a bad one few. Its distribution is
    integrated over the common shock with ``nodes``-point Gauss-Hermite quadrature:
    ``share_at_or_above`` is its mean, ``share_sd`` its standard deviation (common
    shock plus the binomial noise of a finite group), ``share_low`` /
    ``share_high`` the shares in a 1-in-20 bad and good year (common shock at its
    5th and 95th percentiles). A unit's ``forecast`` is its own: its current reps'
    run rates carried by the unit's own year-on-year trend, credibility-weighted
    towards the company's (``forecast_bottom_up`` keeps the reps' forecasts at the
    company trend, summed); its own probability of reaching its target uses
    ``s_c**2 + s_i**2 * sum(f**2) / sum(f)**2`` (individual shocks average out).
    """
    h = Hierarchy.of(ds)
    region_level = region_level or (h.levels[1] if len(h.levels) > 1 else h.levels[0])
    rep_rows, unit_rows, group_rows = [], [], []
    sigmas = {}
    ann = cas.annual
    reps_attr = ds.reps.set_index("rep_id")
    z, wz = np.polynomial.hermite_e.hermegauss(nodes)
    wz = wz / wz.sum()
    z90 = stats.norm.ppf(0.95)
    U = len(h.unit_ids)
    for kpi in cas.company_target:
        fc_rep, sigma, rate, trend = _rep_forecast(ds, cas, kpi, proposal)
        s_common = _common_sigma(ds, cas, kpi, proposal, rate)
        if not np.isfinite(s_common):
            s_common = 0.0
        s_common = min(s_common, sigma) if np.isfinite(sigma) else s_common
        s_idio = np.sqrt(max(sigma**2 - s_common**2, 0.0)) if np.isfinite(sigma) else np.nan
        sigmas[kpi] = {"total": sigma, "common": s_common, "individual": s_idio}
        lower_better = ds.kpi(kpi)["direction"] == "lower"
        a = ann[ann["kpi"] == kpi]
        r = a[a["rep_id"].notna()][["rep_id", "unit_id", "target"]].copy()
        r["forecast"] = fc_rep.reindex(r["rep_id"]).to_numpy()
        r["region"] = h.ancestor_at(r["unit_id"].to_numpy(), region_level)
        r["tenure"] = _tenure_band(reps_attr["hire_date"].reindex(r["rep_id"]), cas.year).to_numpy()
        tgt = r["target"].to_numpy(dtype=float)
        fc = r["forecast"].to_numpy(dtype=float)
        r["p_reach"] = _p_reach(tgt, fc, sigma, rate, lower_better)
        with np.errstate(invalid="ignore", divide="ignore"):
            r["difficulty"] = tgt / fc
        r["kpi"] = kpi
        rep_rows.append(r)
        have = np.isfinite(r["p_reach"].to_numpy())
        # P[k, i]: probability rep i reaches target given the common shock at node k.
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = (tgt - fc) if rate else np.log(tgt / fc)
        gap = np.where(have, gap, 0.0)
        gap = np.where(np.isneginf(gap), -1e9, gap)

        P = _cond_p(gap, have, s_common, s_idio, z, lower_better)
        Pb = _cond_p(gap, have, s_common, s_idio, np.array([-z90, z90]), lower_better)

        # Units: every rep counts for each of its ancestors.
        anc = h.ancestors[h.index.get_indexer(r["unit_id"].astype(str))]
        us = _group_shares(P, Pb, have, wz, [anc[:, c] for c in range(anc.shape[1])], U)
        nall = np.zeros(U)
        fsum = np.zeros(U)
        f2 = np.zeros(U)
        fcnt = np.zeros(U)
        fc0 = np.nan_to_num(fc)
        for c in range(anc.shape[1]):
            ok = anc[:, c] >= 0
            nall += np.bincount(anc[ok, c], minlength=U)
            fsum += np.bincount(anc[ok, c], weights=fc0[ok], minlength=U)
            f2 += np.bincount(anc[ok, c], weights=fc0[ok] ** 2, minlength=U)
            okf = ok & np.isfinite(fc)
            fcnt += np.bincount(anc[okf, c], minlength=U)
        with np.errstate(invalid="ignore", divide="ignore"):
            unit_fc = fsum / fcnt if rate else fsum
            herf = 1.0 / fcnt if rate else f2 / fsum**2
        ua = a[a["rep_id"].isna()][["unit_id", "level", "depth", "target"]].copy()
        ui = h.index.get_indexer(ua["unit_id"].astype(str))
        own_g, cred = _unit_own_trend(ds, h, kpi, cas.year, trend, rate)
        ua["forecast_bottom_up"] = unit_fc[ui]
        # The unit's own forecast: its current people's run rates carried by its own
        # growth (credibility-weighted towards the company's), so that fast and slow
        # regions show in the reconciliation.
        with np.errstate(invalid="ignore", divide="ignore"):
            if rate:
                unit_own = unit_fc - trend + own_g
            else:
                unit_own = unit_fc / trend * own_g if trend > 0 else unit_fc
        ua["forecast"] = unit_own[ui]
        ua["own_trend"] = own_g[ui]
        ua["credibility"] = cred[ui]
        with np.errstate(invalid="ignore", divide="ignore"):
            ua["difficulty"] = ua["target"] / ua["forecast"]
        unit_sigma = np.sqrt(s_common**2 + s_idio**2 * herf)
        ua["p_reach"] = _p_reach(
            ua["target"].to_numpy(), ua["forecast"].to_numpy(), unit_sigma[ui], rate, lower_better
        )
        for col in ("share_at_or_above", "share_sd", "share_low", "share_high"):
            ua[col] = us[col][ui]
        ua["reps"] = nall[ui].astype(int)
        ua["reps_with_forecast"] = us["n"][ui].astype(int)
        ua["flag"] = _flag(ua["share_at_or_above"].to_numpy(dtype=float))
        ua["kpi"] = kpi
        unit_rows.append(ua)
        for by in ("region", "tenure"):
            codes, labels = pd.factorize(r[by].astype(str))
            gs = _group_shares(P, Pb, have, wz, [codes], len(labels))
            group_rows.append(
                pd.DataFrame(
                    {
                        "by": by,
                        "group": np.asarray(labels, dtype=object),
                        "kpi": kpi,
                        "share_at_or_above": gs["share_at_or_above"],
                        "share_sd": gs["share_sd"],
                        "share_low": gs["share_low"],
                        "share_high": gs["share_high"],
                        "reps": np.bincount(codes, minlength=len(labels)),
                        "flag": _flag(gs["share_at_or_above"]),
                    }
                )
            )
    return Difficulty(
        reps=pd.concat(rep_rows, ignore_index=True),
        units=pd.concat(unit_rows, ignore_index=True),
        groups=pd.concat(group_rows, ignore_index=True).sort_values(["kpi", "by", "group"]),
        sigma=sigmas,
    )


def _cond_p(gap, have, s_common, s_idio, zk, lower_better) -> np.ndarray:
    """P[k, i]: probability rep i reaches target when the common shock is ``zk[k]``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if s_idio > 0:
            pk = stats.norm.sf((gap[None, :] - s_common * zk[:, None]) / s_idio)
        else:
            pk = (gap[None, :] <= s_common * zk[:, None]).astype(float)
    pk = 1 - pk if lower_better else pk
    return np.where(have[None, :], pk, 0.0)


def _group_shares(P, Pb, have, wz, groups: list[np.ndarray], G: int) -> dict[str, np.ndarray]:
    """Share of reps at or above target per group, integrated over the common shock.

    ``groups`` lists index arrays (one group per rep each, -1 = none); a rep may sit
    in several (a unit and its ancestors).
    """
    K = P.shape[0]
    n = np.zeros(G)
    S = np.zeros((K, G))
    V = np.zeros((K, G))
    B = np.zeros((Pb.shape[0], G))
    for gi in groups:
        ok = (gi >= 0) & have
        idx = gi[ok]
        n += np.bincount(idx, minlength=G)
        for k in range(K):
            S[k] += np.bincount(idx, weights=P[k, ok], minlength=G)
            V[k] += np.bincount(idx, weights=P[k, ok] * (1 - P[k, ok]), minlength=G)
        for k in range(Pb.shape[0]):
            B[k] += np.bincount(idx, weights=Pb[k, ok], minlength=G)
    with np.errstate(invalid="ignore", divide="ignore"):
        sh = S / n
        mean = wz @ sh
        var = wz @ (sh - mean) ** 2 + wz @ (V / n**2)
        b = B / n
    return {
        "share_at_or_above": np.where(n > 0, mean, np.nan),
        "share_sd": np.where(n > 0, np.sqrt(var), np.nan),
        "share_low": np.where(n > 0, b.min(axis=0), np.nan),
        "share_high": np.where(n > 0, b.max(axis=0), np.nan),
        "n": n,
    }


def _p_reach(target, forecast, sigma, rate: bool, lower_better: bool) -> np.ndarray:
    target = np.asarray(target, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), target.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        if rate:
            z = (target - forecast) / sigma
        else:
            z = np.log(target / forecast) / sigma
    p = stats.norm.sf(z)
    if lower_better:
        p = 1 - p
    bad = ~np.isfinite(forecast) | (forecast <= 0) & ~rate | ~np.isfinite(sigma)
    # A target of zero is always reached (higher-is-better KPIs).
    p = np.where((target <= 0) & ~lower_better & ~rate, 1.0, p)
    return np.where(bad, np.nan, p)


#: Credibility constant: a unit's own growth gets weight n / (n + K) where n is the
#: number of reps with two full years of history in it (Buhlmann-style shrinkage of
#: a small unit's noisy year-on-year change towards the company trend).
CREDIBILITY_K = 10.0


def _unit_own_trend(
    ds: Dataset, h: Hierarchy, kpi: str, year: int, company_trend: float, rate: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's own trend (growth factor; points for rates) and its credibility.

    Own change: the unit's sales in ``year - 1`` against ``year - 2`` over the reps
    who sold in all 24 months there (same people, so hires and exits do not pose as
    growth). The trend used is ``company ** (1 - c) * own ** c`` (rates:
    ``(1 - c) company + c own``) with credibility ``c = n / (n + CREDIBILITY_K)``;
    units without such reps take the company's trend (``c = 0``).
    """
    U = len(h.unit_ids)
    s = ds.sales[ds.sales["kpi"] == kpi]
    yr = s["period"].dt.year
    s = s[(yr == year - 1) | (yr == year - 2)]
    n_months = s.groupby("rep_id")["period"].nunique()
    full = n_months.index[n_months == 24]
    s = s[s["rep_id"].isin(full)]
    own = np.full(U, np.nan)
    n = np.zeros(U)
    if len(s):
        last = (s["period"].dt.year == year - 1).to_numpy()
        per = (
            s.assign(last=last)
            .groupby(["rep_id", "last"])["value"]
            .agg("mean" if rate else "sum")
            .unstack("last")
        )
        unit_of = ds.reps.set_index("rep_id")["unit_id"].reindex(per.index).astype(str)
        anc = h.ancestors[h.index.get_indexer(unit_of.to_numpy())]
        v1 = per.get(True, pd.Series(0.0, index=per.index)).to_numpy(dtype=float)
        v0 = per.get(False, pd.Series(0.0, index=per.index)).to_numpy(dtype=float)
        t1, t0 = np.zeros(U), np.zeros(U)
        for c in range(anc.shape[1]):
            ok = anc[:, c] >= 0
            t1 += np.bincount(anc[ok, c], weights=v1[ok], minlength=U)
            t0 += np.bincount(anc[ok, c], weights=v0[ok], minlength=U)
            n += np.bincount(anc[ok, c], minlength=U)
        with np.errstate(invalid="ignore", divide="ignore"):
            own = (
                np.where(n > 0, (t1 - t0) / n, np.nan)
                if rate
                else np.where(t0 > 0, t1 / t0, np.nan)
            )
    cred = np.where(np.isfinite(own), n / (n + CREDIBILITY_K), 0.0)
    own = np.where(np.isfinite(own), own, company_trend)
    if rate:
        return (1 - cred) * company_trend + cred * own, cred
    if company_trend > 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.exp((1 - cred) * np.log(company_trend) + cred * np.log(np.maximum(own, 1e-12)))
        return g, cred
    return np.full(U, company_trend), cred


def _common_sigma(ds: Dataset, cas: Cascade, kpi: str, proposal, rate: bool) -> float:
    """The company forecast's uncertainty as a sigma (log scale; points for rates),
    read off its prediction interval."""
    if proposal is None or kpi not in set(proposal["kpi"]):
        proposal = propose_company_target(ds, kpi, year=cas.year, repetitions=500)
    row = proposal.set_index("kpi").loc[kpi]
    z = stats.norm.ppf((1 + float(row["level"])) / 2)
    if rate:
        return float((row["upper"] - row["lower"]) / (2 * z))
    if row["lower"] <= 0:
        return np.nan
    return float(np.log(row["upper"] / row["lower"]) / (2 * z))


def reconcile(diff: Difficulty) -> pd.DataFrame:
    """Bottom-up forecast against top-down target, per unit and level.

    Returns ``unit_id``, ``level``, ``kpi``, ``target`` (top-down), ``forecast``
    (the unit's own forecast: its current reps' run rates carried by the unit's own
    year-on-year trend, credibility-weighted towards the company's, see
    :func:`_unit_own_trend`), ``forecast_bottom_up`` (the reps' forecasts at the
    company trend, summed), ``own_trend``, ``gap`` (target - forecast, KPI units;
    points for rates), ``gap_pct`` (gap / forecast), ``p_reach``, ordered from the
    top level down and by the largest relative gap.
    """
    u = diff.units
    cols = ["unit_id", "level", "depth", "kpi", "target", "forecast", "forecast_bottom_up"]
    out = u[[*cols, "own_trend", "p_reach"]].copy()
    out["gap"] = out["target"] - out["forecast"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["gap_pct"] = out["gap"] / out["forecast"]
    out = out.sort_values(["kpi", "depth", "gap_pct"], ascending=[True, True, False])
    return out.drop(columns="depth").reset_index(drop=True)


# ----------------------------------------------------------------- gaps
def gap_analysis(
    cas: Cascade,
    actuals: pd.DataFrame,
    as_of: str | pd.Period,
    ds: Dataset,
) -> pd.DataFrame:
    """Actual vs target and pace year-to-date at every level, with contributions.

    Parameters
    ----------
    cas : Cascade
        The targets (monthly).
    actuals : pandas.DataFrame
        Rep-level sales ``rep_id``, ``period``, ``kpi``, ``value`` (e.g.
        ``ds.sales``); months after ``as_of`` are ignored.
    as_of : str or Period
        The last closed month, e.g. ``"2027-06"``.

    Returns
    -------
    pandas.DataFrame
        Per node (unit and rep) and KPI: ``ytd_target``, ``ytd_actual``, ``gap``
        (actual - target; negative = behind), ``pace`` (actual / target YTD; for
        rates actual - target in points), ``annual_target``, ``projected`` (pace x
        annual target; rates: the YTD rate), ``contribution`` (the node's gap as a
        share of its parent's gap; siblings' contributions sum to 1 minus the
        parent's padding gap share), ``padding_gap`` on parents (children's YTD
        targets minus the parent's: the part of the children's gap that is
        over-assignment, not shortfall).
    """
    as_of = pd.Period(as_of, freq="M")
    h = Hierarchy.of(ds)
    t = cas.targets
    t = t[(t["period"] <= as_of) & (t["period"].dt.year == cas.year)]
    a = actuals[(actuals["period"] <= as_of) & (actuals["period"].dt.year == cas.year)]
    ann = cas.annual
    out = []
    for kpi in cas.company_target:
        rate = ds.kpi(kpi)["aggregation"] != "sum"
        tk = t[t["kpi"] == kpi]
        node = tk["rep_id"].fillna(tk["unit_id"])
        ytd_t = tk.groupby(node.to_numpy())["target"].agg("mean" if rate else "sum")
        ak = a[a["kpi"] == kpi]
        rep_a = ak.groupby("rep_id")["value"].agg("mean" if rate else "sum")
        unit_of = ds.reps.set_index("rep_id")["unit_id"].reindex(rep_a.index)
        anc = h.ancestors[h.index.get_indexer(unit_of.astype(str))]
        U = len(h.unit_ids)
        tot = np.zeros(U)
        cnt = np.zeros(U)
        v = rep_a.to_numpy(dtype=float)
        for c in range(anc.shape[1]):
            ok = anc[:, c] >= 0
            tot += np.bincount(anc[ok, c], weights=v[ok], minlength=U)
            cnt += np.bincount(anc[ok, c], minlength=U)
        with np.errstate(invalid="ignore", divide="ignore"):
            unit_a = pd.Series(tot / cnt if rate else tot, index=h.unit_ids)
        unit_a[cnt == 0] = np.nan if rate else 0.0
        actual = pd.concat([unit_a, rep_a])
        nk = ann[ann["kpi"] == kpi][
            ["node_id", "unit_id", "rep_id", "parent_id", "level", "depth", "target"]
        ]
        f = nk.rename(columns={"target": "annual_target"}).copy()
        f["kpi"] = kpi
        f["ytd_target"] = ytd_t.reindex(f["node_id"]).to_numpy()
        f["ytd_actual"] = actual.reindex(f["node_id"]).fillna(np.nan if rate else 0.0).to_numpy()
        f["gap"] = f["ytd_actual"] - f["ytd_target"]
        with np.errstate(invalid="ignore", divide="ignore"):
            if rate:
                f["pace"] = f["ytd_actual"] - f["ytd_target"]
                f["projected"] = f["ytd_actual"]
            else:
                f["pace"] = f["ytd_actual"] / f["ytd_target"]
                f["projected"] = f["pace"] * f["annual_target"]
        gap_of = f.set_index("node_id")["gap"]
        pgap = gap_of.reindex(f["parent_id"]).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            f["contribution"] = np.nan if rate else np.where(pgap != 0, f["gap"] / pgap, np.nan)
        kid_t = f.groupby("parent_id")["ytd_target"].sum()
        f["padding_gap"] = (
            np.nan if rate else (kid_t.reindex(f["node_id"]).to_numpy() - f["ytd_target"])
        )
        out.append(f)
    res = pd.concat(out, ignore_index=True)
    res.insert(0, "as_of", as_of)
    return res


# --------------------------------------------------------------- ratchet
def ratchet(
    target: np.ndarray | float,
    actual: np.ndarray | float,
    up: float = 0.5,
    down: float | None = None,
    growth: float = 0.0,
    floor: float | None = 0.0,
) -> np.ndarray:
    """Next period's target from this period's target and actual.

    ``next = target * (1 + growth) + up * max(actual - target, 0)
    + down * min(actual - target, 0)``

    ``up`` is the share of a beat added to next year's target, ``down`` the share
    of a miss taken off. ``down=None`` means ``down = up`` (symmetric). Leone,
    Misra & Zimmerman found quotas ratchet asymmetrically, ``up > down`` (a beat
    raises the bar more than a miss lowers it); ``up = 1, down = 0`` is the pure
    "last year's actual, never lower" ratchet. Pure and vectorized: broadcasts
    over any shape (reps, draws), so the simulation can call it.

    Parameters
    ----------
    target, actual : array_like
        This period's target and actual (KPI units).
    up, down : float
        Fractions in [0, 1].
    growth : float
        Planned growth applied to the old target (0.05 = +5%).
    floor : float or None
        Lowest allowed next target (0 by default; ``None`` = no floor).

    Examples
    --------
    >>> ratchet([100, 100], [120, 80], up=0.5, down=0.25).tolist()
    [110.0, 95.0]
    """
    t = np.asarray(target, dtype=float)
    a = np.asarray(actual, dtype=float)
    if down is None:
        down = up
    for name, v in (("up", up), ("down", down)):
        if not 0 <= v <= 1:
            raise ValueError(
                _("ratchet: {name} must be a fraction between 0 and 1, got {v}").format(
                    name=name, v=v
                )
            )
    d = a - t
    nxt = t * (1 + growth) + up * np.maximum(d, 0) + down * np.minimum(d, 0)
    if floor is not None:
        nxt = np.maximum(nxt, floor)
    return nxt
