"""The workbench: what users touch on top of the library.

The results store, the batch runner, the report pages, the what-if and the command
line. Nothing below this package imports from it. The names below are imported on
first use, so ``import simlib.workbench`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "BatchResult": "simlib.workbench.items",
    "run_batch": "simlib.workbench.batch",
    "rerender": "simlib.workbench.batch",
    "run_demo": "simlib.workbench.demo",
    "write_outputs": "simlib.workbench.design",
    "execute_notebook": "simlib.workbench.notebook",
    "NotebookError": "simlib.workbench.notebook",
    "render_report": "simlib.workbench.render",
    "render_topic": "simlib.workbench.render",
    "Store": "simlib.workbench.store",
    "StoreError": "simlib.workbench.store",
    "run_key": "simlib.workbench.store",
    "main": "simlib.workbench.cli",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    # internal: Python's own wording for a missing module attribute (hasattr relies on it)
    raise AttributeError(f"module 'simlib.workbench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
