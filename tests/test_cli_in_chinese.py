"""The command line in zh-CN, end to end: help texts, argparse's own words, usage
errors, `validate`'s summary and problems and `run`'s refusal of a bad scenario file are
Chinese with `--lang zh-CN` (or SIMLIB_LANG=zh-CN), name the file and the path the user
gave, and show no English sentence of the catalog; English stays as it was."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from babel.messages.pofile import read_po

from simlib import i18n
from simlib.workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PO = ROOT / "src" / "simlib" / "locale" / "zh_CN" / "LC_MESSAGES" / "simlib.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sr]|%[sr]")


@pytest.fixture(autouse=True)
def _english_afterwards(monkeypatch):
    monkeypatch.delenv("SIMLIB_LANG", raising=False)
    yield
    i18n.set_language("en")
    os.environ.pop(i18n.ENV, None)


def _english_sentences() -> list[str]:
    """The stretches of four or more words between the fields of every catalog message
    whose Chinese differs from it: none may show in a Chinese output."""
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    out = set()
    for m in catalog:
        if not isinstance(m.id, str) or not m.id or not m.string or m.string == m.id:
            continue
        for part in FIELD.split(m.id):
            part = " ".join(part.split()).strip(" ,;:.()")
            if len(part.split()) >= 4:
                out.add(part)
    return sorted(out)


ENGLISH = _english_sentences()


def _no_english(text: str) -> None:
    flat = " ".join(text.split())
    shown = [s for s in ENGLISH if s in flat]
    assert not shown, f"English catalog sentences in the Chinese output: {shown[:5]}"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    got = capsys.readouterr()
    return rc, got.out, got.err


def test_the_catalog_holds_english_sentences_to_look_for():
    assert "show this help message and exit" in ENGLISH
    assert "simulate every scenario of a file and render the reports" in ENGLISH


def test_the_main_help_is_chinese(capsys):
    rc, out, _err = _run(capsys, "--lang", "zh-CN", "--help")
    assert rc == 0
    assert out.startswith("用法：simlib")
    for heading in ("位置参数：", "选项："):
        assert heading in out
    with i18n.use("zh-CN"):
        run_help = i18n._("simulate every scenario of a file and render the reports")
    assert CJK.search(run_help) and run_help in out
    assert "退出状态" in out and "显示本帮助信息并退出" in out
    for word in ("validate", "run", "explain", "whatif", "--lang"):
        assert word in out  # commands and options keep the names users type
    _no_english(out)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("run", ["--resume", "--draws", "results.duckdb", "index.html", "模拟"]),
        ("validate", ["--encoding", "gb18030", "校验数据集"]),
        ("explain", ["rep_id", "--period", "2026-03", "薪酬明细单"]),
    ],
)
def test_a_commands_help_is_chinese(capsys, command, words):
    rc, out, _err = _run(capsys, command, "--help", "--lang", "zh-CN")
    assert rc == 0
    assert out.startswith(f"用法：simlib {command}")
    assert "选项：" in out and "位置参数：" in out
    for w in words:
        assert w in out, (command, w)
    _no_english(out)


def test_simlib_lang_sets_the_language_of_the_help(capsys, monkeypatch):
    monkeypatch.setenv("SIMLIB_LANG", "zh-CN")
    rc, out, _err = _run(capsys, "validate", "--help")
    assert rc == 0 and out.startswith("用法：simlib validate")
    rc, out, _err = _run(capsys, "validate", "--help", "--lang", "en")  # --lang wins
    assert rc == 0 and out.startswith("usage: simlib validate")


def test_the_english_help_is_unchanged(capsys):
    rc, out, _err = _run(capsys, "run", "--help")
    assert rc == 0
    assert out.startswith("usage: simlib run")
    assert "options:" in out and "show this help message and exit" in out
    assert not CJK.search(out)


def test_usage_errors_are_chinese(capsys):
    rc, _out, err = _run(capsys, "run", "--lang", "zh-CN")
    assert rc == 2
    assert "用法：simlib run" in err
    assert "simlib run：错误：缺少必需的参数：scenario" in err
    rc, _out, err = _run(capsys, "run", "s.yaml", "--draws", "0", "--lang=zh-CN")
    assert rc == 2
    assert "参数 --draws：" in err and "实际为 0" in err
    rc, _out, err = _run(capsys, "valdate", "x", "--lang", "zh-CN")
    assert rc == 2 and "无效的选择：'valdate'" in err
    _no_english(err)
    rc, _out, err = _run(capsys, "run")
    assert rc == 2 and "the following arguments are required: scenario" in err


def test_validate_summarises_the_sample_in_chinese(capsys):
    rc, out, _err = _run(capsys, "validate", str(SAMPLE), "--lang", "zh-CN")
    assert rc == 0, out
    assert f"数据集 {SAMPLE}" in out and "有效" in out
    reps = pd.read_csv(SAMPLE / "reps.csv")
    kpis = pd.read_csv(SAMPLE / "kpis.csv")
    assert re.search(rf"\s{len(reps):,}（", out), out[:300]  # "836（2026-12 在职 593）"
    for kpi in kpis["kpi"]:
        assert kpi in out
    assert "各表行数" in out and "reps.csv" in out
    _no_english(out)


def test_validate_names_the_broken_file_in_chinese(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    reps = pd.read_csv(data / "reps.csv", dtype=str)
    reps.loc[0, "rep_id"] = None  # the first data row, line 2 of the file
    reps.to_csv(data / "reps.csv", index=False)
    rc, out, _err = _run(capsys, "validate", str(data), "--lang", "zh-CN")
    assert rc == 1
    assert CJK.search(out)
    assert "reps.csv" in out and "rep_id" in out
    assert re.search(r"reps\.csv\s+2\s+rep_id", out), out[:800]
    _no_english(out)


def _bad_key_scenario(tmp_path: Path) -> Path:
    doc = {
        "title": "t", "author": "a", "what": "w", "why": "y",
        "baseline": {"data": str(SAMPLE), "plan": str(ROOT / "scenarios/plans/am_current.yaml"),
                     "simulaton": {"draws": 5, "seed": 1}},
    }  # fmt: skip
    f = tmp_path / "bad_key.yaml"
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return f


def test_run_refuses_a_bad_key_naming_file_and_path(tmp_path, capsys):
    from simlib.errors import SpecError
    from simlib.scenario import Scenario

    f = _bad_key_scenario(tmp_path)
    with i18n.use("zh-CN"), pytest.raises(SpecError) as said:
        Scenario.from_yaml(f)
    rc, out, err = _run(capsys, "run", str(f), "--lang", "zh-CN", "--out", str(tmp_path / "o"))
    assert rc == 2
    assert "bad_key.yaml" in err and "baseline.simulaton" in err
    assert str(said.value) in err  # the scenario loader's own zh-CN words
    assert not (tmp_path / "o").exists()
    _no_english(err)
    rc, out, _err = _run(capsys, "validate", str(f), "--lang", "zh-CN")
    assert rc == 1
    assert "bad_key.yaml：1 个问题" in out and "baseline.simulaton" in out
    _no_english(out)
