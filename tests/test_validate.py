"""Validation: every problem in item 4 of issue 2 gives its own clear message.

Each folder in ``tests/fixtures/bad/`` is ``tests/fixtures/good/`` with one defect
(written by ``tests/fixtures/make_fixtures.py`` as plain-text edits). Row numbers
below are counted by hand from that script: the header is row 1; ``sales.csv``
lists r1's 9 rows (rows 2-10), r2's 9 (11-19), r3's 6 (20-25, r3 left in
February), r4's 9 (26-34), so an appended line is row 35.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typed_contract import assert_typed_contract

import simlib as sl
from simlib.data.dataset import Dataset
from simlib.data.parse import month_ordinals, text_codes, to_dates
from simlib.data.validate import MAX_ROWS_PER_CHECK, validate_cli, validate_tables
from simlib.errors import DataValidationError
from simlib.workbench.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"

# name -> list of (file, row, column, value found, words the "expected" text must contain)
CASES: dict[str, list[tuple[str, int | None, str | None, str, list[str]]]] = {
    "missing_table": [("sales.csv", None, None, "", ["required table 'sales'", "not found"])],
    "missing_column": [("sales.csv", None, "value", "", ["column 'value'", "required"])],
    "extra_column": [
        ("units.csv", None, "manager", "", ["only the columns", "allowed in reps only"])
    ],
    "wrong_type_number": [("sales.csv", 14, "value", "四百", ["a finite number"])],
    "wrong_type_date": [("reps.csv", 3, "hire_date", "15.06.2021", ["a date", "YYYY-MM-DD"])],
    "wrong_type_bool": [("kpis.csv", 2, "allow_negative", "maybe", ["true or false"])],
    "empty_required": [("sales.csv", 26, "rep_id", "", ["cannot be empty"])],
    "unparseable_period": [("sales.csv", 5, "period", "Feb 2026", ["calendar month", "2026-01"])],
    "non_month_period": [("sales.csv", 5, "period", "2026-02-15", ["a month, not a day"])],
    "negative_value": [("sales.csv", 29, "value", "-600", ["'revenue' cannot be negative"])],
    "rate_out_of_range": [
        ("sales.csv", 19, "value", "80", ["between 0 and 1", "'hv_retention' is a rate"])
    ],
    "duplicate_sales_key": [
        (
            "sales.csv",
            35,
            "rep_id, period, kpi",
            "r1 / 2026-01 / revenue",
            ["one row per (rep_id, period, kpi)", "already in row 2"],
        )
    ],
    "duplicate_rep": [("reps.csv", 6, "rep_id", "r2", ["one row per (rep_id)", "row 3"])],
    "duplicate_unit": [("units.csv", 8, "unit_id", "S1", ["one row per (unit_id)", "row 7"])],
    "unknown_rep": [("sales.csv", 35, "rep_id", "r9", ["a rep_id listed in reps"])],
    "unknown_unit": [("reps.csv", 5, "unit_id", "S9", ["a unit_id listed in units"])],
    "cycle": [("units.csv", 3, "parent_id", "N1", ["a tree", "loops back", "N → N1 → N"])],
    "several_roots": [
        ("units.csv", 2, "parent_id", "", ["exactly one root", "found 2: HQ, S"]),
        ("units.csv", 4, "parent_id", "", ["exactly one root", "found 2: HQ, S"]),
    ],
    "orphan": [("units.csv", 7, "parent_id", "SX", ["orphan"])],
    "hire_after_exit": [
        ("reps.csv", 4, "exit_date", "2021-02-20", ["on or after the hire_date (2022-03-01)"])
    ],
    "sales_outside_employment": [
        (
            "sales.csv",
            35,
            "period",
            "2026-03",
            ["within the rep's employment", "hired 2022-03", "left 2026-02"],
        )
    ],
    "unknown_kpi_sales": [("sales.csv", 35, "kpi", "profit", ["a KPI listed in kpis"])],
    "unknown_kpi_potential": [("potential.csv", 5, "kpi", "profit", ["a KPI listed in kpis"])],
    "unknown_kpi_targets": [("targets.csv", 5, "kpi", "profit", ["a KPI listed in kpis"])],
    "unknown_direction": [("kpis.csv", 3, "direction", "up", ["one of higher, lower"])],
    "unknown_kpi_unit": [("kpis.csv", 3, "unit", "people", ["one of currency, count, rate"])],
    "unknown_aggregation": [("kpis.csv", 3, "aggregation", "average", ["one of sum, mean"])],
    "unknown_weight_kpi": [("kpis.csv", 4, "weight_kpi", "margin", ["a KPI listed in kpis"])],
    "competence_out_of_range": [("competence.csv", 4, "score", "6", ["1-5 scale"])],
    "negative_salary": [("reps.csv", 5, "base_salary", "-80000", ["salary of 0 or more"])],
    "target_unit_and_rep": [
        ("targets.csv", 4, "unit_id, rep_id", "N / r1", ["exactly one of unit_id or rep_id"])
    ],
    "id_whitespace": [("reps.csv", 5, "rep_id", "'r4 '", ["no spaces before or after", "'r4'"])],
    "implausible_month": [
        ("sales.csv", 5, "period", "2126-02", ["a plausible month", "1990-01", "a typo"])
    ],
    # UNITS is 7 lines, 174 bytes in UTF-8 (29 header + 6 rows of ASCII and 3-byte CJK
    # names); the appended 8th line's "T9,S,team," adds 10, so 0xFF is byte 184 (from 0).
    "undecodable_text": [
        (
            "units.csv",
            8,
            None,
            "bytes ff fe 0a",
            ["UTF-8 or GB18030", "line 8, byte 184", "--encoding"],
        )
    ],
}


def _tree_hash(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_bad_fixture_has_a_case_and_differs_from_good_by_one_file():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(CASES)
    good = _tree_hash(GOOD)
    for folder in BAD.iterdir():
        bad = _tree_hash(folder)
        changed = {f for f in good.keys() | bad.keys() if good.get(f) != bad.get(f)}
        assert len(changed) == 1, (folder.name, changed)


def test_good_fixture_is_valid_and_typed():
    ds = sl.load_dataset(GOOD)
    assert len(ds.reps) == 4 and len(ds.sales) == 33
    assert ds.units.set_index("unit_id").loc["N1", "name"] == "北京分公司"
    assert ds.sales["period"].dtype == pd.PeriodDtype("M")
    assert str(ds.reps["hire_date"].dtype).startswith("datetime64")
    assert ds.reps["exit_date"].isna().sum() == 3
    assert ds.kpis["weight_kpi"].tolist()[2] == "revenue"
    assert ds.kpis["allow_negative"].dtype == bool
    assert ds.reps["gender"].tolist() == ["F", "M", "F", "M"]  # an optional attribute kept
    assert ds.potential["unit_id"].isna().tolist() == [False, False, True]
    assert ds.competence["score"].tolist() == [4.0, 3.5, 5.0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_fixture_gives_its_own_clear_message(case):
    with pytest.raises(DataValidationError) as err:
        sl.load_dataset(BAD / case)
    problems = err.value.problems
    want = CASES[case]
    # One defect, one message per affected row: no cascade of follow-on noise.
    assert len(problems) == len(want), [str(p) for p in problems]
    for p, (file, row, column, value, words) in zip(problems, want, strict=True):
        assert (p.file, p.row, p.column, p.value) == (file, row, column, value), str(p)
        for w in words:
            assert w in p.expected, (w, str(p))
    # The exception's text names the file too (what a notebook user sees).
    assert want[0][0] in str(err.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_simlib_validate_exits_1_and_prints_the_problem_table(case, capsys):
    assert main(["validate", str(BAD / case)]) == 1
    out = capsys.readouterr().out
    file, row, column, _, words = CASES[case][0]
    assert "file" in out and "expected" in out  # the table header
    assert file in out and words[0] in out
    if column:
        assert column in out


def test_simlib_validate_console_script(tmp_path):
    exe = Path(sys.executable).parent / "simlib"
    bad = subprocess.run(
        [str(exe), "validate", str(BAD / "cycle")], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1
    assert "units.csv" in bad.stdout and "loops back" in bad.stdout
    good = subprocess.run(
        [str(exe), "validate", str(GOOD)], capture_output=True, text=True, check=False
    )
    assert good.returncode == 0, good.stdout + good.stderr
    missing = subprocess.run(
        [str(exe), "validate", str(tmp_path / "nope")], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 2 and "not found" in missing.stdout


def test_summary_of_a_valid_dataset():
    buf = io.StringIO()
    assert validate_cli(GOOD, out=buf) == 0
    out = buf.getvalue()
    assert "valid" in out
    assert "reps         4 (3 employed in 2026-03)" in out  # r3 left in February
    assert "months       3: 2026-01 to 2026-03" in out
    assert "company 1, region 2, branch 1, team 2" in out
    assert "hv_retention" in out and "weighted by revenue" in out
    assert "encoding utf-8" in out
    assert "sales                  33" in out


def _combine(tmp_path: Path, cases: list[str]) -> Path:
    """Good data with the defects of several bad fixtures (each in a different file)."""
    out = tmp_path / "many"
    shutil.copytree(GOOD, out)
    good = _tree_hash(GOOD)
    for case in cases:
        for f, h in _tree_hash(BAD / case).items():
            if good.get(f) != h:
                shutil.copy(BAD / case / f, out / f)
    return out


def test_several_problems_are_all_reported(tmp_path):
    cases = ["negative_value", "unknown_unit", "cycle", "unknown_direction", "target_unit_and_rep"]
    folder = _combine(tmp_path, cases)
    with pytest.raises(DataValidationError) as err:
        sl.load_dataset(folder)
    got = {(p.file, p.row, p.column) for p in err.value.problems}
    want = {(f, r, c) for case in cases for f, r, c, _, _ in CASES[case]}
    assert want <= got, want - got
    buf = io.StringIO()
    assert validate_cli(folder, out=buf) == 1
    assert f"{len(err.value.problems)} problem(s)" in buf.getvalue()


def test_problems_per_check_are_capped_with_a_count(tmp_path):
    folder = tmp_path / "many_negatives"
    shutil.copytree(GOOD, folder)
    extra = "".join(f"r1,2026-0{1 + i % 3},revenue,-{i + 1}\n" for i in range(100))
    # 100 more rows: each negative, and duplicates of existing keys (two checks).
    with open(folder / "sales.csv", "a", encoding="utf-8") as f:
        f.write(extra)
    with pytest.raises(DataValidationError) as err:
        sl.load_dataset(folder)
    neg = [p for p in err.value.problems if "cannot be negative" in p.expected]
    assert len(neg) == MAX_ROWS_PER_CHECK + 1
    assert [p.row for p in neg[:3]] == [35, 36, 37]
    assert neg[-1].row is None and neg[-1].value == f"{100 - MAX_ROWS_PER_CHECK} more rows"
    dup = [p for p in err.value.problems if "one row per" in p.expected]
    assert len(dup) == MAX_ROWS_PER_CHECK + 1


@pytest.mark.parametrize("case", ["good", "cycle", "undecodable_text", "missing_table"])
def test_validation_never_modifies_the_input(case, tmp_path):
    src = GOOD if case == "good" else BAD / case
    folder = tmp_path / case
    shutil.copytree(src, folder)
    before = _tree_hash(folder)
    mtimes = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    try:
        sl.load_dataset(folder)
    except DataValidationError:
        pass
    main(["validate", str(folder)])
    assert _tree_hash(folder) == before
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes


def test_duckdb_input_is_not_modified(tmp_path):
    db = tmp_path / "d.duckdb"
    sl.load_dataset(GOOD).save(db, format="duckdb")
    before = _tree_hash(tmp_path)
    sl.load_dataset(db)
    main(["validate", str(db)])
    assert _tree_hash(tmp_path) == before  # no .wal, no new file, same bytes


# ------------------------------------------------------------ month and date parsing
def test_accepted_and_rejected_month_spellings():
    s = pd.Series(
        [
            "2026-01",
            "2026-01-01",
            "2026/01",
            "202601",
            "2026/1",
            "2026-01-01 00:00:00",
            "2026-01-15",
        ]
        + ["2026-13", "Jan 2026", "", "20261"],
        dtype=object,
    )
    ords, empty, bad, mid = month_ordinals(s)
    jan = pd.Period("2026-01", freq="M").ordinal
    assert (ords[:6] == jan).all()
    assert mid.tolist() == [False] * 6 + [True] + [False] * 4
    assert bad.tolist() == [False] * 7 + [True, True, False, True]
    assert empty.tolist() == [False] * 9 + [True, False]


def test_months_from_typed_columns():
    excel_like = pd.Series([pd.Timestamp("2026-03-01"), 202604, 202605.0, "2026-06"], dtype=object)
    ords, empty, bad, mid = month_ordinals(excel_like)
    assert [str(pd.Period(ordinal=int(o), freq="M")) for o in ords] == [
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    dt = pd.Series(pd.to_datetime(["2026-03-01", "2026-03-02"]))
    _, _, _, mid = month_ordinals(dt)
    assert mid.tolist() == [False, True]


def test_date_spellings():
    s = pd.Series(
        ["2024-03-01", "2024/3/1", "20240301", "2024-03-01 00:00:00", "2024-02-30", "x", ""]
    )
    vals, empty, bad = to_dates(s)
    assert (vals[:4] == pd.Timestamp("2024-03-01")).all()
    assert bad.tolist() == [False] * 4 + [True, True, False]
    assert empty.tolist() == [False] * 6 + [True]


def test_thousands_separators_are_read_as_numbers(tmp_path):
    folder = tmp_path / "thousands"
    shutil.copytree(GOOD, folder)
    text = (folder / "reps.csv").read_text(encoding="utf-8")
    (folder / "reps.csv").write_text(text.replace(",120000,", ',"120,000",'), encoding="utf-8")
    ds = sl.load_dataset(folder)
    assert ds.reps["base_salary"].iloc[0] == 120000.0


def test_in_memory_dataset_validates_clean(tiny_ds):
    typed, problems = validate_tables(tiny_ds.tables())
    assert problems == []
    for name, df in tiny_ds.tables().items():
        pd.testing.assert_frame_equal(typed[name], df)


def test_problems_in_memory_name_the_table_and_first_record_is_row_1(tiny_ds):
    sales = tiny_ds.sales.copy()
    sales.loc[2, "value"] = -5.0  # the 3rd record: r1's February revenue
    tables = {**tiny_ds.tables(), "sales": sales}
    _, problems = validate_tables(tables)
    assert [(p.file, p.row, p.column) for p in problems] == [("sales", 3, "value")]
    kinds = {**tiny_ds.tables()}
    kinds["kpis"] = tiny_ds.kpis.assign(allow_negative=[True, False])
    _, problems = validate_tables({**kinds, "sales": sales})
    assert problems == []  # revenue may be negative now (e.g. net of returns)


def test_large_bad_column_reports_a_bounded_list():
    n = 200_000
    reps = pd.DataFrame(
        {
            "rep_id": ["a"],
            "unit_id": ["U"],
            "position": ["p"],
            "hire_date": ["2020-01-01"],
            "exit_date": [""],
            "base_salary": ["1"],
            "grade": ["g"],
        }
    )
    tables = {
        "kpis": pd.DataFrame(
            {"kpi": ["k"], "direction": ["higher"], "unit": ["count"], "aggregation": ["sum"]}
        ),
        "units": pd.DataFrame({"unit_id": ["U"], "parent_id": [""], "level": ["c"], "name": ["n"]}),
        "reps": reps,
        "sales": pd.DataFrame(
            {
                "rep_id": np.full(n, "a", dtype=object),
                "period": pd.period_range("2000-01", periods=n // 10, freq="M")
                .astype(str)
                .repeat(10),
                "kpi": "k",
                "value": "oops",
            }
        ),
    }
    _, problems = validate_tables(tables, {"sales": "sales.csv"})
    assert 0 < len(problems) <= 3 * (MAX_ROWS_PER_CHECK + 1)
    assert any(p.value == f"{n - MAX_ROWS_PER_CHECK:,} more rows" for p in problems)


# ------------------------------------------------------------ the typed contract
def test_typed_contract_holds_for_loaded_and_hand_made_data(tiny_ds):
    assert_typed_contract(tiny_ds)
    assert_typed_contract(sl.load_dataset(GOOD))


def test_typed_tables_are_checked_by_the_same_rules_as_files(tiny_ds):
    sales = pd.concat([tiny_ds.sales, tiny_ds.sales.head(1)], ignore_index=True)
    tables = {
        "kpis": tiny_ds.kpis.assign(direction=["up", "higher"]),
        "units": tiny_ds.units,
        "reps": tiny_ds.reps.assign(base_salary=[-1.0, 2, 3, 4, 5]),
        "sales": sales,
        "competence": pd.DataFrame(
            {
                "rep_id": pd.array(["r1"], dtype="str"),
                "period": pd.PeriodIndex(["2026-01"], freq="M"),
                "item": pd.array(["x"], dtype="str"),
                "score": [7.0],
            }
        ),
    }
    _, problems = validate_tables(tables)
    got = [(p.file, p.row, p.column, p.value, p.expected) for p in problems]
    assert got == [
        ("kpis", 1, "direction", "up", "one of higher, lower (whether higher or lower is better)"),
        (
            "reps",
            1,
            "base_salary",
            "-1.0",
            "a salary of 0 or more (annual, in the dataset currency)",
        ),
        # tiny sales has 26 rows; the copy of row 1 is row 27.
        (
            "sales",
            27,
            "rep_id, period, kpi",
            "r1 / 2026-01 / revenue",
            "one row per (rep_id, period, kpi): the same key is already in row 1",
        ),
        ("competence", 1, "score", "7.0", "a score on the 1-5 scale"),
    ]
    # Months given as text in a typed table are read like a file's.
    as_text = {
        **tiny_ds.tables(),
        "sales": tiny_ds.sales.assign(period=tiny_ds.sales["period"].astype(str)),
    }
    typed, problems = validate_tables(as_text)
    assert problems == []
    pd.testing.assert_series_equal(typed["sales"]["period"], tiny_ds.sales["period"])


def test_infinite_values_are_not_numbers(tiny_ds):
    sales = tiny_ds.sales.assign(
        value=tiny_ds.sales["value"].where(tiny_ds.sales.index != 0, np.inf)
    )
    _, problems = validate_tables({**tiny_ds.tables(), "sales": sales})
    assert [(p.row, p.column, p.value) for p in problems] == [(1, "value", "inf")]
    assert "finite number" in problems[0].expected


# ------------------------------------------------------------ odd input never crashes
_CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "r1",
            "r2",
            "HQ",
            "N",
            "revenue",
            "hv_retention",
            "2026-01",
            "2026-01-15",
            "202602",
            "2020-01-01",
            "2019/13/01",
            "-5",
            "0.5",
            "1,234",
            "abc",
            "true",
            "higher",
            "rate",
            "sum",
            "mean",
            "inf",
            "总部",
            "1e400",
        ]
    ),
    st.text(max_size=6),
)


@st.composite
def raw_tables(draw):
    """Tables with the right column names (sometimes one dropped) and arbitrary cells."""
    from simlib.data.dataset import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    out = {}
    for name in ("kpis", "units", "reps", "sales", "potential", "targets", "competence"):
        if name in ("potential", "targets", "competence") and draw(st.booleans()):
            continue
        cols = list(REQUIRED_COLUMNS[name]) + list(OPTIONAL_COLUMNS[name])
        if draw(st.integers(0, 9)) == 0:
            cols.pop(draw(st.integers(0, len(cols) - 1)))
        n = draw(st.integers(0, 30))
        out[name] = pd.DataFrame(
            {c: draw(st.lists(_CELL, min_size=n, max_size=n)) for c in cols}, dtype=object
        )
    return out


@settings(max_examples=60, deadline=None)
@given(tables=raw_tables())
def test_arbitrary_cells_give_problems_not_crashes(tables):
    typed, problems = validate_tables(tables, {n: f"{n}.csv" for n in tables})
    assert all(p.file.endswith(".csv") for p in problems)
    assert all(p.row is None or p.row >= 2 for p in problems)
    if not problems:  # whatever passes validation keeps the typed contract
        ds = Dataset(**typed, source="fuzz")
        assert_typed_contract(ds)


def test_dotted_and_chinese_month_and_date_spellings():
    s = pd.Series(
        [
            "2026.01",
            "2026年1月",
            "2026年01月01日",
            "2026 年 1 月",
            "2026年1月15日",
            "2026.1",
            2026.1,
        ],
        dtype=object,
    )
    ords, empty, bad, mid = month_ordinals(s)
    jan = pd.Period("2026-01", freq="M").ordinal
    assert (ords[:4] == jan).all()
    assert mid.tolist() == [False] * 4 + [True, False, False]
    # "2026.1" could be October typed as a number (2026.10): rejected, never guessed.
    assert bad.tolist() == [False] * 5 + [True, True]
    dates = pd.Series(["2024.03.01", "2024年3月1日", "2024.3.1"], dtype=object)
    vals, _, bad = to_dates(dates)
    assert (vals[:2] == pd.Timestamp("2024-03-01")).all()
    assert bad.tolist() == [False, False, True]


# ------------------------------------------------------------ fixed defects: data loading and validation
ODD = FIXTURES / "odd"


def test_placeholder_exit_date_9999_is_kept_and_means_employed():
    from simlib.data import health as H

    ds = sl.load_dataset(ODD / "placeholder_exit")
    r4 = ds.reps.set_index("rep_id").loc["r4", "exit_date"]
    assert (r4.year, r4.month, r4.day) == (9999, 12, 31)
    assert ds.employed_mask()[3].tolist() == [True, True, True]
    cov = H.coverage(ds)
    # Same as the good fixture: r3 left in Feb, everyone else has data every month.
    assert cov.employed.tolist() == [4, 4, 3] and cov.missing.sum() == 0
    assert H.headcount(ds, None).headcount.tolist() == [4, 3, 3]  # r3 gone by Feb's end


def test_blank_lines_are_skipped_and_rows_keep_their_file_line(tmp_path):
    ds = sl.load_dataset(ODD / "blank_lines")
    good = sl.load_dataset(GOOD)
    pd.testing.assert_frame_equal(ds.sales, good.sales)
    folder = tmp_path / "blank_bad"
    shutil.copytree(ODD / "blank_lines", folder)
    f = folder / "sales.csv"
    text = f.read_text(encoding="utf-8")
    f.write_text(
        text.replace("r4,2026-02,revenue,600", "r4,2026-02,revenue,-600"), encoding="utf-8"
    )
    with pytest.raises(DataValidationError) as err:
        sl.load_dataset(folder)
    # Line 29 in the good file; a blank line and a line of empty cells come before it.
    lines = text.splitlines()
    want = lines.index("r4,2026-02,revenue,600") + 1
    assert want == 31
    assert [(p.file, p.row, p.column) for p in err.value.problems] == [("sales.csv", 31, "value")]


def test_blank_excel_row_is_skipped_and_rows_keep_their_sheet_row(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name in ("kpis", "units", "reps", "sales"):
        ws = wb.create_sheet(name)
        lines = (GOOD / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if name == "sales" and i == 5:
                ws.append([None, None, None, None])  # sheet row 6 left blank
            if name == "sales" and line == "r4,2026-02,revenue,600":
                line = "r4,2026-02,revenue,-600"
            ws.append(line.split(","))
    wb.save(tmp_path / "book.xlsx")
    with pytest.raises(DataValidationError) as err:
        sl.load_dataset(tmp_path / "book.xlsx")
    # Row 29 of the good CSV, pushed down one by the blank row: sheet row 30.
    assert [(p.file, p.row, p.column) for p in err.value.problems] == [
        ("book.xlsx[sales]", 30, "value")
    ]


def test_plausible_month_range_is_documented_and_enforced():
    from datetime import date

    from simlib.data.validate import EARLIEST_MONTH, latest_month

    assert str(EARLIEST_MONTH) == "1990-01"
    assert latest_month() == pd.Period(f"{date.today().year + 5}-12", "M")
    s = pd.Series(["1989-12", "1990-01", str(latest_month()), str(latest_month() + 1)])
    tables = {
        "kpis": pd.DataFrame(
            {"kpi": ["k"], "direction": ["higher"], "unit": ["count"], "aggregation": ["sum"]}
        ),
        "units": pd.DataFrame({"unit_id": ["U"], "parent_id": [""], "level": ["c"], "name": ["n"]}),
        "reps": pd.DataFrame(
            {
                "rep_id": ["a"],
                "unit_id": ["U"],
                "position": ["p"],
                "hire_date": ["1980-01-01"],
                "exit_date": [""],
                "base_salary": ["1"],
                "grade": ["g"],
            }
        ),
        "sales": pd.DataFrame({"rep_id": "a", "period": s, "kpi": "k", "value": "1"}),
    }
    _, problems = validate_tables(tables, {"sales": "sales.csv"})
    assert [(p.row, p.value) for p in problems] == [(2, "1989-12"), (5, str(latest_month() + 1))]


def test_duplicate_check_key_space_does_not_grow_with_the_month_span():
    """One far-off month must not widen the dense key space (it once took +3.8 GB at 10.8 M rows)."""
    from simlib.data.parse import NAT
    from simlib.data.validate import _ord_codes

    o = np.array([pd.Period("2026-01", "M").ordinal, pd.Period("9999-12", "M").ordinal, NAT, 5, 5])
    codes, size = _ord_codes(o)
    assert size == 3  # three distinct months, not a span of ~96,000
    assert codes[2] == -1 and codes[3] == codes[4] and len(set(codes[[0, 1, 3]])) == 3


@settings(max_examples=25, deadline=None)
@given(
    blanks=st.lists(
        st.tuples(st.integers(1, 33), st.sampled_from(["", ",,,", " , , , "])), max_size=4
    ),  # fmt: skip
    bad_line=st.integers(2, 34),
)
def test_blank_lines_anywhere_keep_row_numbers(tmp_path_factory, blanks, bad_line):
    """Blank lines inserted anywhere: the data load unchanged, and a bad value is reported
    at the line it sits on in the file (found here by searching the text)."""
    lines = (GOOD / "sales.csv").read_text(encoding="utf-8").splitlines()
    rep, month, kpi, value = lines[bad_line - 1].split(",")
    lines[bad_line - 1] = f"{rep},{month},{kpi},oops"
    for at, blank in sorted(blanks, reverse=True):
        lines.insert(at, blank)
    folder = tmp_path_factory.mktemp("blank")
    for f in GOOD.iterdir():
        shutil.copy(f, folder / f.name)
    (folder / "sales.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        sl.load_dataset(folder)
    want = lines.index(f"{rep},{month},{kpi},oops") + 1
    got = [(p.file, p.row, p.column) for p in err.value.problems]
    assert ("sales.csv", want, "value") in got
    # Lines of only spaces and commas are blank too: nothing else is reported.
    assert all(p.column == "value" for p in err.value.problems), got


@pytest.mark.parametrize("dense", [True, False], ids=["marked keys", "sorted keys"])
# monkeypatch sets one value for every example of a run: nothing to reset between them.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["S1", "S2", None]),
            st.sampled_from(["r1", "r2", "r3", None]),
            st.sampled_from(["2026-01", "2026-02", "2026-13", "2031-12"]),
            st.sampled_from(["revenue", "new_customers"]),
        ),
        max_size=30,
    )
)
def test_duplicate_keys_found_are_the_rows_pandas_calls_duplicated(monkeypatch, dense, rows):
    """Every later row repeating an earlier row's (unit_id, rep_id, period, kpi), among
    rows whose cells all parse ("2026-13" does not), and no other row."""
    from simlib.data import validate as v
    from simlib.data.coerce import coerce_table
    from simlib.data.problems import ProblemList, TableSource

    # With no allowance the key space exceeds 4 keys a row: the sorted path runs.
    monkeypatch.setattr(v, "DENSE_KEY_SPACE", 1 << 20 if dense else -(10**9))
    raw = pd.DataFrame(rows, columns=["unit_id", "rep_id", "period", "kpi"], dtype=object)
    raw["target"] = "1"
    pr = ProblemList(cap=1000)
    t = coerce_table("targets", raw, TableSource("targets.csv", 2, "csv"), pr)
    v._check_duplicates(t, ["unit_id", "rep_id", "period", "kpi"], pr)
    found = sorted(
        p.row - 2 for p in pr.items if p.expected.startswith("one row per (unit_id, rep_id")
    )
    parses = raw["period"].isin(["2026-01", "2026-02", "2031-12"])
    keys = raw.loc[parses, ["unit_id", "rep_id", "period", "kpi"]].fillna("<empty>")
    assert found == sorted(keys.index[keys.duplicated(keep="first")].tolist())


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.one_of(st.none(), st.sampled_from(["", " ", "\t", "r1", "r1 ", " r2", "é", "1"]),
                  st.text(max_size=4)),
        max_size=30,
    ),
    dtype=st.sampled_from(["str", "string"]),
)  # fmt: skip
def test_text_codes_of_a_text_column_equal_those_of_the_same_cells_as_objects(cells, dtype):
    # A text column takes a shorter way when no cell is blank; as objects the same cells
    # take the general one (blank cells empty, values that read alike merged).
    text = text_codes(pd.Series(cells, dtype=dtype))
    general = text_codes(pd.Series(cells, dtype=object))
    assert text.uniques.tolist() == general.uniques.tolist()
    np.testing.assert_array_equal(text.codes, general.codes)
