"""Errors from spec files, plans, targets and scenarios speak the reader's language:
under zh-CN the message is Chinese and still names the path or key the user wrote;
under English it is the English sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from simlib import i18n
from simlib.errors import SpecError
from simlib.plans import PayoutCurve, Plan
from simlib.spec import loads_yaml
from simlib.targets.rounding import ApportionError, apportion
from simlib.targets.spec import Guardrail

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _plan(curve) -> dict:
    return {
        "name": "p",
        "period": "quarter",
        "target_incentive": {"amount": 12000},
        "components": [
            {"type": "quota_bonus", "name": "rev", "kpi": "revenue", "weight": 1.0, "curve": curve}
        ],
    }


def _message(lang: str, call) -> str:
    with i18n.use(lang), pytest.raises((SpecError, ValueError)) as e:
        call()
    return str(e.value)


def _both(call) -> tuple[str, str]:
    return _message("zh-CN", call), _message("en", call)


def _check(zh: str, en: str, english: str, *kept: str) -> None:
    assert CJK.search(zh), zh
    assert english not in zh, zh
    assert english in en, en
    assert not CJK.search(en), en
    for k in kept:
        assert k in zh, (k, zh)
        assert k in en, (k, en)


def test_a_plan_file_with_a_non_increasing_curve_names_the_point_in_chinese(tmp_path):
    f = tmp_path / "plan.yaml"
    f.write_text(yaml.safe_dump(_plan([[0.8, 0.5], [1.0, 1.0], [0.9, 1.2]])), encoding="utf-8")
    zh, en = _both(lambda: Plan.from_yaml(f))
    _check(zh, en, "attainment must increase", "components[0].curve[2]", "0.9", "1.0")
    assert "达成率必须递增" in zh


def test_a_scenario_file_with_an_unknown_key_names_the_key_in_chinese(tmp_path):
    from simlib.scenario import Scenario

    d = {
        "title": "t",
        "author": "a",
        "what": "w",
        "why": "y",
        "baseline": {
            "data": str(ROOT / "data" / "sample"),
            "plan": str(ROOT / "scenarios" / "plans" / "am_current.yaml"),
            "simulaton": {"draws": 5},
        },
    }
    f = tmp_path / "scenario.yaml"
    f.write_text(yaml.safe_dump(d), encoding="utf-8")
    zh, en = _both(lambda: Scenario.from_yaml(f))
    _check(zh, en, "unknown key", "baseline.simulaton", "simulation")
    assert "未知的键" in zh


def test_pydantic_type_errors_are_rendered_from_their_type_in_chinese():
    bad = _plan([[0.8, 0.5], [1.2, 1.5]])
    bad["components"][0]["weight"] = "heavy"
    del bad["components"][0]["kpi"]
    zh, en = _both(lambda: Plan.from_dict(bad))
    assert "components[0].weight" in zh and "components[0].kpi" in zh
    assert "应为数字" in zh and "'heavy'" in zh
    assert "缺少必填项" in zh
    assert "Input should be" not in zh and "Field required" not in zh
    # English keeps pydantic's words (in simlib's "expected ..., found ..." frame).
    assert "expected a valid number" in en and "Field required" in en


def test_a_duplicate_key_in_a_spec_file_names_the_key_in_chinese():
    text = "name: p\nperiod: quarter\nname: q\n"
    zh, en = _both(lambda: loads_yaml(text, "plan.yaml"))
    _check(zh, en, "duplicate key", "plan.yaml:3", "'name'")


@pytest.mark.parametrize(
    ("text", "english", "chinese"),
    [
        ("a: b: c\n", "mapping values are not allowed here", "此处不允许出现键值"),
        ("a:\n\tb: 1\n", "that cannot start any token", "只能用空格缩进"),
        ("a: [1, 2\n", "while parsing a flow sequence", "方括号未闭合"),
    ],
)
def test_a_hand_editing_slip_in_a_yaml_file_is_explained_in_chinese(text, english, chinese):
    zh, en = _both(lambda: loads_yaml(text, "plan.yaml"))
    assert english in en and "not valid YAML" in en
    assert chinese in zh and english not in zh and "plan.yaml" in zh


def test_a_decreasing_payout_curve_in_code_is_refused_in_chinese():
    zh, en = _both(lambda: PayoutCurve([(1.0, 1.0), (0.8, 0.5)]))
    _check(zh, en, "attainment must increase", "0.8")
    assert "第 1 点" in zh


def test_apportionment_and_guardrail_errors_are_chinese():
    zh, en = _both(lambda: apportion([1, 2], 3, method="dhondt"))
    _check(zh, en, "unknown apportionment method", "'dhondt'")
    with i18n.use("zh-CN"), pytest.raises(ApportionError, match="权重"):
        apportion([1, -2], 3)
    zh, en = _both(lambda: Guardrail(max_change=0.2, max_increase=0.3))
    _check(zh, en, "not both", "max_change", "max_increase")


def test_simulation_settings_and_sales_model_errors_are_chinese():
    from simlib.engine.settings import RunSettings

    zh, en = _both(lambda: RunSettings(draws=10, seed=1, backend="spark"))
    _check(zh, en, "expected 'local' or 'dask'", "backend", "'spark'")


def test_a_scenario_change_at_a_missing_key_names_the_path_in_chinese():
    from simlib.scenario.paths import set_path

    base = {"plan": {"components": [{"name": "a"}]}}
    zh, en = _both(lambda: set_path(base, "plan.components[3].name", "b", "reforms.r.changes"))
    _check(zh, en, "no such element", "reforms.r.changes", "plan.components[3]")


def test_an_org_table_with_a_repeated_unit_is_refused_in_chinese():
    import pandas as pd

    from simlib.data.org import Hierarchy

    units = pd.DataFrame(
        {"unit_id": ["HQ", "N", "N"], "parent_id": [None, "HQ", "HQ"], "level": ["c", "r", "r"]}
    )
    zh, en = _both(lambda: Hierarchy(units))
    _check(zh, en, "values repeat", "units", "unit_id", "'N'")


def test_a_top_share_outside_zero_one_is_refused_in_chinese():
    from simlib.data.health import top_share

    zh, en = _both(lambda: top_share([1.0, 2.0, 3.0], top=1.5))
    _check(zh, en, "must be a fraction", "top", "1.5")


def test_an_unknown_component_type_and_a_bad_choice_are_chinese():
    bad = _plan([[0.8, 0.5], [1.2, 1.5]])
    bad["components"][0]["type"] = "bonus_pool"
    bad["period"] = "week"
    zh, en = _both(lambda: Plan.from_dict(bad))
    assert "plan.components[0]" in zh and "'bonus_pool'" in zh and "'quota_bonus'" in zh
    assert "plan.period" in zh and "'week'" in zh and "'quarter'" in zh
    assert "不是" in zh and "应为" in zh
    assert "does not match" not in zh and "expected 'month'" not in zh
    assert "expected 'month', 'quarter' or 'year', found the text 'week'" in en
