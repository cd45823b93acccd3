"""The what-if served by ``simlib whatif`` (Voila), driven in Chromium: the page loads,
slider moves show what Plan.evaluate pays for the plan as set, reset restores the
start, "Save as reform" writes a scenario file that validates, and the page a Chinese
reader opens (``?lang=zh-CN``) speaks Chinese (title, note, controls, buttons,
figures) with the same numbers as the library pays."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from simlib import i18n
from simlib.plans import Plan
from simlib.workbench.cli import main
from simlib.workbench.whatif.app import WhatIfApp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from whatif_server import (
    control,
    nudge,
    open_page,
    shown,
    wait_for_plan,
    whatif_server,
)

ROOT = Path(__file__).resolve().parents[2]
PROPOSED = ROOT / "scenarios" / "plans" / "am_proposed.yaml"
#: An English word, and three or more of them in a row.
WORD = r"[A-Za-z](?:[A-Za-z'’-]*[A-Za-z])?"
ENGLISH_RUN = re.compile(WORD + r"(?:[ ,;:/()]+" + WORD + r"){2,}")


@pytest.fixture(scope="module")
def sample(sample_ds):
    return sample_ds


def library_total(ds, spec: dict) -> float:
    """What Plan.evaluate pays under ``spec`` in the sample's last year."""
    tg = ds.targets
    periods = pd.PeriodIndex(tg["period"])
    year = int(periods.year.max())
    tg = tg.loc[periods.year == year]
    sales = ds.sales.loc[ds.sales["period"].dt.year == year]
    plan = Plan.from_dict(spec, kpis=ds.kpi_names)
    return float(plan.evaluate(sales, tg, ds.reps, ds=ds, totals=False)["payout"].sum())


@pytest.fixture(scope="module")
def saved_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("reforms")


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    """The proposed plan, copied: a test edits it (every page load reads the plan anew)."""
    path = tmp_path_factory.mktemp("plan") / "am_proposed.yaml"
    path.write_bytes(PROPOSED.read_bytes())
    return path


@pytest.fixture(scope="module")
def server(browser, saved_dir, plan_file):
    with whatif_server(plan=plan_file, scenarios=saved_dir) as url:
        yield url


@pytest.fixture(scope="module")
def loaded(server, browser):
    """One page of the what-if, loaded once (each load starts a kernel), at 1366x768:
    the tests that start from the plan as written share it, as one user moving
    sliders, resetting and saving in one visit."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    open_page(pg, server)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def at_start(loaded):
    """The shared page, back at the starting plan (Reset) whatever a test before left."""
    loaded.get_by_text("Reset to the starting plan").click()
    wait_for_plan(loaded, "")
    return loaded


def test_app_loads_with_code_hidden_and_the_starting_plan(loaded, sample, screenshots):
    page = loaded  # as it first loads: this test runs first on the shared page
    page.screenshot(path=str(screenshots / "whatif-first-screen.png"))
    spec = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))
    assert shown(page) == pytest.approx(library_total(sample, spec), rel=1e-12)
    assert shown(page, col="start") == shown(page)
    text = page.inner_text("body")
    assert "What if? Account manager plan (proposed)" in text
    assert "The starting plan, as written." in text
    assert "import" not in text and "WhatIfApp" not in text  # no code on the page
    # Labels whole (not cut), with units beside the values.
    label = page.locator(".row-revenue_bonus-cap .simlib-control-label")
    assert label.inner_text() == "cap: attainment where pay stops rising"
    assert label.is_visible()
    width, shown_width = label.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert 0 < width <= shown_width  # nothing cut off
    assert "160% of quota" in page.inner_text(".row-revenue_bonus-cap")
    assert "2.50x" in page.inner_text(".row-revenue_bonus-accelerator")


def test_cap_then_threshold_show_the_library_totals_and_reset_restores(
    at_start, sample, screenshots
):
    page = at_start
    spec = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))
    start = shown(page)
    nudge(page, "revenue_bonus.cap", -2)  # 160% -> 150% (steps of 5%)
    moved = wait_for_plan(page, "revenue_bonus.cap=1.5")
    cap = copy.deepcopy(spec)
    # Same 2.5x slope above quota, stopping at 150%: 1 + 2.5 x 0.5 = 2.25.
    cap["components"][0]["curve"][-1] = [1.5, 2.25]
    assert moved == pytest.approx(library_total(sample, cap), rel=1e-12)
    assert shown(page, col="change") == pytest.approx(moved - start, rel=1e-9)
    assert "150% of quota" in page.inner_text(".row-revenue_bonus-cap")

    nudge(page, "revenue_bonus.threshold", 5)  # 75% -> 80% (steps of 1%)
    both = wait_for_plan(page, "revenue_bonus.threshold=0.8;revenue_bonus.cap=1.5")
    cap["components"][0]["curve"][0] = [0.8, 0.3]  # the step at 85% stays
    assert both == pytest.approx(library_total(sample, cap), rel=1e-12)
    assert "80% of quota" in page.inner_text(".row-revenue_bonus-threshold")
    text = page.inner_text(".simlib-changes")
    assert "cap 160% of quota -> 150% of quota" in text
    assert "threshold 75% of quota -> 80% of quota" in text
    page.screenshot(path=str(screenshots / "whatif-cap-and-threshold.png"))

    page.get_by_text("Reset to the starting plan").click()
    back = wait_for_plan(page, "")
    assert back == start
    assert "160% of quota" in page.inner_text(".row-revenue_bonus-cap")
    assert "The starting plan, as written." in page.inner_text("body")


def test_save_as_reform_writes_a_scenario_that_validates(at_start, saved_dir, screenshots, capsys):
    page = at_start
    start = shown(page)
    nudge(page, "revenue_bonus.cap", -2)
    assert wait_for_plan(page, "revenue_bonus.cap=1.5") != start
    page.get_by_text("Save as reform").first.click()
    fields = {"file name": "lower_cap", "title": "Cap at 150%", "author": "Comp & Ben",
              "why": "Top earners are paid above practice."}  # fmt: skip
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save as reform").click()
    page.wait_for_selector('[data-state="saved"]', timeout=30_000)
    page.screenshot(path=str(screenshots / "whatif-saved.png"))
    path = saved_dir / "lower_cap.yaml"
    assert path.exists()
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["title"] == "Cap at 150%" and doc["author"] == "Comp & Ben"
    assert doc["reforms"]["lower_cap"]["changes"] == {"plan.components[0].curve[4]": [1.5, 2.25]}
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0, capsys.readouterr()
    assert main(["describe", str(path)]) == 0
    assert "cap 160% -> 150% of quota" in capsys.readouterr().out


def test_moving_a_weight_shows_the_library_totals(server, plan_file, page, sample, screenshots):
    spec = yaml.safe_load(PROPOSED.read_text(encoding="utf-8"))
    spec["components"][0]["weight"] = 0.5
    spec["components"].insert(1, {"type": "quota_bonus", "name": "new_customer_bonus",
                                  "kpi": "new_customers", "weight": 0.3,
                                  "curve": [[0.5, 0.5], [1.0, 1.0], [2.0, 2.0]]})  # fmt: skip
    # The plan file edited while the what-if runs: the next page load shows the edit.
    plan_file.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    try:
        open_page(page, server)
        start = shown(page)
        assert start == pytest.approx(library_total(sample, spec), rel=1e-12)
        page.get_by_text("Whole plan", exact=True).click()
        control(page, "revenue_bonus.weight").wait_for(state="visible")
        nudge(page, "revenue_bonus.weight", 1)  # relative weight 0.5 -> 0.55
        now = wait_for_plan(page, "revenue_bonus.weight=0.55")
        assert now != start
        page.screenshot(path=str(screenshots / "whatif-weight.png"))
    finally:
        plan_file.write_bytes(PROPOSED.read_bytes())
    # The individual measures keep their 80% (the team keeps 20%), split 0.55 : 0.3.
    want = copy.deepcopy(spec)
    want["components"][0]["weight"] = 0.8 * 0.55 / 0.85
    want["components"][1]["weight"] = 0.8 * 0.3 / 0.85
    assert now == pytest.approx(library_total(sample, want), rel=1e-12)


def test_the_page_in_chinese_speaks_chinese_with_the_librarys_numbers(
    server, plan_file, cjk_page, screenshots
):
    page = cjk_page
    open_page(page, server + "?lang=zh-CN")  # the server itself was started in English
    page.screenshot(path=str(screenshots / "whatif-zh-CN.png"))
    text = page.inner_text("body")
    assert "假设分析" in text and "恢复初始方案" in text and "初始方案，按原文。" in text
    # The same figures as the page built in this process in Chinese (the library's).
    with i18n.use("zh-CN"):
        app = WhatIfApp.open("data/sample", str(plan_file), environ={})
    assert shown(page) == pytest.approx(app.result.total_payout, rel=1e-12)
    # English left on the page is the data's own (plan, component, KPI and unit names).
    wi = app.wi
    names = [wi.plan.name, *(wi._label(c) for c in wi.base_spec["components"]), *wi.kpis]
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " | ")
    assert ENGLISH_RUN.findall(text) == []
