"""The acting user: a person acting for one organisation, in one role, within one scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pulang.orgs.models import Membership, Organisation, ScopeKind

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pulang.geo.models import AdminArea


@dataclass(frozen=True)
class Actor:
    user: User
    membership: Membership

    @property
    def organisation(self) -> Organisation:
        return self.membership.organisation

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def has_clearance(self) -> bool:
        return self.membership.has_clearance

    @property
    def scope_kind(self) -> ScopeKind:
        return self.organisation.scope_kind

    @property
    def scope_area(self) -> AdminArea | None:
        """For area-scoped actors: the root of the subtree they act within."""
        if self.scope_kind != ScopeKind.AREA:
            return None
        return self.membership.scope_area or self.organisation.area

    @property
    def scope_country_code(self) -> str | None:
        """For consular actors: the destination country whose workers they serve."""
        if self.scope_kind != ScopeKind.DESTINATION:
            return None
        return self.organisation.destination_country_id

    @property
    def is_national(self) -> bool:
        """True when the actor's area is a whole country (national agency staff)."""
        area = self.scope_area
        return area is not None and area.level == 0
