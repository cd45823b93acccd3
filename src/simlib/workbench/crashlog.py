"""The log file an internal error of the command line leaves for a bug report."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from simlib.i18n import _


def write_crash_log() -> str:
    """Write the current exception's traceback to a log file; return its path."""
    import datetime as dt
    import tempfile
    import traceback

    import simlib

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (
        f"simlib {getattr(simlib, '__version__', '?')}, python {sys.version.split()[0]}\n"
        f"command: {' '.join(sys.argv)}\n\n{traceback.format_exc()}"
    )
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for folder in (Path(base) / "simlib" / "logs", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"simlib-error-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return str(path)
        except OSError:
            continue
    return _("(no log could be written: rerun with --debug to see the details)")
