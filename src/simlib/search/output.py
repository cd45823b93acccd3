"""What a design search leaves behind: scenario and plan files and tables (written here),
the results store and the report page (written by :func:`simlib.workbench.design.write_outputs`).

``simlib design FILE --out DIR`` writes::

    DIR/
      designs/recommended.yaml     a scenario file: the baseline + the found design as a reform
      designs/frontier_01.yaml     one per frontier point (same layout)
      plans/recommended.yaml       the found plan in full (what the what-if opens with --plan)
      plans/frontier_01.yaml
      summary.json                 settings, the outcome in words, goals at the recommended design
      evaluations.csv              every design screened: parameters, metrics, goal shortfalls
      frontier.csv                 the frontier with each goal's status
      sensitivity.csv              the objective as each parameter moves alone
      confirmed.csv                the final set at full draws
      results.duckdb               the confirmed runs, baseline and base (results store)
      design.html                  the report page (with --report)

Every file opens with a header saying what it is, why, and which search found it
with which settings, so a found design can be read, run (``simlib run``),
described (``simlib describe``) and changed like one written by hand.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from simlib.errors import SpecError
from simlib.i18n import _
from simlib.scenario.search_spec import shown_goal
from simlib.search.run import SearchResult

SUMMARY = "summary.json"


def _header(lines: dict[str, str]) -> str:
    out = []
    for key, text in lines.items():
        words = str(text).split()
        line = f"# {key + ':':<9} "
        for w in words:
            if len(line) + len(w) > 88 and line.strip() != f"# {key}:":
                out.append(line.rstrip())
                line = "#           "
            line += w + " "
        out.append(line.rstrip())
    return "\n".join(out) + "\n"


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def found_by(result: SearchResult, source: str) -> str:
    """The search's settings in one sentence (what every written file's header says)."""
    s = result.settings
    return (
        f"simlib design {source}: differential evolution (scipy), seed {s['seed']}, "
        f"{s['generations']} generations of {s['population']} designs, {s['evaluations']} "
        f"designs screened at {s['screening_draws']} draws, {s['confirmed']} confirmed at "
        f"{s['confirmation_draws']} draws with simulation seed {s['simulation_seed']} "
        f"(the same random years for every design)"
    )


def _baseline_section(scenario: Any) -> dict[str, Any]:
    """The file's baseline as written, with every file it names made absolute."""
    from simlib.scenario import BASELINE, FILE_FIELDS, FileLoader
    from simlib.spec import load_yaml

    base = scenario.members.get(BASELINE, scenario)
    if scenario.file is None:
        return copy.deepcopy(base.design)
    raw = copy.deepcopy(load_yaml(scenario.file)["baseline"])
    loader = FileLoader(Path(scenario.file).parent)
    for fp in (*FILE_FIELDS, "data"):
        parent, tokens = raw, fp.split(".")
        for t in tokens[:-1]:
            parent = parent.get(t) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and isinstance(parent.get(tokens[-1]), str):
            parent[tokens[-1]] = str(loader.find(parent[tokens[-1]], f"baseline.{fp}"))
    return raw


def _changes(
    baseline: dict, design: dict, folder: Path, stem: str, rel_to: Path
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Changes turning the baseline into ``design``: files for whole rule sets, paths otherwise.

    A plan, scorecard, merit matrix or cascade that differs is written in full to
    its own file and named by path (a file replaces the rules wholesale, as a
    reform naming a file does); any other difference is one path change.
    """
    from simlib.scenario import FILE_FIELDS, diff, get_path, parse_path

    changes: dict[str, Any] = {}
    files: dict[str, Path] = {}
    for fp in FILE_FIELDS:
        try:
            old = get_path(baseline, parse_path(fp), "")
        except SpecError:  # absent in the baseline: counts as different
            old = None
        try:
            new = get_path(design, parse_path(fp), "")
        except SpecError:  # absent in the design: nothing to write
            continue
        if new is not None and new != old and isinstance(new, dict):
            sub = "plans" if fp == "plan" else "parts"
            target = folder / sub / (f"{stem}.yaml" if fp == "plan" else f"{stem}.{fp}.yaml")
            files[fp] = target
            changes[fp] = Path("..", sub, target.name).as_posix()
    for path, _old, new in diff(baseline, design):
        if any(path == fp or path.startswith(fp + ".") or path.startswith(fp + "[")
               for fp in FILE_FIELDS) or path.split(".")[0] == "data":  # fmt: skip
            continue
        if new is not None:
            changes[path] = new
    return changes, files


def write_design_files(
    result: SearchResult, scenario: Any, out: Path, source: str
) -> list[dict[str, Any]]:
    """Write the recommended design and every frontier point as scenario and plan files.

    Returns one entry per design written: name, files, parameter values, whether it
    meets every goal.
    """
    from simlib.scenario import BASELINE

    spec = result.spec
    baseline_design = scenario.members.get(BASELINE, scenario).design
    baseline_section = _baseline_section(scenario)
    by = found_by(result, source)
    today = dt.date.today().isoformat()
    points: list[tuple[str, Any]] = []
    if result.recommended is not None:
        points.append(("recommended", result.recommended))
    names = set()
    for i, row in enumerate(result.frontier.itertuples(index=False), start=1):
        ev = next(e for e in result.evaluations if e.name == row.design)
        points.append((f"frontier_{i:02d}", ev))
        names.add(ev.name)
    written = []
    for stem, ev in points:
        design = result.space.apply(ev.values)
        met = ev.feasible
        goals = (
            _("meets every goal")
            if met
            else _("misses {goals}").format(
                goals=_(", ").join(
                    _("{goal} (by {amount})").format(goal=shown_goal(k, spec), amount=f"{v:.3g}")
                    for k, v in ev.violations.items()
                    if v
                )
            )
        )
        obj = spec.objective.metric
        what = (
            _("{what}: the recommended design {name} (on {base})")
            if stem == "recommended"
            else _("{what}: the frontier point {name} (on {base})")
        ).format(what=spec.what, name=ev.name, base=spec.base)
        why = (spec.why + " " if spec.why else "") + _(
            "{metric} {value} at {draws} draws; {goals}"
        ).format(metric=obj, value=f"{ev.objective(spec):,.4g}", draws=f"{ev.draws:,}", goals=goals)
        author = _("simlib design search, {date}").format(date=today)
        step = stem.replace("_", " ")
        changes, files = _changes(baseline_design, design, out, stem, out / "designs")
        for fp, target in files.items():
            from simlib.scenario import get_path, parse_path

            rules = copy.deepcopy(get_path(design, parse_path(fp), ""))
            if fp == "plan":
                rules["name"] = _("{plan} ({step} of search)").format(
                    plan=rules.get("name", "plan"), step=step
                )
            head = _header(
                {
                    "Title": f"{rules.get('name', fp)}",
                    "Author": author,
                    "What": what,
                    "Why": why,
                    "Found by": by,
                }
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(head + _dump(rules), encoding="utf-8")
        doc = {
            "title": _("Design search: {step}").format(step=step),
            "author": author,
            "what": what,
            "why": why,
            "batch": f"design_{stem}",
            "baseline": baseline_section,
            "reforms": {
                stem: {
                    "what": _("{name} (meets every goal)").format(name=ev.name)
                    if met
                    else _("{name} (misses a goal)").format(name=ev.name),
                    "why": why,
                    "changes": changes,
                }
            },
        }
        head = _header(
            {
                "Title": doc["title"],
                "Author": doc["author"],
                "What": what,
                "Why": why,
                "Found by": by,
            }
        )
        target = out / "designs" / f"{stem}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(head + _dump(doc), encoding="utf-8")
        written.append(
            {
                "name": stem,
                "design": ev.name,
                "values": {result.spec.label(p): v for p, v in ev.values.items()},
                "meets_goals": met,
                "scenario_file": f"designs/{stem}.yaml",
                "plan_file": f"plans/{stem}.yaml" if "plan" in files else None,
            }
        )
    return written


def summary(result: SearchResult, source: str) -> dict[str, Any]:
    """The search's outcome as JSON-able data (what the report page reads)."""
    rec = result.recommended
    spec = result.spec
    return {
        "source": source,
        "currency": result.currency,
        "what": spec.what,
        "why": spec.why,
        "base": spec.base,
        "objective": {"metric": spec.objective.metric, "sense": spec.objective.sense},
        "axes": [list(a) for a in result.axes],
        "parameters": {spec.label(p): p for p in spec.parameters},
        "settings": result.settings,
        "found_by": found_by(result, source),
        "meets_goals": result.meets_goals,
        "explanation": result.explanation(),
        "conflicts": result.conflicts(),
        "in_languages": result.in_every_language(),
        "recommended": None if rec is None else {
            "design": rec.name,
            "values": {spec.label(p): v for p, v in rec.values.items()},
            "metrics": rec.metrics,
            "violations": rec.violations,
        },
        "baseline": {"metrics": result.baseline.metrics},
        "base_design": {"metrics": result.base.metrics},
        "goals_at_recommended": (
            [] if rec is None else result.goals(rec).to_dict(orient="records")
        ),
        "goals_at_baseline": result.goals(result.baseline).to_dict(orient="records"),
        "goals_at_base": result.goals(result.base).to_dict(orient="records"),
    }  # fmt: skip


def check_out_folder(out: str | Path) -> Path:
    """The output folder, refused when it holds anything but an earlier search's output.

    The folder is replaced as a whole, so it must never be one holding something else.
    """
    from simlib.search.run import SearchError

    out = Path(out)
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / SUMMARY).exists())):
        raise SearchError(
            _(
                "--out {out}: exists and is not the output of a design search; give a new folder "
                "(or an earlier search's)"
            ).format(out=out)
        )
    return out


def load_outputs(folder: str | Path) -> dict[str, Any]:
    """Read a search's folder back: the summary and its tables (for the report page)."""
    folder = Path(folder)
    info = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    for name in ("evaluations", "confirmed", "frontier", "sensitivity"):
        p = folder / f"{name}.csv"
        try:
            info[name] = pd.read_csv(p)
        except (FileNotFoundError, pd.errors.EmptyDataError):
            info[name] = pd.DataFrame()
    return info
