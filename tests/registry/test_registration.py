from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.registry.errors import StaleRecord
from pulang.registry.inputs import IdentifierInput, ReturnInput
from pulang.registry.models import Identifier, IntakeRecord, Person, PersonName
from pulang.registry.selectors import person_get_for_actor
from pulang.registry.services import (
    OnMatch,
    consent_give,
    consent_withdraw,
    person_update,
    registration_submit,
    return_record_arrival,
)
from tests.factories import World
from tests.registry.helpers import NIK_SITI, occupation, siti


@pytest.fixture
def isco(db: None) -> None:
    occupation()


def counts() -> tuple[int, int, int]:
    return Person.objects.count(), IntakeRecord.objects.count(), Identifier.objects.count()


def test_village_officer_registers_a_returnee(
    world: World, village_officer: Actor, isco: None
) -> None:
    outcome = registration_submit(actor=village_officer, data=siti(), channel="staff")
    person = outcome.person
    assert (outcome.created, outcome.replayed, outcome.candidates) == (True, False, [])
    assert person is not None
    assert (person.home_area_id, person.phone, person.abroad_in_id, person.is_restricted) == (
        world.talangagung.pk,
        "+6281234567890",
        None,
        False,
    )
    assert list(Identifier.objects.filter(person=person).values_list("number", flat=True)) == [
        NIK_SITI
    ]
    primary = PersonName.objects.get(person=person)
    assert (primary.kind, primary.written) == ("primary", "Siti Aminah binti Sukarno")
    assert "binti" not in primary.folded
    intake = outcome.intake
    assert intake is not None
    assert (intake.channel, intake.status, intake.payload["full_name"]) == (
        "staff",
        "created",
        "Siti Aminah binti Sukarno",
    )
    event = AuditEvent.objects.get(action="registry.person_registered")
    assert (event.username, event.subject_id) == ("village_officer", str(person.pk))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"identifiers": [IdentifierInput("national_id", "3507011708850001", "ID")]},
            "identifiers[0].number",
        ),
        ({"identifiers": [IdentifierInput("national_id", "12345", "ID")]}, "identifiers[0].number"),
        ({"birth_date": dt.date(2090, 1, 1), "identifiers": []}, "birth_date"),
        ({"home_area": "99.99"}, "home_area"),
        ({"nationality": "XX"}, "nationality"),
        ({"phone": "12"}, "phone"),
        ({"sex": "Q"}, "sex"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    world: World, village_officer: Actor, isco: None, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        registration_submit(actor=village_officer, data=siti(**changes), channel="staff")
    assert field in [e["field"] for e in caught.value.errors]
    assert counts() == (0, 0, 0)


def test_return_before_departure_is_refused(
    world: World, village_officer: Actor, isco: None
) -> None:
    data = siti()
    assert data.return_ is not None
    data.return_.returned_on = dt.date(2018, 1, 1)
    with pytest.raises(InvalidInput) as caught:
        registration_submit(actor=village_officer, data=data, channel="staff")
    assert caught.value.errors == [
        {"field": "return.returned_on", "reason": "the return is before the departure"}
    ]
    assert counts() == (0, 0, 0)


def test_nik_must_agree_with_the_person(world: World, village_officer: Actor, isco: None) -> None:
    with pytest.raises(InvalidInput) as caught:
        registration_submit(actor=village_officer, data=siti(sex="M"), channel="staff")
    assert caught.value.errors[0]["field"] == "identifiers[0].number"
    assert caught.value.errors[0]["reason"] == (
        "the NIK is a woman's, but the person is recorded as a man"
    )
    with pytest.raises(InvalidInput) as caught:
        registration_submit(
            actor=village_officer, data=siti(birth_date=dt.date(1985, 8, 18)), channel="staff"
        )
    assert "17-08-85" in caught.value.errors[0]["reason"]


def test_home_area_outside_the_officers_area_is_refused(
    world: World, village_officer: Actor, isco: None
) -> None:
    data = siti(home_area="52.03")
    assert data.return_ is not None
    data.return_.destination_area = "52.03"
    with pytest.raises(InvalidInput) as caught:
        registration_submit(actor=village_officer, data=data, channel="staff")
    assert caught.value.errors == [
        {"field": "home_area", "reason": "this person's home area is outside your area of work"}
    ]
    assert counts() == (0, 0, 0)


def test_roles_without_registration_may_not_register(
    world: World, analyst: Actor, provider_staff: Actor, isco: None
) -> None:
    for actor in (analyst, provider_staff):
        with pytest.raises(PermissionDenied):
            registration_submit(actor=actor, data=siti(), channel="staff")
    assert counts() == (0, 0, 0)


def test_a_likely_duplicate_is_held_back_then_linked(
    world: World, village_officer: Actor, isco: None
) -> None:
    first = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert first is not None
    again = siti(full_name="Siti Aminah", identifiers=[], phone="")
    held = registration_submit(actor=village_officer, data=again, channel="staff")
    assert held.person is None
    assert [m.person.pk for m in held.candidates] == [first.pk]
    assert "same date of birth" in held.candidates[0].reasons
    assert counts() == (1, 1, 1)
    linked = registration_submit(
        actor=village_officer, data=again, channel="staff", on_match=OnMatch.LINK, link_to=first.pk
    )
    assert (linked.person, linked.created) == (first, False)
    assert sorted(PersonName.objects.filter(person=first).values_list("kind", "written")) == [
        ("alias", "Siti Aminah"),
        ("primary", "Siti Aminah binti Sukarno"),
    ]
    assert IntakeRecord.objects.get(pk=linked.intake.pk).status == "linked"  # type: ignore[union-attr]


def test_the_same_id_number_is_a_duplicate_whatever_the_name(
    world: World, village_officer: Actor, isco: None
) -> None:
    registration_submit(actor=village_officer, data=siti(), channel="staff")
    held = registration_submit(
        actor=village_officer,
        data=siti(full_name="Ibu Aminah", birth_date=None, phone=""),
        channel="staff",
    )
    assert held.person is None
    assert held.candidates[0].reasons[0] == "same ID number"


def test_duplicates_outside_scope_are_counted_never_shown(
    world: World, village_officer: Actor, outsider: Actor, isco: None
) -> None:
    registration_submit(actor=village_officer, data=siti(), channel="staff")
    data = siti(home_area="52.03", identifiers=[], phone="")
    assert data.return_ is not None
    data.return_.destination_area = "52.03"
    outcome = registration_submit(actor=outsider, data=data, channel="staff")
    # Nothing to show the outsider, so the person is registered; linkage reviews the pair.
    assert (outcome.created, outcome.candidates) == (True, [])
    assert Person.objects.count() == 2


def test_an_idempotent_report_is_written_once(
    world: World, agency_staff: Actor, isco: None
) -> None:
    data = siti()
    first = registration_submit(
        actor=agency_staff, data=data, channel="api", idempotency_key="ret-77", on_match="create"
    )
    again = registration_submit(
        actor=agency_staff, data=siti(), channel="api", idempotency_key="ret-77", on_match="create"
    )
    assert (first.created, again.replayed) == (True, True)
    assert again.person == first.person
    assert counts() == (1, 1, 1)


def test_agency_sees_the_workers_it_reported_only(
    world: World, agency_staff: Actor, village_officer: Actor, isco: None
) -> None:
    reported = registration_submit(
        actor=agency_staff, data=siti(), channel="api", on_match="create"
    ).person
    other = registration_submit(
        actor=village_officer,
        data=siti(full_name="Suparmi", identifiers=[], phone="", birth_date=dt.date(1990, 1, 1)),
        channel="staff",
    ).person
    assert reported is not None and other is not None
    assert person_get_for_actor(actor=agency_staff, person_id=reported.pk) == reported
    with pytest.raises(NotFound):
        person_get_for_actor(actor=agency_staff, person_id=other.pk)
    assert AuditEvent.objects.filter(action="access.denied", username="agency_staff").count() == 1


def test_consular_pre_return_then_arrival_hands_over_home(
    world: World, consular_officer: Actor, village_officer: Actor, isco: None
) -> None:
    data = siti(
        return_=ReturnInput(
            reason="end_of_contract",
            mode="voluntary",
            status="expected",
            expected_on=dt.date(2030, 1, 10),
            destination_area="35.07.13.2001",
        )
    )
    outcome = registration_submit(actor=consular_officer, data=data, channel="consular")
    person = outcome.person
    assert person is not None
    assert person.abroad_in_id == "MY"
    assert person_get_for_actor(actor=consular_officer, person_id=person.pk) == person
    expected = person.returns.get()
    return_record_arrival(
        actor=village_officer, return_id=expected.pk, returned_on=dt.date(2025, 3, 2)
    )
    person.refresh_from_db()
    assert (person.abroad_in_id, person.returns.get().status) == (None, "arrived")
    with pytest.raises(NotFound):
        person_get_for_actor(actor=consular_officer, person_id=person.pk)


def test_consular_officer_sees_only_workers_in_their_country(
    world: World, consular_officer: Actor, administrator: Actor, isco: None
) -> None:
    data = siti(
        home_area="",
        return_=ReturnInput(reason="end_of_contract", mode="voluntary", status="expected"),
    )
    assert data.episode is not None
    data.episode.destination_country = "SA"
    person = registration_submit(actor=administrator, data=data, channel="staff").person
    assert person is not None and person.abroad_in_id == "SA"
    with pytest.raises(NotFound):
        person_get_for_actor(actor=consular_officer, person_id=person.pk)
    assert person_get_for_actor(actor=administrator, person_id=person.pk) == person


def test_a_minor_is_restricted_to_cleared_staff(
    world: World, village_officer: Actor, district_supervisor: Actor, isco: None
) -> None:
    young = timezone.localdate() - dt.timedelta(days=16 * 365)
    outcome = registration_submit(
        actor=village_officer, data=siti(birth_date=young, identifiers=[]), channel="staff"
    )
    assert outcome.person is not None and outcome.person.is_restricted
    with pytest.raises(NotFound):
        person_get_for_actor(actor=village_officer, person_id=outcome.person.pk)
    assert (
        person_get_for_actor(actor=district_supervisor, person_id=outcome.person.pk)
        == outcome.person
    )


def test_concurrent_edits_are_detected(
    world: World, village_officer: Actor, district_supervisor: Actor, isco: None
) -> None:
    person = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert person is not None
    seen = person.version
    person_update(
        actor=village_officer, person_id=person.pk, version=seen, changes={"address": "RT 02 RW 05"}
    )
    with pytest.raises(StaleRecord):
        person_update(
            actor=district_supervisor,
            person_id=person.pk,
            version=seen,
            changes={"address": "Overwritten"},
        )
    person.refresh_from_db()
    assert (person.address, person.version) == ("RT 02 RW 05", seen + 1)


def test_correction_keeps_the_old_name_searchable(
    world: World, village_officer: Actor, isco: None
) -> None:
    person = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert person is not None
    person_update(
        actor=village_officer,
        person_id=person.pk,
        version=person.version,
        changes={"full_name": "Siti Aminah Sukarno"},
    )
    assert sorted(PersonName.objects.filter(person=person).values_list("kind", "written")) == [
        ("previous", "Siti Aminah binti Sukarno"),
        ("primary", "Siti Aminah Sukarno"),
    ]


def test_consent_is_given_and_withdrawn_never_deleted(
    world: World, village_officer: Actor, isco: None
) -> None:
    person = registration_submit(
        actor=village_officer, data=siti(consents=[]), channel="staff"
    ).person
    assert person is not None
    consent_give(
        actor=village_officer, person_id=person.pk, purpose="referral_sharing", method="verbal"
    )
    consent_withdraw(actor=village_officer, person_id=person.pk, purpose="referral_sharing")
    consent = person.consents.get()
    assert (consent.purpose, consent.withdrawn_at is not None) == ("referral_sharing", True)
    assert (
        AuditEvent.objects.filter(
            action__in=["registry.consent_given", "registry.consent_withdrawn"]
        ).count()
        == 2
    )
