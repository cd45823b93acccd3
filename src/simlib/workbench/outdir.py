"""A batch's output folder: what goes where, who is writing to it, and what a killed
run left behind.

The folder ``<out>/`` holds what leadership reads and nothing else: ``index.html``,
``compare.html``, one ``scenario-*.html`` per design and the other reports. What
analysts and ``simlib report`` / ``--resume`` need lives beside it, in
``<out>.store/`` (e.g. ``reports/demo/`` and ``reports/demo.store/``):

- ``results.duckdb``: the results store (every simulated run, per rep and per draw);
- ``notebooks/``: the executed notebooks behind each report;
- ``lock``: present while a run writes to the folder (who holds it: pid, host, start).

A run takes the lock before it writes anything and gives it back when it ends;
a second run into the same folder is refused with the holder's pid, host and
start time. A lock left by a process that no longer runs on this host (a run
that was killed) is taken over with a note. A lock from another host is never
taken over (its process cannot be seen from here), nor one whose process id has
since been reused by another program: the message says which file to delete. Every file is written to a
temporary sibling and renamed into place (:mod:`simlib._atomic`); the
temporaries of a killed run are removed when the next run takes the lock.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

from simlib.errors import SimlibError
from simlib.i18n import _

#: Suffix of the folder beside ``<out>`` holding the results store and notebooks.
STORE_SUFFIX = ".store"
STORE_FILE = "results.duckdb"
LOCK_FILE = "lock"

#: Names :mod:`simlib._atomic` gives its temporaries: ``.<target>.<8 random>[.ext]``
#: and ``.<target>.old.<8 random>`` (``tempfile`` draws the 8 from ``[a-z0-9_]``).
_TEMPORARY = re.compile(r"^\..+\.(old\.)?[a-z0-9_]{8}(\.[A-Za-z0-9]+)?$")


class OutputError(SimlibError, RuntimeError):
    """The output folder cannot be used (a file, unwritable, or held by another run)."""


def store_dir(out_dir: str | Path) -> Path:
    """The folder beside ``out_dir`` that holds its results store and notebooks."""
    out_dir = Path(out_dir).absolute()
    return out_dir.parent / f"{out_dir.name}{STORE_SUFFIX}"


def store_path(out_dir: str | Path) -> Path:
    """Where the results store of the batch written to ``out_dir`` lives.

    A folder written before the store moved beside it (``<out>/results.duckdb``)
    still works: its store is moved to the new place the first time it is used.
    """
    new = store_dir(out_dir) / STORE_FILE
    old = Path(out_dir) / STORE_FILE
    if not new.exists() and old.exists():
        new.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", ".wal"):
            if Path(f"{old}{suffix}").exists():
                os.replace(f"{old}{suffix}", f"{new}{suffix}")
    return new


def check(out_dir: str | Path, option: str = "--out") -> None:
    """Refuse an output folder that is a file (before any work is done)."""
    for folder in (Path(out_dir), store_dir(out_dir)):
        if folder.exists() and not folder.is_dir():
            raise OutputError(
                _("{option} {folder}: is a file; expected a folder (or a new name)").format(
                    option=option, folder=folder
                )
            )


def prepare(out_dir: str | Path, option: str = "--out") -> tuple[Path, Path]:
    """Create ``out_dir`` and its store folder, or say in one line why they cannot be.

    Returns ``(out_dir, store_dir)``.
    """
    out_dir = Path(out_dir)
    sdir = store_dir(out_dir)
    check(out_dir, option)
    for folder in (out_dir, sdir):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                _("{option} {folder}: cannot create the folder ({reason})").format(
                    option=option, folder=folder, reason=exc.strerror or exc
                )
            ) from None
        try:  # found out now, not after an hour of simulation
            fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe.")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise OutputError(
                _("{option} {folder}: cannot write in the folder ({reason})").format(
                    option=option, folder=folder, reason=exc.strerror or exc
                )
            ) from None
    return out_dir, sdir


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class OutputLock:
    """Held while a run writes to an output folder (a context manager).

    Parameters
    ----------
    out_dir : path
        The batch's output folder; the lock file is ``<out>.store/lock``.
    echo : callable
        Where the note about a taken-over stale lock goes.
    """

    def __init__(self, out_dir: str | Path, echo=print) -> None:
        self.out_dir = Path(out_dir)
        self.path = store_dir(out_dir) / LOCK_FILE
        self.echo = echo
        self.held = False

    def _write(self) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        # Written in full to a temporary file, then linked into place: link fails when
        # the lock exists, so two runs cannot both take it, and no one ever reads a
        # half-written lock.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{LOCK_FILE}.")
        except OSError as exc:
            raise OutputError(
                _("{folder}: cannot write beside it in {where} ({reason})").format(
                    folder=self.out_dir, where=self.path.parent, reason=exc.strerror or exc
                )
            ) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(info, f)
            try:
                os.link(tmp, self.path)
            except OSError as exc:
                if isinstance(exc, FileExistsError):
                    raise
                raise OutputError(
                    _("{folder}: cannot write there ({reason})").format(
                        folder=self.out_dir, reason=exc.strerror or exc
                    )
                ) from None
        finally:
            Path(tmp).unlink(missing_ok=True)

    def holder(self) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}

    def acquire(self) -> OutputLock:
        for _attempt in range(3):
            try:
                self._write()
                self.held = True
                return self
            except FileExistsError:
                pass
            info = self.holder()
            if info is None:
                continue  # released meanwhile: try again
            pid, host = info.get("pid"), info.get("host")
            if (
                isinstance(pid, int)
                and host == socket.gethostname()
                and pid != os.getpid()
                and not _alive(pid)
            ):
                # The holder was killed: take over. Renaming first means only one of
                # two runs doing this at once wins; the other finds the new lock.
                stale = self.path.with_name(f".{LOCK_FILE}.stale.{os.getpid()}")
                try:
                    os.replace(self.path, stale)
                except FileNotFoundError:
                    continue
                stale.unlink(missing_ok=True)
                self.echo(
                    "  "
                    + _(
                        "note: took over the lock of a run that no longer runs "
                        "(pid {pid} on {host}, started {started})"
                    ).format(pid=pid, host=host, started=info.get("started", "?"))
                )
                continue
            if not info:
                raise OutputError(
                    _(
                        "{folder}: the lock file {lock} cannot be read; if no run is writing "
                        "to this folder, delete that file and run again"
                    ).format(folder=self.out_dir, lock=self.path)
                )
            raise OutputError(
                _(
                    "{folder}: another run is writing to this folder (pid {pid} on {host}, "
                    "started {started}); wait for it to finish, or use another --out. If that "
                    "run is gone, delete {lock}"
                ).format(
                    folder=self.out_dir,
                    pid=pid,
                    host=host,
                    started=info.get("started", "?"),
                    lock=self.path,
                )
            )
        raise OutputError(
            _("{folder}: could not take the lock {lock}; try again").format(
                folder=self.out_dir, lock=self.path
            )
        )

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def clean_temporaries(*folders: Path) -> list[str]:
    """Remove the temporaries a killed run left in ``folders`` (not recursive beyond
    one level of sub-folders). Call only while holding the folder's lock."""
    removed: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for base in [
            folder,
            *(p for p in folder.iterdir() if p.is_dir() and not _TEMPORARY.match(p.name)),
        ]:
            for p in base.iterdir():
                if not _TEMPORARY.match(p.name):
                    continue
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
                removed.append(str(p.relative_to(folder.parent)))
    return removed
