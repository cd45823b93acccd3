"""Where the files shipped with simlib live: the report notebooks (``notebooks/``), the
demo scenarios (``scenarios/``) and the bundled sample (``data/sample/``).

In a source checkout they are the repository's own folders. An installed wheel
carries copies as package data under ``simlib/_bundled/`` (same layout), found
with :mod:`importlib.resources`. Either way :func:`root` is the folder holding
``notebooks/``, ``scenarios/`` and ``data/``, and :func:`path` a file or folder in it.
"""

from __future__ import annotations

from pathlib import Path

#: What a source checkout holds at its top (beside ``src/simlib``).
CHECKOUT_MARKERS = ("pyproject.toml", "notebooks", "scenarios")
#: The package folder holding the shipped copies in an installed wheel.
PACKAGE_FOLDER = "_bundled"


def checkout() -> Path | None:
    """The source checkout this package runs from (``src/simlib`` inside it), or ``None``
    when simlib is installed from a wheel."""
    top = Path(__file__).resolve().parents[2]
    return top if all((top / m).exists() for m in CHECKOUT_MARKERS) else None


def root() -> Path:
    """The folder holding ``notebooks/``, ``scenarios/`` and ``data/sample/``: the source
    checkout, else the installed package's copies."""
    top = checkout()
    if top is not None:
        return top
    from importlib.resources import files

    return Path(str(files("simlib") / PACKAGE_FOLDER))


def path(relative: str | Path) -> Path:
    """A shipped file or folder, e.g. ``path("data/sample")``, ``path("notebooks")``."""
    return root() / relative
