"""Findings of the data checks: what was found, the rules that make a finding an
error, and the caveats block reports show (see :mod:`simlib.data.checks`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Literal

import numpy as np
import pandas as pd

from simlib.data.dataset import Dataset
from simlib.errors import SimlibError, SimlibWarning
from simlib.i18n import _
from simlib.spec import StrictModel, parse_spec

#: Units and examples listed in one finding's message; the rest are counted.
MAX_LISTED = 8

Action = Literal["warn", "error"]
CHECKS = (
    "partial_year",
    "missing_months",
    "no_sales",
    "zero_targets",
    "implausible_values",
    "attainment_spread",
)


class DataCheckWarning(SimlibWarning):
    """A data check found something the numbers may suffer from (see the message)."""


class DataCheckError(SimlibError, ValueError):
    """A data check that a scenario's ``data_checks`` turned into an error failed."""

    def __init__(self, findings: Sequence[Finding], where: str = "") -> None:
        self.findings = list(findings)
        head = f"{where}: " if where else ""
        lines = [f"{head}data_checks.{f.check}: {f.text()}" for f in self.findings]
        super().__init__("\n".join(lines))


class DataChecksSettings(StrictModel):
    """What a scenario does when a data check finds something (``data_checks:``).

    Each check is ``warn`` (the default: the run goes on, the finding is printed
    and shown as a caveat on the reports) or ``error`` (the scenario is refused by
    ``simlib validate`` and by ``run``). ``partial_year`` says how a partial last
    year is used: ``annualize`` (by the seasonal profile of the full years before
    it) or ``refuse``.
    """

    #: A last year with fewer than 12 months: annualized by the seasonal profile of the
    #: full years before it, or refused.
    partial_year: Literal["annualize", "refuse"] = "annualize"
    #: Months with no sales rows for a rep who was employed (left out of both actual and
    #: target when a plan is paid on history: missing is not zero).
    missing_months: Action = "warn"
    #: Reps employed in the year with no sales rows at all.
    no_sales: Action = "warn"
    #: Targets of zero or missing for a rep who sells.
    zero_targets: Action = "warn"
    #: Values over 10 times both the rep's median month and the KPI's 99th percentile.
    implausible_values: Action = "warn"
    #: Cascade targets below 50% or above 200% of a rep's last-year run rate.
    attainment_spread: Action = "warn"

    def action(self, check: str) -> str:
        """``warn`` or ``error`` for a check (a partial year is refused where it is used,
        not where it is found: a scenario that never needs last year runs)."""
        if check == "partial_year":
            return "warn"
        return str(getattr(self, check))


def parse_settings(value: Any, where: str = "data_checks") -> DataChecksSettings:
    """A :class:`DataChecksSettings` from a mapping (``None``: the defaults)."""
    if isinstance(value, DataChecksSettings):
        return value
    return parse_spec(DataChecksSettings, value or {}, where)


@dataclass(frozen=True)
class Finding:
    """One thing a data check found.

    Attributes
    ----------
    check : str
        The check's name (one of :data:`CHECKS`), also its key under ``data_checks``.
    severity : {"warning", "error"}
    message : str
        What was found, in numbers and words.
    handling : str
        What simlib does about it (or, for an error, why it stopped).
    count : int
        How many rep-months, reps or values are concerned.
    by_unit : tuple of (unit_id, count)
        Where, counted by the rep's unit (largest first).
    """

    check: str
    severity: str
    message: str
    handling: str = ""
    count: int = 0
    by_unit: tuple[tuple[str, int], ...] = ()

    def text(self) -> str:
        return f"{self.message} {self.handling}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "handling": self.handling,
            "count": int(self.count),
            "by_unit": [[u, int(n)] for u, n in self.by_unit],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        return cls(
            check=str(d["check"]),
            severity=str(d.get("severity", "warning")),
            message=str(d.get("message", "")),
            handling=str(d.get("handling", "")),
            count=int(d.get("count", 0)),
            by_unit=tuple((str(u), int(n)) for u, n in d.get("by_unit", ())),
        )


@dataclass(frozen=True)
class DataChecks:
    """Every finding of :func:`check_dataset` (and of a cascade), with the rules applied."""

    findings: tuple[Finding, ...] = ()
    settings: DataChecksSettings = field(default_factory=DataChecksSettings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]

    def __bool__(self) -> bool:
        return bool(self.findings)

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def plus(self, more: Iterable[Finding]) -> DataChecks:
        """These findings and ``more`` (a finding already present is not repeated)."""
        seen = list(self.findings)
        for f in more:
            if f not in seen:
                seen.append(f)
        return DataChecks(tuple(seen), self.settings)

    def records(self) -> list[dict[str, Any]]:
        """Plain dicts, for storing with a result (``provenance["caveats"]``)."""
        return [f.as_dict() for f in self.findings]

    def as_frame(self) -> pd.DataFrame:
        cols = ["check", "severity", "message", "handling", "count"]
        return pd.DataFrame([f.as_dict() for f in self.findings], columns=[*cols, "by_unit"])[cols]

    def text(self) -> str:
        if not self.findings:
            return _("Data checks: nothing found.")
        lines = [_("Data checks: {count} finding(s)").format(count=len(self.findings))]
        for f in self.findings:
            lines.append(f"  {f.severity}: [{f.check}] {f.text()}")
        return "\n".join(lines)

    def raise_errors(self, where: str = "") -> None:
        """Raise :class:`DataCheckError` when a rule made any finding an error."""
        if self.errors:
            raise DataCheckError(self.errors, where)

    def emit(self, where: str = "", stacklevel: int = 3) -> None:
        """Each warning as a :class:`DataCheckWarning` (what a run prints)."""
        head = f"{where}: " if where else ""
        for f in self.warnings:
            warnings.warn(
                _("{head}[{check}] {text}").format(head=head, check=f.check, text=f.text()),
                DataCheckWarning,
                stacklevel=stacklevel,
            )


# ---------------------------------------------------------------- helpers
def make_finding(
    settings: DataChecksSettings,
    check: str,
    message: str,
    handling: str,
    count: int,
    by_unit: Sequence[tuple[str, int]] = (),
    refused: str = "",
) -> Finding:
    error = settings.action(check) == "error"
    if error:
        handling = refused or _(
            "data_checks.{check} is 'error' in the scenario, so this stops the run; "
            "fix the data or set it to 'warn'."
        ).format(check=check)
    return Finding(
        check, "error" if error else "warning", message, handling, int(count), tuple(by_unit)
    )


def counts_by_unit(ds: Dataset, rep_positions: np.ndarray, weights: np.ndarray | None = None):
    """``(unit_id, count)`` pairs, largest first, for reps at ``rep_positions``."""
    units = ds.reps["unit_id"].to_numpy(dtype=object)[rep_positions]
    w = np.ones(len(units)) if weights is None else np.asarray(weights, dtype=float)
    s = pd.Series(w).groupby(pd.Series(units.astype(str))).sum().sort_values(ascending=False)
    return [(str(u), int(n)) for u, n in s.items()]


def units_text(pairs: Sequence[tuple[str, int]], what: str) -> str:
    """``what`` ("months", "reps" or "values") counted by unit, the largest first."""
    shown = ", ".join(f"{u} {n}" for u, n in pairs[:MAX_LISTED])
    more = (
        _(" and {count} more units").format(count=len(pairs) - MAX_LISTED)
        if len(pairs) > MAX_LISTED
        else ""
    )
    head = {
        "months": _("months by unit: {units}"),
        "reps": _("reps by unit: {units}"),
        "values": _("values by unit: {units}"),
    }[what]
    return head.format(units=shown + more)


def ids_text(ids: Sequence[Any]) -> str:
    ids = [str(x) for x in ids]
    more = (
        _(" and {count} more").format(count=len(ids) - MAX_LISTED) if len(ids) > MAX_LISTED else ""
    )
    return ", ".join(ids[:MAX_LISTED]) + more


# ------------------------------------------------------------------ reports
def caveats_of(source: Any) -> list[Finding]:
    """Findings from a simulation result (its ``provenance["caveats"]``), a
    :class:`DataChecks`, or a list of findings / dicts."""
    if source is None:
        return []
    if isinstance(source, DataChecks):
        return list(source.findings)
    prov = getattr(source, "provenance", None)
    if isinstance(prov, Mapping):
        source = prov.get("caveats") or []
    return [f if isinstance(f, Finding) else Finding.from_dict(f) for f in source]


def caveats_block(*sources: Any, title: str | None = None) -> str:
    """A short HTML block listing the data caveats behind a result ('' when none).

    Each source is a simulation result, a :class:`DataChecks` or a list of
    findings; the same finding from several sources (a baseline and its reforms
    on one dataset) is listed once.
    """
    seen: list[Finding] = []
    for s in sources:
        for f in caveats_of(s):
            if f not in seen:
                seen.append(f)
    if not seen:
        return ""
    from simlib.i18n import _

    items = "".join(
        f"<li><b>{escape(_(f.check.replace('_', ' ')))}</b>: {escape(f.text())}</li>" for f in seen
    )
    title = _("Caveats") if title is None else title
    about = _("(about the data these results rest on)")
    return (
        f'<div class="caveats" style="border-left:4px solid #c80;padding:4px 10px;'
        f'margin:8px 0;background:#fff8ec"><b>{escape(title)}</b> {escape(about)}'
        f"<ul style='margin:4px 0'>{items}</ul></div>"
    )
