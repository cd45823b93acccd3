"""The demo batch's pages, read as leadership reads them: from the HTML, and opened from
files in a browser with the network blocked (1366 x 768).

The pages ``simlib demo --quick`` writes, run by the installed wheel in an empty folder
with few simulated years (the wheel's own tests read the same run), then: every shared
metric of a design (cost, share at quota, pay-performance) reads the same on every
page where it appears, and equals the stored draws' mean formatted by hand; no
``NaN``/``inf`` text; nothing fetched from the network; a navigation bar linking to
every page (the topic pages too) on every page; real titles; the decision first on the index and the
comparison; the scenario pages open with their design's name and cost. In the
browser: the decision on the first screen of the index and the comparison, and a
scenario page opening with its summary.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from bs4 import BeautifulSoup

from simlib.workbench.batch import PROJECT_ROOT
from simlib.workbench.outdir import store_path
from simlib.workbench.store import Store

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


#: The topic pages the demo links from its index.
TOPIC_PAGES = {f"{t}.html" for t in ("data_health", "appraisal", "plans", "behavior", "targets")}


@pytest.fixture(scope="module")
def batch(wheel_demo, wheel_venv):
    """The demo's pages as ``simlib demo --quick`` writes them in an empty folder (the
    wheel's tests read the same run), with the scenario pages the store lists."""
    folder, _completed = wheel_demo
    out = folder / "reports" / "demo"
    store = Store(store_path(out), read_only=True)
    items = [SimpleNamespace(name=r.scenario, html=r.html)
             for r in store.items("demo").itertuples() if r.html]  # fmt: skip
    assert len(items) == 8, items  # the demo's designs, each with its page
    res = SimpleNamespace(out_dir=out, items=items, folder=folder, venv=wheel_venv)
    pages = {p.name: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
             for p in sorted(out.glob("*.html"))}  # fmt: skip
    raw = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html"))}
    return res, pages, raw, store.load_batch("demo")


def _text(soup: BeautifulSoup) -> str:
    s = BeautifulSoup(str(soup), "html.parser")
    for t in s(["style", "script"]):
        t.decompose()
    return s.get_text(" ")


def _by_hand(stored) -> dict[str, dict[str, str]]:
    """The numbers as a reader should see them, formatted here from the stored draws:
    cost in CNY millions to one decimal, share at quota as % to one decimal,
    pay-performance to two decimals."""
    out = {}
    for name, r in stored.items():
        pd_ = r.per_draw
        out[name] = {
            "cost": f"CNY {pd_['total_payout'].to_numpy(float).mean() / 1e6:.1f} m",
            "quota": f"{pd_['share_at_quota'].to_numpy(float).mean() * 100:.1f}%",
            "payperf": f"{pd_['pay_performance_spearman'].to_numpy(float).mean():.2f}",
        }
    return out


def _seen(res, pages) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """Each design's metrics as each page states them: {design: {metric: {(page, text)}}}."""
    seen: dict[str, dict[str, set]] = {}

    def add(design, metric, page, text):
        seen.setdefault(design, {}).setdefault(metric, set()).add((page, text.strip()))

    # The index's design table: "cost CNY 14.1 m; 108.5% of budget; 57.0% at quota; ...".
    for tr in pages["index.html"].select("table.list tr"):
        tds = tr.find_all("td")
        if len(tds) >= 3 and "at quota" in tds[2].get_text():
            h = " ".join(tds[2].get_text().split())
            design = tds[0].get_text().strip()
            add(design, "cost", "index list", re.search(r"cost (CNY [\d.,]+ m)", h).group(1))
            add(design, "quota", "index list", re.search(r"([\d.]+%) at quota", h).group(1))
            add(design, "payperf", "index list", re.search(r"pay-performance ([\d.]+)", h).group(1))
    # The decision box (index and comparison): goal cells by column header.
    for page in ("index.html", "compare.html"):
        box = pages[page].select_one("section.decision")
        heads = [th.get_text(" ").strip() for th in box.select("thead th")]
        for tr in box.select("tbody tr"):
            cells = [td.get_text(" ").strip() for td in tr.find_all("td")]
            row = dict(zip(heads, cells, strict=True))
            for col, val in row.items():
                if col.startswith("Pay-performance"):
                    add(row["Design"], "payperf", f"{page} decision", val.split()[-1])
                if col.startswith("Share at quota"):
                    add(row["Design"], "quota", f"{page} decision", val.split()[-1])
    # The comparison's side-by-side table: "CNY 14.1 m (+CNY 2.9 m ± 0.12 m)".
    for table in pages["compare.html"].select("table.simlib-table"):
        heads = [th.get_text().strip() for th in table.select("th")]
        if not heads or heads[0] != "Metric":
            continue
        for tr in table.select("tr")[1:]:
            cells = [td.get_text().strip() for td in tr.find_all("td")]
            key = {"Incentive cost": "cost", "Share at quota": "quota",
                   "Pay-performance": "payperf"}.get(cells[0])  # fmt: skip
            if key:
                for design, cell in zip(heads[1:], cells[1:], strict=False):
                    if design != "Reference":
                        add(design, key, "compare table", cell.split(" (")[0])
    # Each scenario page: its summary and its metrics table.
    for it in res.items:
        soup = pages[it.html]
        summary = " ".join(soup.select_one(".simlib-summary").get_text(" ").split())
        add(it.name, "cost", it.html, re.search(r"incentive cost (CNY [\d.,]+ m)", summary)[1])
        add(it.name, "quota", it.html, re.search(r"([\d.]+%) of reps reach quota", summary)[1])
        add(it.name, "payperf", it.html, re.search(r"pay-performance ([\d.]+)", summary)[1])
        for table in soup.select("table.simlib-table"):
            heads = [th.get_text().strip() for th in table.select("th")]
            if heads[:2] != ["Metric", "Mean"]:
                continue
            for tr in table.select("tr")[1:]:
                cells = [td.get_text().strip() for td in tr.find_all("td")]
                key = {"Incentive cost": "cost", "Share at quota": "quota",
                       "Pay-performance": "payperf"}.get(cells[0])  # fmt: skip
                if key:
                    add(it.name, key, f"{it.html} table", cells[1])
    return seen


def test_each_design_shows_one_number_per_metric_on_every_page(batch):
    res, pages, _, stored = batch
    seen = _seen(res, pages)
    expected = _by_hand(stored)
    assert set(seen) == set(stored)
    for design, metrics in seen.items():
        for metric, where in metrics.items():
            values = {text for _, text in where}
            assert values == {expected[design][metric]}, (design, metric, sorted(where))
        # Found on the index, the comparison and the design's own page (summary and table).
        for metric in ("cost", "quota", "payperf"):
            places = {p for p, _ in metrics[metric]}
            assert {"index list", "compare table"} <= places, (design, metric, places)
            assert sum(p.startswith("scenario-") for p in places) == 2, (design, metric, places)
        assert {"index.html decision", "compare.html decision"} <= {p for p, _ in metrics["quota"]}


def test_no_missing_value_text_and_no_python_leftovers(batch):
    _, pages, _, _ = batch
    for name, soup in pages.items():
        text = _text(soup)
        bad = re.findall(r"\b(NaN|nan|inf|-inf|None|False|True)\b", text)
        assert bad == [], (name, bad[:5])
        # Human column names: no snake_case header but the designs' own names, and on
        # the topic pages the KPIs' (English topic pages name a KPI by the data's code).
        heads = [th.get_text().strip() for th in soup.select("th")]
        own = {"team_weighted", "ahp_appraisal"}
        if name in TOPIC_PAGES:
            own |= {"new_customers", "hv_retention"}
        snake = [h for h in heads if re.fullmatch(r"[a-z]+(_[a-z]+)+", h) and h not in own]
        assert snake == [], (name, snake)


def test_pages_fetch_nothing_from_the_network(batch):
    _, pages, raw, _ = batch
    external = re.compile(r"^\s*(https?:)?//", re.I)
    for name, soup in pages.items():
        for tag in soup.find_all(["script", "link", "img", "iframe", "source", "audio", "video"]):
            for attr in ("src", "href"):
                url = tag.get(attr)
                assert not (url and external.match(url)), (name, tag.name, url)
        for style in soup.find_all("style"):
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", style.get_text()), name
            assert not re.search(r"@import\s+(url\()?['\"]?(https?:)?//", style.get_text()), name
        assert "require.min.js" not in raw[name] and "mathjax" not in raw[name].lower()
        assert "mermaid" not in raw[name].lower()


def test_every_page_has_a_title_and_a_navigation_bar_to_every_other(batch):
    res, pages, _, _ = batch
    names = set(pages)
    for name, soup in pages.items():
        title = soup.title.get_text().strip()
        assert title and title.lower() not in ("notebook", "untitled"), name
        nav = soup.select_one("nav.simlib-nav")
        assert nav is not None, name
        hrefs = {a["href"] for a in nav.find_all("a")}
        assert "index.html" in hrefs, name
        assert hrefs == names, (name, names ^ hrefs)
    assert pages["compare.html"].title.get_text() == "Comparison of designs"
    for it in res.items:
        assert pages[it.html].title.get_text() == f"Scenario: {it.name}"


def test_no_local_path_on_any_page(batch):
    res, _, raw, _ = batch
    for name, html in raw.items():
        assert str(PROJECT_ROOT) not in html, name
        # The installed package (its notebooks and sample data) and the user's folder.
        assert str(res.venv) not in html and str(res.folder) not in html, name


def test_the_decision_comes_first_on_the_index_and_the_comparison(batch):
    _, pages, _, stored = batch
    for page in ("index.html", "compare.html"):
        soup = pages[page]
        first_h2 = soup.find("h2")
        assert first_h2.find_parent("section", class_="decision") is not None, page
        box = soup.select_one("section.decision")
        text = box.get_text(" ")
        rec = re.search(r"Recommended:\s*(.+?)\s*\.", text)[1]
        assert rec in stored
        assert "Cost:" in text and "Overspend risk:" in text and "Who loses most:" in text
        # Revenue is the same for every design: the page says so.
        assert "revenue is held fixed" in text
        # The stated goals, by priority, head the ranking's columns.
        assert "priority 1" in text and "priority 4" in text
        ranks = [tr.find_all("td")[0].get_text() for tr in box.select("tbody tr")]
        assert ranks == [str(i) for i in range(1, len(stored) + 1)]  # no tie: one rank each


def test_scenario_pages_open_with_name_and_cost(batch):
    res, pages, _, stored = batch
    base_cost = stored["baseline"].per_draw["total_payout"].to_numpy(float)
    for it in res.items:
        soup = pages[it.html]
        h1 = soup.find("h1")
        assert h1.get_text().strip().startswith(f"{it.name}:")
        summary = h1.find_next(class_="simlib-summary")
        assert summary is not None and summary.find_previous("h2") is None, it.html
        assert summary.get_text(" ").strip().startswith(it.name)
        cost = stored[it.name].per_draw["total_payout"].to_numpy(float)
        if it.name != "baseline":
            d = (cost - base_cost).mean()
            sign = "+" if round(d / 1e6, 1) > 0 else ("-" if round(d / 1e6, 1) < 0 else "")
            text = " ".join(summary.get_text(" ").split())
            assert f"; {sign}CNY {abs(d) / 1e6:.1f} m ± " in text and "against today's plan" in text
        # The header counts the reps its tables cover.
        n = len(stored[it.name].reps)
        assert f"{n:,} reps in the plan" in summary.get_text(" ")
        # Method moves to the end.
        h2s = [h.get_text().strip().rstrip("¶") for h in soup.find_all("h2")]
        assert h2s[-1].startswith("Appendix"), h2s


def test_pay_gap_callout_names_the_largest_gap(batch):
    res, pages, _, stored = batch
    r = stored["proposed"]
    gaps = r.group_draws["pay_gap:tenure"].mean()
    worst = gaps.abs().idxmax()
    assert abs(gaps[worst]) >= 0.10  # the demo's new hires are paid far less at equal attainment
    callout = pages[next(i.html for i in res.items if i.name == "proposed")].select_one(
        ".simlib-callout"
    )
    assert callout is not None
    assert (
        f"Tenure {worst} (" in callout.get_text()
        and f"{abs(gaps[worst]):.0%}" in callout.get_text()
    )
    assert np.isfinite(gaps[worst])


def test_the_shared_folder_holds_pages_only_and_no_individual(batch):
    """What is handed to leadership: HTML pages and nothing per rep. The results store
    and executed notebooks (which hold every rep's expected pay) live beside the folder."""
    res, pages, raw, stored = batch
    files = [p for p in res.out_dir.rglob("*") if p.is_file()]
    assert files and all(p.suffix == ".html" for p in files), [p.name for p in files]
    assert not any(p.suffix in (".duckdb", ".ipynb", ".parquet", ".csv") for p in files)
    assert store_path(res.out_dir).exists() and res.out_dir not in store_path(res.out_dir).parents
    rep_ids = set()
    for result in stored.values():
        rep_ids |= set(result.reps["rep_id"].astype(str))
    assert len(rep_ids) > 100
    text = " ".join(raw.values())
    leaked = sorted(set(_any_word(rep_ids).findall(text)))
    assert leaked == []
    # No rep's expected pay, as the pages print money (whole units, thousands separators).
    pay = {f"{v:,.0f}" for result in stored.values() for v in result.reps["mean_payout"]}
    shown = set(re.findall(r"\d{1,3}(?:,\d{3})+", text))
    assert len(pay & shown) <= 2, sorted(pay & shown)[:5]  # a group mean may coincide by chance


def _any_word(words) -> re.Pattern:
    """One pattern matching any of ``words`` as a whole word (longest first): one pass
    over the pages instead of one per word."""
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b")


# ------------------------------------------------------------------ in the browser
def _open_offline(page, path: Path) -> list[str]:
    """Open ``path`` with every request that is not a local file aborted; return the
    requests that were attempted."""
    attempted: list[str] = []

    def block(route):
        attempted.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith("file:"), block)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    return attempted


@pytest.mark.parametrize("name", ["index.html", "compare.html"])
def test_decision_on_the_first_screen_with_the_network_blocked(page, batch, screenshots, name):
    attempted = _open_offline(page, batch[0].out_dir / name)
    assert attempted == [], attempted
    box = page.locator("section.decision")
    assert box.count() == 1
    top = box.bounding_box()["y"]
    assert top < 768, f"{name}: the decision starts at {top:.0f} px"
    rec = page.locator("section.decision p.rec").bounding_box()
    assert rec["y"] + rec["height"] <= 768, f"{name}: the recommendation is below the fold"
    assert "Recommended:" in box.inner_text()
    assert page.title() and page.title() != "Notebook"
    assert page.locator("nav.simlib-nav a[href='index.html']").count() == 1
    page.screenshot(path=str(screenshots / f"report-{name.replace('.html', '')}-first-screen.png"))
    page.screenshot(
        path=str(screenshots / f"report-{name.replace('.html', '')}-full.png"), full_page=True
    )


def test_a_scenario_page_opens_with_its_summary(page, batch, screenshots):
    target = batch[0].out_dir / "scenario-proposed.html"
    assert _open_offline(page, target) == []
    summary = page.locator(".simlib-summary").first
    box = summary.bounding_box()
    assert box["y"] + box["height"] <= 768
    assert summary.inner_text().startswith("proposed")
    page.screenshot(path=str(screenshots / "report-scenario-first-screen.png"))
    page.screenshot(path=str(screenshots / "report-scenario-full.png"), full_page=True)
    # The navigation bar leads back to the index.
    page.locator("nav.simlib-nav a[href='index.html']").click()
    page.wait_for_load_state()
    assert page.url.endswith("/index.html")
