"""Who may import, and which rows they may import.

Supervisors and administrators of offices (and consular posts) import arrival lists for
their area; recruitment agencies import their own return reports, and the people in them
become part of the agency's own records. Every row must fall in the importer's scope
(``orgs.policies.may_act_on``): a row outside it is an error on its line.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pulang.orgs.models import Role
from pulang.orgs.policies import may_act_on, role_allows

if TYPE_CHECKING:
    from pulang.geo.models import AdminArea
    from pulang.orgs.actor import Actor


class Capability(enum.StrEnum):
    IMPORT = "registry.import"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.SUPERVISOR: frozenset({Capability.IMPORT}),
    Role.ADMINISTRATOR: frozenset({Capability.IMPORT}),
    Role.AGENCY_STAFF: frozenset({Capability.IMPORT}),
}


def can_import(actor: Actor | None) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, Capability.IMPORT)


def may_import_row(
    actor: Actor,
    *,
    home_area: AdminArea | None,
    abroad_in: str | None,
    nationality: str,
    own_records: bool,
) -> bool:
    """May ``actor`` register the person this row describes? The same rule as a
    registration: the person's home area, the country they are still in, their
    nationality for national staff, or the importer's own records (agencies)."""
    return may_act_on(
        actor,
        area=home_area,
        destination_country=abroad_in,
        home_country=nationality,
        organisation_ids=(actor.organisation.pk,) if own_records else (),
    )
