"""What changed between designs, in the report language: the scenario description's
sentences in zh-CN are Chinese apart from the codes and names the files give."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import yaml

from simlib import i18n
from simlib.scenario import Scenario
from simlib.topics.scenario_words import budget_neutral_words, describe_scenario

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "scenarios" / "plans"
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _reshaped_plan() -> dict:
    """The proposed plan with every plan-level setting and one component changed,
    the team component dropped and a commission added."""
    plan = yaml.safe_load((PLANS / "am_proposed.yaml").read_text(encoding="utf-8"))
    plan["name"] = "AM 2027 monthly"
    plan["period"] = "month"
    plan["true_up"] = False
    plan["target_incentive"]["pay_mix"] = {"base": 0.6, "variable": 0.4}
    plan["positions"] = ["key_account_manager"]
    plan["draw"] = {"amount": 3000.0, "recoverable": False, "months": 6}
    plan["max_payout_multiple"] = 3.0
    bonus = plan["components"][0]
    bonus["kpi"] = "new_customers"
    bonus["weight"] = 1.0
    bonus["max_payout"] = 50_000.0
    del bonus["gate"]
    plan["components"] = [
        bonus,
        {"type": "commission", "name": "retention_commission", "kpi": "revenue", "rate": 0.01},
    ]
    return plan


def _file() -> dict:
    merit = {
        "grades": ["优秀", "良好", "合格", "待改进", "不合格"],
        "compa_bands": [0.9, 1.1],
        "raises": [[0.08, 0.06, 0.04], [0.06, 0.04, 0.03], [0.04, 0.025, 0.015],
                   [0.01, 0.005, 0.0], [0.0, 0.0, 0.0]],
    }  # fmt: skip
    lower_merit = {**merit, "raises": [[r * 0.5 for r in row] for row in merit["raises"]]}
    return {
        "title": "客户经理激励方案评审",
        "author": "薪酬团队",
        "what": "比较现行方案与新方案",
        "why": "现行方案的门槛和封顶不符合业界做法",
        "goals": [
            {
                "metric": "budget_ratio",
                "at_most": 1.0,
                "priority": 1,
                "name": "成本不超预算",
                "why": "年度激励预算",
            }
        ],  # fmt: skip
        "baseline": {
            "data": "data/sample",
            "plan": str(PLANS / "am_current.yaml"),
            "appraisal": "scenarios/appraisal/five_grade_forced.yaml",
            "outcomes": {"pip_floor": 0.7, "merit": merit},
            "simulation": {"draws": 20, "seed": 3},
        },
        "reforms": {
            "proposed": {
                "what": "新方案",
                "changes": {"plan": str(PLANS / "am_proposed.yaml")},
                "budget_neutral": True,
            },
            "tuned": {
                "base": "proposed",
                "what": "调整权重、封顶与门槛条件",
                "changes": {
                    "plan.components[0].weight": 0.7,
                    "plan.components[1].weight": 0.3,
                    "plan.components[0].curve[-1][0]": "none",
                    "plan.components[0].gate.min": 0.9,
                    "plan.components[1].max_payout": 20_000.0,
                    "plan.components[1].blend": {"team": 0.5, "individual": 0.5},
                    "plan.target_incentive.pay_mix": {"base": 0.65, "variable": 0.35},
                    "outcomes.pip_floor": 0.6,
                    "outcomes.merit": lower_merit,
                    "simulation.sales": "bootstrap",
                    "simulation.turnover": 0.12,
                    "appraisal": "scenarios/appraisal/ahp_hierarchy.yaml",
                },
            },
            "reshaped": {
                "base": "proposed",
                "what": "按月考核的新方案",
                "changes": {"plan": _reshaped_plan()},
            },
        },
    }


def _strings(obj) -> set[str]:
    """Every string a design holds (values, not keys): names, codes, paths."""
    if isinstance(obj, str):
        return {obj}
    if isinstance(obj, dict):
        return set().union(set(), *(_strings(v) for v in obj.values()))
    if isinstance(obj, list | tuple):
        return set().union(set(), *(_strings(v) for v in obj))
    return set()


def _from_the_files(sc: Scenario) -> set[str]:
    """What the files give, shown as written: every string of every design, the
    scenario names, the header and goal texts, the files read, and the fields a
    change names (``gate.min`` of a component, ``sales`` of the simulation)."""
    given = set(sc.header.values()) | {"成本不超预算", "年度激励预算"}
    for s in sc.scenarios:
        given |= _strings(s.design) | set(s.sources.values()) | {s.name, s.what, s.why}
        for path, _old, _new in s.changes:
            given |= {path, re.sub(r"^plan\.components\[\d+\]\.", "", path)}
            given.add(path.split(".", 1)[-1])
    return {g for g in given if g.strip()}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Scenario.from_dict(_file(), root_dir=ROOT)


def test_every_kind_of_change_is_described(scenario):
    with i18n.use("en"):
        text = describe_scenario(scenario)
    for words in (
        "measured monthly instead of quarterly",
        "no year-to-date true-up any more",
        "variable share of on-target pay 30% -> 40%",
        "drops the team bonus 'branch_bonus'",
        "adds a commission 'retention_commission'",
        "'revenue_bonus' measured on new_customers instead of revenue",
        "'revenue_bonus' cap in currency none -> 50000.0",
        "draw none -> guaranteed draw of 3,000 a month in the first 6 months",
        "covers positions key_account_manager (was key_account_manager, channel_manager)",
        "cap removed (the accelerator continues)",
        "sets max_payout of 'branch_bonus' to 20000.0 (was none)",
        "simulation setting sales: parametric -> bootstrap",
        "simulation setting turnover: none -> 0.12",
        "improvement-plan floor 70% -> 60% attainment",
        "appraises with 'AHP hierarchy, five grades by branch'",
        "also run budget-neutral",
    ):
        assert words in text


def test_zh_cn_descriptions_have_no_english_beyond_the_files_codes_and_names(scenario):
    with i18n.use("zh-CN"):
        text = describe_scenario(scenario)
    with i18n.use("en"):
        english = describe_scenario(scenario)
    assert text != english
    assert len(text.splitlines()) == len(english.splitlines())
    rest = text
    for given in sorted(_from_the_files(scenario), key=len, reverse=True):
        rest = rest.replace(given, " ")
    left = sorted(set(LATIN_WORD.findall(rest)))
    assert not left, f"English words in the zh-CN description: {left}\n{text}"
    # Each line that says something says it in Chinese (a line of a file's own text aside).
    for line in text.splitlines():
        if line.startswith("- "):
            assert re.search(r"[\u4e00-\u9fff]", line), line


@pytest.mark.parametrize(
    ("factor", "en", "zh"),
    [(0.95, "payout levels x0.950 (5.0% lower)", "奖金水平乘以 0.950（降低 5.0%）"),
     (1.1, "payout levels x1.100 (10.0% higher)", "奖金水平乘以 1.100（提高 10.0%）")],
)  # fmt: skip
def test_a_found_budget_neutral_factor_reads_as_a_change_of_payout_levels(factor, en, zh):
    with i18n.use("en"):
        assert budget_neutral_words(factor).startswith(en)
    with i18n.use("zh-CN"):
        words = budget_neutral_words(factor)
    assert words.startswith(zh)
    assert not LATIN_WORD.findall(words)
