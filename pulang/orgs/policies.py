"""Who may do what, and where.

Two questions, answered in one place each:
- *may this role do this kind of thing?* — the capability table below (one per app);
- *may this actor act on this record?* — :func:`may_act_on`, the one jurisdiction rule
  every app uses: an area subtree, a destination country, or the organisation's own records.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from pulang.orgs.models import Organisation, Role, ScopeKind

if TYPE_CHECKING:
    from pulang.geo.models import AdminArea
    from pulang.orgs.actor import Actor


class Capability(enum.StrEnum):
    VIEW_ORGANISATIONS = "orgs.view_organisations"
    VIEW_MEMBERS = "orgs.view_members"
    MANAGE_ORGANISATIONS = "orgs.manage_organisations"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMINISTRATOR: frozenset(
        {Capability.VIEW_ORGANISATIONS, Capability.VIEW_MEMBERS, Capability.MANAGE_ORGANISATIONS}
    ),
    Role.SUPERVISOR: frozenset({Capability.VIEW_ORGANISATIONS, Capability.VIEW_MEMBERS}),
    Role.AUDITOR: frozenset({Capability.VIEW_ORGANISATIONS, Capability.VIEW_MEMBERS}),
    Role.CASE_WORKER: frozenset({Capability.VIEW_ORGANISATIONS}),
    Role.CONSULAR_OFFICER: frozenset({Capability.VIEW_ORGANISATIONS}),
    Role.ANALYST: frozenset({Capability.VIEW_ORGANISATIONS}),
    Role.PROVIDER_STAFF: frozenset({Capability.VIEW_ORGANISATIONS}),
    Role.AGENCY_STAFF: frozenset({Capability.VIEW_ORGANISATIONS}),
    Role.EMPLOYER_STAFF: frozenset({Capability.VIEW_ORGANISATIONS}),
}


def role_allows(
    actor: Actor | None, table: Mapping[str, frozenset[Any]], capability: enum.Enum
) -> bool:
    """Does the actor's role have ``capability`` in an app's role→capability ``table``?"""
    return actor is not None and capability in table.get(actor.role, frozenset())


def can_view_organisations(actor: Actor | None) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, Capability.VIEW_ORGANISATIONS)


def can_view_members(actor: Actor | None) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, Capability.VIEW_MEMBERS)


def can_manage_organisations(actor: Actor | None) -> bool:
    return role_allows(actor, ROLE_CAPABILITIES, Capability.MANAGE_ORGANISATIONS)


def may_act_on(
    actor: Actor,
    *,
    area: AdminArea | None = None,
    destination_country: str | None = None,
    organisation_id: int | None = None,
    home_country: str | None = None,
    organisation_ids: Collection[int] = (),
) -> bool:
    """May ``actor`` act on a record described by these attributes?

    A record is in scope when any one of its attributes is:
    - area-scoped actors: ``area`` lies in their subtree; national staff (whose area is the
      whole country) also reach records of their own country that have no home area yet,
      such as workers still abroad (``home_country``);
    - consular actors: ``destination_country`` is the country of their post;
    - providers, agencies, employers and associations: ``organisation_id`` (or one of
      ``organisation_ids``, for a record several organisations share) is their own.
    Records of the actor's own organisation are always in scope.
    """
    if not actor.membership.is_active or not actor.organisation.is_active:
        return False
    if organisation_id is not None and organisation_id == actor.organisation.pk:
        return True
    if actor.organisation.pk in organisation_ids:
        return True
    scope = actor.scope_kind
    if scope == ScopeKind.AREA:
        root = actor.scope_area
        if root is None:
            return False
        if area is not None and root.contains(area):
            return True
        return actor.is_national and home_country is not None and home_country == root.country_id
    if scope == ScopeKind.DESTINATION:
        return destination_country is not None and destination_country == actor.scope_country_code
    return False


def may_act_on_organisation(actor: Actor, organisation: Organisation) -> bool:
    """An organisation is in scope when its area, its post's country or itself is."""
    return may_act_on(
        actor,
        area=organisation.area,
        destination_country=organisation.destination_country_id,
        organisation_id=organisation.pk,
        home_country=organisation.country_id,
    )


def may_view_restricted(actor: Actor) -> bool:
    """Restricted records (trafficking, gender-based violence, minors) need clearance."""
    return actor.has_clearance


def scope_q(
    actor: Actor,
    *,
    area_path: str | None = None,
    area: str | None = None,
    destination_country: str | None = None,
    organisation: str | None = None,
    home_country: str | None = None,
) -> Q:
    """The query form of :func:`may_act_on`, for list selectors.

    Each argument names the lookup path of that attribute on the queried model
    (``area_path="area__path"``); an attribute the model lacks is left ``None``. ``area``
    names a foreign key to the area instead and matches it against the areas of the
    subtree (a subquery): with an ``organisation`` too, the database can then use both
    columns' indexes rather than join every row to its area.
    Keep this and :func:`may_act_on` in step: ``tests/orgs/test_policies.py`` checks that
    both give the same answer for every actor and record.
    """
    nothing = Q(pk__in=[])
    if not actor.membership.is_active or not actor.organisation.is_active:
        return nothing
    allowed = Q(**{organisation: actor.organisation.pk}) if organisation else nothing
    scope = actor.scope_kind
    if scope == ScopeKind.AREA:
        root = actor.scope_area
        if root is not None:
            if area_path:
                allowed |= Q(**{f"{area_path}__startswith": root.path})
            if area:
                from pulang.geo.models import AdminArea

                subtree = AdminArea.objects.filter(path__startswith=root.path).values("pk")
                allowed |= Q(**{f"{area}__in": subtree})
            if actor.is_national and home_country:
                allowed |= Q(**{home_country: root.country_id})
    elif scope == ScopeKind.DESTINATION and destination_country:
        allowed |= Q(**{destination_country: actor.scope_country_code})
    return allowed
