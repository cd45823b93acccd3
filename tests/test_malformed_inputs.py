"""Malformed inputs, one row each: files, specs and command lines a user may get wrong.

Every row runs one ``simlib`` command (in-process through :func:`simlib.workbench.cli.main`,
a handful through a real subprocess) and checks four things:

- the exit status (1: validate found problems or a file could not be used;
  2: the input or command line cannot be used as given);
- no Python traceback anywhere in the output;
- the message names where the problem is (file, row, column or spec path) and
  what was expected (each row lists words the output must contain);
- it finishes within a time bound (a bomb, a deep nesting or a huge sweep must
  be refused fast, not run).

``python tests/test_malformed_inputs.py`` runs the table outside pytest and prints
"N of M malformed inputs give a clear error or warning".
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "plans" / "am_current.yaml"
APPRAISAL = ROOT / "scenarios" / "appraisal" / "five_grade_forced.yaml"
CASCADE = ROOT / "scenarios" / "cascades" / "baseline.yaml"
#: Seconds one row may take (the slowest rows load a small dataset once).
BOUND = 30


# ------------------------------------------------------------------ building inputs
@dataclass
class Ctx:
    """Where a row writes its files: a fresh folder and a small valid dataset."""

    tmp: Path
    data: Path

    def file(self, name: str, content: str | bytes) -> Path:
        p = self.tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p

    def scenario_doc(self, **baseline) -> dict:
        base = {"data": str(self.data), "plan": str(PLAN), "simulation": {"draws": 5, "seed": 1}}
        base.update(baseline)
        return {"title": "t", "author": "a", "what": "w", "why": "y", "baseline": base}

    def scenario(self, doc: dict | None = None, name: str = "s.yaml", **baseline) -> Path:
        doc = self.scenario_doc(**baseline) if doc is None else doc
        return self.file(name, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))

    def with_top(self, **top) -> Path:
        doc = self.scenario_doc()
        for k, v in top.items():
            if v is _DROP:
                doc.pop(k, None)
            else:
                doc[k] = v
        return self.scenario(doc)

    def sim(self, **settings) -> Path:
        return self.scenario(simulation={"draws": 5, "seed": 1, **settings})

    def plan(self, mutate: Callable[[dict], None] | None = None, text: str | None = None) -> Path:
        if text is None:
            d = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
            if mutate is not None:
                mutate(d)
            text = yaml.safe_dump(d, allow_unicode=True, sort_keys=False)
        return self.file("plan.yaml", text)

    def plan_scenario(self, mutate=None, text=None) -> Path:
        return self.scenario(plan=str(self.plan(mutate, text)))

    def without(self, table: str) -> Path:
        d = self.dataset(table)
        (d / f"{table}.csv").unlink()
        return d

    def dataset(
        self, table: str, edit: Callable[[str], str] | None = None, raw: bytes | None = None
    ) -> Path:
        """A copy of the small dataset with one table's CSV text edited (or replaced)."""
        d = self.tmp / "data"
        if not d.exists():
            shutil.copytree(self.data, d)
        p = d / f"{table}.csv"
        if raw is not None:
            p.write_bytes(raw)
        elif edit is not None:
            p.write_text(edit(p.read_text(encoding="utf-8")), encoding="utf-8")
        return d


_DROP = object()


def bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def deep_flow(n: int) -> str:
    return "{a: " * n + "1" + "}" * n


def line_edit(lineno: int, old: str, new: str) -> Callable[[str], str]:
    """Replace ``old`` by ``new`` on 1-based line ``lineno`` of a CSV text."""

    def edit(text: str) -> str:
        lines = text.splitlines()
        assert old in lines[lineno - 1], (old, lines[lineno - 1])
        lines[lineno - 1] = lines[lineno - 1].replace(old, new, 1)
        return "\n".join(lines) + "\n"

    return edit


def drop_column(name: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        rows = [r.split(",") for r in text.splitlines()]
        i = rows[0].index(name)
        return "\n".join(",".join(r[:i] + r[i + 1 :]) for r in rows) + "\n"

    return edit


# ------------------------------------------------------------------ the table
@dataclass(frozen=True)
class Case:
    id: str
    argv: Callable[[Ctx], list[str]]
    code: int
    #: Words the output must contain (case-insensitive): where, and what was expected.
    words: tuple[str, ...]
    subprocess: bool = False


def V(path_fn):  # validate a file
    return lambda c: ["validate", str(path_fn(c))]


def D(path_fn):  # describe a scenario file
    return lambda c: ["describe", str(path_fn(c))]


def R(path_fn, *extra):  # run a scenario file (refused before simulating)
    return lambda c: ["run", str(path_fn(c)), "--out", str(c.tmp / "out"), "--no-reports", *extra]


def sim_case(id, settings, words, code=1):
    return Case(id, V(lambda c: c.sim(**settings)), code, words)


def plan_case(id, mutate, words, code=1):
    return Case(id, V(lambda c: c.plan_scenario(mutate)), code, words)


def _set(path: str, value):
    """A plan mutation setting one nested value (``components.0.curve``)."""

    def mutate(d):
        keys = [int(k) if k.lstrip("-").isdigit() else k for k in path.split(".")]
        cur = d
        for k in keys[:-1]:
            cur = cur[k]
        if value is _DROP:
            del cur[keys[-1]]
        else:
            cur[keys[-1]] = value

    return mutate


def reform_case(id, reforms, words, code=1):
    def build(c):
        doc = c.scenario_doc()
        doc["reforms"] = reforms(c) if callable(reforms) else reforms
        return c.scenario(doc)

    return Case(id, V(build), code, words)


def sweep_case(id, sweeps, words, code=1):
    def build(c):
        doc = c.scenario_doc()
        doc["reforms"] = {"p": {"what": "w", "changes": {"plan.components[0].weight": 1.0}}}
        doc["sweeps"] = sweeps
        return c.scenario(doc)

    return Case(id, V(build), code, words)


def data_case(id, table, edit, words, code=1, raw=None, extra=()):
    return Case(
        id,
        lambda c: ["validate", str(c.dataset(table, edit, raw)), *extra],
        code,
        words,
    )


UTF16_TEXT = "title: t\nauthor: a\n"
CASES: list[Case] = [
    # --- scenario files: the file itself ------------------------------------------------
    Case(
        "empty file",
        V(lambda c: c.file("s.yaml", "")),
        1,
        ("s.yaml", "is empty", "expected a mapping"),
    ),
    Case("comments only", V(lambda c: c.file("s.yaml", "# nothing\n")), 1, ("s.yaml", "empty")),
    Case(
        "a list",
        V(lambda c: c.file("s.yaml", "- a\n- b\n")),
        1,
        ("s.yaml", "expected a mapping", "a list"),
    ),
    Case(
        "a number",
        V(lambda c: c.file("s.yaml", "42\n")),
        1,
        ("s.yaml", "expected a mapping", "number 42"),
    ),
    Case(
        "a text",
        V(lambda c: c.file("s.yaml", "hello\n")),
        1,
        ("s.yaml", "expected a mapping", "text"),
    ),
    Case(
        "bad indentation",
        V(lambda c: c.file("s.yaml", "title: t\n  author: a\n")),
        1,
        ("s.yaml:2", "not valid yaml"),
    ),
    Case(
        "tab indentation",
        V(lambda c: c.file("s.yaml", "title: t\nbaseline:\n\tdata: x\n")),
        1,
        ("s.yaml:3", "not valid yaml"),
    ),
    Case(
        "unclosed bracket",
        V(lambda c: c.file("s.yaml", "title: [t\nauthor: a\n")),
        1,
        ("s.yaml", "not valid yaml"),
    ),
    Case(
        "unclosed quote",
        V(lambda c: c.file("s.yaml", 'title: "t\n')),
        1,
        ("s.yaml", "not valid yaml"),
    ),
    Case(
        "duplicate top key",
        V(lambda c: c.file("s.yaml", "title: a\nauthor: b\ntitle: c\n")),
        1,
        ("s.yaml:3", "duplicate key 'title'", "line 1"),
    ),
    Case(
        "duplicate nested key",
        V(lambda c: c.file("s.yaml", "title: t\nbaseline:\n  data: x\n  plan: p\n  data: y\n")),
        1,
        ("s.yaml:5", "duplicate key 'data'"),
    ),
    Case(
        "billion laughs",
        V(lambda c: c.file("s.yaml", bomb())),
        1,
        ("s.yaml", "through aliases", "expected"),
    ),
    Case(
        "billion laughs under sales_options",
        V(
            lambda c: c.file(
                "s.yaml",
                bomb(8) + "title: t\nbaseline:\n  simulation:\n    sales_options: {x: *a7}\n",
            )
        ),
        1,
        ("s.yaml", "through aliases"),
    ),
    Case(
        "billion laughs through describe",
        D(lambda c: c.file("s.yaml", bomb())),
        2,
        ("s.yaml", "through aliases"),
    ),
    Case(
        "billion laughs through run",
        R(lambda c: c.file("s.yaml", bomb())),
        2,
        ("s.yaml", "through aliases"),
    ),
    Case(
        "alias to itself", V(lambda c: c.file("s.yaml", "a: &x [*x]\n")), 1, ("s.yaml", "expected")
    ),
    Case(
        "nested 20,000 levels",
        V(lambda c: c.file("s.yaml", "title: " + deep_flow(20_000))),
        1,
        ("s.yaml", "nested too deeply"),
    ),
    Case(
        "nested 100 levels",
        V(lambda c: c.file("s.yaml", "title: " + deep_flow(100))),
        1,
        ("s.yaml:1", "nested more than 64 levels"),
    ),
    Case(
        "binary file",
        V(lambda c: c.file("s.yaml", bytes(range(256)) * 4)),
        1,
        ("s.yaml", "binary file", "expected yaml text"),
    ),
    Case(
        "zero bytes in text",
        V(lambda c: c.file("s.yaml", b"title: t\x00\n")),
        1,
        ("s.yaml", "binary", "expected yaml text"),
    ),
    Case(
        "control character",
        V(lambda c: c.file("s.yaml", b"title: t\x07\n")),
        1,
        ("s.yaml:1", "control character"),
    ),
    Case(
        "gb18030 text",
        V(lambda c: c.file("s.yaml", "title: 星河\n".encode("gb18030"))),
        1,
        ("s.yaml:1", "not utf-8 text", "save the file as utf-8"),
    ),
    Case(
        "latin-1 text",
        V(lambda c: c.file("s.yaml", "title: café\n".encode("latin-1"))),
        1,
        ("s.yaml:1", "byte 0xe9"),
    ),
    Case(
        "utf-16 with BOM, incomplete",
        V(lambda c: c.file("s.yaml", UTF16_TEXT.encode("utf-16"))),
        1,
        ("s.yaml", "baseline", "field required"),
    ),
    Case(
        "utf-16 without BOM, incomplete",
        V(lambda c: c.file("s.yaml", UTF16_TEXT.encode("utf-16-le"))),
        1,
        ("s.yaml", "baseline", "field required"),
    ),
    Case(
        "utf-16 big-endian, incomplete",
        V(lambda c: c.file("s.yaml", UTF16_TEXT.encode("utf-16-be"))),
        1,
        ("s.yaml", "baseline", "field required"),
    ),
    Case(
        "a folder as scenario (validate)",
        V(lambda c: c.file("d.yaml/x", "") and c.tmp / "d.yaml"),
        1,
        ("d.yaml", "is a folder", "expected a yaml file"),
    ),
    Case(
        "a folder as scenario (describe)",
        D(lambda c: c.file("sub/x", "") and c.tmp / "sub"),
        2,
        ("sub", "a folder", "expected a scenario file"),
    ),
    Case(
        "dataset folder to describe",
        D(lambda c: c.data),
        2,
        ("a dataset folder", "expected a scenario file", "simlib validate"),
    ),
    Case(
        "dataset folder to run",
        R(lambda c: c.data),
        2,
        ("a dataset folder", "expected a scenario file"),
    ),
    Case(
        "missing scenario file (describe)",
        D(lambda c: c.tmp / "nope.yaml"),
        2,
        ("nope.yaml", "file not found"),
    ),
    Case(
        "missing scenario file (run)",
        R(lambda c: c.tmp / "nope.yaml"),
        2,
        ("nope.yaml", "file not found"),
    ),
    Case(
        "missing scenario file (explain)",
        lambda c: ["explain", str(c.tmp / "nope.yaml"), "S00001"],
        2,
        ("nope.yaml", "file not found"),
    ),
    # --- scenario files: the header ------------------------------------------------------
    Case("no title", V(lambda c: c.with_top(title=_DROP)), 1, ("s.yaml: title", "field required")),
    Case(
        "no author", V(lambda c: c.with_top(author=_DROP)), 1, ("s.yaml: author", "field required")
    ),
    Case("no what", V(lambda c: c.with_top(what=_DROP)), 1, ("s.yaml: what", "field required")),
    Case("no why", V(lambda c: c.with_top(why=_DROP)), 1, ("s.yaml: why", "field required")),
    Case(
        "empty title",
        V(lambda c: c.with_top(title="")),
        1,
        ("s.yaml: title", "expected at least 1 character"),
    ),
    Case(
        "title a list",
        V(lambda c: c.with_top(title=["a"])),
        1,
        ("s.yaml: title", "expected a valid string"),
    ),
    Case(
        "unknown top key",
        V(lambda c: c.with_top(titel="t")),
        1,
        ("s.yaml: titel", "unknown key", "allowed here"),
    ),
    Case(
        "batch with a slash",
        V(lambda c: c.with_top(batch="a/b")),
        1,
        ("s.yaml: batch", "expected text matching"),
    ),
    Case(
        "no baseline",
        V(lambda c: c.with_top(baseline=_DROP)),
        1,
        ("s.yaml: baseline", "field required"),
    ),
    Case(
        "baseline a list",
        V(lambda c: c.with_top(baseline=[1])),
        1,
        ("s.yaml: baseline", "expected a mapping", "a list"),
    ),
    Case(
        "reforms a list",
        V(lambda c: c.with_top(reforms=[1])),
        1,
        ("s.yaml: reforms", "expected a mapping", "a list"),
    ),
    Case(
        "sweeps a mapping",
        V(lambda c: c.with_top(sweeps={"a": 1})),
        1,
        ("s.yaml: sweeps", "expected a valid list"),
    ),
    Case(
        "header problem through describe",
        D(lambda c: c.with_top(title=_DROP)),
        2,
        ("s.yaml: title", "field required"),
    ),
    Case(
        "header problem through run",
        R(lambda c: c.with_top(what=_DROP)),
        2,
        ("s.yaml: what", "field required"),
    ),
    # --- scenario files: the baseline -----------------------------------------------------
    Case(
        "no data",
        V(lambda c: c.scenario(c.scenario_doc() | {"baseline": {"plan": str(PLAN)}})),
        1,
        ("baseline.data", "field required"),
    ),
    Case(
        "data not found",
        V(lambda c: c.scenario(data="nowhere")),
        1,
        ("baseline.data", "file not found: nowhere", "looked for"),
    ),
    Case(
        "data a text file",
        V(lambda c: c.scenario(data=str(c.file("notes.txt", "hi")))),
        1,
        ("notes.txt", "not a dataset"),
    ),
    Case(
        "no plan",
        V(lambda c: c.scenario(c.scenario_doc() | {"baseline": {"data": str(c.data)}})),
        1,
        ("baseline.plan", "field required"),
    ),
    Case(
        "plan not found",
        V(lambda c: c.scenario(plan="plans/none.yaml")),
        1,
        ("baseline.plan", "file not found: plans/none.yaml"),
    ),
    Case(
        "plan a folder",
        V(lambda c: c.scenario(plan=str(c.file("pf.yaml/x", "") and c.tmp / "pf.yaml"))),
        1,
        ("pf.yaml", "is a folder"),
    ),
    Case(
        "plan file empty", V(lambda c: c.plan_scenario(text="")), 1, ("plan", "expected a mapping")
    ),
    Case(
        "plan file a list",
        V(lambda c: c.plan_scenario(text="- 1\n")),
        1,
        ("plan", "expected a mapping"),
    ),
    Case(
        "plan file binary",
        V(lambda c: c.scenario(plan=str(c.file("plan.yaml", bytes(range(256)))))),
        1,
        ("plan.yaml", "binary"),
    ),
    Case(
        "plan nested 20,000 levels",
        V(lambda c: c.plan_scenario(text="name: " + deep_flow(20_000))),
        1,
        ("plan.yaml", "nested too deeply"),
    ),
    Case(
        "plan nested 20,000 levels (describe)",
        D(lambda c: c.plan_scenario(text="name: " + deep_flow(20_000))),
        2,
        ("plan.yaml", "nested too deeply"),
    ),
    Case(
        "plan with a duplicate key",
        V(lambda c: c.plan_scenario(text=PLAN.read_text(encoding="utf-8") + "name: again\n")),
        1,
        ("plan.yaml", "duplicate key 'name'"),
    ),
    Case(
        "plan bomb", V(lambda c: c.plan_scenario(text=bomb())), 1, ("plan.yaml", "through aliases")
    ),
    Case(
        "plan in gb18030",
        V(lambda c: c.scenario(plan=str(c.file("plan.yaml", "name: 计划\n".encode("gb18030"))))),
        1,
        ("plan.yaml:1", "not utf-8"),
    ),
    Case("plan a number inline", V(lambda c: c.scenario(plan=5)), 1, ("baseline.plan", "expected")),
    Case(
        "appraisal not found",
        V(lambda c: c.scenario(appraisal="nope.yaml")),
        1,
        ("baseline.appraisal", "file not found: nope.yaml"),
    ),
    Case(
        "appraisal empty file",
        V(lambda c: c.scenario(appraisal=str(c.file("ap.yaml", "")))),
        1,
        ("ap.yaml", "expected a mapping"),
    ),
    Case(
        "appraisal duplicate key",
        V(
            lambda c: c.scenario(
                appraisal=str(
                    c.file(
                        "ap.yaml",
                        APPRAISAL.read_text(encoding="utf-8").replace(
                            "scorecard:\n", "scorecard:\n  name: x\n", 1
                        ),
                    )
                )
            )
        ),
        1,
        ("ap.yaml", "duplicate key 'name'"),
    ),
    Case(
        "appraisal binary",
        V(lambda c: c.scenario(appraisal=str(c.file("ap.yaml", b"\x00\x01\x02" * 50)))),
        1,
        ("ap.yaml", "binary"),
    ),
    Case(
        "cascade not found",
        V(lambda c: c.scenario(targets={"source": "cascade", "cascade": "nope.yaml"})),
        1,
        ("targets.cascade", "file not found: nope.yaml"),
    ),
    Case(
        "cascade duplicate key",
        V(
            lambda c: c.scenario(
                targets={
                    "source": "cascade",
                    "cascade": str(
                        c.file("cs.yaml", CASCADE.read_text(encoding="utf-8") + "name: again\n")
                    ),
                }
            )
        ),
        1,
        ("cs.yaml", "duplicate key 'name'"),
    ),
    Case(
        "cascade nested deep",
        V(
            lambda c: c.scenario(
                targets={
                    "source": "cascade",
                    "cascade": str(c.file("cs.yaml", "name: " + deep_flow(5000))),
                }
            )
        ),
        1,
        ("cs.yaml", "nested too deeply"),
    ),
    Case(
        "targets source unknown",
        V(lambda c: c.scenario(targets={"source": "guess"})),
        1,
        ("targets.source", "expected"),
    ),
    Case(
        "targets unknown key",
        V(lambda c: c.scenario(targets={"source": "data", "sorce": 1})),
        1,
        ("targets.sorce", "unknown key"),
    ),
    Case(
        "unknown baseline key",
        V(lambda c: c.scenario(plann=str(PLAN))),
        1,
        ("plann", "unknown key"),
    ),
    Case(
        "report min_group 0",
        V(lambda c: c.scenario(report={"min_group": 0})),
        1,
        ("report.min_group", "greater than or equal to 1"),
    ),
    Case(
        "report unknown key",
        V(lambda c: c.scenario(report={"show_pay": True})),
        1,
        ("report.show_pay", "unknown key"),
    ),
    Case(
        "outcomes pip_floor 5",
        V(lambda c: c.scenario(outcomes={"pip_floor": 5})),
        1,
        ("outcomes.pip_floor", "less than or equal to 2"),
    ),
    Case(
        "outcomes unknown key",
        V(lambda c: c.scenario(outcomes={"pip": 0.7})),
        1,
        ("outcomes.pip", "unknown key"),
    ),
    Case(
        "behavior unknown model",
        V(lambda c: c.scenario(behavior={"model": "efort"})),
        1,
        ("baseline.behavior", "efort"),
    ),
    # --- scenario files: simulation settings -----------------------------------------------
    sim_case("draws 0", {"draws": 0}, ("simulation.draws", "greater than or equal to 1")),
    sim_case("draws negative", {"draws": -5}, ("simulation.draws", "greater than or equal to 1")),
    sim_case(
        "draws a billion", {"draws": 10**9}, ("simulation.draws", "less than or equal to 1000000")
    ),
    sim_case(
        "draws a word", {"draws": "many"}, ("simulation.draws", "expected a valid integer", "many")
    ),
    sim_case("draws a fraction", {"draws": 1.5}, ("simulation.draws", "integer")),
    sim_case("draws true", {"draws": True}, ("simulation.draws", "expected")),
    sim_case("seed negative", {"seed": -1}, ("simulation.seed", "greater than or equal to 0")),
    sim_case(
        "seed 2^63",
        {"seed": 2**63},
        ("simulation.seed", "less than or equal to 9223372036854775807"),
    ),
    sim_case(
        "seed 2^70",
        {"seed": 2**70},
        ("simulation.seed", "less than or equal to 9223372036854775807"),
    ),
    sim_case("seed a word", {"seed": "x"}, ("simulation.seed", "expected a valid integer")),
    sim_case("backend unknown", {"backend": "gpu"}, ("simulation.backend", "'local' or 'dask'")),
    sim_case(
        "sales model unknown",
        {"sales": "magic"},
        ("simulation.sales", "'parametric' or 'bootstrap'"),
    ),
    sim_case(
        "sales_options unknown key",
        {"sales_options": {"sigma": 0.1}},
        ("simulation", "sales_options", "'sigma'", "allowed: sigma_rep"),
    ),
    sim_case(
        "sales_options unknown for bootstrap",
        {"sales": "bootstrap", "sales_options": {"sigma_rep": 0.1}},
        ("sales_options", "'sigma_rep'", "allowed: block"),
    ),
    sim_case(
        "sales_options a list",
        {"sales_options": [1, 2]},
        ("simulation.sales_options", "expected a mapping"),
    ),
    sim_case(
        "n_workers 0", {"n_workers": 0}, ("simulation.n_workers", "greater than or equal to 1")
    ),
    sim_case("threads 0", {"threads": 0}, ("simulation.threads", "greater than or equal to 1")),
    sim_case(
        "chunk_size 0", {"chunk_size": 0}, ("simulation.chunk_size", "greater than or equal to 1")
    ),
    sim_case("budget 0", {"budget": 0}, ("simulation.budget", "greater than 0")),
    sim_case("budget negative", {"budget": -1000}, ("simulation.budget", "greater than 0")),
    sim_case(
        "expected unknown", {"expected": "guess"}, ("simulation.expected", "'history' or 'target'")
    ),
    sim_case("turnover a word", {"turnover": "lots"}, ("simulation.turnover", "expected")),
    sim_case("growth a word", {"growth": "fast"}, ("simulation.growth", "expected")),
    sim_case(
        "groupings a word",
        {"groupings": "region"},
        ("simulation.groupings", "expected a valid list"),
    ),
    sim_case("unknown simulation key", {"draw": 5}, ("simulation.draw", "unknown key", "draws")),
    sim_case("year without targets", {"year": 2031}, ("simulation.year", "2031 has no targets")),
    sim_case(
        "grouping the data lacks",
        {"groupings": ["regionn"]},
        ("simulation.groupings[0]", "unknown group 'regionn'"),
    ),
    Case(
        "simulation a number",
        V(lambda c: c.scenario(simulation=5)),
        1,
        ("baseline.simulation", "expected a mapping", "number 5", "draws"),
    ),
    Case(
        "simulation a list",
        V(lambda c: c.scenario(simulation=[1])),
        1,
        ("baseline.simulation", "expected a mapping", "a list"),
    ),
    Case(
        "seed 2^70 through run",
        R(lambda c: c.sim(seed=2**70)),
        2,
        ("simulation.seed", "less than or equal"),
    ),
    Case(
        "draws a billion through run",
        R(lambda c: c.sim(draws=10**9)),
        2,
        ("simulation.draws", "less than or equal to 1000000"),
    ),
    # --- plans ------------------------------------------------------------------------------
    plan_case("plan unknown key", _set("bonus", 1), ("plan.bonus", "unknown key")),
    plan_case(
        "plan no components", _set("components", _DROP), ("plan.components", "field required")
    ),
    plan_case("plan empty components", _set("components", []), ("plan.components", "expected")),
    plan_case(
        "plan component unknown type",
        _set("components.0.type", "magic"),
        ("plan.components[0]", "expected"),
    ),
    plan_case(
        "plan component no kpi",
        _set("components.0.kpi", _DROP),
        ("plan.components[0].kpi", "field required"),
    ),
    plan_case(
        "plan kpi the data lacks",
        lambda d: (d.update(kpis=["revenu"]), d["components"][0].update(kpi="revenu")),
        ("plan.components[0].kpi", "'revenu' is not in the data"),
    ),
    plan_case(
        "plan weight negative",
        _set("components.0.weight", -1),
        ("plan.components[0].weight", "expected"),
    ),
    plan_case(
        "plan weight a word",
        _set("components.0.weight", "half"),
        ("plan.components[0].weight", "expected a valid number"),
    ),
    plan_case(
        "plan curve attainment falls",
        _set("components.0.curve", [[1.0, 1.0], [0.9, 1.2]]),
        ("plan.components[0].curve", "increase"),
    ),
    plan_case(
        "plan curve point of three",
        _set("components.0.curve", [[1.0, 1.0, 1.0], [1.2, 1.4]]),
        ("plan.components[0].curve[0]", "expected at most 2 item(s), found 3"),
    ),
    plan_case(
        "plan curve a word",
        _set("components.0.curve", "steep"),
        ("plan.components[0].curve", "expected"),
    ),
    plan_case(
        "plan curve not a number",
        _set("components.0.curve", [[1.0, "x"], [1.2, 1.4]]),
        ("plan.components[0].curve[0]", "expected"),
    ),
    plan_case("plan period unknown", _set("period", "decade"), ("plan.period", "expected")),
    plan_case(
        "plan pay mix a word",
        _set("target_incentive.pay_mix", "70/30"),
        ("plan.target_incentive.pay_mix", "expected"),
    ),
    plan_case("plan positions a word", _set("positions", 5), ("plan.positions", "expected")),
    plan_case(
        "plan positions nobody holds", _set("positions", ["nobody_has_this"]), ("nobody_has_this",)
    ),
    plan_case("plan name a list", _set("name", ["a"]), ("plan.name", "expected a valid string")),
    plan_case(
        "plan component name missing",
        _set("components.0.name", _DROP),
        ("plan.components[0].name", "field required"),
    ),
    plan_case(
        "plan component unknown key",
        _set("components.0.kicker", 2),
        ("plan.components[0].kicker", "unknown key"),
    ),
    # --- reforms ----------------------------------------------------------------------------
    reform_case(
        "reform without what",
        {"r": {"changes": {"plan.components[0].weight": 1.0}}},
        ("reforms.r.what", "field required"),
    ),
    reform_case(
        "reform without changes", {"r": {"what": "w"}}, ("reforms.r.changes", "field required")
    ),
    reform_case(
        "reform with empty changes",
        {"r": {"what": "w", "changes": {}}},
        ("reforms.r.changes", "at least 1 item"),
    ),
    reform_case(
        "reform on an unknown base",
        {"r": {"what": "w", "base": "nope", "changes": {"plan.name": "x"}}},
        ("reforms.r.base", "no scenario 'nope'"),
    ),
    reform_case(
        "reforms in a cycle",
        {
            "a": {"what": "w", "base": "b", "changes": {"plan.name": "x"}},
            "b": {"what": "w", "base": "a", "changes": {"plan.name": "y"}},
        },
        ("reforms.a.base", "cycle"),
    ),
    reform_case(
        "reform named baseline",
        {"baseline": {"what": "w", "changes": {"plan.name": "x"}}},
        ("reforms.baseline", "reserved"),
    ),
    reform_case(
        "reform path bad syntax",
        {"r": {"what": "w", "changes": {"plan..name": "x"}}},
        ("reforms.r.plan..name", "cannot read the path"),
    ),
    reform_case(
        "reform path to no key",
        {"r": {"what": "w", "changes": {"plan.nokey.x": 1}}},
        ("reforms.r.plan.nokey.x", "no such key"),
    ),
    reform_case(
        "reform index out of range",
        {"r": {"what": "w", "changes": {"plan.components[9].weight": 1}}},
        ("reforms.r.plan.components[9].weight", "no such element"),
    ),
    reform_case(
        "reform unknown key",
        {"r": {"what": "w", "changes": {"plan.name": "x"}, "becauses": "x"}},
        ("reforms.r.becauses", "unknown key"),
    ),
    reform_case(
        "reform plan file missing",
        {"r": {"what": "w", "changes": {"plan": "gone.yaml"}}},
        ("reforms.r", "file not found: gone.yaml"),
    ),
    reform_case(
        "reform plan file bomb",
        lambda c: {"r": {"what": "w", "changes": {"plan": str(c.file("bomb.yaml", bomb()))}}},
        ("bomb.yaml", "through aliases"),
    ),
    reform_case(
        "reform breaks the plan",
        {"r": {"what": "w", "changes": {"plan.components[0].weight": "x"}}},
        ("r", "weight", "expected"),
    ),
    reform_case(
        "reform sets draws to a billion",
        {"r": {"what": "w", "changes": {"simulation.draws": 10**9}}},
        ("r", "simulation.draws", "less than or equal"),
    ),
    reform_case(
        "reform sets a bad seed",
        {"r": {"what": "w", "changes": {"simulation.seed": -3}}},
        ("r", "simulation.seed", "greater than or equal to 0"),
    ),
    reform_case(
        "reform adds unknown sales option",
        {"r": {"what": "w", "changes": {"simulation.sales_options": {"foo": 1}}}},
        ("r", "sales_options", "'foo'"),
    ),
    # --- sweeps -----------------------------------------------------------------------------
    sweep_case(
        "sweep without name",
        [{"what": "w", "grid": {"plan.components[0].weight": [1]}}],
        ("sweeps[0].name", "field required"),
    ),
    sweep_case(
        "sweep without grid", [{"name": "s", "what": "w"}], ("sweeps[0].grid", "field required")
    ),
    sweep_case(
        "sweep empty grid",
        [{"name": "s", "what": "w", "grid": {}}],
        ("sweeps[0].grid", "at least 1 item"),
    ),
    sweep_case(
        "sweep path with no values",
        [{"name": "s", "what": "w", "grid": {"plan.name": []}}],
        ("sweeps[0]", "give at least one value"),
    ),
    sweep_case(
        "sweep values not a list",
        [{"name": "s", "what": "w", "grid": {"plan.name": "x"}}],
        ("sweeps[0].grid", "expected a valid list"),
    ),
    sweep_case(
        "sweep unknown base",
        [{"name": "s", "what": "w", "base": "zz", "grid": {"plan.name": ["a"]}}],
        ("sweeps[0].base", "no scenario 'zz'"),
    ),
    sweep_case(
        "sweep labels not in grid",
        [{"name": "s", "what": "w", "grid": {"plan.name": ["a"]}, "labels": {"x": "y"}}],
        ("sweeps[0]", "not paths of the grid"),
    ),
    sweep_case(
        "sweep of 10,000 x 10,000",
        [
            {
                "name": "s",
                "what": "w",
                "grid": {
                    "plan.components[0].weight": list(range(10_000)),
                    "plan.name": [str(i) for i in range(10_000)],
                },
            }
        ],
        ("sweeps", "100,000,002 scenarios", "at most 20,000"),
    ),
    sweep_case(
        "sweep cap below the point before",
        [{"name": "cap", "what": "w", "grid": {"plan.components[0].curve[-1][0]": [0.5]}}],
        ("cap", "must be a number above"),
    ),
    sweep_case(
        "sweep names collide",
        [
            {"name": "s", "what": "w", "grid": {"plan.name": ["a"]}},
            {"name": "s", "what": "w", "grid": {"plan.name": ["a"]}},
        ],
        ("collides",),
    ),
    sweep_case(
        "sweep unknown key",
        [{"name": "s", "what": "w", "grid": {"plan.name": ["a"]}, "grids": 1}],
        ("sweeps[0].grids", "unknown key"),
    ),
    Case(
        "sweep of 200 without --yes",
        R(
            lambda c: c.scenario(
                c.scenario_doc()
                | {
                    "sweeps": [
                        {
                            "name": "w",
                            "what": "w",
                            "grid": {"simulation.seed": list(range(200))},
                        }
                    ]
                }
            )
        ),
        2,
        ("201 simulations", "more than 100", "--yes", "expected to take about"),
    ),
    # --- command lines ------------------------------------------------------------------------
    Case("no command", lambda c: [], 2, ("usage", "required: command")),
    Case("unknown command", lambda c: ["simulate"], 2, ("invalid choice: 'simulate'",)),
    Case(
        "run without a file",
        lambda c: ["run"],
        2,
        ("the following arguments are required: scenario",),
    ),
    Case(
        "unknown option",
        lambda c: ["run", "x.yaml", "--drwas", "5"],
        2,
        ("unrecognized arguments: --drwas",),
    ),
    Case(
        "--draws 0",
        lambda c: ["run", "x.yaml", "--draws", "0"],
        2,
        ("--draws", "at least 1, got 0"),
    ),
    Case("--draws -3", lambda c: ["run", "x.yaml", "--draws", "-3"], 2, ("--draws", "at least 1")),
    Case(
        "--draws a word",
        lambda c: ["run", "x.yaml", "--draws", "x"],
        2,
        ("--draws", "expected a whole number, got 'x'"),
    ),
    Case(
        "--draws 1e6 as text",
        lambda c: ["run", "x.yaml", "--draws", "1e6"],
        2,
        ("--draws", "expected a whole number"),
    ),
    Case(
        "--draws a billion",
        lambda c: ["run", "x.yaml", "--draws", "1000000000"],
        2,
        ("--draws", "at most 1,000,000"),
    ),
    Case(
        "demo --draws a billion",
        lambda c: ["demo", "--draws", str(10**9)],
        2,
        ("--draws", "at most 1,000,000"),
    ),
    Case(
        "--workers 0", lambda c: ["run", "x.yaml", "--workers", "0"], 2, ("--workers", "at least 1")
    ),
    Case(
        "--sim-workers a word",
        lambda c: ["run", "x.yaml", "--sim-workers", "two"],
        2,
        ("--sim-workers", "expected a whole number"),
    ),
    Case(
        "report --workers 0",
        lambda c: ["report", "x", "--workers", "0"],
        2,
        ("--workers", "at least 1"),
    ),
    Case(
        "--out is a file",
        lambda c: ["run", str(c.sim()), "--out", str(c.file("taken.txt", "x")), "--no-reports"],
        2,
        ("--out", "taken.txt", "is a file", "expected a folder"),
    ),
    Case(
        "--out is /dev/null",
        lambda c: ["run", str(c.sim()), "--out", "/dev/null", "--no-reports"],
        2,
        ("--out /dev/null", "is a file", "expected a folder"),
    ),
    Case(
        "--out under a file",
        lambda c: ["run", str(c.sim()), "--out", str(c.file("f.txt", "x") / "out"), "--no-reports"],
        2,
        ("--out", "f.txt", "cannot create the folder"),
    ),
    Case(
        "--out under /proc",
        lambda c: ["run", str(c.sim()), "--out", "/proc/simlib-out", "--no-reports"],
        2,
        ("--out /proc/simlib-out", "cannot create the folder"),
    ),
    Case(
        "--out on a read-only file system",
        lambda c: ["run", str(c.sim()), "--out", "/sys/simlib-out", "--no-reports"],
        2,
        ("--out /sys/simlib-out", "cannot create the folder"),
    ),
    Case(
        "--out's store is a file",
        lambda c: [
            "run",
            str(c.sim()),
            "--out",
            str((c.file("o.store", "x"), c.tmp / "o")[1]),
            "--no-reports",
        ],
        2,
        ("o.store", "is a file", "expected a folder"),
    ),
    Case(
        "--scenario-name unknown",
        lambda c: ["explain", str(c.sim()), "S00001", "--scenario-name", "nope"],
        1,
        ("--scenario-name 'nope'", "no such scenario", "baseline"),
    ),
    Case(
        "explain an unknown rep",
        lambda c: ["explain", str(c.sim()), "NOBODY"],
        1,
        ("NOBODY", "no targets", "is the rep id right"),
    ),
    Case(
        "report on a missing folder",
        lambda c: ["report", str(c.tmp / "gone")],
        2,
        ("gone", "no such batch folder", "simlib run"),
    ),
    Case(
        "report on a folder with no store",
        lambda c: ["report", str(c.file("r/index.html", "x").parent)],
        2,
        ("no results store", "simlib run"),
    ),
    Case(
        "validate a missing path", lambda c: ["validate", str(c.tmp / "missing")], 2, ("missing",)
    ),
    Case(
        "validate a text file",
        lambda c: ["validate", str(c.file("notes.txt", "x"))],
        2,
        ("notes.txt", "not a dataset", "give a folder"),
    ),
    Case(
        "validate --encoding unknown",
        lambda c: ["validate", str(c.data), "--encoding", "utf-99"],
        2,
        ("utf-99", "unknown encoding"),
    ),
    # --- dataset files -----------------------------------------------------------------------
    Case(
        "sales.csv missing",
        lambda c: ["validate", str(c.without("sales"))],
        1,
        ("sales", "required table"),
    ),
    data_case("sales.csv empty", "sales", None, ("sales.csv", "empty"), raw=b""),
    data_case(
        "sales.csv header only", "sales", None, ("sales.csv",), raw=b"rep_id,period,kpi,value\n"
    ),
    data_case(
        "sales.csv binary", "sales", None, ("sales.csv", "encoding"), raw=bytes(range(256)) * 8
    ),
    data_case(
        "sales value a word",
        "sales",
        line_edit(2, "276153.0", "lots"),
        ("sales.csv 2 value", "lots"),
    ),
    data_case(
        "sales period unreadable",
        "sales",
        line_edit(2, "2025-01", "Jan 2025x"),
        ("sales.csv 2 period",),
    ),
    data_case(
        "sales unknown rep",
        "sales",
        line_edit(2, "S00001", "S99999"),
        ("sales.csv 2 rep_id", "S99999"),
    ),
    data_case(
        "sales unknown kpi",
        "sales",
        line_edit(2, ",revenue,", ",revenu,"),
        ("sales.csv 2 kpi", "revenu"),
    ),
    data_case(
        "sales without a value column", "sales", drop_column("value"), ("sales.csv", "value")
    ),
    data_case(
        "sales duplicate row",
        "sales",
        lambda t: t + t.splitlines()[1] + "\n",
        ("sales.csv", "one row per (rep_id, period, kpi)", "already in row 2"),
    ),
    data_case(
        "sales in gb18030 declared utf-8",
        "kpis",
        None,
        ("kpis.csv", "utf-8"),
        raw="kpi,direction,unit,aggregation,weight_kpi,allow_negative,label\nrevenue,higher,currency,sum,,False,营业收入\n".encode(
            "gb18030"
        ),
        extra=("--encoding", "utf-8"),
    ),
    data_case(
        "kpis direction unknown",
        "kpis",
        line_edit(2, "higher", "up"),
        ("kpis.csv 2 direction", "up"),
    ),
    data_case(
        "kpis unit unknown",
        "kpis",
        line_edit(2, "currency", "dollars"),
        ("kpis.csv 2 unit", "dollars"),
    ),
    data_case("kpis without a kpi column", "kpis", drop_column("kpi"), ("kpis.csv", "kpi")),
    data_case(
        "units unknown parent",
        "units",
        line_edit(3, "HQ", "HQX"),
        ("units.csv", "parent_id", "HQX"),
    ),
    data_case("units level missing", "units", drop_column("level"), ("units.csv", "level")),
    data_case(
        "reps hire date unreadable",
        "reps",
        line_edit(2, "2021-11-25", "someday"),
        ("reps.csv 2 hire_date", "someday"),
    ),
    data_case(
        "reps unknown unit",
        "reps",
        line_edit(2, "E-KA", "NOWHERE"),
        ("reps.csv 2 unit_id", "NOWHERE"),
    ),
    data_case(
        "reps salary a word",
        "reps",
        line_edit(2, "207200.0", "lots"),
        ("reps.csv 2 base_salary", "lots"),
    ),
    data_case(
        "reps duplicate id",
        "reps",
        lambda t: t + t.splitlines()[1] + "\n",
        ("reps.csv", "rep_id", "S00001"),
    ),
    data_case(
        "targets target a word",
        "targets",
        line_edit(2, "315889.0", "many"),
        ("targets.csv 2 target", "many"),
    ),
    data_case(
        "targets unknown rep",
        "targets",
        line_edit(2, "S00001", "S99999"),
        ("targets.csv 2 rep_id S99999", "a rep_id listed in reps"),
    ),
    data_case(
        "utf-16 sales declared gb18030",
        "sales",
        None,
        ("sales.csv", "gb18030"),
        raw="rep_id,period,kpi,value\n".encode("utf-16"),
        extra=("--encoding", "gb18030"),
    ),
    # --- warnings (the input runs, and the user is told) --------------------------------------
    reform_case(
        "reform that changes nothing (warning)",
        {"r": {"what": "w", "changes": {"plan.components[0].weight": 1.0}}},
        ("warning", "r", "changes nothing"),
        code=0,
    ),
]


# ------------------------------------------------------------------ running the table
class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _time_bound(seconds: int):
    def alarm(signum, frame):
        raise _Timeout(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _env() -> dict[str, str]:
    """The child imports this checkout's simlib."""
    path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path}


def run_case(case: Case, ctx: Ctx) -> tuple[int, str, float]:
    """Run one row; return (exit status, everything printed, seconds)."""
    from simlib.workbench.cli import main

    argv = case.argv(ctx)
    start = time.perf_counter()
    if case.subprocess:
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from simlib.workbench.cli import main; sys.exit(main())", *argv],
            capture_output=True, text=True, timeout=BOUND, cwd=ctx.tmp, env=_env(),
        )  # fmt: skip
        return proc.returncode, proc.stdout + proc.stderr, time.perf_counter() - start
    out, err = io.StringIO(), io.StringIO()
    with _time_bound(BOUND), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue(), time.perf_counter() - start


#: Words a user-facing message must not contain.
INTERNAL_WORDS = ("ScenarioFileSpec", "PlanSpec", "CascadeSpec", "SimulationSettings",
                  "pydantic", "Input should be", "instance of", "site-packages")  # fmt: skip


def judge(case: Case, code: int, output: str, seconds: float) -> list[str]:
    """What is wrong with a row's outcome (empty: a clear error or warning)."""
    wrong = []
    if code != case.code:
        wrong.append(f"exit status {code}, expected {case.code}")
    if "Traceback" in output or "internal error" in output:
        wrong.append("a traceback or internal error")
    # Messages speak the user's words, not the library's classes or its validator's.
    internal = [w for w in INTERNAL_WORDS if w in output]
    if internal:
        wrong.append(f"the message names internals {internal}")
    # Whitespace-insensitive: a data problem is one row of an aligned table.
    low = " ".join(output.lower().split())
    missing = [w for w in case.words if " ".join(w.lower().split()) not in low]
    if missing:
        wrong.append(f"the message lacks {missing}")
    if seconds > BOUND:
        wrong.append(f"took {seconds:.1f} s")
    return wrong


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    import simlib as sl

    p = tmp_path_factory.mktemp("data") / "small"
    sl.data.synthetic.generate(n_reps=60, months=24, seed=5).save(p)
    return p


def test_the_table_holds_at_least_150_malformed_inputs():
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids), "row names must be unique"
    assert sum(1 for c in CASES if c.code != 0) >= 150


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_gets_one_clear_message(case, small_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output, seconds = run_case(case, Ctx(tmp_path, small_data))
    assert not judge(case, code, output, seconds), (
        judge(case, code, output, seconds),
        output[-2000:],
    )


# A handful through a real process: the installed entry point's behaviour, with a hard
# time limit that also catches a hang or a memory blow-up outside Python's reach.
SUBPROCESS_CASES = [
    Case(
        "billion laughs (process)",
        R(lambda c: c.file("s.yaml", bomb())),
        2,
        ("s.yaml", "through aliases"),
        subprocess=True,
    ),
    Case(
        "plan nested 20,000 levels (process)",
        D(lambda c: c.plan_scenario(text="name: " + deep_flow(20_000))),
        2,
        ("plan.yaml", "nested too deeply"),
        subprocess=True,
    ),
    Case(
        "--out /dev/null (process)",
        lambda c: ["run", str(c.sim()), "--out", "/dev/null"],
        2,
        ("/dev/null", "is a file"),
        subprocess=True,
    ),
    Case(
        "binary scenario (process)",
        D(lambda c: c.file("s.yaml", bytes(range(256)) * 4)),
        2,
        ("s.yaml", "binary"),
        subprocess=True,
    ),
    Case(
        "--draws a billion (process)",
        lambda c: ["run", str(c.sim()), "--draws", str(10**9)],
        2,
        ("--draws", "at most 1,000,000"),
        subprocess=True,
    ),
]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.id for c in SUBPROCESS_CASES])
def test_malformed_input_in_a_real_process(case, small_data, tmp_path):
    code, output, seconds = run_case(case, Ctx(tmp_path, small_data))
    assert not judge(case, code, output, seconds), (
        judge(case, code, output, seconds),
        output[-2000:],
    )


def main() -> int:
    """Run the whole table and print how many rows give a clear error or warning."""
    import tempfile

    import simlib as sl

    rows = CASES + SUBPROCESS_CASES
    with tempfile.TemporaryDirectory() as d:
        data = Path(d) / "small"
        sl.data.synthetic.generate(n_reps=60, months=24, seed=5).save(data)
        clear, slowest = 0, 0.0
        for i, case in enumerate(rows):
            tmp = Path(d) / f"case{i}"
            tmp.mkdir()
            cwd = os.getcwd()
            os.chdir(tmp)
            try:
                code, output, secs = run_case(case, Ctx(tmp, data))
            finally:
                os.chdir(cwd)
            wrong = judge(case, code, output, secs)
            slowest = max(slowest, secs)
            if wrong:
                print(f"NOT CLEAR: {case.id}: {'; '.join(wrong)}")
            else:
                clear += 1
    print(
        f"{clear} of {len(rows)} malformed inputs give a clear error or warning "
        f"(slowest row {slowest:.1f} s; bound {BOUND} s)"
    )
    return 0 if clear == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
