"""`simlib report-topic` on a user's own data: KPIs, levels and plans named differently
from the sample, nothing called revenue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simlib.data.dataset import Dataset
from simlib.data.synthetic import generate
from simlib.workbench.cli import main

pytestmark = pytest.mark.notebook

NAMES = {"revenue": "sales_amount", "new_customers": "new_accounts",
         "hv_retention": "key_client_retention"}  # fmt: skip


def _visible(html: str) -> str:
    body = re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def _renamed_yaml(src: str, dst: Path) -> str:
    text = Path(src).read_text(encoding="utf-8")
    for old, new in NAMES.items():
        text = re.sub(rf"\b{old}\b", new, text)
    dst.write_text(text, encoding="utf-8")
    return str(dst)


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """A generated sales force whose KPIs carry other names, saved as Parquet."""
    root = tmp_path_factory.mktemp("own")
    ds = generate(n_reps=80, months=36, seed=11, n_regions=2)
    rename = {"kpi": lambda f: f["kpi"].replace(NAMES)}
    kpis = ds.kpis.assign(**rename)
    kpis["label"] = kpis["kpi"]
    data = Dataset(kpis=kpis, units=ds.units, reps=ds.reps, sales=ds.sales.assign(**rename),
                   targets=ds.targets.assign(**rename), potential=ds.potential.assign(**rename),
                   competence=ds.competence)  # fmt: skip
    path = data.save(root / "data", "parquet")
    specs = {
        "cascade": _renamed_yaml("scenarios/cascades/baseline.yaml", root / "cascade.yaml"),
        "current": _renamed_yaml("scenarios/plans/am_current.yaml", root / "current.yaml"),
        "proposed": _renamed_yaml("scenarios/plans/am_proposed.yaml", root / "proposed.yaml"),
        "scorecard": _renamed_yaml("scenarios/appraisal/five_grade_forced.yaml",
                                   root / "scorecard.yaml"),
    }  # fmt: skip
    return root, path, specs


def _run(argv: list[str], capsys) -> str:
    assert main(argv) == 0
    out = capsys.readouterr().out
    html = Path(re.search(r"Open (\S+\.html)", out).group(1))
    return _visible(html.read_text(encoding="utf-8"))


def _clean(text: str) -> None:
    assert "Traceback" not in text and not re.search(r"\b\w+Error\b:", text)
    assert not re.search(r"\b(NaN|nan)\b", text)
    # No sample KPI code name anywhere: the report speaks of the data's own KPIs. ("revenue"
    # may appear in prose about practice, e.g. "the top 20% bring 60% of revenue".)
    for old in ("new_customers", "hv_retention"):
        assert old not in text, old
    assert not re.search(r"\brevenue (target|vs|per rep-month)\b", text)


def test_data_health_and_targets_use_the_datas_own_kpis(own, capsys):
    root, data, specs = own
    text = _run(["report-topic", "data_health", str(data), "--out", str(root / "r"),
                 "--currency", "EUR"], capsys)  # fmt: skip
    _clean(text)
    assert "sales_amount" in text and "EUR " in text and "CNY" not in text
    text = _run(["report-topic", "targets", str(data), "--out", str(root / "r"), "--currency",
                 "EUR", "--set", f"spec_path={specs['cascade']}", "--set", "growth=0.08"],
                capsys)  # fmt: skip
    _clean(text)
    assert re.search(r"\d+% of people expected at or above their sales_amount target", text)
    assert "+8.0%" in text  # the growth parameter reached the proposal
    assert "EUR " in text and "CNY" not in text


def test_plans_appraisal_and_behaviour_on_the_datas_own_kpis(own, capsys):
    root, data, specs = own
    plans = f"plan_files=[{specs['current']}, {specs['proposed']}]"
    text = _run(["report-topic", "plans", str(data), "--out", str(root / "p"), "--set", plans],
                capsys)  # fmt: skip
    _clean(text)
    assert "Variable pay as a share of sales_amount" in text
    text = _run(["report-topic", "appraisal", str(data), "--out", str(root / "a"), "--set",
                 f"scorecard_path={specs['scorecard']}"], capsys)  # fmt: skip
    _clean(text)
    assert "sales_amount" in text and "The weighting decides who gets which grade" in text
    # The leadership copy: flagged reps by unit, never listed by id.
    assert not re.search(r"\bS\d{5}\b", text)
    text = _run(["report-topic", "behaviour", str(data), "--out", str(root / "b"),
                 "--set", f"plan_file={specs['proposed']}",
                 "--set", f"reference_plan_file={specs['current']}",
                 "--set", "draws=4", "--set", "demo_reps=0"], capsys)  # fmt: skip
    _clean(text)
    assert "the tests look at sales_amount" in text


def test_unknown_topics_and_parameters_are_refused_before_anything_runs(own, capsys):
    root, data, _ = own
    assert main(["report-topic", "payroll", str(data)]) == 2
    assert "unknown topic 'payroll'; the topics are data_health, targets" in capsys.readouterr().err
    assert main(["report-topic", "targets", str(root / "missing")]) == 2
    assert "no such dataset folder or file" in capsys.readouterr().err
    assert main(["report-topic", "targets", str(data), "--set", "grwoth=0.1"]) == 2
    assert "unknown parameter(s) ['grwoth']" in capsys.readouterr().err
    assert main(["report-topic", "targets", str(data), "--set", "growth"]) == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err
