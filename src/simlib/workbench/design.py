"""A design search's output folder: the files :mod:`simlib.search.output` writes, the
confirmed runs in a results store and the report page, replaced as a whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simlib._atomic import atomic_dir
from simlib.search.output import SUMMARY, check_out_folder, summary, write_design_files
from simlib.search.run import SearchResult
from simlib.workbench.render import render_report
from simlib.workbench.store import Store, run_key


def store_runs(result: SearchResult, scenario: Any, path: Path, batch: str = "design") -> list[str]:
    """Save the baseline, the base and every confirmed design's run in a results store."""
    from simlib import code_version
    from simlib.scenario import BASELINE, Scenario

    store = Store(path)
    keys = []
    items = [(BASELINE, result.baseline, scenario.members.get(BASELINE, scenario).design)]
    if result.spec.base != BASELINE:
        items.append((result.spec.base, result.base, scenario.members[result.spec.base].design))
    items += [(ev.name, ev, result.space.apply(ev.values)) for ev in result.confirmed]
    for name, ev, design in items:
        if ev.result is None:
            continue
        sc = Scenario(name=name, design=design)
        prov = ev.result.provenance
        key = run_key(sc.hash, str(prov.get("data_hash", "")), int(prov["seed"]),
                      int(prov["draws"]), code_version())  # fmt: skip
        ev.result.name = name
        store.save(key, ev.result, scenario=sc, batch=batch)
        store.log(batch, name, key, "simulated", float(ev.result.seconds), "design search")
        keys.append(key)
    return keys


def write_outputs(
    result: SearchResult,
    scenario: Any,
    out: str | Path,
    source: str = "",
    report: bool = True,
) -> Path:
    """Write everything a search found into ``out`` (replaced atomically as a whole).

    Parameters
    ----------
    result : SearchResult
    scenario : Scenario
        The scenario file's baseline (its members, file and header).
    out : path
        The folder; an existing one is replaced only once the new one is complete.
    source : str
        How the search was asked for (the scenario file's name), for the headers.
    report : bool
        Also render the report page ``design.html`` (needs the ``simlib`` Jupyter kernel).
    """
    out = check_out_folder(out)
    source = source or (Path(scenario.file).name if scenario.file else "scenario")
    with atomic_dir(out) as tmp:
        written = write_design_files(result, scenario, tmp, source)
        info = summary(result, source)
        info["written"] = written
        (tmp / SUMMARY).write_text(
            json.dumps(info, default=str, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        result.table().to_csv(tmp / "evaluations.csv", index=False)
        result.table(result.confirmed).to_csv(tmp / "confirmed.csv", index=False)
        result.frontier.to_csv(tmp / "frontier.csv", index=False)
        result.sensitivity.to_csv(tmp / "sensitivity.csv", index=False)
        store_runs(result, scenario, tmp / "results.duckdb")
        if report:
            render_report(
                "design", tmp, parameters={"search_dir": str(tmp)},
                title=f"Design search: {result.spec.what}",
            )  # fmt: skip
    return out
