"""The workbench commands: every one has helpful --help; explain prints a statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from simlib.workbench.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("cmd", "words"),
    [
        ("run", ["--resume", "--out", "index.html", "stored results"]),
        ("validate", ["scenario file"]),
        ("describe", ["plain language"]),
        ("explain", ["--period", "pay statement"]),
        ("report", ["results.duckdb", "no simulation"]),
        ("demo", ["index.html", "wall time"]),
    ],
)
def test_help(capsys, cmd, words):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args([cmd, "--help"])
    assert e.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for w in words:
        assert w in text, (cmd, w)


def test_explain_prints_one_statement(capsys):
    rc = main(["explain", str(ROOT / "scenarios" / "demo.yaml"), "S00001", "--period", "2026-06"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "Pay statement: S00001, 2026-06" in out
    assert "revenue_bonus" in out


def test_explain_unknown_rep_is_one_clear_line(capsys):
    rc = main(["explain", str(ROOT / "scenarios" / "demo.yaml"), "NOBODY"])
    assert rc == 1
    assert "NOBODY: no targets in 2026" in capsys.readouterr().err


def test_bad_scenario_file_is_one_clear_error(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text("title: t\nauthor: a\nwhat: w\nwhy: y\nbaseline: {data: nowhere, plan: {}}\n")
    assert main(["run", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "baseline.data: file not found: nowhere" in err
    assert "Traceback" not in err
