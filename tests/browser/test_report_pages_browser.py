"""The index and the comparison as an executive opens them: from files, with the
network blocked, the decision on the first screen (1366 x 768)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simlib.workbench.batch import PROJECT_ROOT, run_batch

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """A small batch of the demo: today's plan, the proposed plan and its budget-neutral
    twin, and one cap, few simulated years (the layout, not the numbers, is under test)."""
    tmp = tmp_path_factory.mktemp("pages")
    doc = yaml.safe_load((PROJECT_ROOT / "scenarios" / "demo.yaml").read_text(encoding="utf-8"))
    doc["batch"] = "pages"
    doc["reforms"] = {"proposed": doc["reforms"]["proposed"]}
    doc["sweeps"][0]["grid"] = {"plan.components[0].curve[-1][0]": [2.0]}
    # Relative paths in the file resolve against the project when not beside it.
    f = tmp / "pages.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res = run_batch(f, out=tmp / "out", draws=10, echo=lambda *a: None)
    assert not res.failed, [(i.name, i.message) for i in res.failed]
    return res.out_dir


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
def test_decision_on_the_first_screen_with_the_network_blocked(page, rendered, screenshots, name):
    attempted = _open_offline(page, rendered / name)
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


def test_a_scenario_page_opens_with_its_summary(page, rendered, screenshots):
    target = next(rendered.glob("scenario-proposed.html"))
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
