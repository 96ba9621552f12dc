"""Writes to organisations and memberships. ``actor=None`` means the system itself
(command line, demo set-up); pages and the API always pass the acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.geo.models import AdminArea
from pulang.orgs.errors import (
    AreaMismatch,
    DestinationRequired,
    RoleNotAllowed,
    ScopeOutsideOrganisation,
)
from pulang.orgs.models import (
    GOVERNMENT_OFFICE_KINDS,
    OFFICE_AREA_LEVEL,
    ROLES_BY_KIND,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from pulang.orgs.policies import can_manage_organisations, may_act_on_organisation
from pulang.reference.models import Country

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pulang.orgs.actor import Actor


def _check_manager(actor: Actor | None, organisation: Organisation) -> None:
    """Administrators manage organisations and roles within their own scope; the system
    (``actor=None``) may always. A refusal answers "not found" and is audited."""
    if actor is None:
        return
    if not (can_manage_organisations(actor) and may_act_on_organisation(actor, organisation)):
        raise refuse(actor, subject_type="orgs.organisation", subject_id=str(organisation.pk or ""))


def organisation_create(
    *,
    actor: Actor | None,
    name: str,
    kind: str,
    country: Country,
    area: AdminArea | None = None,
    destination_country: Country | None = None,
) -> Organisation:
    """Create an organisation, checking that its area or destination fits its kind."""
    kind = OrganisationKind(kind)
    if kind in GOVERNMENT_OFFICE_KINDS:
        level = OFFICE_AREA_LEVEL[kind]
        if area is None or area.level != level or area.country_id != country.pk:
            raise AreaMismatch(kind=kind.label, level=AdminArea.Level(level).label)
    if kind == OrganisationKind.CONSULAR_POST and (
        destination_country is None or destination_country.pk == country.pk
    ):
        raise DestinationRequired()
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        country=country,
        area=area,
        destination_country=destination_country if kind == OrganisationKind.CONSULAR_POST else None,
    )
    organisation.full_clean()
    _check_manager(actor, organisation)
    with transaction.atomic():
        organisation.save()
        record(actor, Action.ORGANISATION_CREATED, organisation)
    return organisation


def membership_create(
    *,
    actor: Actor | None,
    user: User,
    organisation: Organisation,
    role: str,
    scope_area: AdminArea | None = None,
    has_clearance: bool = False,
) -> Membership:
    """Give ``user`` a role in ``organisation``, optionally limited to part of its area."""
    role = Role(role)
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise RoleNotAllowed(role=role.label, kind=OrganisationKind(organisation.kind).label)
    if scope_area is not None and (
        organisation.area is None or not organisation.area.contains(scope_area)
    ):
        raise ScopeOutsideOrganisation()
    _check_manager(actor, organisation)
    membership = Membership(
        user=user,
        organisation=organisation,
        role=role,
        scope_area=scope_area,
        has_clearance=has_clearance,
    )
    with transaction.atomic():
        membership.full_clean()
        membership.save()
        record(
            actor,
            Action.MEMBERSHIP_CREATED,
            membership,
            details={"role": role.value, "organisation": organisation.pk, "user": user.pk},
        )
    return membership


def membership_end(*, actor: Actor | None, membership: Membership, reason: str) -> Membership:
    _check_manager(actor, membership.organisation)
    with transaction.atomic():
        membership.is_active = False
        membership.ended_at = timezone.now()
        membership.save(update_fields=["is_active", "ended_at"])
        record(actor, Action.MEMBERSHIP_ENDED, membership, reason=reason)
    return membership
