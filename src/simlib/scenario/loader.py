"""Reading what a scenario names: its files (inlined), its dataset (cached per
process) and a company target grown from last year's actuals.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

from simlib.errors import SpecError
from simlib.i18n import _
from simlib.scenario.schema import FILE_FIELDS, Design, ScenarioError
from simlib.spec import load_yaml, parse_spec


def project_root() -> Path:
    """The folder of the shipped ``scenarios/``, ``data/`` and ``notebooks/``: the source
    checkout, or the copies an installed wheel carries (:mod:`simlib.bundled`)."""
    from simlib import bundled

    return bundled.root()


class FileLoader:
    """Reads the files a scenario names.

    **One rule for relative paths** (``data``, ``plan``, ``appraisal``,
    ``targets.cascade``, ``outcomes.merit``): relative to the folder of the
    scenario file that names them; when nothing is there, relative to the
    project root (so a file shipped in the repository, like ``scenarios/demo.yaml``
    naming ``scenarios/plans/am_current.yaml``, works from any working
    directory). The working directory is never consulted: the same file means
    the same thing wherever the command is run. Every path is resolved to an
    absolute one once, here; notebooks (which run in the project root) receive
    absolute paths.
    """

    def __init__(self, root_dir: Path) -> None:
        self.root_dir = Path(root_dir).resolve()
        self.sources: dict[str, str] = {}

    def find(self, value: str, where: str) -> Path:
        p = Path(value).expanduser()
        tried = [p] if p.is_absolute() else [self.root_dir / p, project_root() / p]
        for cand in tried:
            if cand.exists():
                return cand.resolve()
        looked = " or ".join(str(c) for c in dict.fromkeys(tried))
        raise SpecError(
            [
                (
                    where,
                    _("file not found: {value} (looked for {looked})").format(
                        value=value, looked=looked
                    ),
                )
            ]
        )

    def __call__(self, field_path: str, value: str, where: str) -> dict:
        p = self.find(value, where)
        data = load_yaml(p)
        if field_path == "appraisal" and isinstance(data, dict) and set(data) == {"scorecard"}:
            data = data["scorecard"]
        if not isinstance(data, dict):
            raise SpecError(
                [(where, _("{value}: expected a mapping in the file").format(value=value))]
            )
        self.sources[field_path] = value
        return data

    def inline_all(self, raw: dict, where: str) -> dict:
        out = copy.deepcopy(raw)
        for fp in FILE_FIELDS:
            tokens = fp.split(".")
            parent = out
            for t in tokens[:-1]:
                parent = parent.get(t) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and isinstance(parent.get(tokens[-1]), str):
                parent[tokens[-1]] = self(fp, parent[tokens[-1]], f"{where}.{fp}")
        if isinstance(out.get("data"), str):
            out["data"] = str(self.find(out["data"], f"{where}.data"))
        return out


def validate_design(raw: dict, where: str) -> dict:
    """Check a resolved design in full: the scenario keys, then the plan, scorecard,
    cascade and merit matrix each with their own rules; return it unchanged."""
    design = parse_spec(Design, raw, where)
    errors: list[tuple[str, str]] = []
    from simlib.plans import Plan

    try:
        Plan.from_dict(raw["plan"], root=f"{where}.plan")
    except SpecError as exc:
        errors.extend(exc.errors)
    if isinstance(design.appraisal, dict):
        from simlib.appraisal.scorecard import Scorecard

        try:
            Scorecard.from_dict(design.appraisal)
        except SpecError as exc:
            errors.extend((f"{where}.appraisal: {p}", m) for p, m in exc.errors)
    if isinstance(design.outcomes.merit, dict):
        from simlib.outcomes import MeritMatrixSpec

        try:
            parse_spec(MeritMatrixSpec, design.outcomes.merit, f"{where}.outcomes.merit")
        except SpecError as exc:
            errors.extend(exc.errors)
    if design.behavior is not None:
        from simlib.behavior import parse_behavior

        try:
            parse_behavior(design.behavior)
        except SpecError as exc:
            errors.extend((f"{where}.{p}", m) for p, m in exc.errors)
    if isinstance(design.targets.cascade, dict):
        from simlib.targets.spec import parse_cascade_spec

        try:
            parse_cascade_spec(design.targets.cascade)
        except SpecError as exc:
            errors.extend((f"{where}.targets.cascade: {p}", m) for p, m in exc.errors)
    if errors:
        raise SpecError(errors)
    return raw


_LOADED: dict[tuple[str, float], Any] = {}


def cached_dataset(path: str):
    """Load (and cache by path and modification time) a dataset."""
    from simlib.data.io import load_dataset

    p = Path(path)
    try:
        stamp = (
            max((f.stat().st_mtime for f in p.iterdir()), default=0.0)
            if p.is_dir()
            else p.stat().st_mtime
        )
    except FileNotFoundError:
        raise ScenarioError(_("data: {path} not found").format(path=path)) from None
    key = (str(p.resolve()), stamp)
    if key not in _LOADED:
        _LOADED.clear()  # one dataset at a time is what a batch uses
        _LOADED[key] = load_dataset(p)
    return _LOADED[key]


def grown_company_target(
    ds, year: int, growth: float, partial_year: str = "annualize"
) -> dict[str, float]:
    """Last year's company actual per KPI, grown by ``growth`` (rate KPIs kept).

    A last year with fewer than 12 months of data is never taken for a full year:
    it is annualized by the seasonal profile of the full years before it, or
    refused (``partial_year``), see :func:`simlib.data.checks.last_year_actual`.
    """
    from simlib.data.checks import DataCheckWarning, last_year_actual

    s = ds.sales.loc[ds.sales["period"].dt.year == year - 1]
    out = {}
    for kpi in ds.kpi_names:
        v = s.loc[s["kpi"] == kpi, "value"]
        if ds.kpi(kpi)["aggregation"] == "sum":
            ly = last_year_actual(ds, kpi, year - 1, partial_year)
            if ly.partial:
                warnings.warn(
                    _(
                        "company_growth: {year} has {months} of 12 months of data; the "
                        "company {kpi} target grows {basis}"
                    ).format(year=year - 1, months=ly.months, kpi=kpi, basis=ly.basis),
                    DataCheckWarning,
                    stacklevel=3,
                )
            out[kpi] = ly.value * (1 + growth)
        else:
            out[kpi] = float(v.mean())
    return out
