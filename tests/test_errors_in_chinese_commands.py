"""Errors of the command line, the workbench, the design search and the topic reports
speak the language in force: in zh-CN the message is Chinese and still names what the
user typed (file, folder, option, parameter, key); in English it reads as before."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from simlib import i18n

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _message(call: Callable[[], object], lang: str) -> str:
    with i18n.use(lang), pytest.raises(Exception) as info:
        call()
    return str(info.value)


def _draws_zero():
    from simlib.workbench.cli_parser import draws

    draws("0")


def _dataset_folder_as_scenario():
    from simlib.workbench.cli import _check_scenario_path

    _check_scenario_path(ROOT / "data" / "sample")


def _rerender_missing(tmp: Path):
    from simlib.workbench.batch import rerender

    rerender(tmp / "no_such_batch")


def _run_batch_bad_draws():
    from simlib.workbench.batch import run_batch

    run_batch(ROOT / "scenarios" / "demo.yaml", draws=0)


def _out_is_a_file(tmp: Path):
    from simlib.workbench import outdir

    f = tmp / "report.txt"
    f.write_text("x", encoding="utf-8")
    outdir.check(f)


def _project_env_not_a_folder(tmp: Path, monkeypatch):
    from simlib.workbench import project

    monkeypatch.setenv(project.ENV, str(tmp / "nowhere"))
    project.root()


def _init_into_a_full_folder(tmp: Path):
    from simlib.workbench import project

    (tmp / "scenario.yaml").write_text("title: mine\n", encoding="utf-8")
    project.init(tmp)


def _store_missing(tmp: Path):
    from simlib.workbench.store import Store

    Store(tmp / "gone.duckdb", read_only=True)


def _notebook_unknown_parameter():
    from simlib.workbench.notebook import validate_parameters

    validate_parameters(ROOT / "notebooks" / "plans.py", {"growht": 0.1})


def _statements_inside_shared(tmp: Path):
    from simlib.workbench.excel import write_batch_workbooks

    write_batch_workbooks(tmp / "x.duckdb", "demo", tmp, tmp / "private")


def _whatif_year_without_targets(sample_ds):
    from simlib.workbench.whatif import WhatIf

    WhatIf(sample_ds, ROOT / "scenarios" / "plans" / "am_proposed.yaml", year=1999)


def _search_unknown_metric():
    from simlib.scenario.search_spec import check_metric

    check_metric("profitt")


def _search_out_not_a_search(tmp: Path):
    from simlib.search.output import check_out_folder

    (tmp / "notes.txt").write_text("x", encoding="utf-8")
    check_out_folder(tmp)


def _search_missing_section():
    from simlib.search import run_search

    run_search(SimpleNamespace(name="proposed", search=None))


def _search_base_not_a_scenario():
    from simlib.scenario.search_spec import check_space

    spec = SimpleNamespace(base="proposd", parameters={})
    check_space(spec, {"baseline": None, "proposed": None})


def _topic_unknown():
    from simlib.topics.render import topic_name

    topic_name("targts")


def _topic_missing_data(tmp: Path):
    from simlib.topics.render import topic_parameters

    topic_parameters("plans", tmp / "no_data")


def _appraisal_alpha():
    from simlib.topics.appraisal import check_parameters

    check_parameters(combined_alpha=1.5, delta=0.5, merit_budget_rate=0.03)


def _behavior_kpi(sample_ds):
    from simlib.topics.behavior import check_parameters

    check_parameters(sample_ds, "revenu", 10, [])


def _data_health_volume_kpi(sample_ds):
    from simlib.topics.data_health import build

    build(sample_ds, volume_kpi="revenu")


def _plans_revenue_kpi(sample_ds):
    from simlib.topics.plans import sales_value_kpi

    sales_value_kpi(sample_ds, "revenu")


def _targets_method():
    from simlib.topics.targets import check_parameters

    check_parameters(method="evn")


def _unknown_language():
    i18n.normalize("fr")


#: (name, the call given the fixtures, what the user typed that the message must name,
#: the English message's words).
CASES = [
    ("cli_parser", lambda t, m, d: _draws_zero(), "0", "expected a whole number of at least 1"),
    ("cli", lambda t, m, d: _dataset_folder_as_scenario(), "simlib validate",
     "a dataset folder; expected a scenario file"),
    ("batch.rerender", lambda t, m, d: _rerender_missing(t), "no_such_batch",
     "no such batch folder; run `simlib run` first"),
    ("batch.run_batch", lambda t, m, d: _run_batch_bad_draws(), "draws",
     "expected a whole number from 1 to"),
    ("outdir", lambda t, m, d: _out_is_a_file(t), "report.txt",
     "is a file; expected a folder (or a new name)"),
    ("project.root", lambda t, m, d: _project_env_not_a_folder(t, m), "SIMLIB_PROJECT=",
     "not a folder"),
    ("project.init", lambda t, m, d: _init_into_a_full_folder(t), "scenario.yaml",
     "nothing was copied (choose an empty folder)"),
    ("store", lambda t, m, d: _store_missing(t), "gone.duckdb", "results store not found"),
    ("notebook", lambda t, m, d: _notebook_unknown_parameter(), "growht",
     "unknown parameter(s)"),
    ("excel", lambda t, m, d: _statements_inside_shared(t), "/zh",
     "must be written outside the shared folder"),
    ("whatif", lambda t, m, d: _whatif_year_without_targets(d), "1999", "no targets in 1999"),
    ("scenario.search_spec", lambda t, m, d: _search_unknown_metric(), "profitt",
     "use contribution, pay_gap:<group>"),
    ("scenario.search_spec.check_space", lambda t, m, d: _search_base_not_a_scenario(), "proposd",
     "no scenario 'proposd'"),
    ("search.output", lambda t, m, d: _search_out_not_a_search(t), "--out",
     "exists and is not the output of a design search"),
    ("search.run", lambda t, m, d: _search_missing_section(), "search:",
     "the scenario file has no search: section"),
    ("topics.render", lambda t, m, d: _topic_unknown(), "targts", "unknown topic 'targts'"),
    ("topics.render.data", lambda t, m, d: _topic_missing_data(t), "no_data",
     "no such dataset folder or file"),
    ("topics.appraisal", lambda t, m, d: _appraisal_alpha(), "combined_alpha",
     "must be in [0, 1], got 1.5"),
    ("topics.behavior", lambda t, m, d: _behavior_kpi(d), "revenu", "is not in the data's KPIs"),
    ("topics.data_health", lambda t, m, d: _data_health_volume_kpi(d), "volume_kpi",
     "is not a KPI of the data"),
    ("topics.plans", lambda t, m, d: _plans_revenue_kpi(d), "revenue_kpi",
     "is not a KPI of the data"),
    ("topics.targets", lambda t, m, d: _targets_method(), "evn",
     "method must be None, even, history"),
    ("i18n", lambda t, m, d: _unknown_language(), "'fr'", "simlib speaks en, zh-CN"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "typed", "english"), CASES, ids=[c[0] for c in CASES])
def test_the_error_is_chinese_in_zh_cn_and_english_in_en(
    tmp_path, monkeypatch, sample_ds, name, call, typed, english
):
    def run(lang: str, folder: str) -> str:
        where = tmp_path / folder
        where.mkdir()
        return _message(lambda: call(where, monkeypatch, sample_ds), lang)

    zh = run("zh-CN", "zh")
    en = run("en", "en")
    assert CJK.search(zh), f"{name}: no Chinese in {zh!r}"
    assert english not in zh, zh
    assert typed in zh, zh
    assert english in en, en
    assert not CJK.search(en), en


def test_an_argparse_type_error_is_an_argument_type_error_in_both_languages():
    from simlib.workbench.cli_parser import positive

    for lang, words in (("zh-CN", "应为整数"), ("en", "expected a whole number")):
        with i18n.use(lang), pytest.raises(argparse.ArgumentTypeError, match=words):
            positive("two")
