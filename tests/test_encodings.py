"""UTF-16 input, as Excel's "Unicode text" and some CRMs save it: with or without a
byte-order mark, detected or named with --encoding, for datasets and spec files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import simlib as sl
from simlib.spec import load_yaml
from simlib.workbench.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("data") / "utf8"
    sl.data.synthetic.generate(n_reps=60, months=24, seed=5).save(p)
    return p


def recode(src: Path, dst: Path, encoding: str) -> Path:
    shutil.copytree(src, dst)
    for f in dst.glob("*.csv"):
        f.write_bytes(f.read_text(encoding="utf-8").encode(encoding))
    return dst


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("named", [False, True], ids=["detected", "--encoding utf-16"])
def test_utf16_data_reads_the_same_as_utf8(small, tmp_path, capsys, encoding, named):
    # Python's "utf-16" writes a byte-order mark; "-le" / "-be" do not.
    d = recode(small, tmp_path / encoding, encoding)
    assert main(["validate", str(d), *(["--encoding", "utf-16"] if named else [])]) == 0
    assert "valid" in capsys.readouterr().out
    a = sl.load_dataset(small)
    b = sl.load_dataset(d, encoding="utf-16" if named else None)
    assert a.sales.equals(b.sales)
    assert list(a.units["name"]) == list(b.units["name"])  # the Chinese names survive


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_spec_files_in_unicode_encodings_read_the_same(tmp_path, encoding):
    text = (ROOT / "scenarios" / "plans" / "am_current.yaml").read_text(encoding="utf-8")
    p = tmp_path / "plan.yaml"
    p.write_bytes(text.encode(encoding))
    assert load_yaml(p) == yaml.safe_load(text)
