"""Tenure bands: how long a rep had been employed at a date, in the bands every result uses.

One definition serves the simulation's groupings, the target diagnostics and the
data-health pages, so a rep is in the same band wherever a band is shown::

    from simlib.data.tenure import tenure_band
    tenure_band(ds.reps["hire_date"], pd.Timestamp("2026-01-01"))   # "<1y", "1-3y", ...
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TENURE_BANDS", "TENURE_EDGES_YEARS", "tenure_band"]

#: Where one band ends and the next begins, in years since hire (a rep at exactly 1
#: year is in "1-3y"). A year is 365.25 days.
TENURE_EDGES_YEARS: tuple[float, ...] = (1.0, 3.0, 5.0)
#: The bands' labels, shortest tenure first: one more than there are edges.
TENURE_BANDS: tuple[str, ...] = ("<1y", "1-3y", "3-5y", "5y+")


def tenure_band(hire_dates: pd.Series, at: pd.Timestamp | pd.Series) -> pd.Series:
    """Each rep's tenure band at ``at``.

    Parameters
    ----------
    hire_dates : Series
        Hire dates (datetime64, or text pandas reads as dates).
    at : Timestamp or Series
        The date tenure is measured at: one for everyone, or one per rep (aligned
        on ``hire_dates``' index, e.g. each leaver's exit date).

    Returns
    -------
    Series of str
        A label of :data:`TENURE_BANDS` per rep, on ``hire_dates``' index; a rep
        hired after ``at`` is in the first band; a missing hire date gives ``"nan"``.
    """
    years = (at - pd.to_datetime(hire_dates)).dt.days / 365.25
    return pd.cut(
        years,
        [-np.inf, *TENURE_EDGES_YEARS, np.inf],
        labels=list(TENURE_BANDS),
        right=False,
    ).astype(str)
