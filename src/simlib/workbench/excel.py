"""Excel workbooks for HR: the comparison and group tables of a batch, and (only where a
scenario allows individual detail) per-rep pay statements.

:func:`write_workbook` writes any set of tables as one formatted workbook: one sheet
per table, human headers in bold, the header row frozen, amounts in a currency
number format without cents, rates as percentages. :func:`batch_tables` and
:func:`pay_statement_tables` build the tables of a batch from its results store, as
numbers (not text), so a spreadsheet can sum and sort them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib._atomic import atomic_file
from simlib.i18n import _

#: Excel number formats by kind of column. Money: thousands separators, no cents.
FORMATS = {
    "money": '"{currency} "#,##0;-"{currency} "#,##0',
    "pct": "0.0%",
    "pct2": "0.00%",
    "count": "#,##0",
    "number": "0.000",
    "num": "0.000",  # the kind name simlib.workbench.report.METRICS uses
    "x": '0.00"x"',
    "text": "@",
}
#: Characters Excel refuses in a sheet name (and its 31-character limit).
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Sheet:
    """One table for a workbook.

    Attributes
    ----------
    frame : DataFrame
        The values (numbers stay numbers); its column names are the headers.
    kinds : dict
        Column -> "money", "pct", "pct2", "count", "number", "x" or "text" (default:
        "text" for strings, "number" otherwise).
    row_kind : str, optional
        A column naming each row's kind: the numeric columns of that row take it (a
        long table of metrics where one row is money and the next a rate). The
        column itself is not written.
    note : str
        A line written under the table (e.g. which groups were left out).
    """

    frame: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)
    row_kind: str | None = None
    note: str = ""


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name for ``name``."""
    base = _BAD_SHEET.sub("-", name).strip("'") or "table"
    base = base[:31]
    out, i = base, 2
    while out.lower() in taken:
        suffix = f" ({i})"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(out.lower())
    return out


def _cell(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp | pd.Period):
        return str(v)
    return v


def write_workbook(path: str | Path, sheets: Mapping[str, Sheet], currency: str = "CNY") -> Path:
    """Write ``sheets`` as one workbook at ``path`` (atomically: a reader never sees a
    half-written file).

    Each sheet: bold headers in row 1, frozen; a number format per column (or per row,
    see :class:`Sheet`); an empty cell where there is no value; columns wide enough
    for their headers; the sheet's note two rows under the table.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if not sheets:
        raise ValueError("write_workbook needs at least one table")  # internal: callers pass tables
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    fmt = {k: v.format(currency=currency) for k, v in FORMATS.items()}
    for name, sh in sheets.items():
        ws = wb.create_sheet(sheet_name(name, taken))
        df = sh.frame.reset_index() if any(n is not None for n in sh.frame.index.names) \
            else sh.frame  # fmt: skip
        cols = [c for c in df.columns if c != sh.row_kind]
        ws.append([str(c) for c in cols])
        for c in ws[1]:
            c.font = Font(bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="top")
        row_kinds = df[sh.row_kind].tolist() if sh.row_kind else [None] * len(df)
        for values, rk in zip(df[cols].itertuples(index=False), row_kinds, strict=True):
            ws.append([_cell(v) for v in values])
            r = ws.max_row
            for j, (col, v) in enumerate(zip(cols, values, strict=True), start=1):
                kind = sh.kinds.get(col)
                if kind is None:
                    numeric = isinstance(_cell(v), int | float) and not isinstance(v, bool)
                    kind = (rk or "number") if numeric else "text"
                ws.cell(row=r, column=j).number_format = fmt[kind]
        ws.freeze_panes = "A2"
        for j, col in enumerate(cols, start=1):
            longest = max([len(str(col))] + [len(str(_cell(v))) for v in df[col].head(200)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(10, longest + 2), 48)
        if sh.note:
            ws.cell(row=ws.max_row + 2, column=1, value=sh.note)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, suffix=".xlsx") as tmp:
        wb.save(tmp)
    return path


# ------------------------------------------------------------------ a batch's tables
def comparison_sheet(results: Mapping[str, Any], baseline: str = "baseline") -> Sheet:
    """Every metric of every design: its mean, P5 and P95 over the simulated years and,
    for each reform, the change against the baseline with the half-width of its 95%
    interval (paired draw by draw), as numbers."""
    from simlib import metrics as m
    from simlib.workbench import report

    names = list(results)
    cmp = m.compare([results[n] for n in names], baseline=names.index(baseline))
    rows = []
    for k in [k for k in report.METRICS if k in cmp.index]:
        label, kind = report.METRICS[k]
        for n in names:
            pdw = results[n].per_draw[k].to_numpy(float)
            se = cmp.loc[k, (n, "diff_se")] if n != baseline else np.nan
            rows.append({
                "metric": label, "design": n, "mean": cmp.loc[k, (n, "mean")],
                "P5": np.nanquantile(pdw, 0.05) if np.isfinite(pdw).any() else np.nan,
                "P95": np.nanquantile(pdw, 0.95) if np.isfinite(pdw).any() else np.nan,
                "change vs baseline": cmp.loc[k, (n, "diff")] if n != baseline else np.nan,
                "± (95% interval)": 1.96 * se if np.isfinite(se) else np.nan,
                "_kind": kind,
            })  # fmt: skip
    return Sheet(pd.DataFrame(rows), row_kind="_kind")


def budget_sheet(results: Mapping[str, Any]) -> Sheet:
    rows = []
    for name, res in results.items():
        cost = res.per_draw["total_payout"].to_numpy(float)
        budget = float(res.provenance.get("budget", np.nan))
        rows.append({"design": name, "budget": budget, "expected cost": cost.mean(),
                     "P95 cost": np.quantile(cost, 0.95),
                     "chance of overspend": float((cost > budget).mean()),
                     "expected overspend": float(np.clip(cost - budget, 0, None).mean())})  # fmt: skip
    kinds = {"budget": "money", "expected cost": "money", "P95 cost": "money",
             "chance of overspend": "pct", "expected overspend": "money"}  # fmt: skip
    return Sheet(pd.DataFrame(rows), kinds)


def group_sheet(results: Mapping[str, Any], grouping: str, baseline: str, min_group: int,
                design: Mapping[str, Any] | None) -> Sheet | None:  # fmt: skip
    """Mean pay per rep by group under each design and the change against the baseline;
    groups under ``min_group`` reps are left out (and said so under the table)."""
    from simlib.workbench import report

    key, words = report.GROUP_TABLES[grouping]
    base = results[baseline]
    if key not in base.group_draws:
        return None
    sizes = report.group_sizes(base, design, grouping)
    b = base.group_draws[key]
    rows, hidden = [], []
    for g in b.columns:
        n = int(sizes.get(str(g), 0))
        if n < min_group:
            hidden.append(str(g))
            continue
        row = {words: str(g), "reps": n, f"{baseline}: mean pay": float(b[g].mean())}
        for name, res in results.items():
            if name == baseline or key not in res.group_draws or g not in res.group_draws[key]:
                continue
            v = res.group_draws[key][g].to_numpy(float)
            row[f"{name}: mean pay"] = float(np.nanmean(v))
            row[f"{name}: change"] = float(np.nanmean(v - b[g].to_numpy(float)))
        rows.append(row)
    if not rows:
        return None
    df = pd.DataFrame(rows)
    kinds = {c: "money" for c in df.columns if c.endswith(("mean pay", "change"))} | {
        "reps": "count"}  # fmt: skip
    note = f"Left out (fewer than {min_group} reps): {', '.join(hidden)}." if hidden else ""
    return Sheet(df, kinds, note=note)


def batch_tables(view: Any, baseline: str = "baseline") -> dict[str, Sheet]:
    """The tables of a batch's comparison, for the workbook that goes with the reports:
    comparison, budget risk and pay by performance quartile, region and tenure. No rep
    appears (groups under the baseline's ``report.min_group`` are left out)."""
    results = view.results
    if baseline not in results:
        raise ValueError(
            _("the batch has no successful {baseline} run to compare against").format(
                baseline=repr(baseline)
            )
        )
    design = view.designs.get(baseline)
    min_group = int(((design or {}).get("report") or {}).get("min_group", 5))
    sheets = {"Comparison": comparison_sheet(results, baseline),
              "Budget risk": budget_sheet(results)}  # fmt: skip
    for grouping, title in (("quartile", "Pay by quartile"), ("region", "Pay by region"),
                            ("tenure", "Pay by tenure")):  # fmt: skip
        s = group_sheet(results, grouping, baseline, min_group, design)
        if s is not None:
            sheets[title] = s
    return sheets


def pay_statement_tables(view: Any) -> dict[str, Sheet]:
    """Per-rep expected pay of each design whose scenario allows individual pay
    (``report.show_individual_pay: true``); empty when none does."""
    from simlib.workbench import report

    out = {}
    for name, res in view.results.items():
        settings = (view.designs.get(name) or {}).get("report") or {}
        if not settings.get("show_individual_pay"):
            continue
        df = report.individual_pay_values(res).rename(columns={
            "rep_id": "rep", "region": "region", "position": "position",
            "target_incentive": "target incentive", "mean_payout": "expected pay",
            "payout_p5": "pay P5", "payout_p95": "pay P95",
            "mean_attainment": "expected attainment", "p_at_quota": "chance of quota"})  # fmt: skip
        kinds = {"target incentive": "money", "expected pay": "money", "pay P5": "money",
                 "pay P95": "money", "expected attainment": "pct",
                 "chance of quota": "pct"}  # fmt: skip
        out[name] = Sheet(df, kinds)
    return out


def write_batch_workbooks(
    store_path: str | Path,
    batch: str,
    shared_dir: str | Path,
    private_dir: str | Path,
    currency: str | None = None,
) -> list[Path]:
    """Write ``<shared_dir>/<batch>.xlsx`` (comparison and group tables, no rep) and, when
    a scenario allows individual pay, ``<private_dir>/<batch>-pay-statements.xlsx`` (one
    sheet of per-rep pay per such design), outside the shared folder. ``currency``
    defaults to the baseline plan's own (its spec's ``currency``)."""
    from simlib.workbench import report

    shared_dir, private_dir = Path(shared_dir).resolve(), Path(private_dir).resolve()
    if private_dir == shared_dir or shared_dir in private_dir.parents:
        raise ValueError(
            _("per-rep pay statements must be written outside the shared folder {folder}").format(
                folder=shared_dir
            )
        )
    from simlib.plans.spec import PlanSpec

    view = report.load_batch(str(store_path), batch)
    if currency is None:
        plan = (view.designs.get("baseline") or {}).get("plan") or {}
        currency = plan.get("currency") or PlanSpec.model_fields["currency"].default
    paths = [write_workbook(shared_dir / f"{batch}.xlsx", batch_tables(view), currency)]
    statements = pay_statement_tables(view)
    if statements:
        paths.append(write_workbook(private_dir / f"{batch}-pay-statements.xlsx", statements,
                                    currency))  # fmt: skip
    return paths
