"""How much work one request may ask for: the limits shared by every entry point.

The command line (``--draws``), scenario files (``simulation.draws``) and
:func:`simlib.simulate` (``draws=``) all check against the same numbers, so a
limit cannot be bypassed by asking another way. ``simlib run`` also estimates a
batch's run time before it starts and asks for ``--yes`` when the batch is large
(:func:`estimate_seconds`).
"""

from __future__ import annotations

#: Most Monte Carlo draws (possible years) one simulation may run. A million
#: draws of a 1,000-rep sales force is about half an hour on two cores; more
#: adds no precision a report can show (the standard error of a mean falls as
#: 1/sqrt(draws): at a million it is 0.1% of the spread).
MAX_DRAWS = 1_000_000
#: Largest seed: the results store keeps seeds as signed 64-bit integers.
MAX_SEED = 2**63 - 1
#: Most scenarios one file may expand to (reforms plus every sweep member).
#: Beyond this even listing the scenarios takes minutes: split the sweep.
MAX_SCENARIOS = 20_000
#: ``simlib run`` asks for ``--yes`` above this many scenarios ...
CONFIRM_SCENARIOS = 100
#: ... or when it expects the batch to take longer than this (seconds).
CONFIRM_SECONDS = 15 * 60

#: Run-time model used for the estimate, measured on the bundled sample with 2
#: engine threads: 3,000 draws of the 256 reps the demo plan covers took 2.3 s more
#: than 100 draws (about 3 microseconds per covered rep and draw). The estimate
#: counts every rep in the data (836 in the sample, three times the covered reps)
#: at 2 microseconds, plus about a second per simulation to fit the sales model and
#: store the result, plus 4 seconds per rendered report page. The demo's pages, two
#: rendering at a time, took 1.5 s each (scenario pages) to 6 s (topic pages) with
#: report kernels forked from a warm process, and 3 to 10 s with kernels started
#: fresh (``SIMLIB_FORK_KERNELS=0``, macOS, Windows): the whole quick demo, 14 pages,
#: 19 s and 36 s. It is a rough upper bound, meant to catch hours, not seconds.
SECONDS_PER_REP_DRAW = 2e-6
SECONDS_PER_SIMULATION = 1.0
SECONDS_PER_REPORT = 4.0


def estimate_seconds(simulations: int, draws: int, reps: int, pages: int) -> float:
    """Expected wall time of a batch, in seconds, from the documented rates above.

    Parameters
    ----------
    simulations : int
        Simulations to run (baseline, reforms, sweep members and the searches of
        budget-neutral variants).
    draws : int
        Draws per simulation (the largest when they differ).
    reps : int
        Reps in the data (an upper bound on the reps a plan covers).
    pages : int
        Report pages to render (0 with ``--no-reports``).
    """
    per = SECONDS_PER_SIMULATION + draws * reps * SECONDS_PER_REP_DRAW
    return simulations * per + pages * SECONDS_PER_REPORT


def format_duration(seconds: float) -> str:
    """``75`` -> ``"1 min 15 s"``; ``900`` -> ``"15 min"``; ``7300`` -> ``"2 h 1 min"``."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min" + (f" {s % 60} s" if s % 60 else "")
    return f"{s // 3600} h {s % 3600 // 60} min"
