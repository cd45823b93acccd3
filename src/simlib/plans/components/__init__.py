"""Plan component types: one module per type, one registry from type name to class.

Every type derives from :class:`PlanComponent` (its keys, checks, arithmetic,
description and pay-statement steps; see :mod:`simlib.plans.components.base`).
A new type is one new module and one line in :data:`REGISTRY`.
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from simlib.i18n import _
from simlib.plans.components.base import (
    Clawback,
    DescribeContext,
    Gate,
    Modifier,
    PlanComponent,
    StatementContext,
)
from simlib.plans.components.commission import Commission, Tier, commission_amount
from simlib.plans.components.quota_bonus import QuotaBonus
from simlib.plans.components.scorecard import Scorecard
from simlib.plans.components.spif import Spif
from simlib.plans.components.team import Blend, Team

#: Component type name (the YAML ``type``) -> class.
REGISTRY: dict[str, type[PlanComponent]] = {
    "quota_bonus": QuotaBonus,
    "team": Team,
    "commission": Commission,
    "spif": Spif,
    "scorecard": Scorecard,
}

#: Any registered component, told apart by its ``type`` key.
Component = Annotated[Union[tuple(REGISTRY.values())], Field(discriminator="type")]  # noqa: UP007


def component_class(type_name: str) -> type[PlanComponent]:
    """The class of a component type, e.g. ``component_class("commission")``."""
    try:
        return REGISTRY[type_name]
    except KeyError:
        raise KeyError(
            _("no component type {name!r}; the types are {types}").format(
                name=type_name, types=sorted(REGISTRY)
            )
        ) from None


__all__ = [
    "REGISTRY",
    "Blend",
    "Clawback",
    "Commission",
    "Component",
    "DescribeContext",
    "Gate",
    "Modifier",
    "PlanComponent",
    "QuotaBonus",
    "Scorecard",
    "Spif",
    "StatementContext",
    "Team",
    "Tier",
    "commission_amount",
    "component_class",
]
