from __future__ import annotations

import pytest

from pulang.audit.models import AuditEvent
from pulang.errors import NotFound
from pulang.orgs.actor import Actor
from pulang.orgs.errors import (
    AreaMismatch,
    DestinationRequired,
    RoleNotAllowed,
    ScopeOutsideOrganisation,
)
from pulang.orgs.models import Membership, Organisation, OrganisationKind, Role
from pulang.orgs.services import membership_create, organisation_create
from tests.factories import World, person


def test_office_must_sit_at_its_level(world: World) -> None:
    with pytest.raises(AreaMismatch) as caught:
        organisation_create(
            actor=None,
            name="Wrong",
            kind=OrganisationKind.DISTRICT_OFFICE,
            country=world.indonesia,
            area=world.talangagung,
        )
    assert caught.value.code == "orgs.area_mismatch"
    assert not Organisation.objects.filter(name="Wrong").exists()


def test_consular_post_needs_a_foreign_destination(world: World) -> None:
    with pytest.raises(DestinationRequired):
        organisation_create(
            actor=None,
            name="Nowhere",
            kind=OrganisationKind.CONSULAR_POST,
            country=world.indonesia,
            destination_country=world.indonesia,
        )
    assert not Organisation.objects.filter(name="Nowhere").exists()


def test_role_must_exist_in_the_kind_of_organisation(world: World, administrator: Actor) -> None:
    with pytest.raises(RoleNotAllowed):
        membership_create(
            actor=None,
            user=administrator.user,
            organisation=world.provider,
            role=Role.CASE_WORKER,
        )
    assert Membership.objects.filter(user=administrator.user).count() == 1


def test_narrowed_scope_must_lie_inside_the_office_area(world: World, administrator: Actor) -> None:
    with pytest.raises(ScopeOutsideOrganisation):
        membership_create(
            actor=None,
            user=administrator.user,
            organisation=world.district,
            role=Role.CASE_WORKER,
            scope_area=world.lombok_timur,
        )
    assert Membership.objects.filter(user=administrator.user).count() == 1


def test_administrator_creates_an_office_in_scope_and_it_is_audited(
    world: World, administrator: Actor
) -> None:
    created = organisation_create(
        actor=administrator,
        name="Kepanjen village office",
        kind=OrganisationKind.VILLAGE_OFFICE,
        country=world.indonesia,
        area=world.sumberpucung,
    )
    event = AuditEvent.objects.get(action="orgs.organisation_created", username="administrator")
    assert (event.subject_id, event.username, event.role) == (
        str(created.pk),
        "administrator",
        "administrator",
    )


def test_supervisor_may_not_create_organisations(world: World, district_supervisor: Actor) -> None:
    with pytest.raises(NotFound):
        organisation_create(
            actor=district_supervisor,
            name="Rogue office",
            kind=OrganisationKind.VILLAGE_OFFICE,
            country=world.indonesia,
            area=world.sumberpucung,
        )
    assert not Organisation.objects.filter(name="Rogue office").exists()
    assert (
        AuditEvent.objects.filter(action="access.denied", username="district_supervisor").count()
        == 1
    )


def test_district_administrator_may_not_give_roles_outside_the_district(world: World) -> None:
    district_admin = person(world.district, Role.ADMINISTRATOR)
    target = person(world.district, Role.CASE_WORKER)
    with pytest.raises(NotFound):
        membership_create(
            actor=district_admin,
            user=target.user,
            organisation=world.other_district,
            role=Role.CASE_WORKER,
        )
    assert not Membership.objects.filter(
        user=target.user, organisation=world.other_district
    ).exists()
    membership_create(
        actor=district_admin, user=target.user, organisation=world.village, role=Role.CASE_WORKER
    )
    assert Membership.objects.filter(user=target.user, organisation=world.village).count() == 1
