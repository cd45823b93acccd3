"""What a batch records about each scenario and report, and the batch as a whole."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simlib.i18n import N_, _


def dumps(obj: Any) -> str:
    """JSON for report payloads (paths and numpy scalars allowed)."""
    return json.dumps(obj, default=str, ensure_ascii=False, indent=2)


# ====================================================================== batches
#: Statuses of a scenario in a batch.
OK_STATUSES = ("simulated", "reused")

#: How the command line's progress lines name each status (the store keeps the codes).
_STATUS_WORDS = {
    "simulated": N_("simulated"),
    "reused": N_("reused"),
    "failed": N_("failed"),
    "kept": N_("kept"),
    "report": N_("report"),
    "rendered": N_("rendered"),
    "removed": N_("removed"),
}


def status_word(status: str) -> str:
    """``status`` as the progress lines show it, in the language in force."""
    word = _STATUS_WORDS.get(status)
    return _(word) if word else status


@dataclass
class BatchItem:
    """What happened to one scenario of a batch."""

    name: str
    position: int
    status: str  # simulated | reused | failed | kept
    key: str | None = None
    message: str = ""
    html: str | None = None
    seconds: float = 0.0
    what: str = ""
    kind: str = ""
    headline: str = ""


@dataclass
class BatchResult:
    """A finished batch: where its reports are and what happened to each scenario."""

    batch: str
    out_dir: Path
    index: Path
    items: list[BatchItem]
    extras: list[BatchItem]
    seconds: float
    compare: BatchItem | None = None

    @property
    def failed_scenarios(self) -> list[BatchItem]:
        """Scenarios that could not be built or simulated."""
        return [i for i in self.items if i.status == "failed"]

    @property
    def failed_reports(self) -> list[BatchItem]:
        """Scenario reports and other reports that failed to render."""
        return [i for i in self.items if i.status == "report failed"] + [
            e for e in self.extras if e.status == "failed"
        ]

    @property
    def compare_failed(self) -> bool:
        return self.compare is not None and self.compare.status == "failed"

    @property
    def failed(self) -> list[BatchItem]:
        """Everything that failed: scenarios, reports and the comparison."""
        out = self.failed_scenarios + self.failed_reports
        return out + [self.compare] if self.compare_failed else out

    def summary(self) -> str:
        """One line counting each kind of failure, e.g. for the command line."""
        parts = [
            _("{n} scenario(s), {failed} failed").format(
                n=len(self.items), failed=len(self.failed_scenarios)
            )
        ]
        n_reports = sum(1 for i in self.items if i.html or i.status == "report failed") + len(
            self.extras
        )
        if n_reports or self.failed_reports:
            parts.append(
                _("{failed} of {n} report(s) failed").format(
                    failed=len(self.failed_reports), n=n_reports
                )
            )
        if self.compare is not None:
            parts.append(_("comparison FAILED") if self.compare_failed else _("comparison ok"))
        return _("; ").join(parts)


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()
