"""Loaders and savers: every format round-trips to equal frames; Chinese text survives."""

from __future__ import annotations

import codecs
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typed_contract import assert_typed_contract

import simlib as sl
from simlib.data.dataset import Dataset
from simlib.data.io import detect_encoding, load_dataset, read_raw, save_dataset
from simlib.errors import DataValidationError, SimlibError

ROOT = Path(__file__).resolve().parents[1]
GOOD = Path(__file__).parent / "fixtures" / "good"
SAMPLE = ROOT / "data" / "sample"

# (format, encoding): every way a dataset can be written.
WAYS = [
    ("csv", "utf-8"),
    ("csv", "utf-8-sig"),
    ("csv", "gb18030"),
    ("parquet", "utf-8"),
    ("excel", "utf-8"),
    ("duckdb", "utf-8"),
]


def assert_same(a: Dataset, b: Dataset, exact: bool = True) -> None:
    """Equal tables: same columns, dtypes, order and values (bit-for-bit when ``exact``;
    Excel keeps 15-16 significant digits, its documented precision, so it is
    compared to a relative 1e-14)."""
    ta, tb = a.tables(), b.tables()
    assert ta.keys() == tb.keys()
    for name in ta:
        pd.testing.assert_frame_equal(
            ta[name], tb[name], obj=name, check_exact=exact, rtol=0 if exact else 1e-14, atol=0
        )


def _target(tmp_path: Path, fmt: str, enc: str) -> Path:
    return tmp_path / ("ds.duckdb" if fmt == "duckdb" else f"{fmt}-{enc}")


@pytest.mark.parametrize(("fmt", "enc"), WAYS)
def test_tiny_round_trip(tiny_ds, tmp_path, fmt, enc):
    path = tiny_ds.save(_target(tmp_path, fmt, enc), format=fmt, encoding=enc)
    back = load_dataset(path)
    assert_same(tiny_ds, back)
    # The path, and for CSV the encoding each file was read in.
    assert back.source == str(path) or back.source.startswith(f"{path} (CSV encoding")
    assert (back.source == str(path)) == (fmt != "csv")
    assert back.units.loc[0, "name"] == "总部"


@pytest.mark.parametrize(("fmt", "enc"), WAYS)
def test_fixture_round_trip_with_optional_tables(tmp_path, fmt, enc):
    ds = load_dataset(GOOD)
    assert ds.potential is not None and ds.targets is not None and ds.competence is not None
    back = load_dataset(ds.save(_target(tmp_path, fmt, enc), format=fmt, encoding=enc))
    assert_same(ds, back)
    assert_typed_contract(back)


def test_csv_bytes_are_really_in_the_encoding_asked(tiny_ds, tmp_path):
    gb = tiny_ds.save(tmp_path / "gb", encoding="gb18030")
    raw = (gb / "units.csv").read_bytes()
    assert "总部".encode("gb18030") in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    sig = tiny_ds.save(tmp_path / "sig", encoding="utf-8-sig")
    assert (sig / "units.csv").read_bytes().startswith(codecs.BOM_UTF8)
    plain = tiny_ds.save(tmp_path / "plain")
    assert not (plain / "units.csv").read_bytes().startswith(codecs.BOM_UTF8)
    assert "总部".encode() in (plain / "units.csv").read_bytes()


def test_encodings_are_detected_and_reported(tiny_ds, tmp_path):
    for enc, want in [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")]:
        folder = tiny_ds.save(tmp_path / enc, encoding=enc)
        assert detect_encoding(folder / "units.csv") == want
        _, sources, problems = read_raw(folder)
        assert problems == []
        assert sources["units"].encoding == want and sources["units"].encoding_detected
    # Pure ASCII is valid UTF-8: detected as such even when written as GB18030.
    assert detect_encoding(tmp_path / "gb18030" / "kpis.csv") == "utf-8"


def test_gbk_written_file_loads(tiny_ds, tmp_path):
    """What Excel on a Chinese Windows writes is GBK; GB18030 is its superset."""
    folder = tiny_ds.save(tmp_path / "gbk", encoding="gbk")
    assert_same(tiny_ds, load_dataset(folder))
    assert_same(tiny_ds, load_dataset(folder, encoding="gbk"))


def test_wrong_encoding_given_names_the_file(tiny_ds, tmp_path):
    folder = tiny_ds.save(tmp_path / "gb", encoding="gb18030")
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder, encoding="utf-8")
    (p,) = [p for p in err.value.problems if p.file == "units.csv"]
    assert "utf-8" in p.expected and "does not decode" in p.expected


def test_utf8_with_bom_given_as_utf8_still_reads_the_first_column(tiny_ds, tmp_path):
    folder = tiny_ds.save(tmp_path / "sig", encoding="utf-8-sig")
    assert_same(tiny_ds, load_dataset(folder, encoding="utf-8"))


def test_mixed_formats_in_one_folder(tiny_ds, tmp_path):
    csv = tiny_ds.save(tmp_path / "csv")
    pq = tiny_ds.save(tmp_path / "pq", format="parquet")
    xl = tiny_ds.save(tmp_path / "xl", format="excel")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "kpis.csv").write_bytes((csv / "kpis.csv").read_bytes())
    (mixed / "units.xlsx").write_bytes((xl / "units.xlsx").read_bytes())
    (mixed / "reps.csv").write_bytes((csv / "reps.csv").read_bytes())
    (mixed / "sales.parquet").write_bytes((pq / "sales.parquet").read_bytes())
    assert_same(tiny_ds, load_dataset(mixed))


def test_single_workbook_with_one_sheet_per_table(tiny_ds, tmp_path):
    book = tmp_path / "dataset.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as xw:
        for name, df in tiny_ds.tables().items():
            out = df.copy()
            if "period" in out:
                out["period"] = out["period"].astype(str)
            out.to_excel(xw, sheet_name=name, index=False)
    assert_same(tiny_ds, load_dataset(book))
    folder = tmp_path / "folder_with_book"
    folder.mkdir()
    (folder / "export.xlsx").write_bytes(book.read_bytes())
    assert_same(tiny_ds, load_dataset(folder))


def test_same_table_twice_is_an_error(tiny_ds, tmp_path):
    folder = tiny_ds.save(tmp_path / "twice")
    tiny_ds.save(tmp_path / "pq", format="parquet")
    (folder / "sales.parquet").write_bytes((tmp_path / "pq" / "sales.parquet").read_bytes())
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    (p,) = err.value.problems
    assert p.file == "sales.csv, sales.parquet" and "one source for table 'sales'" in p.expected


def test_missing_path_and_not_a_dataset(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset not found"):
        load_dataset(tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SimlibError, match="not a dataset"):
        load_dataset(tmp_path / "notes.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataValidationError) as err:
        load_dataset(empty)
    assert sorted(p.file for p in err.value.problems) == [
        "kpis.csv",
        "reps.csv",
        "sales.csv",
        "units.csv",
    ]


def test_save_refuses_to_wipe_a_folder_with_other_files(tiny_ds, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    with pytest.raises(SimlibError, match="refusing to replace"):
        tiny_ds.save(folder)
    assert (folder / "thesis.docx").read_text() == "precious"
    # A folder holding only dataset tables is replaced whole (old tables go).
    ds_folder = tiny_ds.save(tmp_path / "ds", format="parquet")
    tiny_ds.save(ds_folder, format="csv")
    assert sorted(p.suffix for p in ds_folder.iterdir()) == [".csv"] * 4


def test_save_rejects_unknown_format_and_encoding(tiny_ds, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        save_dataset(tiny_ds, tmp_path / "x", format="json")
    with pytest.raises(LookupError):
        save_dataset(tiny_ds, tmp_path / "x", encoding="no-such-codec")
    assert not (tmp_path / "x").exists()


def test_save_overwrites_duckdb_atomically(tiny_ds, tmp_path):
    db = tmp_path / "d.duckdb"
    tiny_ds.save(db, format="duckdb")
    tiny_ds.save(db, format="duckdb")  # replaces, does not append
    assert_same(tiny_ds, load_dataset(db))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.duckdb"]


def test_text_files_use_month_and_iso_date_text(tiny_ds, tmp_path):
    folder = tiny_ds.save(tmp_path / "t")
    sales = (folder / "sales.csv").read_text(encoding="utf-8").splitlines()
    assert sales[1].startswith("r1,2026-01,revenue,")
    reps = (folder / "reps.csv").read_text(encoding="utf-8").splitlines()
    assert reps[3] == "r3,N1b,account_manager,2022-03-01,2026-02-20,90000.0,P4"
    assert reps[1] == "r1,N1a,account_manager,2020-01-01,,120000.0,P5"


def test_sample_as_gb18030_csv_loads_equal_to_utf8(tmp_path, sample_ds):
    """The bundled sample, written as GB18030 CSV (Excel on a Chinese system), loads equal."""
    ds = sample_ds
    gb = ds.save(tmp_path / "sample_gb18030", format="csv", encoding="gb18030")
    back = sl.load_dataset(gb)
    assert_same(ds, back)
    assert {s for s in ds.units["name"] if any(ord(c) > 127 for c in s)}, "sample has Chinese names"


# ------------------------------------------------------------------- property
_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + " ,.'\"-_()总部华北区组销售经理客户",
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() != "")
# Strings that readers like to turn into missing values, booleans or numbers.
_TRICKY = st.sampled_from(
    ["NA", "null", "None", "nan", "N/A", "#N/A", "#DIV/0!", "=A1", "TRUE", "1.0", "007"]
)
_TEXT = st.one_of(_TEXT, _TRICKY)


@st.composite
def datasets(draw) -> Dataset:
    """Random valid small datasets: a random tree, reps with tenures, sales in tenure."""
    n_kpi = draw(st.integers(1, 3))
    units_kinds = draw(
        st.lists(st.sampled_from(["currency", "count", "rate"]), min_size=n_kpi, max_size=n_kpi)
    )
    kpi_names = [f"k{i}" for i in range(n_kpi)]
    kpis = pd.DataFrame(
        {
            "kpi": kpi_names,
            "direction": draw(
                st.lists(st.sampled_from(["higher", "lower"]), min_size=n_kpi, max_size=n_kpi)
            ),
            "unit": units_kinds,
            "aggregation": ["mean" if u == "rate" else "sum" for u in units_kinds],
            "weight_kpi": pd.array([pd.NA] * n_kpi, dtype="string"),
            "allow_negative": [u == "currency" and draw(st.booleans()) for u in units_kinds],
            "label": draw(st.lists(_TEXT, min_size=n_kpi, max_size=n_kpi)),
        }
    )
    n_units = draw(st.integers(1, 6))
    parents = [pd.NA] + [f"u{draw(st.integers(0, i - 1))}" for i in range(1, n_units)]
    units = pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(n_units)],
            "parent_id": pd.array(parents, dtype="string"),
            "level": ["company"] + ["team"] * (n_units - 1),
            "name": draw(st.lists(_TEXT, min_size=n_units, max_size=n_units)),
        }
    )
    n_reps = draw(st.integers(1, 5))
    months = pd.period_range("2025-11", "2026-02", freq="M")
    hire_m = draw(st.lists(st.integers(0, 3), min_size=n_reps, max_size=n_reps))
    stay = draw(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=n_reps, max_size=n_reps))
    hire = [months[h].start_time + pd.Timedelta(days=draw(st.integers(0, 27))) for h in hire_m]
    exit_ = [
        pd.NaT if s is None or h + s > 3 else months[h + s].end_time.normalize()
        for h, s in zip(hire_m, stay, strict=True)
    ]
    reps = pd.DataFrame(
        {
            "rep_id": [f"r{i}" for i in range(n_reps)],
            "unit_id": [f"u{draw(st.integers(0, n_units - 1))}" for _ in range(n_reps)],
            "position": draw(st.lists(_TEXT, min_size=n_reps, max_size=n_reps)),
            "hire_date": pd.to_datetime(hire).astype("datetime64[us]"),
            "exit_date": pd.to_datetime(exit_).astype("datetime64[us]"),
            "base_salary": draw(
                st.lists(st.floats(0, 1e6, allow_nan=False), min_size=n_reps, max_size=n_reps)
            ),
            "grade": draw(st.lists(_TEXT, min_size=n_reps, max_size=n_reps)),
        }
    )
    rows = []
    for i in range(n_reps):
        last = 3 if pd.isna(exit_[i]) else hire_m[i] + stay[i]
        for m in range(hire_m[i], last + 1):
            for k, u in zip(kpi_names, units_kinds, strict=True):
                if u == "rate":
                    v = draw(st.floats(0, 1, allow_nan=False))
                elif u == "count":
                    v = float(draw(st.integers(0, 500)))
                else:
                    v = draw(
                        st.floats(
                            -1e7 if kpis.set_index("kpi").loc[k, "allow_negative"] else 0,
                            1e7,
                            allow_nan=False,
                        )
                    )
                rows.append((f"r{i}", months[m], k, v))
    sales = pd.DataFrame(rows, columns=["rep_id", "period", "kpi", "value"])
    sales["period"] = sales["period"].astype("period[M]")
    sales["rep_id"] = sales["rep_id"].astype("str")
    sales["kpi"] = sales["kpi"].astype("str")
    return Dataset(kpis=kpis, units=units, reps=reps, sales=sales, source="random")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ds=datasets())
def test_random_valid_datasets_round_trip(tmp_path_factory, ds):
    if ds.sales.empty:
        return  # no sales at all is rejected on purpose (tested in test_validate)
    tmp = tmp_path_factory.mktemp("rt")
    for fmt, enc in WAYS:
        back = load_dataset(ds.save(_target(tmp, fmt, enc), format=fmt, encoding=enc))
        assert_same(ds, back, exact=fmt != "excel")
        assert_typed_contract(back)  # what the loader returns keeps the typed contract
        a, b = ds.sales_array(), back.sales_array()
        assert np.allclose(a, b, rtol=0 if fmt != "excel" else 1e-14, atol=0, equal_nan=True)


@pytest.mark.parametrize(("fmt", "enc"), [("csv", "utf-8-sig"), ("parquet", ""), ("duckdb", "")])
def test_sample_round_trips_through_other_formats(tmp_path, fmt, enc, sample_ds):
    ds = sample_ds
    back = load_dataset(ds.save(_target(tmp_path, fmt, enc), format=fmt, encoding=enc or "utf-8"))
    assert_same(ds, back)


@pytest.mark.parametrize(("fmt", "enc"), WAYS)
def test_text_that_looks_missing_or_numeric_stays_text(tiny_ds, tmp_path, fmt, enc):
    tricky = ["NA", "#N/A", "=1+1", "007", "1.0"]
    reps = tiny_ds.reps.assign(grade=pd.array(tricky, dtype="str"))
    ds = Dataset(kpis=tiny_ds.kpis, units=tiny_ds.units, reps=reps, sales=tiny_ds.sales)
    back = load_dataset(ds.save(_target(tmp_path, fmt, enc), format=fmt, encoding=enc))
    assert back.reps["grade"].tolist() == tricky


# ------------------------------------------------------------ fixed defects: data loading and validation
def test_unknown_encoding_is_one_clear_error(tiny_ds, tmp_path):
    from simlib.data.io import EncodingNameError
    from simlib.data.validate import validate_cli

    folder = tiny_ds.save(tmp_path / "ds")
    with pytest.raises(EncodingNameError) as err:
        load_dataset(folder, encoding="foo")
    msg = str(err.value)
    assert "'foo'" in msg and "gb18030" in msg and "utf-8-sig" in msg
    assert isinstance(err.value, SimlibError) and isinstance(err.value, LookupError)
    import io as _io

    buf = _io.StringIO()
    assert validate_cli(folder, encoding="foo", out=buf) == 2
    assert "unknown encoding 'foo'" in buf.getvalue() and "Traceback" not in buf.getvalue()


def test_broken_duckdb_view_names_the_table(tiny_ds, tmp_path):
    import duckdb

    db = tiny_ds.save(tmp_path / "d.duckdb", format="duckdb")
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE gone AS SELECT 1 AS x")
    con.execute("CREATE VIEW targets AS SELECT * FROM gone")
    con.execute("DROP TABLE gone")
    con.close()
    with pytest.raises(DataValidationError) as err:
        load_dataset(db)
    (p,) = err.value.problems
    assert p.file == "d.duckdb:targets" and "a readable table or view" in p.expected


def test_save_in_an_encoding_that_cannot_hold_a_name(tiny_ds, tmp_path):
    # 䶮 (as in the name 刘䶮) is in GB18030 and Unicode but not in GBK.
    units = tiny_ds.units.copy()
    units.loc[2, "name"] = "刘䶮组"
    ds = Dataset(kpis=tiny_ds.kpis, units=units, reps=tiny_ds.reps, sales=tiny_ds.sales)
    with pytest.raises(SimlibError) as err:
        ds.save(tmp_path / "gbk", encoding="gbk")
    msg = str(err.value)
    # Table units, record 3 = file line 4 (after the header), column name.
    assert "units" in msg and "line 4" in msg and "'name'" in msg and "'䶮'" in msg
    assert "gb18030" in msg and "utf-8" in msg
    assert not (tmp_path / "gbk").exists()
    back = load_dataset(ds.save(tmp_path / "gb", encoding="gb18030"))
    assert back.units.loc[2, "name"] == "刘䶮组"


def test_workbook_without_a_table_sheet_lists_its_sheets(tiny_ds, tmp_path):
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as xw:
        for name, df in tiny_ds.tables().items():
            sheet = "Sales data" if name == "sales" else name
            out = df.assign(period=df["period"].astype(str)) if "period" in df else df
            out.to_excel(xw, sheet_name=sheet, index=False)
    with pytest.raises(DataValidationError) as err:
        load_dataset(book)
    (p,) = err.value.problems
    assert "sheets: kpis, units, reps, Sales data" in p.expected
    assert "a sheet named sales" in p.expected


def test_a_typed_table_without_a_required_column_names_it(tiny_ds):
    from simlib.data.validate import validate_tables

    tables = {**tiny_ds.tables(), "reps": tiny_ds.reps.drop(columns="grade")}
    _, problems = validate_tables(tables)
    (p,) = problems
    assert (p.file, p.row, p.column) == ("reps", None, "grade")
    assert p.expected.startswith("a column 'grade' (required in reps;")


def test_undecodable_csv_gives_line_and_byte(tiny_ds, tmp_path):
    folder = tiny_ds.save(tmp_path / "ds")
    good = (folder / "reps.csv").read_bytes()
    lines = good.split(b"\n")
    lines[2] = lines[2].replace(b"P4", b"P\xff4")  # file line 3
    (folder / "reps.csv").write_bytes(b"\n".join(lines))
    byte = good.index(b"P4", len(lines[0]) + len(lines[1]) + 2) + 1
    for enc in (None, "utf-8"):
        with pytest.raises(DataValidationError) as err:
            load_dataset(folder, encoding=enc)
        (p,) = err.value.problems
        assert p.row == 3 and f"byte {byte:,}" in p.expected, str(p)


def test_latin1_or_big5_text_read_as_gb18030_is_flagged(tiny_ds, tmp_path):
    """GB18030 decodes almost any bytes: cp1252 'Renée Müller' comes out as Ren閑 M黮ler."""
    latin = Dataset(
        kpis=tiny_ds.kpis,
        units=tiny_ds.units.assign(name=["Siège", *tiny_ds.units["name"][1:]]),
        reps=tiny_ds.reps.assign(
            manager=["Renée Müller", "François", "Renée Müller", "Hélène", "François"]
        ),
        sales=tiny_ds.sales,
    )
    big5 = Dataset(
        kpis=tiny_ds.kpis,
        units=tiny_ds.units.assign(
            name=["總公司", "北區業務", "南區業務", "臺北分行", "臺北一組", "臺北二組", "高雄組"]
        ),
        reps=tiny_ds.reps,
        sales=tiny_ds.sales,
    )
    for enc, d, file in (("cp1252", latin, "reps.csv"), ("big5", big5, "units.csv")):
        folder = d.save(tmp_path / enc, encoding="utf-8")
        for f in folder.iterdir():  # re-encode: what a non-Chinese system exports
            f.write_bytes(f.read_text(encoding="utf-8").encode(enc))
        assert detect_encoding(folder / file) == "gb18030"
        with pytest.raises(DataValidationError) as err:
            load_dataset(folder)
        problems = err.value.problems
        assert file in {p.file for p in problems}
        for p in problems:
            assert "--encoding" in p.expected and enc in p.expected, str(p)
        assert_same(d, load_dataset(folder, encoding=enc))  # given: read as asked
    # Real Chinese text, rare name characters (喆, 堃) included, is not flagged.
    cn = tiny_ds.units.assign(
        name=["总公司", "华北大区", "华南大区", "北京分公司", "北京喆组", "北京二组", "广州堃组"]
    )
    d = Dataset(kpis=tiny_ds.kpis, units=cn, reps=tiny_ds.reps, sales=tiny_ds.sales)
    assert_same(d, load_dataset(d.save(tmp_path / "cn", encoding="gb18030")))


def test_source_and_summary_say_which_encoding_was_used(tiny_ds, tmp_path):
    import io as _io

    from simlib.data.validate import validate_cli

    folder = tiny_ds.save(tmp_path / "gb", encoding="gb18030")
    ds = load_dataset(folder)
    # Only units.csv holds Chinese; the other files are ASCII, which is UTF-8 too.
    assert ds.source == (
        f"{folder} (CSV encodings detected: utf-8 for kpis.csv, reps.csv, sales.csv; "
        "gb18030 for units.csv)"
    )
    buf = _io.StringIO()
    assert validate_cli(folder, out=buf) == 0
    assert "encoding gb18030, detected" in buf.getvalue()
    assert load_dataset(folder, encoding="gb18030").source == f"{folder} (CSV encoding gb18030)"
    pq = tiny_ds.save(tmp_path / "pq", format="parquet")
    assert load_dataset(pq).source == str(pq)


@pytest.mark.parametrize(("fmt", "enc"), WAYS)
def test_placeholder_exit_date_round_trips(tmp_path, fmt, enc):
    ds = load_dataset(GOOD.parent / "odd" / "placeholder_exit")
    back = load_dataset(ds.save(_target(tmp_path, fmt, enc), format=fmt, encoding=enc))
    assert_same(ds, back)
    assert back.reps["exit_date"].iloc[3] == pd.Timestamp("9999-12-31")
