"""Seeds: one ``SeedSequence`` per run, one child per draw.

Giving every draw its own child sequence (rather than one per chunk) is what
makes results independent of chunk size, worker count and backend: draw ``d``
always sees the same random numbers, whichever chunk it falls in.
"""

from __future__ import annotations

import numpy as np

from simlib.i18n import _


def draw_generators(
    seed: int | np.random.SeedSequence, start: int, stop: int
) -> list[np.random.Generator]:
    """Generators for draws ``start`` .. ``stop - 1`` of the run seeded by ``seed``.

    ``SeedSequence.spawn`` is deterministic in the child index, so a worker can
    rebuild exactly its draws' generators from the run seed and the draw range.
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = [
        np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, d), pool_size=root.pool_size
        )
        for d in range(start, stop)
    ]
    return [np.random.Generator(np.random.PCG64(c)) for c in children]


def chunks(draws: int, chunk_size: int) -> list[tuple[int, int]]:
    """Split ``range(draws)`` into ``[start, stop)`` ranges of at most ``chunk_size``."""
    if draws < 1 or chunk_size < 1:
        raise ValueError(
            _("draws and chunk_size must be >= 1, got {draws}, {chunk_size}").format(
                draws=draws, chunk_size=chunk_size
            )
        )
    return [(a, min(a + chunk_size, draws)) for a in range(0, draws, chunk_size)]
