"""Shared machinery for specs that are data: strict pydantic models and error paths.

Plans, cascades, scorecards and scenarios are written by people as YAML or dicts.
Each is parsed by a :class:`StrictModel` (unknown keys rejected, values frozen) and
any validation failure is re-raised as one :class:`~simlib.errors.SpecError` listing
every problem with its path, e.g. ``plan.components[1].curve[2]: attainment must
increase``.
"""

from __future__ import annotations

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


def spec_errors(exc: ValidationError, root: str, tags: frozenset[str] = frozenset()) -> SpecError:
    """Convert a pydantic ``ValidationError`` into a :class:`SpecError`.

    ``tags`` are discriminator values that appear in ``loc`` and should be hidden.
    """
    errors: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if p not in tags)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; allowed keys are listed in the docs)"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif msg.startswith("Assertion failed, "):
            msg = msg[len("Assertion failed, ") :]
        errors.append((format_path(root, loc), msg))
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
        tags = _discriminator_tags(model)
        raise spec_errors(exc, root, tags) from None


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


def _discriminator_tags(model: type[BaseModel]) -> frozenset[str]:
    """Collect literal ``type`` tags of every model reachable from ``model``."""
    seen: set[type[BaseModel]] = set()
    tags: set[str] = set()

    def visit(m: type[BaseModel]) -> None:
        if m in seen:
            return
        seen.add(m)
        for field in m.model_fields.values():
            for sub in _models_in(field.annotation):
                type_field = sub.model_fields.get("type")
                if type_field is not None and type_field.default is not None:
                    tags.add(str(type_field.default))
                visit(sub)

    visit(model)
    return frozenset(tags)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    import typing

    found: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append(a)
        for arg in typing.get_args(a):
            stack.append(arg)
    return found
