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

from simlib import bundled
from simlib.i18n import _

#: A folder holding this is a project root.
MARKER = "scenarios"
#: Environment variable naming the project root explicitly.
ENV = "SIMLIB_PROJECT"


class ProjectError(FileNotFoundError):
    """No project root could be found."""


def root(start: str | Path | None = None) -> Path:
    """The project root: ``$SIMLIB_PROJECT``, else the nearest folder at or above
    ``start`` (default: the working directory) that holds ``scenarios/``, else the
    shipped files (:func:`simlib.bundled.root`: the source checkout this package runs
    from, or an installed package's copies of ``notebooks/``, ``scenarios/``, ``data/``)."""
    env = os.environ.get(ENV)
    if env:
        p = Path(env).expanduser().resolve()
        if not p.is_dir():
            raise ProjectError(_("{var}={value}: not a folder").format(var=ENV, value=env))
        return p
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_dir():
            return folder
    shipped = bundled.root()
    if (shipped / MARKER).is_dir():
        return shipped
    raise ProjectError(
        _(
            "no simlib project found: no folder at or above {here} holds '{marker}/'; "
            "run from inside the project or set {var}"
        ).format(here=here, marker=MARKER, var=ENV)
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


#: What :func:`init` copies from the shipped files: (source, destination in the folder).
#: The scenario file goes to the top of the folder, so the paths it names
#: (``data/sample``, ``scenarios/plans/...``) are the folder's own copies.
STARTER_FILES = (
    ("scenarios/demo.yaml", "scenario.yaml"),
    ("scenarios/plans", "scenarios/plans"),
    ("scenarios/appraisal", "scenarios/appraisal"),
    ("scenarios/cascades", "scenarios/cascades"),
    ("data/sample", "data/sample"),
)


def init(folder: str | Path = ".") -> list[Path]:
    """Make ``folder`` a simlib project to start from: the demo's scenario file as
    ``scenario.yaml``, the plans, appraisals and cascades it names under ``scenarios/``
    and the bundled sample under ``data/sample/``; returns what was written.

    Nothing is overwritten: when any of these is already there, nothing is copied.
    ``simlib run scenario.yaml`` then runs the batch on the folder's own copies.
    """
    import shutil

    folder = Path(folder)
    taken = [folder / dest for _src, dest in STARTER_FILES if (folder / dest).exists()]
    if taken:
        raise FileExistsError(
            _(
                "{folder}: already holds {files}; nothing was copied (choose an empty folder)"
            ).format(folder=folder, files=", ".join(str(p) for p in taken))
        )
    written = []
    for src, dest in STARTER_FILES:
        source, target = bundled.path(src), folder / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written
