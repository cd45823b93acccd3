"""The README written beside a generated dataset: command, tables, calibration achieved."""

from __future__ import annotations

from pathlib import Path

from simlib.data.dataset import Dataset
from simlib.data.synthetic.calibration import ARPU_CNY, CREDIT_MONTHS
from simlib.i18n import _

_TABLE_MEANING = {
    "kpis": "the KPIs: direction, unit, roll-up rule, Chinese display label",
    "units": "org units: company, regions, branches (city subsidiaries), teams",
    "reps": "one row per person ever employed in the window: team, position, hire and "
    "exit dates, annual base salary (CNY), grade, gender",
    "sales": "monthly actuals per rep and KPI, for every month employed at least one day",
    "potential": "team-level annual addressable market (revenue in CNY, new customers)",
    "targets": "the monthly quotas the company set each rep, per KPI",
    "competence": "June and December manager scores (1-5) on four capability items",
}


def _band(x: float, low: float, high: float) -> str:
    return "in band" if low <= x <= high else "OUT OF BAND"


def _labels_table(units, reps):
    from simlib.data.synthetic._labels import labels_table

    return labels_table(units, reps)


def sample_readme(ds: Dataset, command: str) -> str:
    """The README of a generated dataset folder: command, tables, calibration achieved.

    The calibration figures are measured on ``ds`` with :mod:`simlib.data.health`, so
    the README always describes the data beside it.
    """
    from simlib.data import health
    from simlib.data.org import Hierarchy

    h = Hierarchy(ds.units)
    levels = ds.units["level"].value_counts().reindex(h.levels)
    lines = [
        "# Bundled sample: a synthetic telecom sales force",
        "",
        "A fictitious mobile operator, 星河移动, invented by `simlib.data.synthetic`: no",
        "real person or company is described. It is calibrated to published practitioner",
        "figures (see the table below; the model is described in",
        "`src/simlib/data/synthetic/__init__.py` and every modelling choice, with its",
        "source, is a named constant in `src/simlib/data/synthetic/calibration.py`).",
        "",
        "## How it was made",
        "",
        "```",
        command,
        "```",
        "",
        "(`make sample` runs exactly this.) The same command always writes the same",
        "bytes: `tests/test_synthetic.py` regenerates the folder and compares every file.",
        "Do not edit these files by hand; change the generator and regenerate.",
        "",
        f"`{ds.source}`: {len(ds.reps):,} reps filling seats over "
        f"{len(ds.periods)} months ({ds.periods[0]} to {ds.periods[-1]}).",
        "",
        "## Tables (UTF-8 CSV; Chinese names exercise the encodings)",
        "",
        "| file | rows | what it holds |",
        "|---|---:|---|",
    ]
    for name, df in ds.tables().items():
        lines.append(f"| `{name}.csv` | {len(df):,} | {_TABLE_MEANING.get(name, '')} |")
    n_labels = len(_labels_table(ds.units, ds.reps))
    lines.append(
        f"| `labels.csv` | {n_labels:,} | display names in English and Chinese of the KPIs, "
        "org levels, units, positions, pay grades and the example plans' components (`kind, code, name_en, name_zh`; "
        "read by `simlib.labels`, not a dataset table) |"
    )
    lines += [
        "",
        "KPIs:",
        "",
        "| kpi | label | unit | rolls up by |",
        "|---|---|---|---|",
    ]
    for k in ds.kpis.itertuples():
        lines.append(f"| `{k.kpi}` | {k.label} | {k.unit} | {k.aggregation} |")
    lines += [
        "",
        "Organisation: "
        + ", ".join(
            f"{n} {lvl}" + (("es" if lvl.endswith(("ch", "s")) else "s") if n != 1 else "")
            for lvl, n in levels.items()
        )
        + ". Each region has an enterprise (政企) team reporting straight to the region, "
        "with no branch in between: the tree is deliberately unbalanced.",
        "",
        "| region | unit_id | headcount at the end | annual attrition (mean) |",
        "|---|---|---:|---:|",
    ]
    hc = health.headcount(ds, "region")
    last = hc[hc["period"] == ds.periods[-1]].set_index("unit_id")
    att = health.attrition(ds, "region").groupby("unit_id")["rate"].mean()
    for uid, row in last.iterrows():
        lines.append(
            f"| {row['name']} | {uid} | {row['headcount']} | {att.get(uid, float('nan')):.1%} |"
        )
    conc = health.concentration(ds)
    turn = health.attrition(ds, None)
    quota = health.quota_attainment(ds)
    prof = health.seasonality_profile(ds)
    seas = health.seasonality(ds)
    q_share = seas.dropna(subset=["share_of_year"]).groupby("quarter")["share_of_year"].sum()
    q_share = q_share / q_share.sum()
    ret = ds.sales.loc[ds.sales["kpi"] == "hv_retention", "value"]
    store = ds.reps.loc[ds.reps["position"] == "store_sales", "rep_id"]
    per_cust = ds.sales[ds.sales["rep_id"].isin(store)].pivot_table(
        index=["rep_id", "period"], columns="kpi", values="value"
    )
    per_cust = per_cust[per_cust["new_customers"] > 0]
    lines += [
        "",
        "## Calibration achieved (measured on these files)",
        "",
        "| figure | measured | target band | source |",
        "|---|---|---|---|",
    ]
    for r in conc.itertuples():
        lines.append(
            f"| top 20% of full-year reps' share of revenue, {r.year} | {r.top_share:.1%} "
            f'({_band(r.top_share, 0.55, 0.65)}) | 55-65% ("just over 60%") | CSO Insights |'
        )
    for r in turn.itertuples():
        lines.append(
            f"| annual rep turnover, {r.year} (exits / average headcount) | {r.rate:.1%} "
            f"({_band(r.rate, 0.10, 0.18)}) | about 14% (10-18%) | Alexander Group |"
        )
    for r in quota.itertuples():
        lines.append(
            f"| full-year reps at or above annual revenue quota, {r.year} | {r.at_quota:.1%} "
            "| varies with the year's common shocks | |"
        )
    pooled = float(quota["at_quota"].mean())
    lines.append(
        f"| ... mean over the years | {pooled:.1%} ({_band(pooled, 0.55, 0.65)}) | 55-65% "
        "| CSO Insights (realised ~57-60%); Alexander Group (aim 60-70%) |"
    )
    shares = " / ".join(f"{x:.1%}" for x in prof["mean"])
    lines += [
        f"| share of each month in its quarter (revenue, mean) | {shares} | about 25 / 30 / "
        "45% | Oyer (1998) |",
        "| share of each quarter in the year (revenue) | "
        + " / ".join(f"{x:.1%}" for x in q_share)
        + " | Q4 above Q1 (year-end lift) | Oyer (1998) |",
        "| new-hire ramp to full productivity | model setting: linear over 3-5 months | "
        "3-5 months | Bridge Group |",
        f"| store sales revenue per new customer (median) | "
        f"{(per_cust['revenue'] / per_cust['new_customers']).median():,.0f} CNY | "
        f"{ARPU_CNY} CNY/month x {CREDIT_MONTHS} months = {ARPU_CNY * CREDIT_MONTHS:,.0f} "
        "CNY | China Mobile 2024 ARPU |",
        f"| high-value retention, monthly mean (min-max) | {ret.mean():.1%} "
        f"({ret.min():.1%}-{ret.max():.1%}) | 0-1 | share of high-value customers kept |",
        "",
        "Regions' seats follow MIIT's 5G users (Sept 2024: East 428 m, split 60/40 into",
        "East and South; Central 232 m; West 256 m; North-East 66 m). Full-year reps are",
        "those employed 1 January to 31 December; part-year reps are left out of",
        "concentration and quota figures so that hires and leavers do not look like low",
        "performers. The figures are recomputed independently from the raw tables in",
        "`tests/test_synthetic.py`, which asserts each band.",
        "",
    ]
    return "\n".join(lines)


def check_replaceable(path: Path) -> None:
    """Refuse to replace a folder holding anything but dataset tables and a README."""
    from simlib.data.dataset import TABLES

    if not path.exists():
        return
    if not path.is_dir():
        raise ValueError(_("{path} exists and is not a folder").format(path=path))
    ours = {f"{t}{ext}" for t in TABLES for ext in (".csv", ".parquet", ".xlsx")}
    ours |= {f"labels{ext}" for ext in (".csv", ".parquet", ".xlsx")}  # display names
    other = sorted(p.name for p in path.iterdir() if p.name not in ours | {"README.md"})
    if other:
        raise ValueError(
            _(
                "refusing to replace {path}: it holds files that are not dataset tables "
                "({files}); choose a new or empty folder"
            ).format(path=path, files=", ".join(other[:5]))
        )
