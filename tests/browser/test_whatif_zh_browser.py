"""The what-if served by ``simlib whatif --lang zh-CN``: the page a Chinese reader opens
speaks Chinese (title, note, controls, buttons, figures), with the same numbers as the
library pays."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from whatif_server import open_page, shown, whatif_server

from simlib import i18n
from simlib.workbench.whatif.app import WhatIfApp

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow]

#: An English word, and three or more of them in a row.
WORD = r"[A-Za-z](?:[A-Za-z'’-]*[A-Za-z])?"
ENGLISH_RUN = re.compile(WORD + r"(?:[ ,;:/()]+" + WORD + r"){2,}")


@pytest.fixture(scope="module")
def server_zh(cjk_browser, tmp_path_factory):
    with whatif_server(scenarios=tmp_path_factory.mktemp("reforms-zh"), lang="zh-CN") as url:
        yield url


def test_the_chinese_what_if_speaks_chinese_with_the_librarys_numbers(
    server_zh, cjk_page, screenshots
):
    page = cjk_page
    open_page(page, server_zh)
    page.screenshot(path=str(screenshots / "whatif-zh-CN.png"))
    text = page.inner_text("body")
    assert "假设分析" in text and "恢复初始方案" in text and "初始方案，按原文。" in text
    # The same figures as the page built in this process in Chinese (the library's).
    with i18n.use("zh-CN"):
        app = WhatIfApp.open("data/sample", "scenarios/plans/am_proposed.yaml")
    assert shown(page) == pytest.approx(app.result.total_payout, rel=1e-12)
    # English left on the page is the data's own (plan, component, KPI and unit names).
    wi = app.wi
    names = [wi.plan.name, *(wi._label(c) for c in wi.base_spec["components"]), *wi.kpis]
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " | ")
    assert ENGLISH_RUN.findall(text) == []
