"""The project: the folder holding ``scenarios/``, ``data/`` and ``notebooks/``.

Notebooks name their inputs relative to the project (``data/sample``,
``scenarios/plans/am_current.yaml``), but where they run differs: JupyterLab
starts the kernel in ``notebooks/``, papermill and the command line at the
project root. :func:`resolve` makes such a path absolute against the project
root, found by walking up from the working directory to the first folder that
holds a ``scenarios`` folder (the marker of a simlib project). So
``resolve("data/sample")`` names the same folder from the root, from
``notebooks/`` or from any other folder inside the project.

``SIMLIB_PROJECT`` (an environment variable) names the root explicitly, for a
kernel started outside the project.
"""

from __future__ import annotations

import os
from pathlib import Path

#: A folder holding this is a project root.
MARKER = "scenarios"
#: Environment variable naming the project root explicitly.
ENV = "SIMLIB_PROJECT"


class ProjectError(FileNotFoundError):
    """No project root could be found."""


def root(start: str | Path | None = None) -> Path:
    """The project root: ``$SIMLIB_PROJECT``, else the nearest folder at or above
    ``start`` (default: the working directory) that holds ``scenarios/``, else the
    source checkout this package runs from."""
    env = os.environ.get(ENV)
    if env:
        p = Path(env).expanduser().resolve()
        if not p.is_dir():
            raise ProjectError(f"{ENV}={env}: not a folder")
        return p
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_dir():
            return folder
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / MARKER).is_dir():
        return checkout
    raise ProjectError(
        f"no simlib project found: no folder at or above {here} holds '{MARKER}/'; "
        f"run from inside the project or set {ENV}"
    )


def resolve(path: str | Path, start: str | Path | None = None) -> Path:
    """``path`` made absolute: unchanged when absolute, else against :func:`root`.

    The path need not exist (an output folder may not yet).

    Examples
    --------
    >>> resolve("data/sample").is_absolute()
    True
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return root(start) / p
