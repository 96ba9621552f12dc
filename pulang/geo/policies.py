"""Who may change the area tree: administrators, for a country within their scope."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pulang.orgs.models import Role
from pulang.orgs.policies import may_act_on, role_allows

if TYPE_CHECKING:
    from pulang.geo.models import AdminArea
    from pulang.orgs.actor import Actor


class Capability(enum.StrEnum):
    IMPORT_AREAS = "geo.import_areas"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMINISTRATOR: frozenset({Capability.IMPORT_AREAS}),
}


def can_import_areas(actor: Actor | None, country_root: AdminArea) -> bool:
    """National administrators of that country only: the tree is shared by every office."""
    return (
        actor is not None
        and role_allows(actor, ROLE_CAPABILITIES, Capability.IMPORT_AREAS)
        and actor.is_national
        and may_act_on(actor, area=country_root)
    )
