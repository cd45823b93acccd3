"""Where chunks of draws run: in this process (``local``) or on a Dask cluster (``dask``).

A chunk is a plain function call ``work.run_chunk(start, stop)`` on a picklable
work object; results come back to the caller in draw order and are reduced
there, so the same seed gives identical results on either backend, whatever the
chunk size or worker count. Papermill never runs inside workers (dask/distributed
#2479, papermill #239): notebooks only render results.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from simlib.errors import SimlibError
from simlib.i18n import _


class ChunkWork(Protocol):
    def run_chunk(self, start: int, stop: int) -> Any: ...


class BackendError(SimlibError, RuntimeError):
    """The requested backend cannot run."""


def _progress(total: int, enabled: bool | None, desc: str):
    """A tqdm bar over draws; off when asked, or when not attached to a terminal
    (papermill, CI) unless explicitly enabled."""
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    return tqdm(total=total, desc=desc, unit="draw", disable=not enabled, leave=False)


def run_local(
    work: ChunkWork,
    ranges: list[tuple[int, int]],
    progress: bool | None = None,
    threads: int = 1,
) -> Iterator[tuple[tuple[int, int], Any]]:
    """Run the chunks in this process, yielding in draw order.

    With ``threads > 1`` chunks run on a thread pool (numpy releases the GIL in
    its array loops, so two cores are used); each thread works on its own clone
    of ``work`` (``work.clone()``) and at most ``2 x threads`` chunks are in
    flight, so memory stays bounded.
    """
    total = ranges[-1][1] if ranges else 0
    with _progress(total, progress, "simulating") as bar:
        if threads <= 1 or len(ranges) < 2:
            for a, b in ranges:
                yield (a, b), work.run_chunk(a, b)
                bar.update(b - a)
            return
        import threading
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        local = threading.local()

        def call(a: int, b: int) -> Any:
            if not hasattr(local, "work"):
                local.work = work.clone() if hasattr(work, "clone") else work
            return local.work.run_chunk(a, b)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            pending: deque = deque()
            it = iter(ranges)
            for rng in it:
                pending.append((rng, pool.submit(call, *rng)))
                if len(pending) >= 2 * threads:
                    break
            while pending:
                (a, b), fut = pending.popleft()
                nxt = next(it, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(call, *nxt)))
                yield (a, b), fut.result()
                bar.update(b - a)


def _call(work: ChunkWork, a: int, b: int) -> Any:
    # A worker may run several tasks at once on threads: each gets its own clone,
    # since prepared plans keep per-call state.
    return (work.clone() if hasattr(work, "clone") else work).run_chunk(a, b)


def _partition_chunk(part: Any, a: int, b: int) -> Any:
    from simlib.engine.partition import partition_chunk

    return partition_chunk(part, a, b)


def _partition_totals(part: Any) -> Any:
    from simlib.engine.partition import partition_totals

    return partition_totals(part)


#: Splits a work into partitions of the population for ``n`` workers: a
#: :class:`simlib.engine.partition.Split` (``len``: how many partitions, fewer than
#: two: the population stays whole; ``parts(draws)``: the partitions, built one at
#: a time; ``combine`` and ``finish``: a chunk's and the run's last results from
#: the partitions' ``(columns, result)``).
Partitioner = Callable[[int], Any]


#: glibc's allocation settings for workers started for a run: every array comes from
#: the heap (no array gets pages of its own) and up to 4 GiB free at its top is kept, so
#: a chunk's working arrays (about 1.8 KB a rep for one draw: 1 GB at 556,000 reps) are
#: reused chunk after chunk; one arena for every thread. glibc otherwise maps each array
#: above 32 MiB afresh, however it is tuned (its largest threshold), touches it page by
#: page and hands it back: at 556,000 reps a worker spent a quarter of its CPU in the
#: kernel. A worker runs its tasks on a thread of its own, and a thread's arena is made of
#: 64 MiB heaps that glibc unmaps as soon as they fall empty: a chunk's arrays span
#: several, so each chunk touched its memory afresh. The process's main arena grows in
#: one piece and keeps what the trim threshold allows.
WORKER_MALLOC = {
    "MALLOC_MMAP_MAX_": 0,
    "MALLOC_TRIM_THRESHOLD_": 4 * 2**30,
    "MALLOC_ARENA_MAX": 1,
}


@contextmanager
def _worker_allocation() -> Iterator[None]:
    """Workers started inside the block get :data:`WORKER_MALLOC`.

    Dask sets ``MALLOC_TRIM_THRESHOLD_`` to 64 KiB, which also switches off glibc's
    adaptive threshold above which an allocation gets fresh pages of its own: every
    array of a chunk larger than 128 KiB is then mapped, touched page by page and
    handed back, chunk after chunk, and a worker spends about as long in page faults
    as on its draws (half the throughput of the same draws in this process). Dask
    reads the variable from this process's environment before its configuration
    (and leaves its value there once it has started workers), so both are set for
    the block and the environment is put back after it."""
    import dask

    saved = {k: os.environ.get(k) for k in WORKER_MALLOC}
    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
    os.environ.update({k: str(v) for k, v in WORKER_MALLOC.items()})
    try:
        with dask.config.set(
            {
                "distributed.nanny.pre-spawn-environ": {**env, **WORKER_MALLOC},
                # The statistical profiler samples each worker's stack every 10 ms and
                # keeps the samples: about 6 MB a minute per worker, for no result.
                "distributed.worker.profile.enabled": False,
            }
        ):
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def local_cluster(n_workers: int | None) -> Any:
    """A ``LocalCluster`` of ``n_workers`` single-threaded worker processes (Dask's
    default count when None) with :data:`WORKER_MALLOC`, for one run or one search."""
    from dask.distributed import LocalCluster

    with _worker_allocation():
        return LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )


def run_dask(
    work: ChunkWork,
    ranges: list[tuple[int, int]],
    address: str | None = None,
    n_workers: int = 2,
    progress: bool | None = None,
    on_cluster: Callable[[Any], None] | None = None,
    partitioner: Partitioner | None = None,
) -> Iterator[tuple[tuple[int, int], Any]]:
    """Run the chunks as futures on a ``dask.distributed`` cluster, yielding in draw order.

    With no ``address`` a ``LocalCluster`` of ``n_workers`` single-threaded worker
    processes is started for the run and closed after it. ``on_cluster`` is called
    with the client once connected (benchmarks use it to read worker memory).

    With a ``partitioner`` the population is split into one partition per worker
    (see :mod:`simlib.engine.partition`): each worker receives only its partition
    and computes its reps and their per-rep summaries for every chunk of draws;
    the per-draw metrics are computed here, in draw order, and reduced. Without one (or when the
    population cannot be split) every worker receives the whole work and chunks
    of draws are spread over the workers.
    """
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a declared dependency
        raise BackendError(
            _("backend='dask' needs dask.distributed: {problem}").format(problem=exc)
        ) from None

    cluster = None
    if address is None:
        cluster = local_cluster(n_workers)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        if on_cluster is not None:
            on_cluster(client)
        from collections import deque

        info = client.scheduler_info()["workers"]
        if partitioner is not None:
            split = partitioner(len(info))
            if len(split) >= 2:
                yield from _run_partitions(client, split, ranges, progress, on_cluster)
                return
        [work_future] = client.scatter([work], broadcast=True)
        n_threads = sum(w.get("nthreads", 1) for w in info.values())
        in_flight = max(2, 2 * n_threads)

        pending: deque = deque()
        it = iter(ranges)
        with _progress(ranges[-1][1] if ranges else 0, progress, "simulating (dask)") as bar:
            # At most `in_flight` chunks are submitted ahead, and results are
            # yielded in draw order, so worker and client memory stay bounded.
            for rng in it:
                pending.append((rng, client.submit(_call, work_future, *rng, pure=False)))
                if len(pending) >= in_flight:
                    break
            while pending:
                (a, b), fut = pending.popleft()
                nxt = next(it, None)
                if nxt is not None:
                    pending.append((nxt, client.submit(_call, work_future, *nxt, pure=False)))
                result = fut.result()
                fut.release()
                bar.update(b - a)
                yield (a, b), result
        if on_cluster is not None:
            on_cluster(client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _run_partitions(
    client: Any,
    split: Any,
    ranges: list[tuple[int, int]],
    progress: bool | None,
    on_cluster: Callable[[Any], None] | None = None,
) -> Iterator[tuple[tuple[int, int], Any]]:
    """Each partition on one worker (round robin), every chunk of draws on every
    partition; after the last chunk one more item, the partitions' per-rep results
    put together (``split.finish``).

    Partitions are built and sent one at a time, so this process never holds them
    all. ``on_cluster`` is called once more after the last chunk, while the workers
    still hold their partitions."""
    from collections import deque

    addresses = sorted(client.scheduler_info()["workers"])
    total = ranges[-1][1] if ranges else 0
    placed = []
    for i, part in enumerate(split.parts(total)):
        where = [addresses[i % len(addresses)]]
        [future] = client.scatter([part], workers=where)
        placed.append((future, part.columns, where))
        del part

    def submit(fn: Callable, *args: int) -> list:
        return [
            (columns, client.submit(fn, future, *args, workers=where,
                                    allow_other_workers=False, pure=False))
            for future, columns, where in placed
        ]  # fmt: skip

    def gather(futures: list) -> list:
        got = []
        for columns, fut in futures:
            got.append((columns, fut.result()))
            fut.release()
        return got

    in_flight = max(2, 2 * len(addresses) // len(placed))
    pending: deque = deque()
    it = iter(ranges)
    with _progress(total, progress, "simulating (dask)") as bar:
        for rng in it:
            pending.append((rng, submit(_partition_chunk, *rng)))
            if len(pending) >= in_flight:
                break
        while pending:
            (a, b), futures = pending.popleft()
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt, submit(_partition_chunk, *nxt)))
            got = gather(futures)
            bar.update(b - a)
            yield (a, b), split.combine(got)
    if on_cluster is not None:
        on_cluster(client)
    yield (total, total), split.finish(gather(submit(_partition_totals)))
    for future, _lo, _hi in placed:
        future.release()
