"""Smoke runs of the data-health report: it executes, renders, and says what it should."""

from __future__ import annotations

import re

import pytest

from simlib.data.dataset import Dataset
from simlib.data.synthetic import generate
from simlib.workbench.batch import render_report

pytestmark = pytest.mark.notebook

SECTIONS = [
    "Data health report",
    "1. Data checks: what to fix or to know",
    "2. What is in the data",
    "3. Coverage: who has data in which month",
    "4. KPI distributions",
    "5. Seasonality",
    "6. Concentration: how much the best reps bring",
    "7. Headcount and attrition by org unit",
    "8. Targets: how many reps reach quota",
    "9. Appendix: definitions",
]


def visible_text(html: str) -> str:
    """What a reader sees: the page without its style sheets and scripts."""
    body = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


def test_renders_on_the_bundled_sample(tmp_path):
    out = render_report("data_health", tmp_path, {"data_path": "data/sample"})
    html = out.html.read_text(encoding="utf-8")
    text = visible_text(html)
    for heading in SECTIONS:
        assert heading in text, heading
    # The verdict and every check against its band open the page, before section 1.
    assert text.index("Complete: every rep-month of employment has data") < text.index(
        "1. Data checks"
    )
    assert text.index("annual attrition (company)") < text.index("1. Data checks")
    # The data-check findings are the first section, before what is in the data.
    assert text.index("The data checks found") < text.index("2. What is in the data")
    assert "NaN" not in text and "True" not in text and "zero_share" not in text
    assert "Traceback" not in text and "Error" not in text
    assert html.count("<img") >= 5  # coverage, distributions, seasonality, Lorenz, headcount
    assert "华东区" in text  # Chinese region names survive to the page
    assert "CSO Insights" in text and "Alexander Group" in text and "Oyer" in text
    # No code and no pay in a leadership report.
    assert "import simlib" not in text
    assert "base_salary" not in text


def test_renders_on_gb18030_data_with_gaps_and_no_targets(tmp_path):
    """A user's own export: Chinese-encoded CSV, two regions, months missing for some
    reps, no targets table. The report must say so rather than fail."""
    ds = generate(n_reps=40, months=14, seed=3, end="2025-12", n_regions=2)
    s = ds.sales
    first_reps = ds.reps.rep_id.iloc[:3].tolist()
    gap = s.rep_id.isin(first_reps) & (s.period.astype(str) == "2025-06")
    own = Dataset(kpis=ds.kpis, units=ds.units, reps=ds.reps, sales=s[~gap].reset_index(drop=True))
    path = own.save(tmp_path / "export", "csv", encoding="gb18030")
    out = render_report(
        "data_health", tmp_path / "report", {"data_path": str(path), "encoding": "gb18030"}
    )
    text = visible_text(out.html.read_text(encoding="utf-8"))
    assert "Traceback" not in text and "Error" not in text
    assert "of these 3 have no data" in text
    assert text.index("Gaps to fix before simulating: 3 of") < text.index("1. Data checks")
    # Section 1 lists the missing months and how they are handled, before section 2.
    first = text[text.index("1. Data checks") : text.index("2. What is in the data")]
    assert "missing months" in first and "Missing is not zero" in first
    assert "no rep-level targets table" in text
    assert "华东区" in text


def test_renders_on_data_with_its_own_kpi_and_level_names(tmp_path):
    """Nothing is called revenue or region: the defaults come from the data."""
    ds = generate(n_reps=30, months=13, seed=5, end="2025-12", n_regions=2)
    names = {"revenue": "sales_amount", "new_customers": "new_accounts"}
    kpis = ds.kpis.assign(kpi=ds.kpis["kpi"].replace(names))
    units = ds.units.assign(level=ds.units["level"].replace({"region": "division"}))
    sales = ds.sales.assign(kpi=ds.sales["kpi"].replace(names))
    own = Dataset(kpis=kpis, units=units, reps=ds.reps, sales=sales)
    path = own.save(tmp_path / "own", "parquet")
    out = render_report("data_health", tmp_path / "report", {"data_path": str(path)})
    html = out.html.read_text(encoding="utf-8")
    text = visible_text(html)
    assert "Traceback" not in text and "Error" not in text
    # The tenure-mix table is headed by the data's own level name.
    assert re.search(r"<th[^>]*>division</th>", html)
    assert "sales_amount" in text
