"""Executing notebooks: papermill runs a notebook with validated parameters.

Notebooks are thin (parameters, library calls, figures, prose). This module
executes one with validated parameters on a kernel running this very interpreter (no
Jupyter kernel needs registering); outputs appear atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from simlib import bundled
from simlib._atomic import atomic_file
from simlib.errors import SimlibError
from simlib.i18n import N_, _

#: The source checkout when running from one; else the working folder the command started
#: in (reports, relative output folders and notebook kernels start there).
PROJECT_ROOT = bundled.checkout() or Path.cwd()
#: The report notebooks: the checkout's ``notebooks/`` or the installed package's copies.
NOTEBOOKS = bundled.path("notebooks")
#: The kernel name notebooks record; the batch runs them on the running interpreter
#: (:class:`InterpreterKernelManager`), registered or not.
KERNEL = "simlib"
#: Seconds a notebook cell may run, and a kernel may take to start, before it fails.
CELL_TIMEOUT = 900
KERNEL_START_TIMEOUT = 120


class NotebookError(SimlibError, RuntimeError):
    """A notebook failed to execute; the message names the notebook and cell."""


@contextmanager
def as_ipynb(notebook: str | Path) -> Iterator[Path]:
    """The notebook as an ``.ipynb`` file papermill can read.

    The notebooks are tracked as jupytext ``.py:percent`` files only (their
    ``.ipynb`` twins, which JupyterLab saves outputs into, are not tracked): a
    ``.py`` is converted into a temporary ``.ipynb``; an ``.ipynb`` is used as is.
    """
    notebook = Path(notebook)
    if notebook.suffix != ".py":
        yield notebook
        return
    import jupytext

    nb = jupytext.read(notebook)
    with tempfile.TemporaryDirectory(prefix="simlib-nb-") as d:
        path = Path(d) / f"{notebook.stem}.ipynb"
        jupytext.write(nb, path)
        yield path


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The names and default values in a notebook's ``parameters`` cell."""
    import papermill as pm

    with as_ipynb(notebook) as nb:
        info = pm.inspect_notebook(str(nb))
    return {name: p["default"] for name, p in info.items()}


def validate_parameters(notebook: str | Path, parameters: Mapping[str, Any]) -> None:
    """Refuse parameters the notebook does not declare (papermill would only warn), and
    values whose kind differs from the declared default (a number for a path, a
    string for a list); ``None`` on either side is accepted."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise NotebookError(
            _(
                "{notebook}: unknown parameter(s) {unknown}; the notebook declares {declared}"
            ).format(notebook=Path(notebook).name, unknown=unknown, declared=sorted(declared))
        )
    wrong = [
        _("{name} = {value} (the notebook expects {kind})").format(
            name=k, value=repr(v), kind=_(_kind(declared[k]))
        )
        for k, v in parameters.items()
        if not _same_kind(declared[k], v)
    ]
    if wrong:
        raise NotebookError(
            _("{notebook}: parameter(s) of the wrong kind: {wrong}").format(
                notebook=Path(notebook).name, wrong=wrong
            )
        )


def _default_value(source: Any) -> Any:
    import ast

    try:
        return ast.literal_eval(source) if isinstance(source, str) else source
    except (ValueError, SyntaxError):
        return None  # an expression: nothing to compare with


def _kind(source: Any) -> str:
    v = _default_value(source)
    return {bool: N_("True/False"), int: N_("a number"), float: N_("a number"), str: N_("text"),
            list: N_("a list"), tuple: N_("a list"),
            dict: N_("a mapping")}.get(type(v), N_("any value"))  # fmt: skip


def _same_kind(source: Any, value: Any) -> bool:
    default = _default_value(source)
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    kernel: str = KERNEL,
    cwd: str | Path | None = None,
) -> Path:
    """Execute ``notebook`` with papermill and write the executed copy to ``output``."""
    import papermill as pm

    notebook = Path(notebook)
    parameters = dict(parameters or {})
    validate_parameters(notebook, parameters)
    with (
        atomic_file(output, suffix=".ipynb") as tmp,
        as_ipynb(notebook) as source,
        _kernel_config(kernel) as config,
    ):
        for attempt in (1, 2):
            try:
                pm.execute_notebook(
                    str(source),
                    str(tmp),
                    parameters=parameters,
                    kernel_name=kernel,
                    # The kernel starts in this folder; papermill's own ``cwd`` would
                    # change this whole process's folder while notebooks run in threads.
                    resources={"metadata": {"path": str(cwd or PROJECT_ROOT)}},
                    progress_bar=False,
                    log_output=False,
                    # Written once at the end: the copy goes to a temporary file that is
                    # discarded if the run fails, so saving after every cell bought nothing.
                    request_save_on_cell_execute=False,
                    # A report never needs this long; a hung kernel must fail, not stall CI.
                    execution_timeout=CELL_TIMEOUT,
                    start_timeout=KERNEL_START_TIMEOUT,
                    config=config,
                )
                break
            except pm.PapermillExecutionError as exc:
                raise NotebookError(
                    _("{notebook} failed in cell {cell}: {error}").format(
                        notebook=notebook.name,
                        cell=exc.exec_count,
                        error=f"{exc.ename}: {exc.evalue}",
                    )
                ) from None
            except (RuntimeError, TimeoutError) as exc:
                # A kernel that does not start or answer (e.g. a port taken by another
                # process at the same moment) gets one more try with a fresh kernel.
                if attempt == 2:
                    raise NotebookError(
                        _("{notebook}: the kernel did not start or answer: {error}").format(
                            notebook=notebook.name, error=exc
                        )
                    ) from None
    return Path(output)


@contextmanager
def _kernel_config(kernel: str):
    """Kernel configuration for one notebook run.

    With the ``simlib`` kernel the notebook runs on this very interpreter
    (:func:`interpreter_kernel_manager`): no kernel needs registering with Jupyter, and
    an installed simlib runs its notebooks wherever it is installed. Another kernel
    name is looked up among the registered Jupyter kernels.

    The kernel talks to papermill over Unix sockets in a private temporary folder
    (IPC transport), never over TCP: over TCP every kernel warns that its traffic is
    unencrypted (and two kernels starting at once can race for a port); local
    sockets in a folder only this user can open need no encryption and no ports.
    """
    import tempfile

    from traitlets.config import Config

    config = Config()
    if kernel == KERNEL:
        config.NotebookClient.kernel_manager_class = interpreter_kernel_manager()
    if os.name == "nt":  # no Unix sockets on Windows: the kernel keeps its TCP default
        yield config
        return
    with tempfile.TemporaryDirectory(prefix="simlib-kernel-") as d:
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(d) / "kernel")
        yield config


def kernel_command() -> list[str]:
    """The command starting a notebook kernel on the running interpreter."""
    import sys

    return [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


@cache
def interpreter_kernel_manager() -> type:
    """A Jupyter kernel manager whose kernel is the running interpreter
    (:func:`kernel_command`), whatever kernel name the notebook records."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec
    from traitlets import Type

    from simlib.workbench import forkserver

    class InterpreterKernelManager(AsyncKernelManager):
        # Ready as soon as the kernel has answered on both channels (see kernelclient).
        client_factory = Type(klass="simlib.workbench.kernelclient.ReportKernelClient")

        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(
                    argv=kernel_command(),
                    display_name="Python (simlib)",
                    language="python",
                    resource_dir="",
                )
            return self._kernel_spec

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if not forkserver.available():
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            env = kw.get("env") or dict(os.environ)
            cwd = str(kw.get("cwd") or Path.cwd())
            provisioner.process = forkserver.fork_kernel(kernel_cmd, cwd, env)
            provisioner.pid = provisioner.pgid = provisioner.process.pid
            provisioner.cwd = cwd
            self._reconcile_connection_info(provisioner.connection_info)

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts every kernel before it shuts it down. A report
            # kernel is shut down only after its last cell has answered: the interrupt
            # would stop nothing, and one landing while the kernel still handles a message
            # prints "KeyboardInterrupt caught in kernel" on the user's terminal.
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

        async def _async_finish_shutdown(self, *args: Any, **kw: Any) -> None:
            # A report kernel exits within milliseconds of the shutdown request: look
            # every 10 ms, not every 100 ms (jupyter_client's default).
            kw.setdefault("pollinterval", 0.01)
            await super()._async_finish_shutdown(*args, **kw)

    return InterpreterKernelManager
