"""Chinese as a language of the reports and the command line: catalogs, formatting,
display names from the data, Chinese charts and pay statements."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simlib import i18n
from simlib.labels import LabelsError, load_labels, read_labels

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src" / "simlib" / "locale" / "zh_CN" / "LC_MESSAGES" / "simlib.po"
SAMPLE = ROOT / "data" / "sample"


def _extracted() -> set:
    """Every message the code marks, extracted the way scripts/messages.sh does."""
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    ids = set()
    for sub, pattern in (("src/simlib", "**.py"), ("notebooks", "*.py")):
        method_map = [(pattern, "python")]
        for _file, _line, msg, _comments, _ctx in extract_from_dir(
            ROOT / sub, method_map=method_map, keywords=keywords
        ):
            ids.add(msg if isinstance(msg, str) else msg[0])
    return ids


def _catalog():
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        return read_po(fh)


def test_every_extracted_message_has_a_chinese_translation():
    cat = _catalog()
    missing = []
    for mid in sorted(_extracted()):
        m = cat.get(mid) or next(
            (x for x in cat if isinstance(x.id, tuple) and x.id[0] == mid), None
        )
        s = None if m is None else m.string
        if not s or (isinstance(s, tuple) and not all(s)):
            missing.append(mid)
    assert not missing, f"{len(missing)} message(s) without zh-CN translation: {missing[:5]}"


def test_translations_keep_the_format_fields_of_their_message():
    for m in _catalog():
        if not m.id or isinstance(m.id, tuple):
            continue
        assert set(re.findall(r"{(\w+)}", m.id)) == set(re.findall(r"{(\w+)}", m.string)), m.id


def test_the_shipped_mo_file_is_compiled_from_the_po_file():
    mo = PO.with_suffix(".mo")
    assert mo.read_bytes() == i18n.compiled_catalog(PO), "run: python -m simlib.i18n"


def test_chinese_amounts_use_wan_and_yi_with_three_figures():
    with i18n.use("zh-CN"):
        # 11,098,060 / 10,000 = 1,109.806 万 -> 1,110万 (no decimals from 100万)
        assert i18n.money(11_098_060, "CNY") == "1,110万元"
        # 123,456 / 10,000 = 12.3456 万 -> 12.3万
        assert i18n.money(123_456, "CNY") == "12.3万元"
        # 250,000,000 / 100,000,000 = 2.5 亿 (2.50 written 2.5)
        assert i18n.money(2.5e8, "CNY") == "2.5亿元"
        assert i18n.money(9_876, "CNY") == "9,876元"
        assert i18n.money(-45_000, "CNY") == "-4.5万元"
        assert i18n.money(11_098_060, "EUR") == "EUR 1,110万"
        assert i18n.percent(0.272, 1, signed=True) == "+27.2%"
        assert i18n.month("2026-03") == "2026年3月"
    assert i18n.money(11_098_060, "CNY") == "CNY 11.1 m"
    assert i18n.month("2026-03") == "2026-03"


def test_the_language_holds_inside_its_block_only():
    assert i18n.current() == "en"
    with i18n.use("zh_CN"):
        assert i18n._("yes") == "是"
        with i18n.use("en"):
            assert i18n._("yes") == "yes"
        assert i18n.ngettext("{n} plan replayed on {year}'s results.",
                             "{n} plans replayed on {year}'s results.", 2).startswith("按")  # fmt: skip
    assert i18n._("yes") == "yes"


def test_an_unknown_language_is_refused_with_the_known_ones():
    with pytest.raises(i18n.LanguageError, match="en, zh-CN"):
        i18n.normalize("fr")


def test_the_sample_names_units_positions_and_kpis_in_both_languages(sample_ds):
    ds = sample_ds
    lab = load_labels(SAMPLE, ds)
    assert lab.name("unit", "E", "zh-CN") == "华东区"
    assert lab.name("unit", "E", "en") == "East region"
    assert lab.name("position", "store_sales", "zh-CN") == "营业厅销售"
    assert lab.name("kpi", "revenue", "zh-CN") == "营业收入"
    assert lab.name("kpi", "nonexistent", "zh-CN") == "nonexistent"  # the code as fallback
    # Every unit of the data is named in both languages.
    for u in ds.units["unit_id"]:
        assert lab.name("unit", u, "en") != u and lab.name("unit", u, "zh-CN") != u


def test_a_bad_labels_table_is_refused_naming_row_and_column(tmp_path):
    f = tmp_path / "labels.csv"
    f.write_text("kind,code,name_en,name_zh\nkpi,revenue,Revenue,营业收入\nregion,E,East,华东\n",
                 encoding="utf-8")  # fmt: skip
    with pytest.raises(LabelsError, match=r"row 3, column kind: 'region'"):
        read_labels(f)
    f.write_text(
        "kind,code,name_en,name_zh\nkpi,revenue,A,甲\nkpi,revenue,B,乙\n", encoding="utf-8"
    )
    with pytest.raises(LabelsError, match=r"row 3.*appears twice"):
        read_labels(f)


def test_labels_naming_codes_the_data_lack_are_refused(tmp_path, sample_ds):
    import shutil

    ds = sample_ds
    d = tmp_path / "data"
    shutil.copytree(SAMPLE, d)
    with (d / "labels.csv").open("a", encoding="utf-8") as fh:
        fh.write("unit,XX-99,Nowhere,无此单位\n")
    with pytest.raises(LabelsError, match="unit 'XX-99' is not in the data"):
        load_labels(d, ds)


def _glyph_warnings(title: str, labels: list[str]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar(labels, [3, 2, 1])
    ax.set_title(title)
    ax.set_xlabel("营业厅 / 客户经理")
    ax.set_ylabel("营业收入（万元）")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


def test_a_chinese_chart_draws_every_glyph_with_the_bundled_font():
    import matplotlib as mpl

    saved = mpl.rcParams.copy()
    try:
        units = ["华东区", "华南区", "东北区"]
        # Without the font the default DejaVu Sans lacks these glyphs: the check can fail.
        mpl.rcParams["font.family"] = ["DejaVu Sans"]
        assert _glyph_warnings("华东区营业收入达成率", units)
        with i18n.use("zh-CN"):
            family = i18n.chart_font()
        assert family == "Noto Sans SC"
        assert _glyph_warnings("华东区营业收入达成率", units) == []
    finally:
        mpl.rcParams.update(saved)


def test_explain_in_chinese_gives_the_same_total_in_yuan_with_names_from_the_data(capsys):
    from simlib.workbench.cli import main

    args = ["explain", str(ROOT / "scenarios" / "demo.yaml"), "S00001", "--period", "2026-12"]
    try:
        assert main([*args, "--lang", "en"]) == 0
        en = capsys.readouterr().out
        assert main([*args, "--lang", "zh-CN"]) == 0
        zh = capsys.readouterr().out
    finally:
        i18n.set_language("en")
        import os

        os.environ.pop(i18n.ENV, None)
    total_en = re.search(r"Total paid this month: ([\d,]+\.\d\d) CNY", en).group(1)
    m = re.search(r"本月实发合计：([\d,]+\.\d\d)元(（约([\d,.]+)万元）)?", zh)
    assert m is not None, zh
    assert m.group(1) == total_en
    amount = float(total_en.replace(",", ""))
    if amount >= 1e4:  # 万 to three figures: 101,678.25 -> 10.17 万 -> "10.2"
        v = amount / 1e4
        digits = 0 if v >= 100 else (1 if v >= 10 else 2)
        want = f"{v:,.{digits}f}"
        want = want.rstrip("0").rstrip(".") if digits else want
        assert m.group(3) == want
    assert "营业收入奖金" in zh and "营业收入" in zh and "2026年12月" in zh
    assert "Total paid" not in zh and "attainment" not in zh


def _scenario_with_language(tmp_path, language: str) -> Path:
    text = (ROOT / "scenarios" / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace("data: data/sample", f"data: {SAMPLE}")
    assert "report: {" in text
    text = text.replace("report: {", f"report: {{language: {language}, ", 1)
    f = tmp_path / "demo_zh.yaml"
    f.write_text(text, encoding="utf-8")
    return f


def _reset_language():
    import os

    i18n.set_language("en")
    os.environ.pop(i18n.ENV, None)


def test_the_scenario_files_language_applies_and_lang_overrides_it(tmp_path, capsys):
    from simlib.workbench.cli import main

    f = _scenario_with_language(tmp_path, "zh-CN")
    try:
        args = ["explain", str(f), "S00001", "--period", "2026-12"]
        assert main(args) == 0
        assert "本月实发合计" in capsys.readouterr().out
        assert main([*args, "--lang", "en"]) == 0
        assert "Total paid this month" in capsys.readouterr().out
    finally:
        _reset_language()


def test_an_unknown_language_in_a_scenario_file_is_a_spec_error_with_its_path(tmp_path):
    from simlib.errors import SpecError
    from simlib.scenario import Scenario

    f = _scenario_with_language(tmp_path, "fr")
    with pytest.raises(SpecError, match=r"report\.language"):
        Scenario.from_yaml(f)


def test_lang_on_the_command_line_refuses_an_unknown_language(capsys):
    from simlib.workbench.cli import main

    assert main(["describe", "scenarios/demo.yaml", "--lang", "fr"]) == 2
    assert "unknown language 'fr'" in capsys.readouterr().err


def test_the_language_index_links_each_languages_index(tmp_path):
    from simlib.workbench.index import write_language_index

    for lang in ("en", "zh-CN"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "index.html").write_text("<html></html>", encoding="utf-8")
    page = write_language_index(
        tmp_path, {lang: tmp_path / lang / "index.html" for lang in ("en", "zh-CN")}
    ).read_text(encoding="utf-8")
    assert 'href="en/index.html"' in page and 'href="zh-CN/index.html"' in page
    assert "中文（简体）: 报告" in page and "English: Reports" in page


def test_a_chinese_plan_description_keeps_its_numbers():
    from simlib.plans import Plan

    p = Plan.from_yaml(ROOT / "scenarios" / "plans" / "telecom_account_manager.yaml")
    en = p.describe()
    with i18n.use("zh-CN"):
        zh = p.describe()
    assert "## 奖金怎么算" in zh and "## How you earn" in en
    # The same figures in both: percentages and multiples are not translated away.
    figures = sorted(re.findall(r"\d+(?:\.\d+)?%", en))
    assert sorted(re.findall(r"\d+(?:\.\d+)?%", zh)) == figures


@given(st.floats(min_value=-5e11, max_value=5e11, allow_nan=False))
def test_a_chinese_amount_reads_back_within_its_rounding(x):
    """The number and unit, read back, give the amount to the digits shown: three
    significant figures in 万 and 亿 (at most half a unit of the last digit off)."""
    text, unit = i18n.chinese_amount(x)
    scale = {"": 1.0, "万": 1e4, "亿": 1e8}[unit]
    back = float(text.replace(",", "")) * scale
    a = abs(x)
    assert unit == ("亿" if a >= 1e8 else "万" if a >= 1e4 else "")
    v = a / scale
    step = 1.0 if (unit == "" or v >= 100) else (0.1 if v >= 10 else 0.01)
    assert abs(back - x) <= step / 2 * scale + 1e-9 * scale
