"""Atomic outputs: all or nothing, with ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from simlib._atomic import atomic_dir, atomic_file, write_text


def test_file_appears_whole_with_umask_permissions(tmp_path):
    target = tmp_path / "report.html"
    with atomic_file(target) as tmp:
        tmp.write_text("half")
        assert not target.exists()
    assert target.read_text() == "half"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("new")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_folder_is_replaced_whole(tmp_path):
    target = tmp_path / "out"
    with atomic_dir(target) as d:
        (d / "x.csv").write_text("1")
    with atomic_dir(target) as d:
        (d / "y.csv").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["y.csv"]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
