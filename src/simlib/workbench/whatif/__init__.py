"""What-if: re-pay last year under an edited plan, one control at a time.

:class:`WhatIf` binds a plan to one year of actual results and targets and
lists the plan's own :class:`Control` s (threshold, each curve point,
accelerator, cap, gates, pay mix, team share, weights). :meth:`WhatIf.spec`
turns control values into the edited plan; a control left at its start changes
nothing, so every control back at its start gives the starting plan exactly.
:meth:`WhatIf.evaluate` re-pays the year with the same payout core as
:meth:`simlib.plans.Plan.evaluate` and the same metric definitions as the
reports (:func:`simlib.metrics.plan_health`).

The browser app (``simlib whatif``) is :class:`simlib.workbench.whatif.app.WhatIfApp`
served by Voila; "Save as reform" is :func:`simlib.workbench.whatif.reform.save_reform`.
"""

from simlib.workbench.whatif.model import (
    NO_CAP,
    Control,
    WhatIf,
    WhatIfError,
    WhatIfResult,
)

__all__ = ["NO_CAP", "Control", "WhatIf", "WhatIfError", "WhatIfResult"]
