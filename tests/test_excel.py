"""Excel out: formatted workbooks that read back with pandas to the report's numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

import simlib as sl
from simlib.workbench import report
from simlib.workbench.cli import main
from simlib.workbench.excel import Sheet, sheet_name, write_workbook
from simlib.workbench.outdir import store_path

PLANS = Path(__file__).resolve().parents[1] / "scenarios" / "plans"


def test_a_workbook_has_one_sheet_per_table_frozen_headers_and_number_formats(tmp_path):
    pay = pd.DataFrame({"design": ["a", "b"], "expected cost": [1234567.4, np.nan],
                        "chance of overspend": [0.125, 0.5]})  # fmt: skip
    long = pd.DataFrame({"metric": ["cost", "share"], "mean": [2500.0, 0.25],
                         "_kind": ["money", "pct"]})  # fmt: skip
    path = write_workbook(tmp_path / "w.xlsx", {
        "Budget risk": Sheet(pay, {"expected cost": "money", "chance of overspend": "pct"}),
        "Pay by region?": Sheet(long, row_kind="_kind", note="Left out: X."),
    }, currency="EUR")  # fmt: skip
    wb = load_workbook(path)
    assert wb.sheetnames == ["Budget risk", "Pay by region-"]  # "?" is not allowed
    ws = wb["Budget risk"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["design", "expected cost", "chance of overspend"]
    assert ws["B2"].value == pytest.approx(1234567.4)  # the number, not text
    assert ws["B2"].number_format == '"EUR "#,##0;-"EUR "#,##0'  # currency, no cents
    assert ws["C2"].number_format == "0.0%"
    assert ws["B3"].value is None  # no NaN in a cell: empty
    long_ws = wb["Pay by region-"]
    assert [c.value for c in long_ws[1]] == ["metric", "mean"]  # the kind column is not shown
    assert (
        long_ws["B2"].number_format.startswith('"EUR "') and long_ws["B3"].number_format == "0.0%"
    )
    assert long_ws["A5"].value == "Left out: X."
    back = pd.read_excel(path, sheet_name="Budget risk")
    assert back["expected cost"].iloc[0] == pytest.approx(1234567.4)
    assert back["chance of overspend"].tolist() == [0.125, 0.5]


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    assert sheet_name("a/b", taken) == "a-b"
    assert sheet_name("a/b", taken) == "a-b (2)"
    long = "x" * 40
    assert len(sheet_name(long, taken)) == 31 and len(sheet_name(long, taken)) == 31


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("excel")
    data = root / "data"
    sl.data.synthetic.generate(n_reps=80, months=36, seed=4).save(data)
    doc = {
        "title": "Excel", "author": "HR analytics", "what": "baseline and one reform",
        "why": "the workbook", "batch": "xl",
        "baseline": {"data": str(data), "plan": str(PLANS / "am_current.yaml"),
                     "simulation": {"draws": 8, "seed": 2},
                     "report": {"min_group": 5, "show_individual_pay": False}},
        "reforms": {"proposed": {"what": "proposed plan, individual pay allowed",
                                 "changes": {"plan": str(PLANS / "am_proposed.yaml"),
                                             "report.show_individual_pay": True}}},
    }  # fmt: skip
    f = root / "s.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = root / "out"
    assert main(["run", str(f), "--out", str(out), "--no-reports", "--excel"]) == 0
    return out


def test_run_excel_writes_the_reports_numbers(batch):
    out = batch
    view = report.load_batch(str(store_path(out)), "xl")
    shared = out / "xl.xlsx"
    sheets = pd.read_excel(shared, sheet_name=None)
    assert {"Comparison", "Budget risk", "Pay by quartile", "Pay by region"} <= set(sheets)
    risk = sheets["Budget risk"].set_index("design")
    shown = report.budget_risk(view.results)  # the comparison report's table, as text
    for name, res in view.results.items():
        cost = float(res.per_draw["total_payout"].mean())  # straight from the store
        assert risk.loc[name, "expected cost"] == pytest.approx(cost)
        # The page shows the workbook's number in the page's money format.
        assert shown.loc[name, "expected cost"] == report.fmt(
            risk.loc[name, "expected cost"], "money"
        )
    comp = sheets["Comparison"]
    share = comp[comp["metric"] == report.METRICS["share_at_quota"][0]].set_index("design")
    base = view.results["baseline"].per_draw["share_at_quota"]
    prop = view.results["proposed"].per_draw["share_at_quota"]
    assert share.loc["baseline", "mean"] == pytest.approx(base.mean())
    # The change is the paired difference of the same draws.
    assert share.loc["proposed", "change vs baseline"] == pytest.approx((prop - base).mean())
    # The region table's baseline pay is the mean over draws of the stored group means.
    region = sheets["Pay by region"]
    g = view.results["baseline"].group_draws["mean_pay:region"]
    first = region.iloc[0]
    assert first["baseline: mean pay"] == pytest.approx(g[first.iloc[0]].mean())


def test_per_rep_pay_only_outside_the_shared_folder_and_only_where_allowed(batch):
    out = batch
    private = out.parent / "out.store" / "xl-pay-statements.xlsx"
    assert private.exists()
    statements = pd.read_excel(private, sheet_name=None)
    assert list(statements) == ["proposed"]  # the baseline does not allow individual pay
    view = report.load_batch(str(store_path(out)), "xl")
    reps = view.results["proposed"].reps.set_index("rep_id")
    s = statements["proposed"].set_index("rep")
    assert s["expected pay"].to_numpy() == pytest.approx(
        reps.loc[s.index, "mean_payout"].round(3).to_numpy()
    )
    # The shared workbook names no rep.
    wb = load_workbook(out / "xl.xlsx")
    ids = set(reps.index.astype(str))
    cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value}
    assert not (cells & ids)
    assert not list(out.rglob("*pay-statements*"))
