"""Report kernels forked from a warm process.

Every report page runs its notebook on a fresh kernel. Started the usual way, each
kernel spends most of its first second starting Python and importing ipykernel, numpy,
pandas, scipy, statsmodels and matplotlib again, which is about half the time a page takes. On Linux the
batch therefore starts one *fork server*: a process that imports those libraries once
and then forks a kernel per notebook. A forked kernel starts with the libraries
loaded and nothing else: it has not run any notebook code, it runs in the folder and
environment the notebook asks for, and simlib itself is imported fresh by the
notebook, as in a kernel started from scratch.

Where ``fork`` is not safe (macOS, Windows), or with ``SIMLIB_FORK_KERNELS=0``,
kernels are started the usual way.

The server reads one JSON request per line on its standard input (the kernel
command, working folder and environment) and answers with the new kernel's process
id. It ends when its standard input closes, that is when the process that started it
ends; a kernel whose server has ended shuts itself down (ipykernel's parent poller).
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time

#: Set to ``0`` to start every report kernel as a new process instead.
ENV = "SIMLIB_FORK_KERNELS"
#: What kernels import before they run any notebook code: the kernel itself and the
#: libraries the reports use. Not simlib (a notebook imports it fresh, in its own
#: folder) and not ``matplotlib.pyplot`` (it hooks into the kernel when imported).
#: matplotlib's settings are read again in the kernel (:func:`_matplotlib_as_fresh`).
PRELOAD = (
    "numpy",
    "pandas",
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.api",
    "matplotlib",
    "matplotlib.figure",
    "pyarrow",
    "duckdb",
    "pydantic",
    "yaml",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
)


def available() -> bool:
    """Whether report kernels are forked: Linux, unless ``SIMLIB_FORK_KERNELS=0``."""
    return sys.platform.startswith("linux") and os.environ.get(ENV, "1") != "0"


class ForkedKernel:
    """A kernel process forked by the server, with the part of :class:`subprocess.Popen`
    that a Jupyter kernel provisioner uses (``pid``, ``poll``, ``wait``, signals).

    The server, not this process, is the kernel's parent: it reaps the kernel when it
    ends, so the exit status is not known here (``poll`` then answers 0)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # the number now belongs to another user's process
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """The client side: starts the server on first use and asks it for kernels."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            # Run as a file, not ``-m simlib...``: the server must not import simlib.
            [sys.executable, os.path.abspath(__file__)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        ready = proc.stdout.readline()
        if json.loads(ready or "{}").get("ready") is not True:
            proc.kill()
            raise RuntimeError(f"the kernel fork server did not start: {ready!r}")  # internal:
        atexit.register(self.close)
        return proc

    def fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> ForkedKernel:
        """A new kernel running ``argv`` (``python -m ipykernel_launcher -f <file>``)
        in ``cwd`` with exactly the environment ``env``."""
        request = json.dumps({"argv": argv, "cwd": cwd, "env": env}) + "\n"
        with self._lock:
            for attempt in (1, 2):  # a server that has gone away is started again once
                if self._proc is None or self._proc.poll() is not None:
                    self._proc = self._start()
                try:
                    self._proc.stdin.write(request)
                    self._proc.stdin.flush()
                    answer = self._proc.stdout.readline()
                except (BrokenPipeError, OSError):
                    answer = ""
                if answer:
                    break
                self._proc = None
                if attempt == 2:
                    raise RuntimeError("the kernel fork server stopped answering")  # internal:
        got = json.loads(answer)
        if "pid" not in got:
            raise RuntimeError(f"the kernel fork server failed: {got.get('error')}")  # internal:
        return ForkedKernel(int(got["pid"]))

    def close(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


_server = ForkServer()


def fork_kernel(argv: list[str], cwd: str, env: dict[str, str]) -> ForkedKernel:
    """A kernel forked from this process's server (started on first use)."""
    return _server.fork(argv, cwd, env)


# ------------------------------------------------------------------------- the server
def _become_kernel(request: dict) -> None:
    """In the forked child: turn into the kernel the request describes."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel waits for its own children
    os.setsid()  # its own process group, as jupyter_client starts kernels
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # this process's stdout is the server's answer pipe
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # The kernel's parent is this server: ipykernel shuts the kernel down when it goes.
    # (ipykernel read JPY_PARENT_PID when the server imported it, so it is given again.)
    parent = str(os.getppid())
    os.environ["JPY_PARENT_PID"] = parent
    del sys.path[0]  # this server's folder, which ipykernel_launcher takes out too
    argv = list(request["argv"])
    module = argv.index("-m") + 1 if "-m" in argv else None
    if module is None or argv[module] != "ipykernel_launcher":
        raise ValueError(f"not a kernel command: {argv}")  # internal:
    sys.argv = ["ipykernel_launcher", *argv[module + 1 :], f"--IPKernelApp.parent_handle={parent}"]
    _matplotlib_as_fresh()
    import numpy as np

    np.random.seed()  # noqa: NPY002 (a fresh kernel's legacy global generator is seeded from the OS)
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


#: The settings file matplotlib read when the server imported it.
_MPL_SETTINGS: str | None = None
#: The backend ipykernel gives matplotlib unless ``MPLBACKEND`` says otherwise.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def _matplotlib_as_fresh() -> None:
    """matplotlib's settings as a kernel started in this folder and environment would
    have them: its settings file (``matplotlibrc`` here, ``$MATPLOTLIBRC``, the user's)
    and the backend (``$MPLBACKEND``, else the one ipykernel sets)."""
    import matplotlib as mpl

    if mpl.matplotlib_fname() != _MPL_SETTINGS:
        mpl.rc_file(mpl.matplotlib_fname())
    mpl.rcParams["backend"] = os.environ.get("MPLBACKEND") or INLINE_BACKEND


def serve() -> None:
    """Import :data:`PRELOAD`, then fork a kernel for each request on standard input."""
    import importlib

    global _MPL_SETTINGS
    for name in PRELOAD:
        importlib.import_module(name)
    import gc

    import matplotlib as mpl

    _MPL_SETTINGS = mpl.matplotlib_fname()
    # What the libraries built on import lives as long as a kernel does: frozen, a
    # kernel's full garbage collections skip it (a report page's took a tenth of its
    # time scanning the libraries' 200,000 objects), and leave its memory pages shared.
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended kernels are reaped at once
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            pid = os.fork()
        except Exception as exc:  # a malformed request or no more processes: say so
            out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            out.flush()
            continue
        if pid == 0:
            code = 0
            try:
                _become_kernel(request)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # as ``python -m`` has it, not this file's folder
    serve()
