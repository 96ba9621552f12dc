"""Reads of organisations and memberships, always through the actor's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from pulang.audit.services import refuse
from pulang.errors import PermissionDenied
from pulang.orgs.models import (
    GOVERNMENT_OFFICE_KINDS,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from pulang.orgs.policies import (
    can_view_members,
    can_view_organisations,
    may_act_on_organisation,
    scope_q,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from pulang.geo.models import AdminArea
    from pulang.orgs.actor import Actor


def _organisations_in_scope(actor: Actor) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        scope_q(
            actor,
            area_path="area__path",
            destination_country="destination_country",
            organisation="pk",
            home_country="country",
        )
    )


def organisation_list(
    *, actor: Actor, kind: str = "", query: str = "", include_inactive: bool = False
) -> QuerySet[Organisation]:
    if not can_view_organisations(actor):
        raise PermissionDenied()
    organisations = _organisations_in_scope(actor).select_related(
        "area", "country", "destination_country"
    )
    if not include_inactive:
        organisations = organisations.filter(is_active=True)
    if kind:
        organisations = organisations.filter(kind=kind)
    if query.strip():
        organisations = organisations.filter(name__icontains=query.strip())
    return organisations.annotate(
        member_count=Count("memberships", filter=Q(memberships__is_active=True))
    ).order_by("name", "pk")


def organisation_get_for_actor(*, actor: Actor, organisation_id: int) -> Organisation:
    """The organisation, or :class:`NotFound` whether it is missing or outside the actor's
    scope — the refused attempt is audited either way."""
    organisation = (
        Organisation.objects.select_related("area", "country", "destination_country")
        .filter(pk=organisation_id)
        .first()
    )
    if (
        organisation is None
        or not can_view_organisations(actor)
        or not may_act_on_organisation(actor, organisation)
    ):
        raise refuse(actor, subject_type="orgs.organisation", subject_id=str(organisation_id))
    return organisation


def membership_list_for_organisation(
    *, actor: Actor, organisation: Organisation
) -> QuerySet[Membership]:
    """Active members, for those whose role lets them see colleagues' roles."""
    if not can_view_members(actor) or not may_act_on_organisation(actor, organisation):
        raise PermissionDenied()
    return (
        Membership.objects.filter(organisation=organisation, is_active=True)
        .select_related("user", "scope_area")
        .order_by("role", "user__username")
    )


def membership_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    """The roles a signed-in user can act in (their own, so no scope applies)."""
    return (
        Membership.objects.filter(user_id=user.pk, is_active=True, organisation__is_active=True)
        .select_related(
            "organisation",
            "organisation__area",
            "organisation__country",
            "organisation__destination_country",
            "scope_area",
        )
        .order_by("pk")
    )


def membership_get_for_user(*, user: AbstractBaseUser, membership_id: int) -> Membership | None:
    return membership_list_for_user(user=user).filter(pk=membership_id).first()


def organisation_count_in_scope(*, actor: Actor) -> int:
    return _organisations_in_scope(actor).filter(is_active=True).count()


def membership_get_active(*, membership_id: int) -> Membership | None:
    """For the command line (system operators), which acts without an actor."""
    return (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=membership_id, is_active=True)
        .first()
    )


def organisation_get_by_name(*, name: str) -> Organisation | None:
    """For the command line and demo set-up (no actor): find an organisation by exact name."""
    return Organisation.objects.filter(name=name).order_by("pk").first()


def membership_exists(*, user_id: int, organisation_id: int, role: str) -> bool:
    return Membership.objects.filter(
        user_id=user_id, organisation_id=organisation_id, role=role, is_active=True
    ).exists()


def role_codes() -> list[str]:
    """Every role's code, for command-line choices."""
    return list(Role.values)


def organisation_kind_codes() -> list[str]:
    return list(OrganisationKind.values)


def office_responsible_for(*, area: AdminArea) -> Organisation | None:
    """The government office closest to ``area``: its village office if there is one, else
    the sub-district's, district's, province's, or the national agency."""
    segments = area.path.rstrip("/").split("/")
    enclosing = ["/".join(segments[:depth]) + "/" for depth in range(1, len(segments) + 1)]
    return (
        Organisation.objects.filter(
            kind__in=GOVERNMENT_OFFICE_KINDS, is_active=True, area__path__in=enclosing
        )
        .order_by("-area__level", "pk")
        .first()
    )
