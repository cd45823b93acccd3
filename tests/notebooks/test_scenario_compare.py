"""End to end: a small batch renders per-scenario reports, the comparison and the index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import simlib as sl
from simlib.workbench.batch import run_batch
from simlib.workbench.outdir import store_path

pytestmark = pytest.mark.notebook
ROOT = Path(__file__).resolve().parents[2]


def _visible(html: str) -> str:
    """The page without style sheets and scripts (nbconvert ships CSS and JS that say "Error")."""
    return re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)


def test_small_batch_end_to_end(tmp_path):
    data = tmp_path / "data"
    sl.data.synthetic.generate(n_reps=120, months=36, seed=3).save(data)
    doc = yaml.safe_load((ROOT / "scenarios" / "demo.yaml").read_text(encoding="utf-8"))
    doc["batch"] = "small"
    doc["baseline"]["data"] = str(data)
    doc["baseline"]["simulation"]["draws"] = 12
    # Keep it short: the baseline and the proposed plan with its budget-neutral twin
    # (sweeps are tested in tests/test_scenario.py).
    doc["reforms"] = {"proposed": doc["reforms"]["proposed"]}
    # The reform (and its budget-neutral twin) allow individual pay; the baseline does not.
    doc["reforms"]["proposed"]["changes"]["report"] = {"show_individual_pay": True}
    doc["sweeps"] = []
    f = tmp_path / "small.yaml"
    f.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")

    res = run_batch(f, out=tmp_path / "out", echo=lambda *a: None)
    assert not res.failed, [(i.name, i.message) for i in res.failed]
    names = [i.name for i in res.items]
    assert names == ["baseline", "proposed", "proposed (budget-neutral)"]

    index = res.index.read_text(encoding="utf-8")
    for it in res.items:
        assert f'href="{it.html}"' in index
    assert "compare.html" in index

    compare = _visible((tmp_path / "out" / "compare.html").read_text(encoding="utf-8"))
    for heading in (
        "Comparison of designs",
        "Decision",
        "Recommended:",
        "Designs ranked against the goals",
        "Side by side",
        "Who gains, who loses",
        "By performance quartile",
        "By region",
        "By tenure band",
        "Budget risk",
        "Payout curves and pay spread",
        "How hard are the targets?",
        "Appendix: method",
        "payout levels x",
        "Provenance",
    ):
        assert heading in compare, heading
    # Numbers, not only headings. Without a behavioural model every design sells the
    # same in each simulated year (common random numbers): revenue is identical.
    from simlib.workbench import report
    from simlib.workbench.store import Store

    stored = Store(store_path(tmp_path / "out")).load_batch("small")
    rev = {n: r.per_draw["revenue"].to_numpy() for n, r in stored.items()}
    assert (rev["proposed"] == rev["baseline"]).all()
    assert report.fmt(rev["baseline"].mean(), "money") in compare
    # The budget-neutral factor the page states is the stored one.
    factor = stored["proposed (budget-neutral)"].provenance["budget_neutral_factor"]
    assert f"payout levels x{factor:.3f}" in compare
    # Four quartile rows in the who-gains table, and the figures are there.
    for q in ("Q1 (bottom)", "Q2", "Q3", "Q4 (top)"):
        assert q in compare
    assert compare.count("<img") == 4  # payout curves, attainment, pay, cost
    assert "Pay as a multiple of target incentive" in compare

    for it in res.items:
        page = _visible((tmp_path / "out" / it.html).read_text(encoding="utf-8"))
        for heading in ("Cost and budget", "Metrics against practice", "Equity",
                        "Appraisal outcomes", "How hard are the targets?", "Appendix: method"):  # fmt: skip
            assert heading in page, (it.name, heading)
        hidden = "Not shown: this scenario does not allow individual pay" in page
        assert hidden == (it.name == "baseline"), it.name
        assert ("Mean payout" in page) == (it.name != "baseline"), it.name
    for page in [compare] + [
        _visible((tmp_path / "out" / i.html).read_text(encoding="utf-8")) for i in res.items
    ]:
        assert "Traceback" not in page and "Error" not in page
        assert "hl-ipython3" not in page and "import matplotlib" not in page  # no code cells

    # Re-rendering from the store needs no simulation.
    from simlib.workbench.batch import rerender
    from simlib.workbench.store import Store

    st = Store(store_path(tmp_path / "out"))
    n = len(st.runs())
    again = rerender(tmp_path / "out", echo=lambda *a: None)
    assert not again.failed
    index = again.index.read_text(encoding="utf-8")
    assert doc["title"] in index  # the header comes back from the store
    assert "at quota" in index and "pay-performance" in index
    assert len(st.runs()) == n
    assert "simulated" not in set(st.run_log("small")["action"].iloc[-4:])
