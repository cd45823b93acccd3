"""The simulation phase of a batch: every scenario simulated, or its stored result
reused, in file order; the reforms simulated several at once after the baseline."""

from __future__ import annotations

import os
import time
from typing import Any

from simlib.i18n import _
from simlib.workbench.items import OK_STATUSES, BatchItem, error_text, status_word


def _with_budget(sc, budget: float):
    """``sc`` with its incentive budget set (a new scenario; hashed with the budget)."""
    import copy
    import dataclasses

    design = copy.deepcopy(sc.design)
    design.setdefault("simulation", {})["budget"] = budget
    return dataclasses.replace(sc, design=design)


def _simulate_kwargs(sc, draws: int | None) -> dict[str, Any]:
    kw = sc.simulation_kwargs()
    if draws is not None:
        kw["draws"] = int(draws)
    return kw


def _item_what(sc) -> str:
    """The index's "what it is" for one scenario: a reform's own words; for the
    baseline, the design itself (the file's "what" describes the whole batch)."""
    if sc.kind != "baseline":
        return sc.what
    app = sc.design.get("appraisal")
    if isinstance(app, dict) and app.get("name"):
        return _(
            "The design in force, which every other is compared with: the plan {plan} and the "
            "appraisal {appraisal}."
        ).format(plan=repr(sc.plan_name), appraisal=repr(app["name"]))
    return _("The design in force, which every other is compared with: the plan {plan}.").format(
        plan=repr(sc.plan_name)
    )


def progress(done: int, total: int, seconds: float) -> str:
    """``  [3/10, 12 s, about 28 s left]`` for a batch of several scenarios."""
    if total < 2:
        return ""
    from simlib.limits import format_duration

    left = (
        _(", about {duration} left").format(
            duration=format_duration(seconds / done * (total - done))
        )
        if done < total
        else ""
    )
    return f"  [{done}/{total}, {format_duration(seconds)}{left}]"


class Simulations:
    """The simulation phase of a batch: each scenario simulated (or its stored result
    reused) in file order, its outcome recorded in the store as it finishes.

    ``items`` lists what happened to each scenario, ``results`` holds each successful
    run by scenario name and ``texts`` each design as the file states it now.
    """

    def __init__(self, store, batch: str, draws: int | None, sim_workers: int, echo) -> None:
        self.store, self.batch, self.draws, self.echo = store, batch, draws, echo
        self.sim_workers = sim_workers
        self.items: list[BatchItem] = []
        self.results: dict[str, Any] = {}
        self.texts: dict[str, str] = {}
        self.precomputed: dict[str, Any] = {}
        self.keys: dict[str, str] = {}  # run key by scenario hash
        self.pos = 0

    def run_key(self, sc) -> str:
        """The key of ``sc``'s stored run (design, data, seed, draws, code version),
        computed once per design: the prefetch and the loop ask for the same one."""
        from simlib import code_version
        from simlib.workbench.store import run_key

        if sc.hash not in self.keys:
            s = sc.settings
            n = int(self.draws) if self.draws is not None else s.draws
            ds = sc.dataset()
            self.keys[sc.hash] = run_key(sc.hash, ds.content_hash(), s.seed, n, code_version())
        return self.keys[sc.hash]

    def record(self, item: BatchItem) -> None:
        self.items.append(item)
        self.store.set_item(
            self.batch, item.name, item.position, item.key, item.status, item.message, item.html
        )
        self.pos += 1

    def with_budget(self, sc):
        from simlib.scenario import BASELINE

        if sc.name != BASELINE and sc.settings.budget is None and BASELINE in self.results:
            # Every design is judged against the same money: the baseline's budget.
            return _with_budget(sc, float(self.results[BASELINE].provenance["budget"]))
        return sc

    def simulate_all(self, scenarios) -> None:
        """Every scenario in file order; after the baseline, the reforms whose results
        are not stored are simulated several at once (:meth:`prefetch`)."""
        from simlib.scenario import BASELINE

        sim_start = time.perf_counter()
        for done, sc in enumerate(scenarios, start=1):
            sc = self.with_budget(sc)
            self.texts[sc.name] = sc.text
            item = self.simulate_one(sc, self.pos)
            self.echo(
                f"  {status_word(item.status):<9} {sc.name}"
                + (f"  ({item.message})" if item.message else "")
                + progress(done, len(scenarios), time.perf_counter() - sim_start)
            )
            self.record(item)
            if sc.name == BASELINE and self.sim_workers > 1 and len(scenarios) > 2:
                self.prefetch([self.with_budget(o) for o in scenarios if o.name != BASELINE])
            if sc.budget_neutral and item.status in OK_STATUSES and BASELINE in self.results:
                bitem = self.budget_neutral(sc)
                self.echo(
                    f"  {status_word(bitem.status):<9} {bitem.name}"
                    + (f"  ({bitem.message})" if bitem.message else "")
                )
                self.record(bitem)

    def record_invalid(self, failed: dict[str, str]) -> None:
        """The scenarios the file states but that could not be built, with why."""
        for name, why in failed.items():
            self.store.log(self.batch, name, None, "failed", 0.0, why)
            self.echo(f"  {status_word('failed'):<9} {name}  ({why.splitlines()[0]})")
            self.record(BatchItem(name, self.pos, "failed", None, why, kind="invalid"))

    def simulate_one(self, sc, position: int) -> BatchItem:
        from simlib.engine import simulate

        store, batch, results = self.store, self.batch, self.results
        t0 = time.perf_counter()
        try:
            key = self.run_key(sc)
        except Exception as exc:  # any failure is reported, the batch goes on
            store.log(batch, sc.name, None, "failed", 0.0, error_text(exc))
            return BatchItem(
                sc.name,
                position,
                "failed",
                None,
                error_text(exc),
                what=_item_what(sc),
                kind=sc.kind,
            )
        if store.has(key):
            store.log(batch, sc.name, key, "reused", 0.0, "unchanged: stored result reused")
            results[sc.name] = store.load(key)
            return BatchItem(sc.name, position, "reused", key, what=_item_what(sc), kind=sc.kind)
        try:
            if key in self.precomputed:
                res = self.precomputed.pop(key)
                if isinstance(res, BaseException):
                    raise res
            else:
                res = simulate(**_simulate_kwargs(sc, self.draws))
            res.provenance["scenario_hash"] = sc.hash
            store.save(key, res, sc, batch)
        except Exception as exc:
            msg = error_text(exc)
            store.log(batch, sc.name, key, "failed", time.perf_counter() - t0, msg)
            return BatchItem(
                sc.name, position, "failed", key, msg, what=_item_what(sc), kind=sc.kind
            )
        secs = time.perf_counter() - t0
        store.log(batch, sc.name, key, "simulated", secs, f"{res.provenance['draws']} draws")
        results[sc.name] = res
        return BatchItem(
            sc.name, position, "simulated", key, seconds=secs, what=_item_what(sc), kind=sc.kind
        )

    def prefetch(self, others) -> None:
        """Simulate the reforms whose results are not stored, several at once; the
        results are written to the store in file order by :meth:`simulate_all`."""
        from concurrent.futures import ThreadPoolExecutor

        from simlib.engine import simulate

        threads = max(1, (os.cpu_count() or 1) // self.sim_workers)
        todo = {}
        for sc in others:
            try:
                key = self.run_key(sc)
            except Exception:  # reported when the loop reaches it
                continue
            if not self.store.has(key):
                todo[key] = sc

        def run(sc):
            try:
                return simulate(**{**_simulate_kwargs(sc, self.draws), "threads": threads})
            except Exception as exc:  # kept and reported in order
                return exc

        with ThreadPoolExecutor(max_workers=self.sim_workers) as pool:
            for key, res in zip(todo, pool.map(run, todo.values()), strict=True):
                self.precomputed[key] = res

    def budget_neutral(self, sc) -> BatchItem:
        """``sc``'s budget-neutral variant: its payout levels scaled so its expected cost
        equals the baseline's (stored under its own key, reused when unchanged)."""
        from simlib import code_version
        from simlib.scenario import BASELINE, Scenario, budget_neutral, scale_payouts
        from simlib.workbench.store import run_key

        store, batch, results, pos = self.store, self.batch, self.results, self.pos
        draws = self.draws
        bn_name = f"{sc.name} (budget-neutral)"
        base_item = next(i for i in self.items if i.name == BASELINE)
        t0 = time.perf_counter()
        bn_key = run_key(f"{sc.hash}|budget-neutral|{base_item.key}", "", 0, 0, code_version())
        try:
            if store.has(bn_key):
                results[bn_name] = store.load(bn_key)
                store.log(batch, bn_name, bn_key, "reused", 0.0, "unchanged: stored result reused")
                status, msg = "reused", ""
            else:
                target = float(results[BASELINE].per_draw["total_payout"].mean())
                bn = budget_neutral(
                    sc,
                    target,
                    simulate_fn=lambda s, **kw: __import__(
                        "simlib.engine", fromlist=["simulate"]
                    ).simulate(**_simulate_kwargs(s, draws)),
                )
                bn.result.name = bn_name
                bn.result.provenance["scenario_hash"] = bn.scenario.hash
                store.save(bn_key, bn.result, bn.scenario, batch)
                results[bn_name] = bn.result
                status = "simulated"
                msg = f"payout levels x{bn.factor:.3f} ({bn.iterations} simulations)"
                store.log(batch, bn_name, bn_key, "simulated", time.perf_counter() - t0, msg)
            factor = results[bn_name].provenance.get("budget_neutral_factor")
            self.texts[bn_name] = Scenario(
                name=bn_name, design=scale_payouts(sc.design, float(factor))
            ).text
            what = _(
                "{what} Payout levels scaled x{factor} so its expected cost equals the baseline's."
            ).format(what=sc.what, factor=f"{factor:.3f}")
            return BatchItem(
                bn_name,
                pos,
                status,
                bn_key,
                msg if status == "failed" else "",
                what=what,
                kind="budget-neutral",
            )
        except Exception as exc:
            store.log(batch, bn_name, bn_key, "failed", time.perf_counter() - t0, error_text(exc))
            return BatchItem(bn_name, pos, "failed", bn_key, error_text(exc), kind="budget-neutral")
