"""The design search's report page and the `simlib design` command, on a small search."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import pytest
import yaml

from simlib.data.synthetic import generate
from simlib.workbench.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_search import CAP_SEARCH, cap_file

pytestmark = pytest.mark.notebook


def _visible(html: str) -> str:
    """The page without style sheets and scripts (nbconvert ships CSS and JS that say "Error")."""
    return re.sub(r"<(style|script)\b.*?</\1>", "", html, flags=re.S)


@pytest.fixture(scope="module")
def cap_search_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("design_cli")
    generate(n_reps=60, months=24, seed=11, n_regions=1).save(root / "data")
    search = copy.deepcopy(CAP_SEARCH)
    search["optimizer"]["generations"] = 2
    search["frontier"] = {"share_at_cap": "min"}
    # CNY 600,000 is within reach of the lower caps (the baseline's uncapped plan costs more).
    doc = cap_file(str(root / "data"), 600_000.0, search)
    path = root / "cap.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_design_command_writes_the_report_page(cap_search_file, capsys):
    out = cap_search_file.parent / "out"
    code = main(["design", str(cap_search_file), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "It meets every goal" in printed
    html = _visible((out / "design.html").read_text(encoding="utf-8"))
    for heading in (
        "Design search",
        "Recommended design:",
        "The recommended design against today",
        "The frontier",
        "Which goals bind, and which conflict",
        "How much each parameter matters",
        "How the search ran",
    ):
        assert heading in html, heading
    assert "Traceback" not in html and "hl-ipython3" not in html
    assert len(re.findall(r"<img ", html)) >= 2  # the frontier and sensitivity charts
    assert (out / "designs" / "recommended.yaml").exists()


def test_design_command_exits_1_when_no_design_meets_the_goals(cap_search_file, capsys):
    doc = yaml.safe_load(cap_search_file.read_text(encoding="utf-8"))
    doc["search"]["constraints"] = [{"metric": "budget_ratio", "max": 0.01}]
    path = cap_search_file.parent / "impossible.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code = main(["design", str(path), "--out", str(path.parent / "none"), "--no-report"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "No design the search tried meets every goal" in printed
    assert not (path.parent / "none" / "design.html").exists()


def test_design_command_without_a_search_section_says_so(cap_search_file, capsys):
    doc = yaml.safe_load(cap_search_file.read_text(encoding="utf-8"))
    del doc["search"]
    path = cap_search_file.parent / "plain.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    code = main(["design", str(path), "--out", str(path.parent / "plain_out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "no search: section" in err and "Traceback" not in err


def test_design_command_will_not_replace_a_folder_it_did_not_write(cap_search_file, capsys):
    other = cap_search_file.parent / "someone_elses"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    code = main(["design", str(cap_search_file), "--out", str(other), "--no-report"])
    assert code == 2
    assert "is not the output of a design search" in capsys.readouterr().err
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"
