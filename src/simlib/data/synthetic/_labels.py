"""The sample's display names in English and Chinese (the ``labels`` table)."""

from __future__ import annotations

import re

import pandas as pd

from simlib.data.synthetic.calibration import KPIS, POSITIONS, REGIONS

#: Branch cities in English (the org tree names branches 杭州分公司 ...).
CITIES_EN = {
    "杭州": "Hangzhou", "南京": "Nanjing", "上海": "Shanghai", "苏州": "Suzhou",
    "宁波": "Ningbo", "合肥": "Hefei", "成都": "Chengdu", "重庆": "Chongqing",
    "西安": "Xi'an", "昆明": "Kunming", "贵阳": "Guiyang", "武汉": "Wuhan",
    "长沙": "Changsha", "郑州": "Zhengzhou", "南昌": "Nanchang", "太原": "Taiyuan",
    "广州": "Guangzhou", "深圳": "Shenzhen", "东莞": "Dongguan", "佛山": "Foshan",
    "南宁": "Nanning", "沈阳": "Shenyang", "大连": "Dalian", "长春": "Changchun",
    "哈尔滨": "Harbin",
}  # fmt: skip
#: Team-name stems (营业厅, 渠道, 政企) in English.
TEAMS_EN = {"营业厅": "Store", "渠道": "Channel", "政企": "Enterprise"}
POSITIONS_EN = {
    "store_sales": "Store sales",
    "channel_manager": "Channel manager",
    "key_account_manager": "Key account manager",
}
KPIS_EN = {
    "revenue": ("Revenue", "营业收入"),
    "new_customers": ("New customers", "新增客户数"),
    "hv_retention": ("High-value customer retention", "高价值客户保有率"),
}
LEVELS = {
    "company": ("Company", "公司"),
    "region": ("Region", "大区"),
    "branch": ("Branch", "分公司"),
    "team": ("Team", "班组"),
}
#: The components of the example plans in scenarios/plans/ (plans name their parts;
#: the sample names them for reports).
COMPONENTS = {
    "revenue_bonus": ("Revenue bonus", "营业收入奖金"),
    "revenue_commission": ("Revenue commission", "营业收入提成"),
    "branch_bonus": ("Branch team bonus", "分公司团队奖金"),
    "new_customer_spif": ("New-customer SPIF", "新增客户专项激励"),
}
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _numeral(text: str) -> int:
    """A team number written 一 .. 九十九 (as :func:`chinese_numeral` writes them)."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def _unit_en(level: str, name: str) -> str:
    if level == "company":
        return "Xinghe Mobile Communications Co., Ltd."
    region = {r.name: r.english for r in REGIONS}
    if level == "region":
        return f"{region[name]} region"
    if level == "branch":
        return f"{CITIES_EN[name.removesuffix('分公司')]} branch"
    if name.endswith("政企直属组"):
        return f"{region[name.removesuffix('政企直属组')]} enterprise direct team"
    m = re.fullmatch(r"(营业厅|渠道|政企)(.+)组", name)
    if m is None:
        # internal: the generator only writes team names of these forms
        raise ValueError(f"no English name for team {name!r}")
    return f"{TEAMS_EN[m.group(1)]} team {_numeral(m.group(2))}"


def labels_table(units: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """``kind, code, name_en, name_zh`` for the sample's KPIs, org levels, units,
    positions, pay grades and the example plans' components."""
    rows: list[tuple[str, str, str, str]] = []
    for k in KPIS["kpi"]:
        en, zh = KPIS_EN[k]
        rows.append(("kpi", k, en, zh))
    for lv, (en, zh) in LEVELS.items():
        rows.append(("level", lv, en, zh))
    for u in units.itertuples(index=False):
        rows.append(("unit", u.unit_id, _unit_en(u.level, u.name), u.name))
    for p in POSITIONS:
        rows.append(("position", p.code, POSITIONS_EN[p.code], p.name))
    for g in sorted(set(reps["grade"].astype(str))):
        rows.append(("grade", g, f"Grade {g}", f"{g}级"))
    for code, (en, zh) in COMPONENTS.items():
        rows.append(("component", code, en, zh))
    return pd.DataFrame(rows, columns=["kind", "code", "name_en", "name_zh"])
