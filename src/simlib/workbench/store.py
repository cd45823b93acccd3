"""The results store: every run's metrics, summaries and provenance in one DuckDB file.

A batch writes its simulations here (``reports/<batch>.store/results.duckdb`` by
default) and its notebooks read them back, so reports can be re-rendered
without simulating again and every figure in a report traces back to the
scenario text, the data's hash, the seed and the code version that produced it.

Runs are keyed by a hash of (resolved scenario, data hash, seed, draws, package
version): rerunning an unchanged scenario finds its key and reuses the stored
result. Every decision (simulated, reused, failed) is appended to a run log,
which is also how tests check that a second run simulated nothing.

Tables (long and tidy, so they can be queried with SQL):

``runs``
    one row per run: ``run_key, scenario, batch, scenario_hash, scenario_text,
    data_hash, seed, draws, version, created_at, seconds, provenance`` (JSON).
``per_draw``
    ``run_key, draw, metric, value``: every scalar metric for every draw.
``group_draws``
    ``run_key, grouping, draw, grp, value``: per-group metrics per draw
    (pay by performance quartile, by region, by tenure band ...).
``reps``
    ``run_key, rep_id, unit_id, position, region, field, value``: per-rep summaries
    (mean pay, attainment quantiles, probabilities). Individual pay: reports
    read it only when a scenario allows.
``attainment_hist``
    ``run_key, attainment_from, share``.
``run_log``
    ``logged_at, batch, scenario, run_key, action, seconds, message``.
``batches``
    ``batch, header, scenario_file, updated_at``: the file's title, author, what, why.
``batch_items``
    ``batch, scenario, position, run_key, status, message, html, updated_at``:
    the latest state of each scenario in a batch (what ``--resume`` reads).
``item_designs``
    ``batch, scenario, scenario_text, updated_at``: each scenario's design as the
    file states it now. A stored run is reused when only what does not change a
    simulation (the report settings, the data's path) differs, so reports read
    the design from here, not from the run that was reused.
``batch_index``
    ``batch, info, updated_at``: what the index page shows beyond the items
    (each scenario's "what it is", the other reports, the warnings), as JSON, so
    ``simlib report`` rewrites the same index.

Connections are opened per operation and closed at once, because DuckDB lets
only one process write a file and the report notebooks read it from another
process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.errors import SimlibError
from simlib.i18n import _

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_key VARCHAR PRIMARY KEY, scenario VARCHAR, batch VARCHAR, scenario_hash VARCHAR,
    scenario_text VARCHAR, data_hash VARCHAR, seed BIGINT, draws BIGINT, version VARCHAR,
    created_at TIMESTAMP, seconds DOUBLE, provenance VARCHAR);
CREATE TABLE IF NOT EXISTS per_draw (run_key VARCHAR, draw BIGINT, metric VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS group_draws (
    run_key VARCHAR, grouping VARCHAR, draw BIGINT, grp VARCHAR, pos BIGINT, value DOUBLE);
CREATE TABLE IF NOT EXISTS reps (
    run_key VARCHAR, rep_id VARCHAR, unit_id VARCHAR, position VARCHAR, region VARCHAR,
    field VARCHAR, value DOUBLE);
CREATE TABLE IF NOT EXISTS attainment_hist (run_key VARCHAR, attainment_from DOUBLE, share DOUBLE);
CREATE TABLE IF NOT EXISTS run_log (
    logged_at TIMESTAMP, batch VARCHAR, scenario VARCHAR, run_key VARCHAR, action VARCHAR,
    seconds DOUBLE, message VARCHAR);
CREATE TABLE IF NOT EXISTS batches (
    batch VARCHAR, header VARCHAR, scenario_file VARCHAR, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS batch_items (
    batch VARCHAR, scenario VARCHAR, position BIGINT, run_key VARCHAR, status VARCHAR,
    message VARCHAR, html VARCHAR, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS batch_index (batch VARCHAR, info VARCHAR, updated_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS item_designs (
    batch VARCHAR, scenario VARCHAR, scenario_text VARCHAR, updated_at TIMESTAMP);
"""

_REP_TEXT = ("rep_id", "unit_id", "position", "region")
#: Runs :meth:`Store.load_batch` reads over one connection (well under a second).
RUNS_PER_CONNECTION = 16


class StoreError(SimlibError, RuntimeError):
    """The store cannot be read or written (the message says which file and why)."""


def run_key(scenario_hash: str, data_hash: str, seed: int, draws: int, version: str) -> str:
    """The key of a run: SHA-256 of what determines its result."""
    blob = json.dumps([scenario_hash, data_hash, int(seed), int(draws), version])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@contextmanager
def _transaction(con: Any) -> Iterator[None]:
    """All or nothing, also on a connection that stays open (:meth:`Store.held`)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _long(frame: pd.DataFrame, row: str, column: str) -> dict[str, np.ndarray]:
    """``frame`` in long form (what ``melt`` gives: each column's rows in turn): its row
    labels under ``row``, column labels under ``column``, values under ``value``."""
    n_rows, n_cols = frame.shape
    return {
        row: np.tile(frame.index.to_numpy(), n_cols),
        column: np.repeat(np.asarray([str(c) for c in frame.columns], dtype=object), n_rows),
        "value": frame.to_numpy(dtype=float).ravel(order="F"),
    }


def _wide(rows: pd.Series, columns: pd.Series, values: pd.Series, sort_rows: bool) -> tuple:
    """The table ``_long`` made, back: values by row and column label (labels in order
    of appearance; rows sorted when ``sort_rows``), with the row and column labels."""
    r, row_labels = pd.factorize(rows, sort=sort_rows)
    c, column_labels = pd.factorize(columns)
    wide = np.full((len(row_labels), len(column_labels)), np.nan)
    wide[r, c] = values.to_numpy(dtype=float)
    return wide, row_labels, column_labels


class Store:
    """An embedded DuckDB results store.

    Parameters
    ----------
    path : str or Path
        The ``.duckdb`` file (created with its folder on first write).
    read_only : bool
        Open read-only (report notebooks do; several may read at once).

    Examples
    --------
    >>> st = Store("reports/demo.store/results.duckdb")            # doctest: +SKIP
    >>> st.runs()[["scenario", "draws", "seconds"]]          # doctest: +SKIP
    """

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._held: tuple[int, Any] | None = None
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as con:
                con.execute(_SCHEMA)
        elif not self.path.exists():
            raise StoreError(_("results store not found: {path}").format(path=self.path))

    @contextmanager
    def held(self) -> Iterator[Store]:
        """One connection for every call this thread makes inside the block, instead of
        one per call (opening and closing the file costs milliseconds each time: a batch
        of many small scenarios spent a third of its time there). No other process can
        open the store meanwhile, so a batch holds it only while no report reads it."""
        if self._held is not None:
            yield self
            return
        with self._connect() as con:
            self._held = (threading.get_ident(), con)
            try:
                yield self
            finally:
                self._held = None

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import time

        import duckdb

        if self._held is not None and self._held[0] == threading.get_ident():
            yield self._held[1]
            return

        # One process writes at a time (the batch) while report kernels read:
        # a connection refused for a lock is retried for up to ~10 s.
        for attempt in range(100):
            try:
                con = duckdb.connect(str(self.path), read_only=self.read_only)
                break
            except duckdb.Error as exc:
                if "lock" not in str(exc).lower() or attempt == 99:
                    raise StoreError(
                        _("cannot open the results store {path}: {error}").format(
                            path=self.path, error=exc
                        )
                    ) from None
                time.sleep(0.1)
        try:
            yield con
        finally:
            con.close()

    def _df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self._connect() as con:
            return con.execute(sql, params or []).df()

    # ---------------------------------------------------------------- writing
    def save(
        self,
        key: str,
        result: Any,
        scenario: Any = None,
        batch: str = "",
    ) -> None:
        """Store a :class:`~simlib.engine.SimulationResult` under ``key`` (replacing any)."""
        if self.read_only:
            raise StoreError("the store is open read-only")  # internal: callers open to write
        prov = dict(result.provenance)
        per_draw = pd.DataFrame({"run_key": key, **_long(result.per_draw, "draw", "metric")})
        groups = []
        for name, frame in result.group_draws.items():
            long = _long(frame, "draw", "grp")
            long["pos"] = np.repeat(np.arange(frame.shape[1]), len(frame))
            groups.append(pd.DataFrame({"run_key": key, "grouping": name, **long}))
        group_df = (
            pd.concat(groups, ignore_index=True)
            if groups
            else pd.DataFrame(columns=["run_key", "grouping", "draw", "grp", "pos", "value"])
        )
        reps = result.reps
        rows = len(reps)
        labels = {
            c: reps[c].astype(str).to_numpy() if c in reps else np.full(rows, "", dtype=object)
            for c in _REP_TEXT
        }
        num = [c for c in reps.columns if c not in _REP_TEXT]
        rep_long = pd.DataFrame(
            {
                "run_key": key,
                **{c: np.tile(v, len(num)) for c, v in labels.items()},
                "field": np.repeat(np.asarray(num, dtype=object), rows),
                "value": reps[num].to_numpy(dtype=float).ravel(order="F"),
            }
        )
        hist = result.attainment_hist.copy()
        hist.insert(0, "run_key", key)
        text = getattr(scenario, "text", "") if scenario is not None else ""
        shash = getattr(scenario, "hash", "") if scenario is not None else ""
        row = [
            key,
            result.name,
            batch,
            shash,
            text,
            str(prov.get("data_hash", "")),
            int(prov.get("seed", 0)),
            int(prov.get("draws", len(result.per_draw))),
            str(prov.get("simlib_version", "")),
            _now(),
            float(result.seconds),
            json.dumps(prov, default=str, ensure_ascii=False),
        ]
        with self._connect() as con, _transaction(con):
            for t in ("runs", "per_draw", "group_draws", "reps", "attainment_hist"):
                con.execute(f"DELETE FROM {t} WHERE run_key = ?", [key])
            con.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            con.register("pd_df", per_draw)
            con.execute("INSERT INTO per_draw SELECT run_key, draw, metric, value FROM pd_df")
            con.register("g_df", group_df)
            con.execute(
                "INSERT INTO group_draws SELECT run_key, grouping, draw, grp, pos, value FROM g_df"
            )
            con.register("r_df", rep_long)
            con.execute(
                "INSERT INTO reps SELECT run_key, rep_id, unit_id, position, region, field, value "
                "FROM r_df"
            )
            con.register("h_df", hist)
            con.execute(
                "INSERT INTO attainment_hist SELECT run_key, attainment_from, share FROM h_df"
            )

    def log(
        self,
        batch: str,
        scenario: str,
        key: str | None,
        action: str,
        seconds: float = 0.0,
        message: str = "",
    ) -> None:
        """Append to the run log (``action``: simulated, reused, failed, rendered ...)."""
        with self._connect() as con:
            con.execute(
                "INSERT INTO run_log VALUES (?, ?, ?, ?, ?, ?, ?)",
                [_now(), batch, scenario, key, action, float(seconds), message],
            )

    def set_item(
        self,
        batch: str,
        scenario: str,
        position: int,
        key: str | None,
        status: str,
        message: str = "",
        html: str | None = None,
    ) -> None:
        """Record the latest state of one scenario in a batch."""
        with self._connect() as con:
            con.execute(
                "DELETE FROM batch_items WHERE batch = ? AND scenario = ?", [batch, scenario]
            )
            con.execute(
                "INSERT INTO batch_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [batch, scenario, position, key, status, message, html, _now()],
            )

    def set_batch(self, batch: str, header: dict[str, str], scenario_file: str = "") -> None:
        """Record a batch's header (title, author, what, why) for re-rendering."""
        with self._connect() as con:
            con.execute("DELETE FROM batches WHERE batch = ?", [batch])
            con.execute(
                "INSERT INTO batches VALUES (?, ?, ?, ?)",
                [batch, json.dumps(header, ensure_ascii=False), scenario_file, _now()],
            )

    def set_item_designs(self, batch: str, texts: dict[str, str]) -> None:
        """Record each scenario's current design text (YAML) for the batch's reports."""
        with self._connect() as con:
            con.execute("DELETE FROM item_designs WHERE batch = ?", [batch])
            for name, text in texts.items():
                con.execute(
                    "INSERT INTO item_designs VALUES (?, ?, ?, ?)", [batch, name, text, _now()]
                )

    def item_designs(self, batch: str) -> dict[str, str]:
        """Scenario -> design text recorded by :meth:`set_item_designs` (empty if none)."""
        df = self._df("SELECT scenario, scenario_text FROM item_designs WHERE batch = ?", [batch])
        return dict(zip(df["scenario"], df["scenario_text"], strict=True))

    def set_index_info(self, batch: str, info: dict[str, Any]) -> None:
        """Record what the batch's index page shows besides the items (JSON-able)."""
        with self._connect() as con:
            con.execute("DELETE FROM batch_index WHERE batch = ?", [batch])
            con.execute(
                "INSERT INTO batch_index VALUES (?, ?, ?)",
                [batch, json.dumps(info, ensure_ascii=False, default=str), _now()],
            )

    def index_info(self, batch: str) -> dict[str, Any]:
        """What :meth:`set_index_info` recorded for ``batch`` (empty when nothing)."""
        df = self._df("SELECT info FROM batch_index WHERE batch = ?", [batch])
        return json.loads(df["info"].iloc[0]) if len(df) else {}

    def batch_header(self, batch: str) -> dict[str, str]:
        """The header recorded for ``batch`` (empty when none)."""
        df = self._df("SELECT header FROM batches WHERE batch = ?", [batch])
        return json.loads(df["header"].iloc[0]) if len(df) else {}

    def clear_items(self, batch: str, keep: list[str]) -> None:
        """Forget batch entries for scenarios no longer in the file."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT scenario FROM batch_items WHERE batch = ?", [batch]
            ).fetchall()
            for (name,) in rows:
                if name not in keep:
                    con.execute(
                        "DELETE FROM batch_items WHERE batch = ? AND scenario = ?", [batch, name]
                    )

    # ---------------------------------------------------------------- reading
    def has(self, key: str) -> bool:
        """Whether a run with this key is stored."""
        with self._connect() as con:
            return (
                con.execute("SELECT count(*) FROM runs WHERE run_key = ?", [key]).fetchone()[0] > 0
            )

    def runs(self) -> pd.DataFrame:
        """Every stored run (without the bulky scenario text)."""
        return self._df(
            "SELECT run_key, scenario, batch, scenario_hash, data_hash, seed, draws, version, "
            "created_at, seconds FROM runs ORDER BY created_at"
        )

    def run_log(self, batch: str | None = None) -> pd.DataFrame:
        """The run log, oldest first."""
        if batch is None:
            return self._df("SELECT * FROM run_log ORDER BY logged_at")
        return self._df("SELECT * FROM run_log WHERE batch = ? ORDER BY logged_at", [batch])

    def batches(self) -> list[str]:
        """The batches the store holds items of."""
        return self._df("SELECT DISTINCT batch FROM batch_items")["batch"].tolist()

    def items(self, batch: str) -> pd.DataFrame:
        """Latest state of each scenario of a batch, in file order."""
        return self._df("SELECT * FROM batch_items WHERE batch = ? ORDER BY position", [batch])

    def provenance(self, key: str) -> dict[str, Any]:
        """The stored provenance of one run, with the scenario text and hash."""
        df = self._df(
            "SELECT provenance, scenario_text, scenario_hash, created_at FROM runs WHERE run_key = ?",
            [key],
        )
        if df.empty:
            raise StoreError(_("no run {key} in {path}").format(key=repr(key), path=self.path))
        out = json.loads(df["provenance"].iloc[0])
        out["scenario_text"] = df["scenario_text"].iloc[0]
        out["scenario_hash"] = df["scenario_hash"].iloc[0]
        out["created_at"] = str(df["created_at"].iloc[0])
        return out

    def load(self, key: str):
        """Rebuild the :class:`~simlib.engine.SimulationResult` stored under ``key``."""
        from simlib.engine.simulate import SimulationResult

        with self._connect() as con:
            run = con.execute(
                "SELECT scenario, provenance, seconds FROM runs WHERE run_key = ?", [key]
            ).fetchone()
            if run is None:
                raise StoreError(_("no run {key} in {path}").format(key=repr(key), path=self.path))
            pdw = con.execute(
                "SELECT draw, metric, value FROM per_draw WHERE run_key = ?", [key]
            ).df()
            grp = con.execute(
                "SELECT grouping, draw, grp, pos, value FROM group_draws WHERE run_key = ?", [key]
            ).df()
            reps = con.execute(
                "SELECT rep_id, unit_id, position, region, field, value FROM reps WHERE run_key = ?",
                [key],
            ).df()
            hist = con.execute(
                "SELECT attainment_from, share FROM attainment_hist WHERE run_key = ? "
                "ORDER BY attainment_from",
                [key],
            ).df()
        name, prov, seconds = run
        prov = json.loads(prov)
        values, draws, metrics = _wide(pdw["draw"], pdw["metric"], pdw["value"], sort_rows=True)
        per_draw = pd.DataFrame(values, index=pd.Index(draws, name="draw"), columns=list(metrics))
        groups = {}
        for gname, g in grp.groupby("grouping", sort=False):
            values, _draws, positions = _wide(g["draw"], g["pos"], g["value"], sort_rows=True)
            labels = g.drop_duplicates("pos").set_index("pos")["grp"]
            order = np.argsort(positions, kind="stable")
            groups[str(gname)] = pd.DataFrame(
                values[:, order], columns=[labels[p] for p in positions[order]]
            )
        values, _ids, fields = _wide(reps["rep_id"], reps["field"], reps["value"], False)
        attrs = reps.drop_duplicates("rep_id")  # the reps in the order _wide gives them
        rep_frame = pd.DataFrame(
            {
                "rep_id": attrs["rep_id"].to_numpy(),
                **{c: attrs[c].to_numpy() for c in ("unit_id", "position", "region")},
                **dict(zip(fields, values.T, strict=True)),
            }
        )
        return SimulationResult(
            name=str(name),
            per_draw=per_draw,
            group_draws=groups,
            reps=rep_frame,
            attainment_hist=hist,
            provenance=prov,
            seconds=float(seconds),
        )

    def load_batch(
        self, batch: str, scenarios: list[str] | None = None, items: pd.DataFrame | None = None
    ) -> dict[str, Any]:
        """Every successful run of a batch (or only ``scenarios``), by name, in file order;
        ``items``: the batch's :meth:`items`, when the caller has just read them."""
        out = {}
        # One connection per few runs, not one each (opening costs milliseconds), let go
        # between them so that the batch, which writes while reports read, gets its turn.
        # The first one also reads the list of runs.
        with self.held():
            if items is None:
                items = self.items(batch)
            ok = items["status"].isin(["simulated", "reused"]) & items["run_key"].notna()
            if scenarios is not None:
                ok &= items["scenario"].isin(list(scenarios))
            runs = list(items.loc[ok].itertuples())
            for row in runs[:RUNS_PER_CONNECTION]:
                out[row.scenario] = self.load(row.run_key)
        for start in range(RUNS_PER_CONNECTION, len(runs), RUNS_PER_CONNECTION):
            with self.held():
                for row in runs[start : start + RUNS_PER_CONNECTION]:
                    out[row.scenario] = self.load(row.run_key)
        return out
