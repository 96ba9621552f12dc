"""Rules every registration channel keeps: who may read a report as received, where a
restricted record may be registered, one decision per waiting report, one report per
idempotency key, a check that only looks, corrections by consular officers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pulang.accounts.services import api_token_create
from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound
from pulang.orgs.actor import Actor
from pulang.registry.errors import IdempotencyKeyReused, IntakeAlreadyDecided
from pulang.registry.inputs import EpisodeInput, ReturnInput
from pulang.registry.models import IntakeRecord, Person
from pulang.registry.selectors import intake_get_for_actor
from pulang.registry.services import (
    OnMatch,
    intake_decide,
    person_update,
    registration_submit,
)
from pulang.registry.services.registration import payload_of
from tests.conftest import signed_in
from tests.factories import World
from tests.registry.helpers import occupation, siti


@pytest.fixture(autouse=True)
def _isco(db: None) -> None:
    occupation()


def bearer(actor: Actor) -> dict[str, str]:
    _, secret = api_token_create(actor=None, membership=actor.membership, name="feed")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _abused(**changes: Any) -> Any:
    episode = EpisodeInput(
        destination_country="MY",
        occupation="9111",
        started_on=dt.date(2019, 3, 1),
        ended_on=dt.date(2025, 2, 28),
        abuse_indicators=["sexual_violence"],
    )
    return siti(episode=episode, **changes)


def _waiting(world: World, data: Any, code: str = "K7M2Q9XA") -> IntakeRecord:
    """A self-registration sent and waiting for the village office."""
    return IntakeRecord.objects.create(
        channel="self",
        payload=payload_of(data),
        received_at=timezone.now(),
        area=world.talangagung,
        status=IntakeRecord.Status.SUBMITTED,
        reference_code=code,
    )


def test_a_report_on_a_restricted_record_is_read_only_with_clearance(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    outcome = registration_submit(actor=district_supervisor, data=_abused(), channel="staff")
    assert outcome.person is not None and outcome.person.is_restricted
    assert outcome.intake is not None
    report = reverse("registry:intake", args=[outcome.intake.pk])

    page = signed_in(Client(), village_officer).get(report)
    assert page.status_code == 404
    assert b"Siti" not in page.content
    with pytest.raises(NotFound):
        intake_get_for_actor(actor=village_officer, intake_id=outcome.intake.pk)

    seen = signed_in(Client(), district_supervisor).get(report)
    assert seen.status_code == 200
    event = AuditEvent.objects.get(action="registry.intake_viewed")
    assert (event.username, event.subject_id) == ("district_supervisor", str(outcome.intake.pk))


def test_a_waiting_report_of_a_child_is_read_only_with_clearance(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    young = timezone.localdate() - dt.timedelta(days=16 * 365)
    intake = _waiting(world, siti(birth_date=young, identifiers=[]))
    with pytest.raises(NotFound):
        intake_get_for_actor(actor=village_officer, intake_id=intake.pk)
    with pytest.raises(NotFound):
        intake_decide(actor=village_officer, intake_id=intake.pk, on_match=OnMatch.CREATE)
    assert intake_get_for_actor(actor=district_supervisor, intake_id=intake.pk) == intake
    adult = _waiting(world, dataclasses.replace(siti(), full_name="Sri Wahyuni"), "P3R8T4WZ")
    assert intake_get_for_actor(actor=village_officer, intake_id=adult.pk) == adult


def test_a_restricted_registration_stays_inside_the_actors_area(
    world: World, village_officer: Actor
) -> None:
    elsewhere = _abused(home_area="52.03", return_=None)
    with pytest.raises(InvalidInput) as error:
        registration_submit(actor=village_officer, data=elsewhere, channel="staff")
    assert error.value.errors[0]["field"] == "home_area"
    assert Person.objects.count() == 0
    # In their own village the record is registered, and hidden from them after.
    outcome = registration_submit(actor=village_officer, data=_abused(), channel="staff")
    assert outcome.person is not None and outcome.person.is_restricted


def test_a_report_decided_since_it_was_read_is_not_decided_twice(
    world: World, village_officer: Actor
) -> None:
    intake = _waiting(world, siti())
    read_by_the_second_officer = IntakeRecord.objects.get(pk=intake.pk)
    first = intake_decide(actor=village_officer, intake_id=intake.pk, on_match=OnMatch.CREATE)
    assert first.created
    with pytest.raises(IntakeAlreadyDecided):
        registration_submit(
            actor=village_officer,
            data=siti(),
            channel="self",
            on_match=OnMatch.CREATE,
            intake=read_by_the_second_officer,
        )
    assert Person.objects.count() == 1
    intake.refresh_from_db()
    assert (intake.status, intake.person_id) == ("created", first.person.pk)  # type: ignore[union-attr]


def test_checking_a_waiting_report_writes_nothing(
    client: Client, world: World, village_officer: Actor
) -> None:
    intake = _waiting(world, siti())
    office = signed_in(Client(), village_officer)
    page = office.post(reverse("registry:intake", args=[intake.pk]), {"decision": "check"})
    assert page.status_code == 200
    assert "Nobody already registered looks like this person." in page.content.decode()
    answer = client.post(
        f"/api/v1/registry/intakes/{intake.pk}/decision",
        {"decision": "check"},
        content_type="application/json",
        **bearer(village_officer),
    )
    assert (answer.status_code, answer.json()["status"]) == (200, "checked")
    intake.refresh_from_db()
    assert (intake.status, Person.objects.count()) == ("submitted", 0)


def test_an_idempotency_key_sent_again_with_another_report_is_refused(
    world: World, agency_staff: Actor
) -> None:
    first = registration_submit(
        actor=agency_staff, data=siti(), channel="api", idempotency_key="k-1", on_match="create"
    )
    again = registration_submit(
        actor=agency_staff, data=siti(), channel="api", idempotency_key="k-1", on_match="create"
    )
    assert again.replayed and again.person == first.person
    spaced = dataclasses.replace(siti(), full_name="  Siti Aminah  binti Sukarno ")
    resent = registration_submit(
        actor=agency_staff, data=spaced, channel="api", idempotency_key="k-1", on_match="create"
    )
    assert resent.replayed
    other = dataclasses.replace(siti(), full_name="Dewi Lestari", identifiers=[])
    with pytest.raises(IdempotencyKeyReused):
        registration_submit(
            actor=agency_staff, data=other, channel="api", idempotency_key="k-1", on_match="create"
        )
    assert (Person.objects.count(), IntakeRecord.objects.count()) == (1, 1)


def test_a_consular_officer_corrects_a_worker_in_their_country_only(
    world: World, consular_officer: Actor, administrator: Actor
) -> None:
    expected = ReturnInput(
        reason="end_of_contract",
        mode="voluntary",
        status="expected",
        expected_on=dt.date(2030, 1, 10),
        destination_area="35.07.13.2001",
    )
    worker = registration_submit(
        actor=consular_officer, data=siti(return_=expected), channel="consular"
    ).person
    assert worker is not None
    corrected = person_update(
        actor=consular_officer,
        person_id=worker.pk,
        version=worker.version,
        changes={"phone": "0813 1111 2222"},
    )
    assert (corrected.phone, corrected.abroad_in_id) == ("+6281311112222", "MY")

    in_saudi = siti(return_=expected, identifiers=[], full_name="Dewi Lestari")
    assert in_saudi.episode is not None
    in_saudi.episode.destination_country = "SA"
    other = registration_submit(actor=administrator, data=in_saudi, channel="staff").person
    assert other is not None and other.abroad_in_id == "SA"
    with pytest.raises(NotFound):
        person_update(
            actor=consular_officer,
            person_id=other.pk,
            version=other.version,
            changes={"phone": "0813 1111 2222"},
        )


@pytest.mark.parametrize("field", ["full_name", "sex", "birth_date_precision", "education_level"])
def test_emptying_a_required_field_through_the_api_is_refused(
    client: Client, world: World, village_officer: Actor, field: str
) -> None:
    person = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert person is not None
    answer = client.patch(
        f"/api/v1/registry/persons/{person.pk}",
        {"version": person.version, field: None},
        content_type="application/json",
        **bearer(village_officer),
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    person.refresh_from_db()
    assert person.version == 1


def test_clearing_languages_and_area_through_the_api_is_understood(
    client: Client, world: World, village_officer: Actor
) -> None:
    person = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert person is not None
    answer = client.patch(
        f"/api/v1/registry/persons/{person.pk}",
        {"version": person.version, "languages": None},
        content_type="application/json",
        **bearer(village_officer),
    )
    assert answer.status_code == 200
    person.refresh_from_db()
    assert person.languages == []
    no_area = client.patch(
        f"/api/v1/registry/persons/{person.pk}",
        {"version": person.version, "home_area": None},
        content_type="application/json",
        **bearer(village_officer),
    )
    assert no_area.status_code == 422
    assert no_area.json()["errors"][0]["field"] == "home_area"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"purpose": "bogus"}, "purpose"), ({"purpose": "research", "method": "telepathy"}, "method")],
)
def test_consent_with_an_unknown_purpose_or_method_is_refused(
    client: Client, world: World, village_officer: Actor, body: dict[str, str], field: str
) -> None:
    person = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert person is not None
    answer = client.post(
        f"/api/v1/registry/persons/{person.pk}/consents",
        body,
        content_type="application/json",
        **bearer(village_officer),
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert person.consents.count() == 1  # case management, given at registration


def test_a_restricted_record_is_not_even_counted_for_staff_without_clearance(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    sri = dataclasses.replace(
        siti(),
        full_name="Sri Wahyuni",
        identifiers=[],
        phone="0813 2222 3333",
        birth_date=dt.date(1990, 4, 4),
    )
    restricted = registration_submit(
        actor=district_supervisor, data=_abused(), channel="staff", on_match="create"
    ).person
    assert restricted is not None and restricted.is_restricted
    elsewhere = registration_submit(
        actor=district_supervisor, data=sri, channel="staff", on_match="create"
    ).person
    assert elsewhere is not None
    Person.objects.filter(pk=elsewhere.pk).update(home_area=world.lombok_timur)
    # The same two people, reported again at the village office: the one elsewhere is
    # counted, the restricted one is not.
    other = registration_submit(
        actor=village_officer, data=dataclasses.replace(sri), channel="staff"
    )
    assert (other.candidates, other.hidden_candidates) == ([], 1)
    again = registration_submit(actor=village_officer, data=siti(), channel="staff")
    assert (again.candidates, again.hidden_candidates, again.created) == ([], 0, True)
