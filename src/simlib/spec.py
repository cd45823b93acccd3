"""Shared machinery for specs that are data: strict pydantic models and error paths.

Plans, cascades, scorecards and scenarios are written by people as YAML or dicts.
Each is parsed by a :class:`StrictModel` (unknown keys rejected, values frozen) and
any validation failure is re-raised as one :class:`~simlib.errors.SpecError` listing
every problem with its path, e.g. ``plan.components[1].curve[2]: attainment must
increase``.
"""

from __future__ import annotations

import codecs
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from simlib import i18n
from simlib.errors import SpecError
from simlib.i18n import N_, _

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for every spec: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def format_path(root: str, loc: tuple[Any, ...]) -> str:
    """Render a pydantic ``loc`` as ``root.key[1].other``.

    Discriminated-union tags that pydantic inserts into ``loc`` (the component type
    names) are skipped so the path matches what the user wrote. A root ending in
    ``:`` names a file: ``plan.yaml:`` gives ``plan.yaml: key[1].other``.
    """
    out = root
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and (part.startswith("function-") or "[" in part):
            continue
        elif out.endswith(":"):
            out += f" {part}"
        else:
            out += f".{part}" if out else str(part)
    return out.rstrip(":")


#: pydantic's own messages ("Input should be a valid number", "Field required", ...)
#: by error ``type``, in the words of simlib; shown in the languages other than English
#: (English keeps pydantic's text). Placeholders are the error's ``ctx`` keys.
_PYDANTIC_MESSAGES = {
    "missing": N_("required key missing"),
    "float_type": N_("expected a number"),
    "float_parsing": N_("expected a number"),
    "int_type": N_("expected a whole number"),
    "int_parsing": N_("expected a whole number"),
    "int_from_float": N_("expected a whole number, without a fraction"),
    "bool_type": N_("expected true or false"),
    "bool_parsing": N_("expected true or false"),
    "string_type": N_("expected text"),
    "list_type": N_("expected a list"),
    "tuple_type": N_("expected a list"),
    "set_type": N_("expected a list"),
    "date_type": N_("expected a date (YYYY-MM-DD)"),
    "date_parsing": N_("expected a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("expected a date (YYYY-MM-DD)"),
    "finite_number": N_("expected a finite number"),
    "literal_error": N_("expected {expected}"),
    "enum": N_("expected {expected}"),
    "greater_than": N_("expected a value greater than {gt}"),
    "greater_than_equal": N_("expected a value of at least {ge}"),
    "less_than": N_("expected a value less than {lt}"),
    "less_than_equal": N_("expected a value of at most {le}"),
    "multiple_of": N_("expected a multiple of {multiple_of}"),
    "union_tag_invalid": N_("{discriminator} {tag!r} is not one of {expected_tags}"),
    "union_tag_not_found": N_("the key {discriminator} is missing"),
    "frozen_instance": N_("cannot be changed"),
}
#: Error types whose pydantic text is followed by what was found.
_WITH_FOUND = {
    k
    for k in _PYDANTIC_MESSAGES
    if k not in ("missing", "union_tag_invalid", "union_tag_not_found", "frozen_instance")
}


def _translated_pydantic(err: Any) -> str | None:
    """pydantic's message for ``err`` in the language in force, or ``None`` to keep
    pydantic's English (English, or an error type simlib's specs do not produce)."""
    template = _PYDANTIC_MESSAGES.get(err["type"])
    if template is None or not i18n.is_chinese():
        return None
    ctx = {k: str(v).replace(" or ", _(" or ")) for k, v in (err.get("ctx") or {}).items()}
    try:
        text = _(template).format(**ctx)
    except (KeyError, IndexError):
        return None
    if err["type"] in _WITH_FOUND:
        text = _("{expected}, found {found}").format(
            expected=text, found=_kind_of(err.get("input"))
        )
    return text


def spec_errors(exc: ValidationError, root: str, model: type[BaseModel] | None = None) -> SpecError:
    """Convert a pydantic ``ValidationError`` into a :class:`SpecError`.

    With ``model``, the union tags pydantic inserts into each ``loc`` (a component's
    ``type`` value, or a member's class name) are dropped by walking the model's
    annotations, so a real field that happens to share a tag's name keeps its
    place in the path. Messages follow the language in force (:mod:`simlib.i18n`).
    """
    errors: list[tuple[str, str]] = []
    for err in exc.errors():
        loc = _strip_union_tags(model, tuple(err["loc"])) if model is not None else err["loc"]
        errors.append((format_path(root, tuple(loc)), _message(err, model)))
    return SpecError(errors)


def _message(err: Any, model: type[BaseModel] | None) -> str:
    """One pydantic error in simlib's words: what was expected, what was found."""
    msg = err["msg"]
    kind, c = err["type"], err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, tuple(err["loc"])[:-1]) if model is not None else []
        if allowed:
            return _("unknown key; allowed here: {keys}").format(keys=", ".join(allowed))
        return _("unknown key (check the spelling)")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        # pydantic names its own class here ("instance of ScenarioFileSpec").
        allowed = _allowed_keys(model, tuple(err["loc"])) if model is not None else []
        found = _kind_of(err.get("input"))
        if allowed:
            return _("expected a mapping (key: value lines), found {found}; keys: {keys}").format(
                found=found, keys=", ".join(allowed)
            )
        return _("expected a mapping (key: value lines), found {found}").format(found=found)
    if kind in ("too_short", "too_long") and "min_length" in c:
        return _("expected at least {n} item(s), found {found}").format(
            n=c["min_length"], found=c.get("actual_length")
        )
    if kind == "too_long" and "max_length" in c:
        return _("expected at most {n} item(s), found {found}").format(
            n=c["max_length"], found=c.get("actual_length")
        )
    if kind == "string_too_short":
        return _("expected at least {n} character(s), found none").format(n=c["min_length"])
    if kind == "string_pattern_mismatch":
        return _("expected text matching {pattern}, found {found}").format(
            pattern=c["pattern"], found=_kind_of(err.get("input"))
        )
    translated = _translated_pydantic(err)
    if translated is not None:
        return translated
    if msg.startswith("Input should be "):
        # pydantic's "Input should be ..." in the words of the rest of simlib.
        return f"expected {msg[len('Input should be ') :]}, found {_kind_of(err.get('input'))}"
    if msg.startswith("Value error, "):
        return msg[len("Value error, ") :]
    if msg.startswith("Assertion failed, "):
        return msg[len("Assertion failed, ") :]
    return msg


def parse_spec(model: type[M], data: Any, root: str) -> M:
    """Validate ``data`` (a dict from YAML or code) as ``model``.

    Raises
    ------
    SpecError
        Listing every problem, each with its path under ``root``.
    """
    if isinstance(data, model):
        return data
    if data is None:
        keys = ", ".join(f.alias or n for n, f in model.model_fields.items())
        raise SpecError(
            [
                (
                    root.rstrip(":"),
                    _("is empty; expected a mapping with the keys {keys}").format(keys=keys),
                )
            ]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise spec_errors(exc, root, model) from None


#: Largest spec file read (bytes): a plan or scenario is a few kilobytes.
MAX_SPEC_BYTES = 10_000_000
#: Most values a spec file may hold once its aliases (``*name``) are expanded. A
#: real file holds hundreds; a "billion laughs" file (anchors of anchors) would
#: expand to billions and exhaust memory wherever it is copied or hashed.
MAX_YAML_VALUES = 100_000
#: Deepest nesting of mappings and lists a spec file may have.
MAX_YAML_DEPTH = 64


class _SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys (YAML says keys are unique;
    PyYAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *defaults` merges; keys written after it override
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: the base constructor says so
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        _(
                            "duplicate key {key!r} (first at line {line}); "
                            "each key may appear once in a mapping"
                        ).format(key=key, line=first + 1),
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _check_size(root: yaml.Node | None, where: str) -> None:
    """Refuse a node graph that expands to too many values or nests too deeply.

    Walks the graph without recursion, counting each aliased node once per use
    (memoised by identity, so a bomb is measured in microseconds, not expanded).
    """
    if root is None:
        return
    sizes: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        nid = id(node)
        kids: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            kids = [n for kv in node.value for n in kv]
        elif isinstance(node, yaml.SequenceNode):
            kids = list(node.value)
        if done:
            on_path.discard(nid)
            sizes[nid] = 1 + sum(sizes[id(k)] for k in kids)
            depth[nid] = 1 + max((depth[id(k)] for k in kids), default=0)
            if sizes[nid] > MAX_YAML_VALUES:
                line = node.start_mark.line + 1
                raise SpecError(
                    [
                        (
                            f"{where}:{line}",
                            _(
                                "expands to more than {n:,} values through "
                                "aliases (*name); expected a spec file of ordinary size"
                            ).format(n=MAX_YAML_VALUES),
                        )
                    ]
                )
            if depth[nid] > MAX_YAML_DEPTH:
                raise SpecError(
                    [
                        (
                            f"{where}:{node.start_mark.line + 1}",
                            _(
                                "nested more than {n} levels deep; "
                                "expected a spec file of ordinary depth"
                            ).format(n=MAX_YAML_DEPTH),
                        )
                    ]
                )
            continue
        if nid in sizes:
            continue
        if nid in on_path:
            raise SpecError(
                [
                    (
                        f"{where}:{node.start_mark.line + 1}",
                        _("an alias refers to itself; expected plain values"),
                    )
                ]
            )
        on_path.add(nid)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)


def _decode(raw: bytes, where: str) -> str:
    """The text of a spec file: UTF-8 (with or without BOM), or UTF-16/32 with a BOM
    or recognisable by its zero bytes; anything else is refused, naming the place."""
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    enc = next((e for bom, e in boms if raw.startswith(bom)), None)
    if enc is None:
        enc = "utf-8"
        head = raw[:4096]
        if len(head) >= 2 and b"\x00" in head:
            # UTF-16 without a BOM: ASCII text has a zero in every other byte.
            even, odd = head[0::2].count(0), head[1::2].count(0)
            if odd > len(head) // 4 and even == 0:
                enc = "utf-16-le"
            elif even > len(head) // 4 and odd == 0:
                enc = "utf-16-be"
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        if b"\x00" in raw[:4096]:
            raise SpecError(
                [(str(where), _("a binary file; expected YAML text (UTF-8)"))]
            ) from None
        raise SpecError(
            [
                (
                    f"{where}:{line}",
                    _("byte 0x{byte:02x} is not {encoding} text; save the file as UTF-8").format(
                        byte=raw[exc.start], encoding=enc.upper()
                    ),
                )
            ]
        ) from None
    bad = next((c for c in text if c == "\x00" or (ord(c) < 32 and c not in "\t\n\r")), None)
    if bad is not None:
        line = text[: text.index(bad)].count("\n") + 1
        raise SpecError(
            [
                (
                    f"{where}:{line}",
                    _("control character {char!r}: a binary file; expected YAML text").format(
                        char=bad
                    ),
                )
            ]
        )
    return text


def load_yaml(path: str | Path) -> Any:
    """Read a spec file (plan, cascade, appraisal, scenario) safely.

    Every spec file simlib reads goes through here. Refused, each with one
    :class:`~simlib.errors.SpecError` naming the file (and line where there is one):
    a missing file, a folder, an unreadable or binary file, text that is not
    UTF-8 / UTF-16 / UTF-32, bad YAML syntax, a key written twice in one mapping,
    aliases expanding beyond :data:`MAX_YAML_VALUES` values, nesting deeper than
    :data:`MAX_YAML_DEPTH`, a file larger than :data:`MAX_SPEC_BYTES`. Only plain
    YAML values are built (no Python objects).
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise SpecError([(str(p), _("is a folder; expected a YAML file"))])
        if size > MAX_SPEC_BYTES:
            raise SpecError(
                [
                    (
                        str(p),
                        _("{size:,} bytes; expected a spec file under {limit:,} bytes").format(
                            size=size, limit=MAX_SPEC_BYTES
                        ),
                    )
                ]
            )
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SpecError([(str(p), _("file not found"))]) from None
    except PermissionError:
        raise SpecError([(str(p), _("cannot be read (permission denied)"))]) from None
    except OSError as exc:
        raise SpecError(
            [(str(p), _("cannot be read ({reason})").format(reason=exc.strerror or exc))]
        ) from None
    return loads_yaml(_decode(raw, str(p)), str(p))


def loads_yaml(text: str, where: str = "<text>") -> Any:
    """Parse YAML text with the same safety rules as :func:`load_yaml`."""
    loader = None
    try:
        loader = _SpecLoader(text)
        try:
            root = loader.get_single_node()
        except RecursionError:
            raise SpecError(
                [
                    (
                        where,
                        _("nested too deeply; expected at most {n} levels").format(
                            n=MAX_YAML_DEPTH
                        ),
                    )
                ]
            ) from None
        _check_size(root, where)
        return None if root is None else loader.construct_document(root)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise SpecError(
            [
                (
                    f"{where}:{line}",
                    _("character {char!r} is not allowed in YAML text").format(char=exc.character),
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where}:{mark.line + 1}" if mark is not None else where
        problem = _yaml_words(getattr(exc, "problem", None) or str(exc))
        if getattr(exc, "context", None) and "duplicate key" not in problem:
            problem = _("{context}, {problem}").format(
                context=_yaml_words(exc.context), problem=problem
            )
        raise SpecError([(at, _("not valid YAML ({problem})").format(problem=problem))]) from None
    finally:
        if loader is not None:
            loader.dispose()


#: PyYAML's own words for what a hand-edited file most often gets wrong, put in the
#: catalog so a Chinese reader reads them in Chinese; other PyYAML texts pass unchanged.
_YAML_WORDS = frozenset(
    (
        N_("mapping values are not allowed here"),
        N_("found character '\\t' that cannot start any token"),
        N_("found unexpected end of stream"),
        N_("found unexpected ':'"),
        N_("could not find expected ':'"),
        N_("did not find expected key"),
        N_("did not find expected '-' indicator"),
        N_("expected <block end>, but found '-'"),
        N_("expected <block end>, but found '<block mapping start>'"),
        N_("expected <block end>, but found '<scalar>'"),
        N_("expected ',' or ']', but got '<stream end>'"),
        N_("expected ',' or '}', but got '<stream end>'"),
        N_("while scanning for the next token"),
        N_("while scanning a simple key"),
        N_("while scanning a quoted scalar"),
        N_("while scanning a plain scalar"),
        N_("while parsing a block mapping"),
        N_("while parsing a block collection"),
        N_("while parsing a flow sequence"),
        N_("while parsing a flow mapping"),
    )
)


def _yaml_words(text: str) -> str:
    return _(text) if text in _YAML_WORDS else text


def _kind_of(value: Any) -> str:
    """A value's kind in the words of a YAML author (never a Python class name)."""
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("the number {value!r}").format(value=value)
    if isinstance(value, str):
        return _("the text {value!r}").format(value=value[:40])
    if isinstance(value, list | tuple):
        return _("a list")
    return _("a value of another kind")


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
