"""Close the loop: the plan as set, saved as a reform that ``simlib run`` accepts.

The file is a scenario file (:mod:`simlib.scenario`): a header (title, author,
what, why), a baseline on the same data with the starting plan, and one reform
whose ``changes`` set exactly the plan values the controls moved, each by its
path (``plan.components[0].curve[4]: [1.5, 2.25]``). ``simlib describe`` reads
it back as those changes in plain language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from simlib._atomic import atomic_file
from simlib.i18n import _
from simlib.workbench.whatif.model import WhatIf, WhatIfError


def reform_changes(wi: WhatIf, values: Mapping[str, Any]) -> dict[str, Any]:
    """The plan values the controls changed, as ``plan.<path>: value`` entries.

    A list that changed length (a curve whose cap dropped a flat tail, a
    component added) is set whole; anything else one value at a time.
    """
    from simlib.scenario import diff

    edited = wi.spec(values)
    out: dict[str, Any] = {}
    for path, _old, new in diff(wi.base_spec, edited, prefix="plan"):
        # A curve point is written whole: its attainment and payout read together,
        # and a path ending in curve[-1][0] would mean "move the cap" to the loader.
        m = re.match(r"^(.*\.curve\[\d+\])\[\d\]$", path)
        if m:
            out[m.group(1)] = _get(edited, m.group(1))
        else:
            out[path] = new
    return out


def _get(spec: dict, path: str) -> Any:
    from simlib.scenario import get_path, parse_path

    return get_path({"plan": spec}, parse_path(path), path)


def reform_document(
    wi: WhatIf,
    values: Mapping[str, Any],
    name: str,
    title: str,
    author: str,
    what: str = "",
    why: str = "",
    data_path: str | None = None,
    plan_path: str | None = None,
) -> dict[str, Any]:
    """The scenario file (as a dict) holding the plan as set as one reform."""
    for field, v in (("title", title), ("author", author)):
        if not str(v).strip():
            raise WhatIfError(
                _("{field}: say it (the reform file's header needs a {field})").format(
                    field=_(field)
                )
            )
    changes = reform_changes(wi, values)
    if not changes:
        raise WhatIfError(_("nothing is changed from the starting plan: move a control first"))
    lines = wi.change_lines(values)
    what = what.strip() or "; ".join(lines)
    why = why.strip() or _("Tried in the what-if.")
    plan: Any = _in_project(plan_path) if plan_path else wi.base_spec
    if not data_path:
        raise WhatIfError(_("data_path: say which data the reform runs on"))
    data = _in_project(data_path)
    return {
        "title": title.strip(),
        "author": author.strip(),
        "what": what,
        "why": why,
        "batch": name,
        "baseline": {
            "data": data,
            "plan": plan,
        },
        "reforms": {
            name: {
                "title": title.strip(),
                "what": "; ".join(lines),
                "why": why,
                "changes": changes,
            }
        },
    }


def _in_project(path: str | Path) -> str:
    """A path inside the project as written from its root (readable, and valid wherever
    the project is checked out); any other path as it is."""
    from simlib.workbench import project

    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(project.root()).as_posix()
        except (ValueError, FileNotFoundError):
            return str(p)
    return p.as_posix()


def save_reform(
    wi: WhatIf,
    values: Mapping[str, Any],
    path: str | Path,
    title: str,
    author: str,
    what: str = "",
    why: str = "",
    data_path: str | None = None,
    plan_path: str | None = None,
) -> Path:
    """Write the plan as set as a reform file at ``path`` (never over an existing file).

    The file is checked by loading it as a scenario before it is moved into place.
    """
    from simlib.scenario import Scenario

    path = Path(path)
    name = path.stem
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise WhatIfError(
            _("file name {name!r}: use letters, digits, '_', '-' or '.' (it names the batch)")
            .format(name=name)
        )  # fmt: skip
    if path.exists():
        raise FileExistsError(_("{path} exists: choose another file name").format(path=path))
    doc = reform_document(wi, values, name, title, author, what, why, data_path, plan_path)
    text = (
        f"# Saved from the what-if on {wi.plan.name!r} replayed on {wi.year}.\n"
        + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    )
    with atomic_file(path, suffix=".yaml") as tmp:
        tmp.write_text(text, encoding="utf-8")
        # Validate where it will live (relative paths resolve from its folder).
        Scenario.from_yaml(tmp)
    return path


def plan_from_file(path: str | Path, ds) -> tuple[str, Any]:
    """A plan to compare with: a plan file, or the (first) reform of a saved scenario."""
    from simlib.plans import Plan
    from simlib.scenario import Scenario
    from simlib.spec import load_yaml

    path = Path(path)
    raw = load_yaml(path)
    if isinstance(raw, dict) and "baseline" in raw:
        sc = Scenario.from_yaml(path)
        member = sc.scenarios[1] if len(sc.scenarios) > 1 else sc
        return f"{path.stem}", Plan.from_dict(member.design["plan"], kpis=ds.kpi_names)
    return path.stem, Plan.from_yaml(path, kpis=ds.kpi_names)
