"""Shared machinery for specs that are data: strict pydantic models and error paths.

Plans, cascades, scorecards and scenarios are written by people as YAML or dicts.
Each is parsed by a :class:`StrictModel` (unknown keys rejected, values frozen) and
any validation failure is re-raised as one :class:`~simlib.errors.SpecError` listing
every problem with its path, e.g. ``plan.components[1].curve[2]: attainment must
increase``.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from simlib.errors import SpecError

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for every spec: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def format_path(root: str, loc: tuple[Any, ...]) -> str:
    """Render a pydantic ``loc`` as ``root.key[1].other``.

    Discriminated-union tags that pydantic inserts into ``loc`` (the component type
    names) are skipped so the path matches what the user wrote.
    """
    out = root
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and (part.startswith("function-") or "[" in part):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def spec_errors(exc: ValidationError, root: str, model: type[BaseModel] | None = None) -> SpecError:
    """Convert a pydantic ``ValidationError`` into a :class:`SpecError`.

    With ``model``, the union tags pydantic inserts into each ``loc`` (a component's
    ``type`` value, or a member's class name) are dropped by walking the model's
    annotations, so a real field that happens to share a tag's name keeps its
    place in the path.
    """
    errors: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = _strip_union_tags(model, tuple(err["loc"])) if model is not None else err["loc"]
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, tuple(err["loc"])[:-1]) if model is not None else []
            msg = "unknown key" + (
                f"; allowed here: {', '.join(allowed)}" if allowed else " (check the spelling)"
            )
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif msg.startswith("Assertion failed, "):
            msg = msg[len("Assertion failed, ") :]
        errors.append((format_path(root, tuple(loc)), msg))
    return SpecError(errors)


def parse_spec(model: type[M], data: Any, root: str) -> M:
    """Validate ``data`` (a dict from YAML or code) as ``model``.

    Raises
    ------
    SpecError
        Listing every problem, each with its path under ``root``.
    """
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise spec_errors(exc, root, model) from None


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, with an error that names the file and line on bad syntax."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([(str(p), "file not found")]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark is not None else str(p)
        raise SpecError([(where, f"not valid YAML ({getattr(exc, 'problem', exc)})")]) from None


def _allowed_keys(model: type[BaseModel], parent_loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at ``parent_loc`` accepts (for "unknown key" messages)."""
    ctx = _walk(model, parent_loc)[1]
    ctx = _unwrap_optional(ctx)
    if isinstance(ctx, type) and issubclass(ctx, BaseModel):
        return [f.alias or name for name, f in ctx.model_fields.items()]
    return []


def _strip_union_tags(model: type[BaseModel], loc: tuple[Any, ...]) -> list[Any]:
    """Drop the elements of ``loc`` that name a union member rather than a key."""
    return _walk(model, loc)[0]


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[list[Any], Any]:
    """Follow ``loc`` through the model's annotations: (loc without union tags, type reached)."""
    out: list[Any] = []
    ctx: Any = model
    for part in loc:
        ctx = _unwrap_optional(ctx)
        members = _union_models(ctx)
        if len(members) > 1:
            chosen = next((m for m in members if part in _member_names(m)), None)
            if chosen is not None:
                ctx = chosen
                continue
        out.append(part)
        if isinstance(ctx, type) and issubclass(ctx, BaseModel):
            field = ctx.model_fields.get(part) if isinstance(part, str) else None
            ctx = field.annotation if field is not None else None
        else:
            args = typing.get_args(ctx)
            origin = typing.get_origin(ctx)
            if origin in (list, tuple, set, frozenset) and args:
                ctx = args[0]
            elif origin is dict and len(args) == 2:
                ctx = args[1]
            else:
                ctx = None
    return out, ctx


def _unwrap_optional(a: Any) -> Any:
    args = [x for x in typing.get_args(a) if x is not type(None)]
    if _is_union(a) and len(args) == 1:
        return args[0]
    if typing.get_origin(a) is typing.Annotated:
        return _unwrap_optional(typing.get_args(a)[0])
    return a


def _is_union(a: Any) -> bool:
    import types

    return typing.get_origin(a) in (typing.Union, types.UnionType)


def _union_models(a: Any) -> list[type[BaseModel]]:
    if typing.get_origin(a) is typing.Annotated:
        a = typing.get_args(a)[0]
    if not _is_union(a):
        return []
    return [m for m in typing.get_args(a) if isinstance(m, type) and issubclass(m, BaseModel)]


def _member_names(m: type[BaseModel]) -> set[str]:
    """What pydantic may write in ``loc`` for a union member: its tag or class name."""
    names = {m.__name__}
    type_field = m.model_fields.get("type")
    if type_field is not None:
        if type_field.default is not None:
            names.add(str(type_field.default))
        for lit in typing.get_args(type_field.annotation):
            names.add(str(lit))
    return names
