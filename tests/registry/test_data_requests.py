from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.models import Identifier, IntakeRecord, Person, PersonName
from pulang.registry.search import PersonQuery, find_people
from pulang.registry.selectors import person_get_for_actor
from pulang.registry.services import (
    erasure_decide,
    erasure_request,
    person_export,
    registration_submit,
)
from tests.conftest import signed_in
from tests.factories import World, person
from tests.registry.helpers import occupation, siti


@pytest.fixture
def registered(world: World, village_officer: Actor) -> Person:
    occupation()
    outcome = registration_submit(actor=village_officer, data=siti(), channel="staff")
    assert outcome.person is not None
    return outcome.person


def test_export_holds_everything_including_who_read_it(
    registered: Person, district_supervisor: Actor
) -> None:
    export = person_export(actor=district_supervisor, person_id=registered.pk)
    assert export["person"]["full_name"] == "Siti Aminah binti Sukarno"
    assert export["identifiers"] == [
        {
            "kind": "national_id",
            "number": "3507015708850001",
            "issuing_country": "ID",
            "valid_until": None,
            "is_current": True,
            "verified": False,
        }
    ]
    assert export["reports"][0]["as_received"]["full_name"] == "Siti Aminah binti Sukarno"
    assert [a["action"] for a in export["accessed_by"]][:2] == [
        "registry.person_registered",
        "registry.person_viewed",
    ]
    assert AuditEvent.objects.filter(action="registry.person_exported").count() == 1


def test_case_worker_may_not_export(registered: Person, village_officer: Actor) -> None:
    with pytest.raises(PermissionDenied):
        person_export(actor=village_officer, person_id=registered.pk)
    assert AuditEvent.objects.filter(action="registry.person_exported").count() == 0


def test_export_page_and_json_download(
    client: Client, registered: Person, district_supervisor: Actor
) -> None:
    signed_in(client, district_supervisor)
    page = client.get(reverse("registry:export", args=[registered.pk]))
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    download = client.get(reverse("registry:export", args=[registered.pk]), {"format": "json"})
    assert (
        download["Content-Disposition"]
        == f'attachment; filename="pulang-person-{registered.pk}.json"'
    )
    assert download.json()["person"]["id"] == registered.pk


def test_erasure_needs_a_second_person_then_anonymises(
    world: World, registered: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    request = erasure_request(
        actor=village_officer, person_id=registered.pk, reason="Asked in person at the office"
    )
    own_request = erasure_request(
        actor=district_supervisor, person_id=registered.pk, reason="again"
    )
    assert own_request == request  # one open request per person
    done = erasure_decide(actor=district_supervisor, request_id=request.pk, approve=True)
    assert done.status == "done"
    registered.refresh_from_db()
    assert (
        registered.full_name,
        registered.phone,
        registered.birth_date,
        registered.birth_date_precision,
    ) == (
        "—",
        "",
        dt.date(1985, 1, 1),
        "year",
    )
    # District kept for regional statistics, village dropped.
    assert registered.home_area_id == world.malang.pk
    assert (
        PersonName.objects.filter(person=registered).count(),
        Identifier.objects.filter(person=registered).count(),
    ) == (0, 0)
    assert IntakeRecord.objects.get(person=registered).payload == {"erased": True}
    assert registered.returns.get().reason == "end_of_contract"
    assert find_people(query=PersonQuery(name="Siti Aminah"), within=Q()) == []
    with pytest.raises(NotFound):
        person_get_for_actor(actor=district_supervisor, person_id=registered.pk)


def test_the_requester_cannot_approve_their_own_request(world: World, registered: Person) -> None:
    supervisor = person(world.district, Role.SUPERVISOR, clearance=True)
    request = erasure_request(actor=supervisor, person_id=registered.pk, reason="By letter")
    with pytest.raises(InvalidInput):
        erasure_decide(actor=supervisor, request_id=request.pk, approve=True)
    registered.refresh_from_db()
    assert registered.erased_at is None


def test_case_worker_may_not_decide(registered: Person, village_officer: Actor) -> None:
    request = erasure_request(actor=village_officer, person_id=registered.pk, reason="By phone")
    with pytest.raises(PermissionDenied):
        erasure_decide(actor=village_officer, request_id=request.pk, approve=True)
    registered.refresh_from_db()
    assert registered.erased_at is None


def test_refusal_needs_a_note_and_keeps_the_record(
    registered: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    request = erasure_request(actor=village_officer, person_id=registered.pk, reason="By phone")
    with pytest.raises(InvalidInput):
        erasure_decide(actor=district_supervisor, request_id=request.pk, approve=False)
    refused = erasure_decide(
        actor=district_supervisor,
        request_id=request.pk,
        approve=False,
        note="Open wage claim needs the record",
    )
    assert refused.status == "refused"
    registered.refresh_from_db()
    assert registered.full_name == "Siti Aminah binti Sukarno"


def test_erasure_pages(
    client: Client, registered: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    signed_in(client, village_officer).post(
        reverse("registry:erasure_request", args=[registered.pk]), {"reason": "At the office"}
    )
    office = signed_in(Client(), district_supervisor)
    queue = office.get(reverse("registry:erasures"))
    assert [r.person_id for r in queue.context["requests"]] == [registered.pk]
    office.post(
        reverse("registry:erasures"),
        {"request": queue.context["requests"][0].pk, "decision": "erase"},
    )
    registered.refresh_from_db()
    assert registered.erased_at is not None
    assert signed_in(Client(), village_officer).get(reverse("registry:erasures")).status_code == 404
