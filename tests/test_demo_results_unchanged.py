"""The demo batch gives the numbers it gave when they were recorded.

``tests/data/demo_results_64_draws.json`` holds, for every scenario of
``scenarios/demo.yaml`` simulated with 64 draws on the bundled sample, the sum and
the sum of squares of every numeric column of its stored results (per draw, per rep,
per group and the attainment histogram). Restructuring the code must not move them:
same seed, same numbers, bit for bit. Regenerate the file only for a change that is
meant to change results, and say so in the commit. (The last such change: population
totals became exactly rounded sums, which moved 129 of the 1,212 numbers in their last
bits.)

numpy picks its exp and log kernels for the processor it runs on, and they round the
last bit differently. The numbers were recorded with the AVX-512 kernels (``X86_V4``,
CI's processors): where numpy runs those, they must match bit for bit; elsewhere to
1e-12 relative.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from simlib.workbench import outdir
from simlib.workbench.batch import run_batch
from simlib.workbench.store import Store

RECORDED = Path(__file__).parent / "data" / "demo_results_64_draws.json"
PROJECT = Path(__file__).resolve().parents[1]
#: numpy's float64 exp and log kernels the recorded numbers were made with.
RECORDED_KERNELS = {"exp": "X86_V4", "log": "X86_V4"}


def _same_kernels() -> bool:
    from numpy.lib.introspect import opt_func_info

    info = opt_func_info(func_name="^(exp|log)$", signature="float64")
    return all(
        info.get(f, {}).get("dd", {}).get("current") == k for f, k in RECORDED_KERNELS.items()
    )


def _sums(frame) -> dict[str, list[float]]:
    num = frame.select_dtypes("number")
    return {
        str(c): [float(num[c].sum()), float((num[c].astype(float) ** 2).sum())]
        for c in sorted(num.columns, key=str)
    }


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "demo"
    batch = run_batch(
        PROJECT / "scenarios" / "demo.yaml", out=out, draws=64, reports=False, echo=lambda *a: None
    )
    assert not batch.failed
    store = Store(outdir.store_path(out))
    found = {}
    for item in batch.items:
        res = store.load(item.key)
        found[item.name] = {
            "per_draw": _sums(res.per_draw),
            "reps": _sums(res.reps),
            "attainment_hist": _sums(res.attainment_hist),
            "group_draws": {k: _sums(v) for k, v in sorted(res.group_draws.items())},
        }
    return found


def _flatten(tree, prefix=()):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _flatten(v, (*prefix, k))
    else:
        yield prefix, tree


def test_every_recorded_demo_number_is_reproduced(demo_results):
    recorded = dict(_flatten(json.loads(RECORDED.read_text(encoding="utf-8"))))
    found = dict(_flatten(demo_results))
    assert sorted(found) == sorted(recorded), "the demo's scenarios or result columns changed"
    rel = 0.0 if _same_kernels() else 1e-12
    moved = [
        (" / ".join(k), recorded[k], found[k])
        for k in recorded
        if not all(
            math.isclose(a, b, rel_tol=rel, abs_tol=rel) or (math.isnan(a) and math.isnan(b))
            for a, b in zip(recorded[k], found[k], strict=True)
        )
    ]
    assert not moved, f"{len(moved)} demo numbers moved, first: {moved[:3]}"
