"""The what-if as a page: controls on the left, the plan's effect on the right.

:class:`WhatIfApp` builds the page from ipywidgets; ``simlib whatif`` serves it
with Voila (code hidden), and it also runs in a notebook cell. Every change
re-pays the year (:meth:`simlib.workbench.whatif.WhatIf.evaluate`) and redraws the
figures: the payout curves (start and as set), the start | as set | change
table, one line per change in words, and mean pay by performance quartile and
region (groups under the minimum size left out; no individual's pay).

Figures carry their exact values in ``data-value`` attributes, so what the page
shows can be checked against the library.
"""

from __future__ import annotations

import html
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib import i18n
from simlib.i18n import N_, _, ngettext
from simlib.workbench.whatif.model import NO_CAP, WhatIf, WhatIfError, WhatIfResult

#: Environment variables through which ``simlib whatif`` passes its settings to the
#: page (Voila runs the notebook as written; these override its parameters).
ENV = {
    "data_path": "SIMLIB_WHATIF_DATA",
    "plan_file": "SIMLIB_WHATIF_PLAN",
    "scenario_dir": "SIMLIB_WHATIF_SCENARIOS",
    "year": "SIMLIB_WHATIF_YEAR",
}

CSS = """
<style>
.simlib-whatif { font-family: system-ui, 'Segoe UI', 'Noto Sans CJK SC', sans-serif; }
.simlib-whatif table { border-collapse: collapse; font-size: 13px; }
.simlib-whatif th, .simlib-whatif td { padding: 3px 8px; border-bottom: 1px solid #e3e3e3;
  text-align: right; }
.simlib-whatif th:first-child, .simlib-whatif td:first-child { text-align: left; }
.simlib-whatif .up { color: #1b7a3a; } .simlib-whatif .down { color: #b3261e; }
.simlib-whatif .note { color: #555; font-size: 12px; }
.simlib-whatif .error { color: #b3261e; font-weight: 600; }
.simlib-control-label { font-size: 13px; line-height: 1.25; white-space: normal; }
.simlib-control-value { font-size: 13px; font-variant-numeric: tabular-nums; }
</style>
"""


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _signed(kind: str, v: float, currency: str) -> str:
    from simlib import formatting as fm

    if not np.isfinite(v):
        return _("n/a")
    if abs(v) < 1e-12:
        return _("no change")
    if kind == "money":
        if i18n.is_chinese():
            return fm.money(v, currency, sign=True)
        return f"{v:+,.0f} {currency}"
    if kind in ("pct", "pct2"):
        return fm.points(v)
    if kind == "x":
        return f"{v:+.2f}x"
    return f"{v:+.2f}"


def totals_html(
    wi: WhatIf,
    start: WhatIfResult,
    now: WhatIfResult,
    other: tuple[str, WhatIfResult] | None = None,
    values: Mapping[str, Any] | None = None,
) -> str:
    """The start | as set | change table (and a column for a plan compared with)."""
    from simlib import vocabulary as voc
    from simlib.workbench.report import fmt as fmt_plain

    # Chinese amounts carry their unit (1,626万元); English ones the table's "(CNY)".
    cur = wi.currency if i18n.is_chinese() else None

    def fmt(value: float, kind: str) -> str:
        return fmt_plain(value, kind, cur)

    t = wi.table(start, now)
    head = "".join(
        f"<th>{_esc(h)}</th>" for h in (_("measure"), _("start"), _("as set"), _("change"))
    )
    if other is not None:
        head += f"<th>{_esc(other[0])}</th>"
    rows = []
    for key, r in t.iterrows():
        kind = r["kind"]
        change = r["change"]
        cells = [
            f"<td>{_esc(voc.metric(key).name if cur and key == 'total_payout' else r['measure'])}"
            "</td>",
            f'<td data-metric="{key}" data-col="start" data-value="{r["start"]!r}">'
            f"{fmt(r['start'], kind)}</td>",
            f'<td data-metric="{key}" data-col="now" data-value="{r["as set"]!r}">'
            f"{fmt(r['as set'], kind)}</td>",
            f'<td data-metric="{key}" data-col="change" data-value="{change!r}">'
            f"{_signed(kind, change, wi.currency)}</td>",
        ]
        if other is not None:
            v = other[1].metrics[key]
            cells.append(f'<td data-metric="{key}" data-col="other">{fmt(v, kind)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="simlib-totals" data-for="{_esc(signature(wi, values))}">'
        f"<tr>{head}</tr>{''.join(rows)}</table>"
    )


def signature(wi: WhatIf, values: Mapping[str, Any] | None) -> str:
    """The moved controls and their values (``key=value;...``): what the figures are for."""
    if not values:
        return ""
    return ";".join(f"{k}={float(values[k]):g}" for k in wi.moved(values))


def groups_html(wi: WhatIf, start: WhatIfResult, now: WhatIfResult, by: str) -> str:
    """Mean pay per rep by group: start, as set, change (small groups left out)."""
    g = wi.groups(start, now, by)
    title = {
        "quartile": _("performance quartile (attainment last year)"),
        "region": _("region"),
    }[by]
    rows = []
    for name, r in g.iterrows():
        cls = "up" if r["change"] > 0.5 else ("down" if r["change"] < -0.5 else "")
        pct = f" ({r['change %']:+.1%})" if np.isfinite(r["change %"]) else ""
        change = _("no change") if abs(r["change"]) < 0.5 else f"{r['change']:+,.0f}{pct}"
        rows.append(
            f"<tr><td>{_esc(_(str(name)) if by == 'quartile' else name)}</td>"
            f"<td>{int(r['reps'])}</td>"
            f"<td>{r['start']:,.0f}</td><td>{r['as set']:,.0f}</td>"
            f'<td class="{cls}">{change}</td></tr>'
        )
    note = ""
    if g.attrs.get("suppressed"):
        note = '<div class="note">{}</div>'.format(
            _esc(
                _("Left out (fewer than {min_group} reps): {groups}.").format(
                    min_group=wi.min_group, groups=_(", ").join(g.attrs["suppressed"])
                )
            )
        )
    heads = (title, _("reps"), _("mean pay, start"), _("as set"), _("change"))
    return (
        f'<table class="simlib-groups" data-by="{by}"><tr>'
        + "".join(f"<th>{_esc(h)}</th>" for h in heads)
        + f"</tr>{''.join(rows)}</table>"
        + note
    )


def curve_svg(
    start: list, now: list, other: list | None = None, width: int = 460, height: int = 250
) -> str:
    """Payout curves as an inline SVG: the start dashed grey, as set in blue."""

    def top_x(c: list) -> float:
        x = [p[0] for p in c if p[0] < NO_CAP]
        return max(x) if x else 1.0

    curves = [c for c in (start, now, other) if c]
    x_max = max(2.0, max(top_x(c) for c in curves) + 0.3)

    def outline(c: list) -> list[tuple[float, float]]:
        # A payout curve is linear between its points, 0 below the first and flat
        # after the last: its outline is exact with these points alone.
        pts = [(0.0, 0.0), (float(c[0][0]), 0.0)]
        pts += [(float(a), float(b)) for a, b in c]
        pts.append((max(x_max, float(c[-1][0])), float(c[-1][1])))
        out = []
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            if x0 >= x_max:
                break
            if x1 > x_max:  # cut at the right edge
                y1 = y0 + (y1 - y0) * (x_max - x0) / (x1 - x0)
                x1 = x_max
            out += [(x0, y0), (x1, y1)]
        return out

    lines = [outline(c) for c in curves]
    y_max = max(1.2, max(y for ln in lines for _, y in ln) * 1.1)
    left, right, top, bottom = 46, 12, 12, 34
    w, h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + w * x / x_max

    def py(y: float) -> float:
        return top + h * (1 - y / y_max)

    words = {k: _esc(_(k)) for k in (N_("payout curves"), N_("attainment (% of quota)"),
                                      N_("payout (% of target amount)"))}  # fmt: skip
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'class="simlib-curve" role="img" aria-label="{words["payout curves"]}">'
    ]
    for x in np.arange(0, x_max + 1e-9, 0.25 if x_max <= 2.5 else 0.5):
        parts.append(
            f'<line x1="{px(x):.1f}" y1="{top}" x2="{px(x):.1f}" y2="{top + h}" stroke="#eee"/>'
            f'<text x="{px(x):.1f}" y="{top + h + 14}" font-size="10" text-anchor="middle">'
            f"{x:.0%}</text>"
        )
    for y in np.arange(0, y_max + 1e-9, 0.5):
        parts.append(
            f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + w}" y2="{py(y):.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{py(y) + 3:.1f}" font-size="10" text-anchor="end">'
            f"{y:.0%}</text>"
        )
    parts.append(
        f'<text x="{left + w / 2}" y="{height - 4}" font-size="11" text-anchor="middle">'
        f"{words['attainment (% of quota)']}</text>"
        f'<text x="11" y="{top + h / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 11 {top + h / 2})">{words["payout (% of target amount)"]}</text>'
    )
    styles = [
        ('stroke="#888" stroke-dasharray="5 4" stroke-width="2"', _("start")),
        ('stroke="#1f5fbf" stroke-width="2.5"', _("as set")),
        ('stroke="#d07a00" stroke-width="2" stroke-dasharray="2 3"', _("compared")),
    ]
    drawn = [c for c in (start, now, other)]
    k = 0
    for c, (style, name) in zip(drawn, styles, strict=True):
        if not c:
            continue
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in lines[k])
        k += 1
        parts.append(f'<polyline fill="none" {style} points="{pts}"><title>{name}</title>'
                     "</polyline>")  # fmt: skip
    ly = top + 8
    for c, (style, name) in zip(drawn, styles, strict=True):
        if not c:
            continue
        parts.append(
            f'<line x1="{left + 10}" y1="{ly}" x2="{left + 34}" y2="{ly}" {style}/>'
            f'<text x="{left + 40}" y="{ly + 4}" font-size="11">{name}</text>'
        )
        ly += 15
    parts.append("</svg>")
    return "".join(parts)


class _Part:
    """One part of the figures' HTML (``value``), shown together in one widget."""

    value: str = ""


class WhatIfApp:
    """The what-if page.

    Parameters
    ----------
    wi : WhatIf
        The plan bound to its data.
    scenario_dir : path, optional
        Where "Save as reform" writes (default ``scenarios/whatif`` in the project).
    data_path, plan_path : str, optional
        How the saved reform names the data and the starting plan.
    """

    def __init__(
        self,
        wi: WhatIf,
        scenario_dir: str | Path | None = None,
        data_path: str | None = None,
        plan_path: str | None = None,
    ) -> None:
        import ipywidgets as w

        from simlib.workbench import project

        self.wi = wi
        self.scenario_dir = Path(scenario_dir or project.resolve("scenarios/whatif"))
        self.data_path = data_path
        self.plan_path = plan_path
        self.values: dict[str, Any] = dict(wi.start)
        self.start_result = wi.evaluate()
        self.result = self.start_result
        self.other: tuple[str, WhatIfResult] | None = None
        self.error = ""
        self.last_update_ms = 0.0
        self._quiet = False
        self.widgets: dict[str, Any] = {}
        self.readouts: dict[str, Any] = {}
        groups: dict[str, list] = {}
        for key, c in wi.controls.items():
            groups.setdefault(c.group, []).append(self._control_row(key, c))
        self.groups = w.Accordion(
            children=[w.VBox(rows) for rows in groups.values()],
            titles=tuple(groups),
            selected_index=0,
        )
        curve_names = list(self.start_result.curves)
        labels = {c["name"]: wi._label(c) for c in wi.base_spec["components"]}
        self.curve_pick = w.Dropdown(
            options=[(labels.get(n, n), n) for n in curve_names], value=curve_names[0],
            description=_("curve of"),
            layout=w.Layout(width="320px"),
        )  # fmt: skip
        self.curve_pick.observe(lambda _: self._redraw(), names="value")
        self.reset_button = w.Button(description=_("Reset to the starting plan"), icon="undo",
                                     layout=w.Layout(width="240px"))  # fmt: skip
        self.reset_button.on_click(lambda _: self.reset())
        self.compare_pick = w.Dropdown(
            options=self._compare_options(), value="", description=_("compare with"),
            layout=w.Layout(width="420px"), style={"description_width": "initial"},
        )  # fmt: skip
        self.compare_pick.observe(lambda ch: self.compare_with(ch["new"]), names="value")
        self.save_fields = {
            "name": w.Text(description=_("file name"), placeholder=_("e.g. lower_cap")),
            "title": w.Text(description=_("title"), placeholder=_("what leadership reads first")),
            "author": w.Text(description=_("author"), placeholder=_("your name or team")),
            "what": w.Textarea(description=_("what"), placeholder=_("what changes (filled in)")),
            "why": w.Textarea(description=_("why"), placeholder=_("why consider it")),
        }
        for f in self.save_fields.values():
            f.layout = w.Layout(width="440px")
        self.save_button = w.Button(description=_("Save as reform"), icon="save",
                                    button_style="primary")  # fmt: skip
        self.save_button.on_click(lambda _: self._save_clicked())
        self.save_status = w.HTML()
        self.header = w.HTML()
        # The figures are parts of one HTML widget: one message to the browser a move.
        self.status, self.lines, self.totals = _Part(), _Part(), _Part()
        self.curve, self.by_quartile, self.by_region = _Part(), _Part(), _Part()
        self.view = w.HTML()
        save_box = w.VBox([*self.save_fields.values(), self.save_button, self.save_status])
        left = w.VBox(
            [self.reset_button, self.groups,
             w.Accordion(children=[save_box], titles=(_("Save as reform"),))],
            layout=w.Layout(width="560px", min_width="560px"),
        )  # fmt: skip
        right = w.VBox(
            [w.HBox([self.curve_pick, self.compare_pick]), self.view],
            layout=w.Layout(flex="1 1 auto", padding="0 0 0 16px"),
        )  # fmt: skip
        self.page = w.VBox(
            [w.HTML(CSS), self.header, w.HBox([left, right])],
            layout=w.Layout(width="100%"),
        )
        self.page.add_class("simlib-whatif")
        self._header()
        self._redraw()

    # -------------------------------------------------------------- building
    def _control_row(self, key: str, c):
        import ipywidgets as w

        label = w.HTML(
            f'<div class="simlib-control-label" title="{_esc(c.help)}">{_esc(c.label)}</div>',
            layout=w.Layout(width="210px"),
        )
        if c.kind == "switch":
            widget = w.Checkbox(value=bool(c.start), indent=False, layout=w.Layout(width="230px"))
        else:
            widget = w.FloatSlider(
                value=float(c.start), min=float(c.low), max=float(c.high), step=float(c.step),
                readout=False, continuous_update=False, layout=w.Layout(width="230px"),
            )  # fmt: skip
        widget.add_class(f"control-{key.replace('.', '-')}")
        readout = w.HTML(layout=w.Layout(width="110px"))
        readout.add_class("simlib-control-value")
        self.widgets[key] = widget
        self.readouts[key] = readout
        widget.observe(lambda ch, k=key: self._changed(k, ch["new"]), names="value")
        self._readout(key)
        row = w.HBox([label, widget, readout])
        row.add_class(f"row-{key.replace('.', '-')}")
        return row

    def _readout(self, key: str) -> None:
        c = self.wi.controls[key]
        v = self.values[key]
        text = c.show(v)
        if (
            c.kind == "attainment"
            and key.endswith(".cap")
            and self.values.get(key.replace(".cap", ".no_cap"))
        ):
            text = _("(no cap)")
        self.readouts[key].value = (
            f'<span class="simlib-control-value" data-key="{key}" data-value="{v!r}">'
            f"{_esc(text)}</span>"
        )

    def _header(self) -> None:
        wi = self.wi
        note = _(
            "Last year's ({year}) actual results and targets, re-paid under the plan as you set "
            "it: {n} reps paid, amounts in {currency}. A replay of last year, not a forecast "
            "(people sell differently under another plan; the simulation reports cover that). "
            "Move a control on the left; the figures update at once."
        ).format(year=wi.year, n=f"{int(wi.paid.sum()):,}", currency=wi.currency)
        title = _("What if? {plan}").format(plan=wi.plan.name)
        self.header.value = (
            f"<h2 style='margin:4px 0'>{_esc(title)}</h2><div class='note'>{_esc(note)}</div>"
        )

    def _compare_options(self) -> list[tuple[str, str]]:
        from simlib.workbench import project

        opts: list[tuple[str, str]] = [(_("(nothing)"), "")]
        try:
            plans = sorted(project.resolve("scenarios/plans").glob("*.yaml"))
        except FileNotFoundError:
            plans = []
        saved = sorted(self.scenario_dir.glob("*.yaml")) if self.scenario_dir.is_dir() else []
        for p in plans:
            opts.append((_("plan: {name}").format(name=p.stem), str(p)))
        for p in saved:
            opts.append((_("saved reform: {name}").format(name=p.stem), str(p)))
        return opts

    # -------------------------------------------------------------- behaviour
    @property
    def app(self):
        """The page (an ipywidgets box)."""
        return self.page

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.page)

    def set(self, key: str, value: Any) -> None:
        """Move one control (as the page does when its slider moves)."""
        self.widgets[key].value = value

    def _changed(self, key: str, value: Any) -> None:
        c = self.wi.controls[key]
        if c.kind != "switch":
            # Slider positions carry float noise (0.1 + 0.2); keep the step's precision.
            value = round(float(value), 10)
        self.values[key] = value
        self._readout(key)
        if key.endswith(".no_cap"):
            self._readout(key.replace(".no_cap", ".cap"))
        if not self._quiet:
            self._redraw()

    def reset(self) -> None:
        """Every control back to the starting plan."""
        self._quiet = True
        try:
            for key, c in self.wi.controls.items():
                self.widgets[key].value = c.start
                self.values[key] = c.start
                self._readout(key)
        finally:
            self._quiet = False
        self._redraw()

    def spec(self) -> dict:
        """The plan the controls describe."""
        return self.wi.spec(self.values)

    def _redraw(self) -> None:
        t0 = time.perf_counter()
        wi = self.wi
        try:
            self.result = wi.evaluate(self.values)
            self.error = ""
        except WhatIfError as exc:
            self.error = str(exc)
        if self.error:
            msg = _(
                "This is not a valid plan: {error} Move the control back, or press Reset. The "
                "figures below are those of the last valid plan."
            ).format(error=self.error)
            self.status.value = f'<div class="error" data-state="error">{_esc(msg)}</div>'

            self._show()
            self.last_update_ms = (time.perf_counter() - t0) * 1000
            return
        now = self.result
        moved = wi.moved(self.values)
        self.status.value = (
            f'<div class="note" data-state="ok" data-moved="{len(moved)}">'
            + (
                ngettext(
                    "{n} setting changed from the starting plan.",
                    "{n} settings changed from the starting plan.",
                    len(moved),
                ).format(n=len(moved))
                if moved
                else _("The starting plan, as written.")
            )
            + "</div>"
        )
        self.totals.value = totals_html(wi, self.start_result, now, self.other, self.values)
        lines = wi.change_lines(self.values) if moved else []
        self.lines.value = (
            "<ul class='simlib-changes'>" + "".join(f"<li>{_esc(s)}</li>" for s in lines) + "</ul>"
            if lines
            else ""
        )
        name = self.curve_pick.value
        other_curve = self.other[1].curves.get(name) if self.other else None
        self.curve.value = curve_svg(
            self.start_result.curves.get(name, []), now.curves.get(name, []), other_curve
        )
        self.by_quartile.value = groups_html(wi, self.start_result, now, "quartile")
        self.by_region.value = groups_html(wi, self.start_result, now, "region")
        self._show()
        self.last_update_ms = (time.perf_counter() - t0) * 1000

    def _show(self) -> None:
        self.view.value = "".join(
            p.value
            for p in (self.status, self.lines, self.totals, self.curve, self.by_quartile,
                      self.by_region)
        )  # fmt: skip

    def compare_with(self, path: str | None) -> None:
        """Show another saved plan (a plan file, or a saved reform) beside the start."""
        from simlib.workbench.whatif.reform import plan_from_file

        if not path:
            self.other = None
        else:
            try:
                name, plan = plan_from_file(path, self.wi.ds)
                other = WhatIf(self.wi.ds, plan, year=self.wi.year, targets=self.wi.targets)
                self.other = (name, other.evaluate())
            except Exception as exc:
                self.other = None
                msg = _("Cannot compare with {path}: {error}").format(path=path, error=exc)
                self.status.value = f'<div class="error">{_esc(msg)}</div>'

                self._show()
                return
        self._redraw()

    def save(self, name: str, title: str, author: str, what: str = "", why: str = "") -> Path:
        """Write the plan as set as a reform of the starting plan (a scenario file)."""
        from simlib.workbench.whatif.reform import save_reform

        return save_reform(
            self.wi, self.values, self.scenario_dir / f"{name}.yaml",
            title=title, author=author, what=what, why=why,
            data_path=self.data_path, plan_path=self.plan_path,
        )  # fmt: skip

    def _save_clicked(self) -> None:
        f = {k: v.value.strip() for k, v in self.save_fields.items()}
        try:
            path = self.save(f["name"], f["title"], f["author"], f["what"], f["why"])
        except (WhatIfError, ValueError, FileExistsError) as exc:
            self.save_status.value = f'<div class="error" data-state="error">{_esc(exc)}</div>'
            return
        said = _("Saved {path}. Run it with {run}; {describe} says what it changes.").format(
            path=_esc(path),
            run=f"<code>simlib run {_esc(path)}</code>",
            describe=f"<code>simlib describe {_esc(path)}</code>",
        )
        self.save_status.value = f'<div data-state="saved" data-path="{_esc(path)}">{said}</div>'

        self.compare_pick.options = self._compare_options()

    # -------------------------------------------------------------- opening
    @classmethod
    def open(
        cls,
        data_path: str = "data/sample",
        plan_file: str = "scenarios/plans/am_proposed.yaml",
        year: int | None = None,
        scenario_dir: str = "scenarios/whatif",
        environ: Mapping[str, str] | None = None,
    ) -> WhatIfApp:
        """The app for a dataset and a plan; paths are resolved against the project.

        Settings passed by ``simlib whatif`` (environment variables :data:`ENV`)
        take precedence over the arguments, and so does a language asked for in the
        page's address (``?lang=zh-CN``: one server, each reader in their language).
        """
        import simlib as sl
        from simlib.workbench import project

        env = os.environ if environ is None else environ
        lang = page_language(env)
        if lang is not None:
            # The kernel serves this one page: its callbacks speak the language too.
            i18n.set_language(lang)
        data_path = env.get(ENV["data_path"], data_path)
        plan_file = env.get(ENV["plan_file"], plan_file)
        scenario_dir = env.get(ENV["scenario_dir"], scenario_dir)
        if env.get(ENV["year"]):
            year = int(env[ENV["year"]])
        from simlib.labels import load_labels

        ds = sl.load_dataset(project.resolve(data_path))
        # The data's Chinese names of KPIs and components (English pages keep the codes).
        labels = load_labels(project.resolve(data_path), ds) if i18n.is_chinese() else None
        wi = WhatIf(ds, project.resolve(plan_file), year=year, labels=labels)
        return cls(
            wi,
            scenario_dir=project.resolve(scenario_dir),
            data_path=str(data_path),
            plan_path=str(plan_file),
        )


def page_language(environ: Mapping[str, str]) -> str | None:
    """The language asked for in the address of the page (``?lang=zh-CN``), or None.

    Voila gives the kernel the page request's query string as ``QUERY_STRING``. An
    unknown language is refused with the languages simlib speaks
    (:class:`simlib.i18n.LanguageError`)."""
    from urllib.parse import parse_qs

    asked = parse_qs(environ.get("QUERY_STRING", "")).get("lang")
    return i18n.normalize(asked[-1]) if asked else None


def table_values(app: WhatIfApp) -> pd.Series:
    """The 'as set' figures the page shows, read back from its HTML (for checks)."""
    import re

    vals = re.findall(r'data-metric="(\w+)" data-col="now" data-value="([^"]+)"', app.totals.value)
    return pd.Series({k: float(v) for k, v in vals})
