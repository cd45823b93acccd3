# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (simlib)
#     language: python
#     name: simlib
# ---

# %% tags=["parameters"]
search_dir = "reports/design_search_design"
language = None  # en or zh-CN; None: the language simlib is run in (default en)

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from simlib import i18n
from simlib.i18n import _
from simlib.search import figures
from simlib.search.output import load_outputs
from simlib.workbench import project

if language is not None:
    i18n.set_language(language)
i18n.chart_font()
search_dir = project.resolve(search_dir)  # against the project, not the kernel's folder
info = load_outputs(search_dir)
display(Markdown("# " + _("Design search")))
display(
    Markdown(
        _(
            "Instead of comparing a few hand-written designs, the search tried many designs "
            "within the bounds the scenario file sets and kept the one that does best on its "
            "objective while meeting every goal. Each design was simulated over the same "
            "possible years (the same sales luck for every design), first at a few years to "
            "screen, then the best at the full number to confirm. Money is in the data's "
            "currency; no individual's pay is shown."
        )
    )
)
display(Markdown(figures.decision(info)))

# %%
display(Markdown("## " + _("The recommended design against today's plan")))
display(
    Markdown(
        _(
            "The objective, the expected cost and every goal's measure, for the baseline, the "
            "design the search started from and the recommended design (all at the full "
            "number of years)."
        )
    )
)
display(figures.comparison(info))

# %%
display(Markdown("## " + _("The frontier")))
display(
    Markdown(
        _(
            "Every design screened, on the objective and the first trade-off the file names. "
            "A design is on the frontier when no other design is better on every axis at "
            "once; filled points meet every goal."
        )
    )
)

# %%
ax = figures.plot_frontier(info)
plt.show()
display(figures.frontier_table(info))

# %%
display(Markdown("## " + _("Which goals bind, and which conflict")))
display(
    Markdown(
        _(
            "A goal *binds* when the recommended design meets it with under 5% of the bound "
            "to spare: relaxing it would let the objective improve. When no design meets "
            "every goal, the lines below say which goals pull against each other and by how "
            "much."
        )
    )
)

# %%
display(figures.goals_table(info))
for line in figures.conflicts(info):
    display(Markdown(f"- {line}"))

# %%
display(Markdown("## " + _("How much each parameter matters")))
display(
    Markdown(
        _(
            "Each tuned parameter moved alone across its range, the others held at the "
            "recommended design (screening years). A flat line: the parameter hardly changes "
            "the objective."
        )
    )
)

# %%
axs = figures.plot_sensitivity(info)
plt.show()

# %%
display(Markdown("## " + _("How the search ran")))
display(
    Markdown(
        _(
            "The files in `designs/` are scenario files (`simlib run`, `simlib describe`); "
            "those in `plans/` are whole plans the what-if opens with `--plan`."
        )
    )
)

# %%
display(Markdown(figures.how_found(info)))
display(Markdown(", ".join(f"`{w['scenario_file']}`" for w in info["written"])))
