"""The parameters of a topic report (data health, targets, plans, appraisal, behaviour)
on any dataset; :func:`simlib.workbench.render.render_topic` renders it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simlib.i18n import _
from simlib.topics import TOPICS, ReportParameterError

#: Other spellings a user may type for a topic.
ALIASES = {"behaviour": "behavior", "data-health": "data_health", "health": "data_health",
           "target": "targets", "plan": "plans"}  # fmt: skip
#: Parameters that name files: a relative path is taken from the caller's folder.
PATH_PARAMETERS = ("data_path", "spec_path", "scorecard_path", "plan_file",
                   "reference_plan_file", "plan_files")  # fmt: skip


def topic_name(name: str) -> str:
    """The topic's notebook stem for ``name`` (aliases allowed), or a clear error."""
    key = ALIASES.get(name.lower(), name.lower())
    if key not in TOPICS:
        raise ReportParameterError(
            _("unknown topic {name!r}; the topics are {topics}").format(
                name=name, topics=", ".join(TOPICS)
            )
        )
    return key


def _absolute(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_absolute(v) for v in value]
    if isinstance(value, str) and Path(value).exists():
        return str(Path(value).resolve())
    return value  # left for the notebook, which resolves it against the project


def topic_parameters(
    name: str, data: str | Path, currency: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The notebook parameters of a topic report on ``data``: paths made absolute, the
    currency passed on, and for appraisal the leadership copy (no rep IDs listed)
    unless the caller asks for rows."""
    name = topic_name(name)
    data = Path(data)
    if not data.exists():
        raise ReportParameterError(_("{data}: no such dataset folder or file").format(data=data))
    params = {k: (_absolute(v) if k in PATH_PARAMETERS else v)
              for k, v in dict(parameters or {}).items()}  # fmt: skip
    params["data_path"] = str(data.resolve())
    if currency is not None:
        params["currency"] = currency
    if name == "appraisal":
        params.setdefault("list_rows", 0)
    return params
