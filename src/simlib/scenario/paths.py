"""Scenario paths: ``plan.components[0].curve[-1][0]`` read, set and compared.

A change written as a path sets one value; setting the attainment of a payout
curve's last point moves the cap (see :mod:`simlib.scenario`). :func:`deep_merge`
applies a reform's changes, :func:`diff` lists what differs between two designs.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from simlib.errors import SpecError
from simlib.i18n import _
from simlib.scenario.schema import FILE_FIELDS, NO_CAP_ATTAINMENT

_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``plan.components[0].curve[-1][0]`` -> ``['plan', 'components', 0, 'curve', -1, 0]``."""
    out: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None or m.end() == pos:
            raise ValueError(
                _("cannot read the path {path!r} at {rest!r}").format(path=path, rest=path[pos:])
            )
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    return out


def _is_path(key: str) -> bool:
    return "." in key or "[" in key


def is_none(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip().lower() in ("none", "no cap", "null"))


def get_path(obj: Any, tokens: list[str | int], where: str) -> Any:
    cur = obj
    for i, t in enumerate(tokens):
        here = _render(tokens[: i + 1])
        if isinstance(t, int):
            if not isinstance(cur, list) or not -len(cur) <= t < len(cur):
                n = len(cur) if isinstance(cur, list) else "no"
                raise SpecError(
                    [(where, _("{path}: no such element ({n} items)").format(path=here, n=n))]
                )
        elif not isinstance(cur, dict) or t not in cur:
            have = sorted(cur) if isinstance(cur, dict) else type(cur).__name__
            raise SpecError(
                [
                    (
                        where,
                        _("{path}: no such key (the base has {keys})").format(path=here, keys=have),
                    )
                ]
            )
        cur = cur[t]
    return cur


def _render(tokens: list[str | int]) -> str:
    out = ""
    for t in tokens:
        out += f"[{t}]" if isinstance(t, int) else (f".{t}" if out else t)
    return out


def set_path(obj: dict, path: str, value: Any, where: str = "changes") -> None:
    """Set one value in a nested dict/list by path (in place).

    Setting the attainment of a payout curve's last point keeps the last
    segment's slope (the factor at the cap follows); ``none`` removes the cap.
    """
    try:
        tokens = parse_path(path)
    except ValueError as exc:
        raise SpecError([(where, str(exc))]) from None
    parent = get_path(obj, tokens[:-1], where) if len(tokens) > 1 else obj
    last = tokens[-1]
    if (
        len(tokens) >= 3
        and tokens[-1] == 0
        and tokens[-2] == -1
        and tokens[-3] == "curve"
        and isinstance(parent, list)
    ):
        curve = get_path(obj, tokens[:-2], where)
        _set_cap(curve, value, where)
        return
    if isinstance(last, int):
        if not isinstance(parent, list) or not -len(parent) <= last < len(parent):
            raise SpecError([(where, _("{path}: no such element").format(path=path))])
        parent[last] = copy.deepcopy(value)
    else:
        if not isinstance(parent, dict):
            raise SpecError(
                [
                    (
                        where,
                        _("{path}: {parent} is not a mapping").format(
                            path=path, parent=_render(tokens[:-1])
                        ),
                    )
                ]
            )
        parent[last] = copy.deepcopy(value)


def _set_cap(curve: list, value: Any, where: str) -> None:
    """Move a curve's cap: the point where its rising part stops.

    The cap is where the last *rising* segment ends. A curve that ends in an
    explicit flat tail (``[1.2, 1.4], [2.0, 1.4]``: nothing more is paid past
    120%) has its cap at the start of that tail, so the tail is dropped and the
    last rising segment's slope continues to the new cap; keeping the flat
    tail's zero slope would make every cap pay the same.
    """
    if len(curve) < 2:
        raise SpecError([(where, _("a cap needs a curve of at least two points"))])
    pts = [(float(a), float(b)) for a, b in curve]
    rising = [
        i for i in range(1, len(pts)) if pts[i][0] > pts[i - 1][0] and pts[i][1] > pts[i - 1][1]
    ]
    # No rising segment at all: the last segment is the only one a cap can move.
    end = rising[-1] if rising else len(pts) - 1
    (x0, y0), (x1, y1) = pts[end - 1], pts[end]
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    new_x = NO_CAP_ATTAINMENT if is_none(value) else value
    if isinstance(new_x, bool) or not isinstance(new_x, int | float) or new_x <= x0:
        raise SpecError(
            [
                (
                    where,
                    _("cap {value!r} must be a number above the point before it ({x0:g})").format(
                        value=value, x0=x0
                    ),
                )
            ]
        )
    del curve[end:]
    curve.append([float(new_x), float(y0 + slope * (new_x - x0))])


def same_payout(a: Any, b: Any) -> bool:
    """Whether two payout curves pay the same at every attainment."""
    import numpy as np

    try:
        xs = np.unique(np.r_[np.asarray(a, float)[:, 0], np.asarray(b, float)[:, 0]])
    except (TypeError, ValueError, IndexError):
        return False
    from simlib.plans.curve import PayoutCurve

    probe = np.unique(np.r_[xs, xs - 1e-9, xs + 1e-9, (xs[:-1] + xs[1:]) / 2, xs[-1] * 2 + 1])
    try:
        ca, cb = PayoutCurve(a), PayoutCurve(b)
    except ValueError:
        return False
    return bool(np.allclose(ca(probe), cb(probe), rtol=0, atol=1e-12))


def deep_merge(base: dict, changes: Mapping[str, Any], where: str, loader) -> dict:
    """``base`` with ``changes`` merged in (mappings merge, other values replace)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        here = f"{where}.{key}"
        if _is_path(key):
            if _is_file_field(key) and isinstance(value, str):
                value = loader(key, value, here)
            set_path(out, key, value, here)
            continue
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge_nested(out[key], value, here, key, loader)
        elif _is_file_field(key) and isinstance(value, str):
            out[key] = loader(key, value, here)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_nested(base: dict, changes: Mapping, where: str, prefix: str, loader) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        full = f"{prefix}.{key}"
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge_nested(out[key], value, f"{where}.{key}", full, loader)
        elif _is_file_field(full) and isinstance(value, str):
            out[key] = loader(full, value, f"{where}.{key}")
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_file_field(path: str) -> bool:
    return path in FILE_FIELDS


def diff(a: Any, b: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Leaf differences ``(path, old, new)`` between two nested dicts/lists."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            p = f"{prefix}.{k}" if prefix else str(k)
            if k not in b:
                out.append((p, a[k], None))
            elif k not in a:
                out.append((p, None, b[k]))
            else:
                out.extend(diff(a[k], b[k], p))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(diff(x, y, f"{prefix}[{i}]"))
        return out
    return [] if a == b else [(prefix, a, b)]


#: A path inside a plan component: ``plan.components[<i>].<field><rest>``.
COMPONENT_PATH = re.compile(r"^plan\.components\[(\d+)\]\.(\w+)(.*)$")


def short_label(path: str) -> str:
    if path.endswith("curve[-1][0]"):
        return "cap"
    if path.endswith("curve[0][0]"):
        return "threshold"
    return path.rsplit(".", 1)[-1]


def fmt_value(v: Any) -> str:
    if is_none(v):
        return "none"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
