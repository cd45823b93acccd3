"""The input-format pages in docs/formats/: generated from the table descriptions and models the code checks
with, current, complete, linked from the README, and the worked example works."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from simlib import formats
from simlib.workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / formats.DOCS_DIR


def test_committed_pages_are_what_the_code_writes():
    assert formats.stale_docs(DOCS) == [], "run `simlib docs` and commit docs/formats/"
    assert main(["docs", "--check"]) == 0


def test_docs_check_fails_when_a_page_drifts(tmp_path, capsys):
    formats.write_docs(tmp_path)
    page = tmp_path / "plan.md"
    page.write_text(page.read_text(encoding="utf-8").replace("`max_payout`", "`max_pay`"))
    assert main(["docs", "--check", "--out", str(tmp_path)]) == 1
    assert f"{page}: out of date" in capsys.readouterr().out


def test_every_dataset_column_is_documented_with_its_rules():
    from simlib.data.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, SPECS, TABLES

    page = (DOCS / "dataset.md").read_text(encoding="utf-8")
    for t in TABLES:
        cols = {*REQUIRED_COLUMNS[t], *OPTIONAL_COLUMNS[t]}
        assert set(formats.COLUMN_DOCS[t]) == cols, t
        assert {c.name for c in SPECS[t].columns} == cols, t
        assert f"## `{t}`" in page
        for c in cols:
            assert re.search(rf"^\| `{c}` \| (yes|no) \|", page, re.M), (t, c)
    # Allowed values and ranges come from the table descriptions, not from prose.
    assert "| `direction` | yes | text | no | one of higher, lower |" in page
    assert "| `score` | yes | number | no | a score on the 1-5 scale |" in page


def _keys(model: type[BaseModel], seen: set) -> set[str]:
    """Every key of a model and of the models it contains (walked independently)."""
    if model in seen:
        return set()
    seen.add(model)
    out = set()
    for name, f in model.model_fields.items():
        out.add(f.alias or name)
        stack = [f.annotation]
        while stack:
            a = stack.pop()
            if isinstance(a, type) and issubclass(a, BaseModel):
                out |= _keys(a, seen)
            stack.extend(typing.get_args(a))
    return out


@pytest.mark.parametrize(
    ("page", "model"),
    [
        ("plan.md", "simlib.plans.spec:PlanSpec"),
        ("cascade.md", "simlib.targets.spec:CascadeSpec"),
        ("appraisal.md", "simlib.appraisal.scorecard:Scorecard"),
        ("scenario.md", "simlib.scenario:ScenarioFileSpec"),
        ("scenario.md", "simlib.scenario:Design"),
    ],
)
def test_every_key_a_spec_accepts_is_on_its_page(page, model):
    import importlib

    mod, name = model.split(":")
    cls = getattr(importlib.import_module(mod), name)
    text = (DOCS / page).read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", text, re.M))
    assert _keys(cls, set()) <= documented


def test_the_worked_example_converts_a_wide_export_into_a_valid_dataset(
    tmp_path, monkeypatch, capsys
):
    text = (DOCS / "converting-sales-exports.md").read_text(encoding="utf-8")
    export = re.search(r"```csv\n(.*?)```", text, re.S).group(1)
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export.csv").write_text(export, encoding="utf-8")
    exec(compile(code, "converting-sales-exports.md", "exec"), {})
    assert main(["validate", "my_dataset"]) == 0
    assert "valid" in capsys.readouterr().out
    import simlib as sl

    ds = sl.load_dataset(tmp_path / "my_dataset")
    # 6 reps x 6 months, less the 2 months S003 was not yet employed (left empty).
    assert len(ds.sales) == 6 * 6 - 2
    s003 = ds.sales.loc[ds.sales["rep_id"] == "S003"]
    assert sorted(map(str, s003["period"])) == ["2025-03", "2025-04", "2025-05", "2025-06"]
    assert ds.sales["value"].sum() == pytest.approx(
        sum(float(v) for line in export.splitlines()[1:] for v in line.split(",")[5:] if v)
    )


def test_readme_links_every_format_page_and_links_stay_in_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in [*formats.pages(), "converting-sales-exports.md"]:
        assert f"docs/formats/{name}" in readme, name
    for doc in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if re.match(r"https?://", target):
                continue
            resolved = (doc.parent / target).resolve()
            assert resolved.is_relative_to(ROOT) and resolved.exists(), (doc.name, target)


def test_code_and_docs_refer_only_to_files_in_the_repository():
    """Every Markdown file named in the library, the notebooks and the docs exists here."""
    names = {p.name for p in ROOT.rglob("*.md") if ".venv" not in p.parts}
    sources = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "src").rglob("*.py"),
               *(ROOT / "notebooks").glob("*.py")]  # fmt: skip
    missing = []
    for src in sources:
        for ref in re.findall(r"[\w./-]*\w\.md\b", src.read_text(encoding="utf-8")):
            path = Path(ref)
            if not ((ROOT / path).exists() or (src.parent / path).exists() or path.name in names):
                missing.append(f"{src.relative_to(ROOT)}: {ref}")
    assert missing == []
