"""Display names from the data: what a report calls a KPI, unit, position or grade.

A dataset folder may hold an optional ``labels`` table (``labels.csv``, ``.parquet``
or ``.xlsx``) beside its other tables::

    kind,code,name_en,name_zh
    kpi,revenue,Revenue,营业收入
    unit,E,East region,华东区
    position,store_sales,Store sales,营业厅销售
    grade,P3,Grade P3,P3级

``kind`` is one of :data:`KINDS`; ``code`` is the value the data use (a KPI code, a
``unit_id``, a ``position``, a pay ``grade``, an org ``level``, a plan
``component`` name or an appraisal ``rating`` name); ``name_en`` / ``name_zh`` are
what English and Chinese reports show, either may be empty. Without a name the
reports show, in Chinese, the ``kpis.label`` / ``units.name`` of the data, and
otherwise the code itself (see ``docs/labels.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simlib import i18n
from simlib.errors import SimlibError
from simlib.i18n import _

#: What a label may name.
KINDS: tuple[str, ...] = ("kpi", "unit", "position", "grade", "level", "component", "rating")
COLUMNS: tuple[str, ...] = ("kind", "code", "name_en", "name_zh")
_SUFFIXES = (".csv", ".parquet", ".xlsx")


class LabelsError(SimlibError, ValueError):
    """The labels table cannot be used; the message names the file, row and column."""


@dataclass(frozen=True)
class Labels:
    """Display names by (kind, code) and language, with the code as the fallback."""

    names: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def name(self, kind: str, code: object, lang: str | None = None) -> str:
        """The name of ``code`` in ``lang`` (default: the language in force), else the
        code as text."""
        lang = i18n.normalize(lang) if lang is not None else i18n.current()
        by_lang = self.names.get((kind, str(code)), {})
        return by_lang.get(lang) or str(code)

    def mapping(self, kind: str, codes: Iterable[object], lang: str | None = None) -> dict:
        """``{code: name}`` for ``codes``: for renaming a table's index or columns."""
        return {c: self.name(kind, c, lang) for c in codes}

    def __len__(self) -> int:
        return len(self.names)


def _find(folder: Path) -> Path | None:
    hits = [folder / f"labels{s}" for s in _SUFFIXES if (folder / f"labels{s}").exists()]
    if len(hits) > 1:
        raise LabelsError(
            _("{folder}: one labels table, please; found {files}").format(
                folder=folder, files=", ".join(p.name for p in hits)
            )
        )
    return hits[0] if hits else None


def read_labels(path: str | Path) -> pd.DataFrame:
    """The labels table at ``path`` (a file, or a dataset folder holding one), checked:
    the four columns, a known ``kind`` and one row per (kind, code). An empty frame
    when a folder has no labels table."""
    p = Path(path)
    if p.is_dir():
        found = _find(p)
        if found is None:
            return pd.DataFrame(columns=list(COLUMNS))
        p = found
    if p.suffix == ".csv":
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    elif p.suffix == ".parquet":
        df = pd.read_parquet(p).astype("string").fillna("")
    elif p.suffix == ".xlsx":
        df = pd.read_excel(p, dtype=str).fillna("")
    else:
        raise LabelsError(_("{p}: a labels table is .csv, .parquet or .xlsx").format(p=p))
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise LabelsError(
            _("{p}: missing column(s) {missing}; expected {COLUMNS}").format(
                p=p, missing=", ".join(missing), COLUMNS=COLUMNS
            )
        )
    extra = [c for c in df.columns if c not in COLUMNS]
    if extra:
        raise LabelsError(
            _("{p}: unknown column(s) {extra}; expected {COLUMNS}").format(
                p=p, extra=", ".join(map(str, extra)), COLUMNS=COLUMNS
            )
        )
    for i, r in df.iterrows():
        row = int(i) + 2  # the header is line 1
        if r["kind"] not in KINDS:
            raise LabelsError(
                _("{p}: row {row}, column kind: {kind!r}; expected one of {KINDS}").format(
                    p=p, row=row, kind=r["kind"], KINDS=", ".join(KINDS)
                )
            )
        if not str(r["code"]).strip():
            raise LabelsError(
                _("{p}: row {row}, column code: empty; expected the data's code").format(
                    p=p, row=row
                )
            )
    dup = df.duplicated(["kind", "code"], keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise LabelsError(
            _(
                "{p}: row {row}, columns kind, code: ({kind}, {code}) appears twice; expected "
                "one row per (kind, code)"
            ).format(p=p, row=i + 2, kind=df["kind"].iloc[i], code=df["code"].iloc[i])
        )
    return df[list(COLUMNS)].reset_index(drop=True)


def check_codes(table: pd.DataFrame, ds, where: str = "labels") -> list[str]:
    """Problems with labels naming codes the dataset does not have (KPIs, units,
    positions, grades, levels): one sentence each, naming the row."""
    known = {
        "kpi": set(ds.kpis["kpi"].astype(str)),
        "unit": set(ds.units["unit_id"].astype(str)),
        "position": set(ds.reps["position"].astype(str)),
        "grade": set(ds.reps["grade"].astype(str)),
        "level": set(ds.units["level"].astype(str)),
    }
    out = []
    for i, r in table.iterrows():
        codes = known.get(r["kind"])
        if codes is not None and r["code"] not in codes:
            out.append(
                _("{where}: row {row}, column code: {kind} {code!r} is not in the data").format(
                    where=where, row=int(i) + 2, kind=r["kind"], code=r["code"]
                )
            )
    return out


def load_labels(path: str | Path | None = None, ds=None) -> Labels:
    """The display names of a dataset: the ``labels`` table in the folder ``path`` (when
    there is one), completed from the data itself in Chinese (``kpis.label``,
    ``units.name``, which name things in Chinese in the bundled sample and in the
    source practice). With ``ds`` the labels' codes are checked against the data."""
    names: dict[tuple[str, str], dict[str, str]] = {}
    if ds is not None:
        if "label" in ds.kpis:
            for k, lab in zip(ds.kpis["kpi"], ds.kpis["label"], strict=True):
                if pd.notna(lab) and str(lab).strip():
                    names.setdefault(("kpi", str(k)), {})["zh-CN"] = str(lab)
        for u, nm in zip(ds.units["unit_id"], ds.units["name"], strict=True):
            if pd.notna(nm) and str(nm).strip():
                names.setdefault(("unit", str(u)), {})["zh-CN"] = str(nm)
    if path is not None and Path(path).is_dir() or (path is not None and Path(path).is_file()
                                                      and Path(path).stem == "labels"):  # fmt: skip
        table = read_labels(path)
        if ds is not None:
            problems = check_codes(table, ds, str(path))
            if problems:
                raise LabelsError("; ".join(problems))
        for r in table.itertuples(index=False):
            d = names.setdefault((r.kind, r.code), {})
            if r.name_en:
                d["en"] = r.name_en
            if r.name_zh:
                d["zh-CN"] = r.name_zh
    return Labels(names)
