"""The demo's pages in Chinese as an executive opens them: the decision in Chinese on
the first screen of the comparison (1366 x 768), and no English sentence of the
message catalog left untranslated in what the index, the comparison and the scenario
pages show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from simlib import i18n
from simlib.workbench.batch import PROJECT_ROOT, run_batch

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

PO = PROJECT_ROOT / "src" / "simlib" / "locale" / "zh_CN" / "LC_MESSAGES" / "simlib.po"
#: A catalog message is checked when a literal part of it has this many words or more.
SENTENCE_WORDS = 4


@pytest.fixture(scope="module")
def rendered_zh(tmp_path_factory) -> Path:
    """The demo batch rendered in Chinese: today's plan, the proposed plan with its
    budget-neutral twin, and one cap; few simulated years (the words, not the numbers,
    are under test)."""
    tmp = tmp_path_factory.mktemp("pages-zh")
    doc = yaml.safe_load((PROJECT_ROOT / "scenarios" / "demo.yaml").read_text(encoding="utf-8"))
    doc["batch"] = "pages_zh"
    doc["reforms"] = {"proposed": doc["reforms"]["proposed"]}
    doc["sweeps"][0]["grid"] = {"plan.components[0].curve[-1][0]": [2.0]}
    f = tmp / "pages_zh.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with i18n.exported("zh-CN"):
        res = run_batch(f, out=tmp / "out", draws=10, echo=lambda *a: None)
    assert not res.failed, [(i.name, i.message) for i in res.failed]
    return res.out_dir


def _open_offline(page, path: Path) -> None:
    page.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)


def test_the_chinese_comparison_shows_the_decision_in_chinese_on_the_first_screen(
    cjk_page, rendered_zh, screenshots
):
    page = cjk_page
    _open_offline(page, rendered_zh / "compare.html")
    box = page.locator("section.decision")
    assert box.count() == 1
    rec = page.locator("section.decision p.rec")
    where = rec.bounding_box()
    assert where["y"] + where["height"] <= 768, "the recommendation is below the fold"
    heading = page.locator("section.decision h2").inner_text()
    assert heading == "决策建议"
    text = rec.inner_text()
    assert text.startswith("建议采用："), text
    # The reasons are Chinese sentences: more Han characters than Latin letters.
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    assert han > latin, text
    cost = page.locator("section.decision li").first.inner_text()
    assert cost.startswith("成本：") and "万元" in cost, cost
    page.screenshot(path=str(screenshots / "compare-zh-CN.png"))
    page.screenshot(path=str(screenshots / "compare-zh-CN-full.png"), full_page=True)


def visible_text(path: Path) -> str:
    """What a reader sees of a page: the body's text without scripts and styles, with
    whitespace collapsed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    body = soup.body or soup
    for tag in body(["script", "style", "noscript", "template"]):
        tag.decompose()
    return re.sub(r"\s+", " ", body.get_text(" "))


def catalog_sentences() -> dict[str, str]:
    """The English sentences of the catalog: each literal part (between format fields
    and markup) of a translated message with :data:`SENTENCE_WORDS` words or more,
    mapped to its message."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        catalog = read_po(fh)
    out: dict[str, str] = {}
    for m in catalog:
        if not m.id:
            continue
        mid = m.id if isinstance(m.id, str) else m.id[0]
        translated = m.string if isinstance(m.string, str) else m.string[0]
        if not translated or translated == mid:
            continue
        # Code (`report.show_individual_pay: true`) is not a sentence: left out.
        for part in re.split(r"\{[^}]*\}|\*\*|`[^`]*`|<[^>]+>|\n", mid):
            part = re.sub(r"\s+", " ", part).strip(" _.,;:()")
            if len(re.findall(r"[A-Za-z]+", part)) >= SENTENCE_WORDS:
                out[part] = mid
    return out


def test_catalog_sentences_are_found_in_english_text():
    # The check reads messages apart at their fields and finds them in a page's text.
    sentences = catalog_sentences()
    assert "a year against today's plan" in sentences
    text = "+CNY 1.2 m ± 0.1 m a year against today's plan (+3.0%; ± is the 95% interval)"
    assert [s for s in sentences if s in text]


@pytest.mark.parametrize("name", ["index.html", "compare.html", "scenario-proposed.html"])
def test_no_english_sentence_of_the_catalog_is_left_on_a_chinese_page(rendered_zh, name):
    text = visible_text(rendered_zh / name)
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 200, f"{name} is hardly Chinese"
    left = sorted({s for s in catalog_sentences() if s in text})
    assert left == [], f"{name}: {len(left)} English sentence(s): {left[:12]}"


def _file_strings(path: Path, seen: set[Path]) -> list[str]:
    """Every text in a scenario or plan file and in the YAML files it names."""
    if path in seen or not path.exists():
        return []
    seen.add(path)
    out: list[str] = []

    def walk(x) -> None:
        if isinstance(x, dict):
            for k, val in x.items():
                out.append(str(k))
                walk(val)
        elif isinstance(x, list):
            for val in x:
                walk(val)
        elif isinstance(x, str):
            out.append(x)
            if x.endswith((".yaml", ".yml")):
                for base in (path.parent, PROJECT_ROOT):
                    out.extend(_file_strings((base / x).resolve(), seen))

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return out


#: An English word: letters, with an apostrophe or hyphen inside (today's, budget-neutral).
WORD = r"[A-Za-z](?:[A-Za-z'’-]*[A-Za-z])?"
#: Four or more English words in a row.
ENGLISH_RUN = re.compile(WORD + r"(?:[ ,;:/()]+" + WORD + r"){3,}")


def design_names(path: Path) -> list[str]:
    """The designs' names as the page's navigation shows them (names, not words: they
    read the same in every language), longest first."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    links = soup.select("nav.simlib-nav a[href^='scenario-']")
    return sorted({a.get_text(strip=True) for a in links}, key=len, reverse=True)


@pytest.mark.parametrize("name", ["index.html", "compare.html", "scenario-proposed.html"])
def test_english_on_a_chinese_page_comes_only_from_the_scenario_files(rendered_zh, name):
    # The demo's scenario and plan files are written in English (titles, what and why,
    # plan names): those are the user's words and stay as written; any other run of
    # English words on the page is simlib's and should be Chinese.
    own = " | ".join(
        re.sub(r"\s+", " ", s)
        for s in _file_strings(PROJECT_ROOT / "scenarios" / "demo.yaml", set())
    )
    names = design_names(rendered_zh / name)
    assert "proposed" in names
    text = visible_text(rendered_zh / name)
    for n in names:
        text = text.replace(n, " | ")
    left = [run for run in ENGLISH_RUN.findall(text) if run.strip() not in own]
    assert left == [], f"{name}: {len(left)} English phrase(s): {left[:12]}"
