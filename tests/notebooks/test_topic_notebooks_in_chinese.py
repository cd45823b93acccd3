"""The design search's page in Chinese: no sentence of the message catalog is left in
English on the page a reader sees, and the charts draw every glyph (:func:`check_chinese_page`,
which also reads the topic pages: they run in Chinese with the kernel in notebooks/, in
test_notebooks_from_their_folder.py)."""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from simlib import i18n
from simlib.data.synthetic import generate

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "src" / "simlib" / "locale" / "zh_CN" / "LC_MESSAGES" / "simlib.po"
#: Managers' judgments of the default scorecard's three KPIs (as the demo passes them).
AHP = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]


def _words(text: str) -> str:
    """Text reduced to its words, one space apart: markup, punctuation and line breaks
    (which differ between a message and the rendered page) are left out."""
    return " ".join(re.findall(r"\w+(?:'\w+)?", text))


def english_sentences() -> set[str]:
    """Every run of four or more words of the catalog's English messages, between their
    ``{fields}`` (a sentence of the page's prose, a heading, a finding, a note)."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        catalog = read_po(fh)
    out = set()
    for m in catalog:
        for mid in m.id if isinstance(m.id, tuple) else (m.id,):
            for piece in re.split(r"{\w+}", mid or ""):
                words = _words(piece)
                if len(words.split()) >= 4:
                    out.add(words)
    return out


def english_labels() -> set[str]:
    """The catalog's English messages of three or more words with no field, as written
    (a column heading, a label, a short note), markup left out."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        catalog = read_po(fh)
    return {
        m.id.replace("**", "").replace("`", "")[:40]
        for m in catalog
        if isinstance(m.id, str) and len(m.id.split()) >= 3 and "{" not in m.id
    }


def visible_text(html: str) -> str:
    """What a reader sees: the body without style sheets and scripts."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.body.get_text(" ")


def check_chinese_page(html_path: Path, title: str) -> str:
    html = html_path.read_text(encoding="utf-8")
    text = visible_text(html)
    with i18n.use("zh-CN"):
        heading = i18n._(title)
    assert heading != title and heading in text, heading
    seen = " " + _words(text) + " "
    english = sorted(s for s in english_sentences() if f" {s} " in seen)
    assert not english, f"English sentences of the catalog on the zh-CN page: {english[:5]}"
    labels = sorted(s for s in english_labels() if s in text)
    assert not labels, f"English labels of the catalog on the zh-CN page: {labels[:5]}"
    # Charts: a glyph the font lacks is reported by matplotlib as a warning in the
    # executed notebook (the page would show boxes instead of characters).
    executed = html_path.with_suffix(".ipynb").read_text(encoding="utf-8")
    assert "Glyph" not in executed and "Glyph" not in text
    assert len(re.findall(r"<img ", html)) >= 1
    return text


@pytest.mark.notebook
@pytest.mark.slow
def test_the_chinese_design_page_shows_amounts_in_yuan_and_no_english_sentence(tmp_path):
    from simlib.scenario import Scenario
    from simlib.search import run_search
    from simlib.workbench.batch import render_report
    from simlib.workbench.design import write_outputs

    sys.path.insert(0, str(ROOT / "tests"))
    from test_search import CAP_SEARCH, cap_file

    generate(n_reps=60, months=24, seed=11, n_regions=1).save(tmp_path / "data")
    search = copy.deepcopy(CAP_SEARCH)
    search["optimizer"]["generations"] = 2
    search["frontier"] = {"share_at_cap": "min"}
    doc = cap_file(str(tmp_path / "data"), 600_000.0, search)
    doc["baseline"]["plan"]["currency"] = "CNY"
    (tmp_path / "cap.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    sc = Scenario.from_yaml(tmp_path / "cap.yaml")
    out = write_outputs(run_search(sc), sc, tmp_path / "out", source="cap.yaml", report=False)
    res = render_report("design", out, parameters={"search_dir": str(out), "language": "zh-CN"})
    text = check_chinese_page(Path(res.html), "Design search")
    # The recommended design's expected cost, in 万元 as the page's language writes it.
    info = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    cost = info["recommended"]["metrics"]["total_payout"]
    with i18n.use("zh-CN"):
        assert i18n.money(cost, "CNY") in text
        assert info["in_languages"]["zh-CN"]["explanation"].split("。")[0] in text


def shown(text: str, render, value: str = "X") -> str:
    """What a reader sees of a catalog text rendered as Markdown (code spans left out),
    each ``{field}`` filled with ``value``."""
    return re.sub(r"`[^`]*`", "", render(re.sub(r"{[\w:,.]+}", value, text)))


def test_chinese_emphasis_renders_next_to_chinese_punctuation():
    """Markdown bold closed right after "。" or "：" and followed by a character is not
    bold (CommonMark's flanking rule): the reader would see the asterisks. So is bold
    around a field whose value ends in a bracket, with a character right after it."""
    import mistune
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        catalog = read_po(fh)
    render = mistune.create_markdown()
    assert "*" in render("**数据：**{reps}".replace("{reps}", "X"))  # the rule itself
    literal = []
    for m in catalog:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        # An asterisk the English shows literally too (2**53, *name) is not emphasis.
        if any("*" in shown(i, render) for i in ids if i):
            continue
        for s in m.string if isinstance(m.string, tuple) else (m.string,):
            # A field's value may begin or end with punctuation: a KPI "营业收入(元)",
            # the method "Sainte-Laguë（Webster）".
            if s and any("*" in shown(s, render, v) for v in ("X", "（X）", "(X)")):
                literal.append(s)
    assert not literal, literal[:3]
