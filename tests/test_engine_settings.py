"""The run settings: defaults, refusals naming the setting, immutability, chunking."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from simlib.engine.settings import ModelOptions, RunSettings, SimulationError
from simlib.limits import MAX_DRAWS


def test_missing_settings_take_the_documented_defaults():
    s = RunSettings.of(draws=None, seed=None, backend=None, n_workers=None, keep_cube=None)
    assert (s.draws, s.seed, s.backend, s.n_workers, s.keep_cube) == (1000, 1, "local", 2, False)
    assert s.chunk_size is None and s.threads is None and s.progress is None


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"draws": 0}, "draws: expected a whole number >= 1"),
        ({"draws": 2.5}, "draws"),
        ({"draws": True}, "draws"),
        ({"draws": MAX_DRAWS + 1}, "MAX_DRAWS"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**63}, "2\\*\\*63-1"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"threads": 0}, "threads"),
        ({"n_workers": 0}, "n_workers"),
        ({"backend": "spark"}, "backend: expected 'local' or 'dask'"),
    ],
)
def test_bad_run_settings_are_refused_naming_the_setting(kw, match):
    with pytest.raises(SimulationError, match=match):
        RunSettings.of(**kw)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"budget": -5}, "budget"),
        ({"turnover": "hist"}, "turnover"),
        ({"turnover": 1.0}, "turnover"),
        ({"growth": "5%"}, "growth"),
        ({"growth": {"revenue": float("nan")}}, "growth"),
        ({"vacancy_months": -1}, "vacancy_months"),
        ({"ramp_months": 0}, "ramp_months"),
    ],
)
def test_bad_model_options_are_refused_naming_the_option(kw, match):
    with pytest.raises(SimulationError, match=match):
        ModelOptions.of(**kw)


def test_settings_are_frozen_and_numpy_whole_numbers_are_accepted():
    s = RunSettings.of(draws=np.int64(12), seed=np.int32(3))
    assert (s.draws, s.seed) == (12, 3) and type(s.draws) is int
    with pytest.raises(pydantic.ValidationError):
        s.draws = 5  # type: ignore[misc]


def test_the_default_chunk_holds_about_64_mb_of_working_arrays():
    s = RunSettings.of()
    shape = (1000, 12, 3)  # 8 bytes x 36,000 values x 6 arrays = 1.728 MB per draw
    assert s.chunk_for(shape) == 64_000_000 // 1_728_000
    assert s.chunk_for((10**7, 12, 3)) == 1  # at least one draw
    assert s.chunk_for((1, 1, 1)) == 256  # at most 256
    assert RunSettings.of(chunk_size=7).chunk_for(shape) == 7
