from __future__ import annotations

import pytest

from pulang.orgs.actor import Actor
from pulang.orgs.models import Organisation, Role
from pulang.orgs.policies import may_act_on, may_act_on_organisation, scope_q
from pulang.orgs.services import membership_end
from tests.factories import World, person


def test_village_officer_acts_in_their_village_only(world: World, village_officer: Actor) -> None:
    assert may_act_on(village_officer, area=world.talangagung) is True
    assert may_act_on(village_officer, area=world.sumberpucung) is False
    assert may_act_on(village_officer, area=world.malang) is False


def test_district_supervisor_acts_in_the_whole_district(
    world: World, district_supervisor: Actor
) -> None:
    assert may_act_on(district_supervisor, area=world.talangagung) is True
    assert may_act_on(district_supervisor, area=world.sumberpucung) is True
    assert may_act_on(district_supervisor, area=world.lombok_timur) is False
    assert may_act_on(district_supervisor, area=world.east_java) is False


def test_consular_officer_acts_on_their_destination_country_only(
    world: World, consular_officer: Actor
) -> None:
    assert may_act_on(consular_officer, destination_country="MY") is True
    assert may_act_on(consular_officer, destination_country="SA") is False
    # A worker's home village does not bring them into a consulate's scope.
    assert may_act_on(consular_officer, area=world.talangagung) is False


def test_provider_acts_on_their_own_records_only(world: World, provider_staff: Actor) -> None:
    assert may_act_on(provider_staff, organisation_id=world.provider.pk) is True
    assert may_act_on(provider_staff, organisation_id=world.agency.pk) is False
    assert may_act_on(provider_staff, area=world.malang) is False


def test_national_staff_reach_workers_abroad_of_their_country(
    world: World, administrator: Actor, district_supervisor: Actor
) -> None:
    assert may_act_on(administrator, home_country="ID", destination_country="SA") is True
    assert may_act_on(district_supervisor, home_country="ID", destination_country="SA") is False


def test_narrowed_membership_acts_in_its_sub_district_only(world: World) -> None:
    officer = person(world.district, Role.CASE_WORKER, scope_area=world.kepanjen)
    assert may_act_on(officer, area=world.talangagung) is True
    assert may_act_on(officer, area=world.sumberpucung) is False


def test_ended_membership_acts_on_nothing(world: World, district_supervisor: Actor) -> None:
    membership_end(actor=None, membership=district_supervisor.membership, reason="moved")
    assert may_act_on(district_supervisor, area=world.talangagung) is False
    assert may_act_on(district_supervisor, organisation_id=world.district.pk) is False


@pytest.mark.parametrize(
    "persona",
    [
        "administrator",
        "auditor",
        "analyst",
        "district_supervisor",
        "village_officer",
        "consular_officer",
        "provider_staff",
        "agency_staff",
        "employer_staff",
        "outsider",
    ],
)
def test_query_form_agrees_with_may_act_on(
    request: pytest.FixtureRequest, world: World, persona: str
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    in_query = set(
        Organisation.objects.filter(
            scope_q(
                actor,
                area_path="area__path",
                destination_country="destination_country",
                organisation="pk",
                home_country="country",
            )
        ).values_list("pk", flat=True)
    )
    by_rule = {o.pk for o in Organisation.objects.all() if may_act_on_organisation(actor, o)}
    assert in_query == by_rule
    assert actor.organisation.pk in in_query
    # The same rule through the area's foreign key (a subquery on the area tree).
    through_key = scope_q(
        actor,
        area="area",
        destination_country="destination_country",
        organisation="pk",
        home_country="country",
    )
    assert set(Organisation.objects.filter(through_key).values_list("pk", flat=True)) == by_rule


def test_scope_of_each_persona_over_organisations(
    world: World, district_supervisor: Actor, consular_officer: Actor, administrator: Actor
) -> None:
    def names(actor: Actor) -> set[str]:
        return {o.name for o in Organisation.objects.all() if may_act_on_organisation(actor, o)}

    assert names(district_supervisor) == {
        "Malang office",
        "Talangagung office",
        "Malang counselling NGO",
        "PT Tani",
    }
    assert names(consular_officer) == {"Consulate Kuala Lumpur"}
    assert names(administrator) == {o.name for o in Organisation.objects.all()}
