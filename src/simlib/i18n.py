"""The language of what simlib shows: message catalogs and locale formatting.

English is the source language; Simplified Chinese (``zh-CN``) comes from the gettext
catalog ``simlib/locale/zh_CN/LC_MESSAGES/simlib.po`` (compiled to ``simlib.mo``,
both shipped with the package). Code marks what a reader sees with :func:`_` (and
:func:`ngettext` where a count decides the form); ``pybabel extract`` finds those
calls (see ``babel.cfg``, ``scripts/messages.sh`` and ``docs/labels.md``).

The language is a setting, not an argument threaded through every function::

    from simlib import i18n
    with i18n.use("zh-CN"):
        print(i18n._("Total paid this month"))   # 本月实发合计
        print(i18n.money(11_098_060, "CNY"))     # 1,110万元

:func:`set_language` changes the default for the whole process (a report notebook's
``language`` parameter does this); :func:`use` changes it for a block only.

Numbers, percentages, months and money follow the language with Babel's locale data:
in zh-CN amounts are in 元, in 万 from ten thousand and in 亿 from a hundred million
("1,110万元"), months read "2026年3月"; English keeps the reports' style
("CNY 11.1 m", "2026-03").
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gettext as _gettext
import math
import os
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from simlib.errors import SimlibError

#: The languages simlib speaks, by the tag users write (``--lang``, ``report.language``).
LANGUAGES: tuple[str, ...] = ("en", "zh-CN")
DEFAULT = "en"
#: Babel / gettext locale of each language.
_LOCALE = {"en": "en", "zh-CN": "zh_CN"}
#: Where the catalogs live (package data).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "simlib"

#: The environment variable that carries the language to report kernels (papermill
#: starts them as child processes, which inherit the environment).
ENV = "SIMLIB_LANGUAGE"

_override: ContextVar[str | None] = ContextVar("simlib_language", default=None)
_process_default: str | None = None


class LanguageError(SimlibError, ValueError):
    """A language tag simlib does not speak; the message lists those it does."""


def normalize(lang: str | None) -> str:
    """The tag of a language as :data:`LANGUAGES` writes it: ``zh_CN``, ``zh-cn``,
    ``zh`` -> ``zh-CN``; ``en``, ``en-US`` -> ``en``; ``None`` -> the default."""
    if lang is None:
        return DEFAULT
    key = str(lang).strip().replace("_", "-").lower()
    if key in ("zh", "zh-cn", "zh-hans", "zh-hans-cn", "cn"):
        return "zh-CN"
    if key == "en" or key.startswith("en-"):
        return "en"
    # Not _(): current() calls this on SIMLIB_LANGUAGE, which may be the bad tag itself.
    said = _override.get() or _process_default or DEFAULT
    raise LanguageError(
        _translations(said)
        .gettext(
            N_(
                "unknown language {lang!r}; simlib speaks {languages} (e.g. --lang zh-CN, or "
                "report: {{language: zh-CN}} in the scenario file)"
            )
        )
        .format(lang=lang, languages=", ".join(LANGUAGES))
    )


def current() -> str:
    """The language in force: the innermost :func:`use`, else :func:`set_language`'s,
    else the ``SIMLIB_LANGUAGE`` environment variable, else English."""
    got = _override.get() or _process_default
    if got is None:
        env = os.environ.get(ENV)
        got = normalize(env) if env else DEFAULT
    return got


def set_language(lang: str | None, export: bool = False) -> str:
    """Make ``lang`` the language of this process (until changed); returns its tag.
    With ``export`` the language is also put in the environment, so that report
    kernels started from here speak it too."""
    global _process_default
    _process_default = normalize(lang)
    if export:
        os.environ[ENV] = _process_default
    return _process_default


@contextlib.contextmanager
def use(lang: str | None) -> Iterator[str]:
    """Speak ``lang`` inside the block (``None``: keep the language in force)."""
    token = _override.set(normalize(lang) if lang is not None else current())
    try:
        yield current()
    finally:
        _override.reset(token)


@contextlib.contextmanager
def exported(lang: str) -> Iterator[str]:
    """Speak ``lang`` in this process and in the processes started inside the block
    (report kernels read ``SIMLIB_LANGUAGE``); both are restored afterwards."""
    global _process_default
    saved, saved_env = _process_default, os.environ.get(ENV)
    try:
        yield set_language(lang, export=True)
    finally:
        _process_default = saved
        if saved_env is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = saved_env


def is_chinese() -> bool:
    return current() == "zh-CN"


def babel_locale(lang: str | None = None) -> str:
    return _LOCALE[normalize(lang) if lang is not None else current()]


@cache
def _translations(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    mo = LOCALE_DIR / _LOCALE[lang] / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        # internal: without its catalog a language has nothing to say this in
        raise LanguageError(f"the {lang} message catalog is missing ({mo}); reinstall simlib")
    with mo.open("rb") as fh:
        return _gettext.GNUTranslations(fh)


def _(message: str) -> str:
    """``message`` in the language in force (English when the catalog lacks it)."""
    return _translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in force."""
    return _translations(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (tables of names
    defined at import time; translate with :func:`_` where they are shown)."""
    return message


# ------------------------------------------------------------------ formatting
MISSING = "–"
#: Amounts at or above this are written in millions in English prose ("CNY 11.1 m").
MILLIONS_FROM = 10_000_000


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def number(x: Any, digits: int = 0) -> str:
    """A count or plain number with the locale's grouping: ``1,234``."""
    from babel.numbers import format_decimal

    if _missing(x):
        return MISSING
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(float(x), format=fmt, locale=babel_locale())


def percent(x: Any, digits: int = 0, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.272`` -> ``27%`` (``digits=1``: ``27.2%``)."""
    from babel.numbers import format_percent

    if _missing(x):
        return MISSING
    fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    text = format_percent(float(x), format=fmt, locale=babel_locale())
    return ("+" + text) if signed and float(x) >= 0 else text


#: Currencies written as 元 in Chinese text.
_YUAN = ("CNY", "RMB", "元")


def chinese_amount(x: float) -> tuple[str, str]:
    """An amount in the Chinese units of large numbers: (number text, unit), the unit
    being "" below 1万, "万" from 10,000 and "亿" from 100,000,000; three significant
    digits at most after the unit changes, thousands grouped:
    ``11_098_060 -> ("1,110", "万")``, ``123_456 -> ("12.3", "万")``."""
    a = abs(float(x))
    if a >= 1e8:
        v, unit = a / 1e8, "亿"
    elif a >= 1e4:
        v, unit = a / 1e4, "万"
    else:
        v, unit = a, ""
    digits = 0 if (unit == "" or v >= 100) else (1 if v >= 10 else 2)
    text = number(v, digits)
    if digits and "." in text:  # 12.0万 reads as 12万
        text = text.rstrip("0").rstrip(".")
    return ("-" if x < 0 and text.strip("0.,") else "") + text, unit


def money(x: Any, currency: str, large: bool | None = None) -> str:
    """An amount with its currency and no cents, in the language in force.

    English: ``CNY 11,098,060``, or ``CNY 11.1 m`` from ten million (``large``
    forces either). Chinese: ``1,110万元``; a currency other than CNY keeps its code
    before the number (``EUR 1,110万``)."""
    if _missing(x):
        return MISSING
    x = float(x)
    if not is_chinese():
        sign = "-" if x < 0 else ""
        a = abs(x)
        if large if large is not None else a >= MILLIONS_FROM:
            return f"{sign}{currency} {a / 1e6:,.1f} m"
        return f"{sign}{currency} {a:,.0f}"
    if large is False:
        text, unit = number(x), ""
    else:
        text, unit = chinese_amount(x)
    if currency.upper() in _YUAN:
        return f"{text}{unit}元"
    return f"{currency} {text}{unit}"


def money_exact(x: Any, currency: str) -> str:
    """An amount to the cent, as a pay statement shows it: ``12,345.67 CNY`` in
    English, ``12,345.67元`` in Chinese (``1.23万元`` appended when large)."""
    if _missing(x):
        return MISSING
    x = float(x)
    if not is_chinese():
        return f"{x:,.2f} {currency}"
    exact = number(x, 2)
    unit = "元" if currency.upper() in _YUAN else f" {currency}"
    if abs(x) >= 1e4:
        text, big = chinese_amount(x)
        return f"{exact}{unit}（约{text}{big}{unit.strip()}）"
    return f"{exact}{unit}"


def month(period: Any) -> str:
    """A month: ``2026年3月`` in Chinese (Babel's zh-CN year-month), ``2026-03`` in
    English (the reports' existing style)."""
    import pandas as pd
    from babel.dates import format_skeleton

    p = pd.Period(period, freq="M")
    if not is_chinese():
        return str(p)
    return format_skeleton("yMMM", _dt.date(p.year, p.month, 1), locale=babel_locale())


def month_span(first: Any, last: Any) -> str:
    """``2026年1月至2026年3月`` / ``2026-01 to 2026-03``."""
    return _("{first} to {last}").format(first=month(first), last=month(last))


# ------------------------------------------------------------------ charts
def chart_font() -> str | None:
    """Register the bundled CJK font with matplotlib and put it first in the
    sans-serif list when the language is Chinese; returns the family name used (``None``
    in English, where matplotlib's default font draws every glyph)."""
    if not is_chinese():
        return None
    import matplotlib as mpl

    family = _register_cjk_font()
    fams = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.sans-serif"] = [family, *fams]
    mpl.rcParams["font.family"] = ["sans-serif"]
    # The CJK font has a true minus sign glyph, but keep the ASCII hyphen for safety.
    mpl.rcParams["axes.unicode_minus"] = False
    return family


@cache
def _register_cjk_font() -> str:
    """Add Noto Sans SC (OFL, shipped by the ``pylopdf-fonts-zh-cn`` package) to
    matplotlib's font manager: no system font is needed."""
    from matplotlib import font_manager

    try:
        import pylopdf_fonts_zh_cn
    except ImportError as exc:  # a declared dependency: only a broken install lacks it
        raise SimlibError(
            _(
                "Chinese charts need the package pylopdf-fonts-zh-cn (Noto Sans SC); reinstall simlib with its dependencies"
            )
        ) from exc
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


# ------------------------------------------------------------------ catalogs
def compiled_catalog(po: Path) -> bytes:
    """The ``.mo`` bytes of the catalog ``po``. Messages use ``str.format`` fields, so
    gettext's printf placeholder check (``pybabel compile``) does not apply: a "70-80%"
    in prose is not a placeholder."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def compile_catalogs() -> list[Path]:
    """Write every language's ``simlib.mo`` beside its ``simlib.po``; returns the files."""
    from simlib._atomic import atomic_file

    out = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        with atomic_file(mo, suffix=".mo") as tmp:
            tmp.write_bytes(compiled_catalog(po))
        out.append(mo)
    return out


if __name__ == "__main__":  # python -m simlib.i18n: compile the catalogs
    for p in compile_catalogs():
        print(f"compiled {p}")
