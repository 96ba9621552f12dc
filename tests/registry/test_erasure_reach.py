"""What an erasure reaches beyond the person's own record, what a report joining a record
carries into it, what a copy of everything held includes, what undoing a merge must
respect, and the limits every channel's text must keep."""

from __future__ import annotations

import dataclasses

import pytest
from django.test import Client
from django.urls import reverse

from pulang.accounts.services import api_token_create
from pulang.audit.models import AuditEvent
from pulang.cases.models import Case
from pulang.cases.services import case_open
from pulang.cases.services.contacts import case_note_add
from pulang.errors import InvalidInput, NotFound
from pulang.orgs.actor import Actor
from pulang.referrals.codes import ServiceType
from pulang.referrals.models import Referral
from pulang.referrals.selectors.referrals import provider_inbox, provider_referral_get
from pulang.referrals.services.referrals import referral_send
from pulang.registry.errors import MergeHasDependants, StaleRecord
from pulang.registry.inputs import EpisodeInput
from pulang.registry.models import Consent, ErasureRequest, IntakeRecord, Person, Return
from pulang.registry.selectors import intake_get_for_actor, person_get_for_actor
from pulang.registry.services import (
    OnMatch,
    consent_give,
    consent_withdraw,
    erasure_decide,
    erasure_request,
    person_export,
    person_merge,
    person_unmerge,
    person_update,
    registration_submit,
)
from pulang.registry.services import persons as persons_service
from tests.cases.helpers import goal_with_action, open_case, register
from tests.conftest import signed_in
from tests.factories import World
from tests.referrals.helpers import published_service
from tests.registry.helpers import siti

NOTE = "Ibu Siti Aminah, phone 0812 3456 7890, lives behind the mosque in Talangagung."
ASKED = "Siti Aminah binti Sukarno asked by phone from 0812 3456 7890"


def _referred(world: World, officer: Actor) -> Referral:
    who = register(officer)
    consent_give(actor=officer, person_id=who.pk, purpose="referral_sharing", method="verbal")
    service = published_service(world.provider, ServiceType.COUNSELLING, [world.malang])
    return referral_send(
        actor=officer,
        case_id=open_case(officer, who).pk,
        service_id=service.pk,
        shared_note=NOTE,
    )


def _erase(person: Person, asker: Actor, decider: Actor) -> ErasureRequest:
    request = erasure_request(actor=asker, person_id=person.pk, reason=ASKED)
    return erasure_decide(actor=decider, request_id=request.pk, approve=True)


def test_an_erasure_reaches_referrals_requests_and_village_areas(
    world: World, village_officer: Actor, district_supervisor: Actor, provider_staff: Actor
) -> None:
    referral = _referred(world, village_officer)
    assert [r.pk for r in provider_inbox(actor=provider_staff)] == [referral.pk]
    request = _erase(referral.person, village_officer, district_supervisor)

    referral.refresh_from_db()
    assert (referral.shared_note, referral.details_withdrawn, referral.status) == (
        "",
        True,
        "closed",
    )
    assert not any(NOTE in e.note for e in referral.events.all())
    assert list(provider_inbox(actor=provider_staff)) == []
    assert not Consent.objects.filter(person=referral.person, withdrawn_at__isnull=True).exists()
    request.refresh_from_db()
    assert (request.reason, request.status) == ("", "done")
    # A village names a few hundred people: what stays is the district.
    district = world.malang.pk
    assert {r.destination_area_id for r in referral.person.returns.all()} == {district}
    assert set(IntakeRecord.objects.values_list("area_id", flat=True)) == {district}
    assert Case.objects.get(pk=referral.case_id).area_id in (district, None)


@pytest.mark.parametrize("version_sent", ["read", "current"])
def test_a_correction_read_before_an_erasure_is_refused_after_it(
    world: World,
    village_officer: Actor,
    district_supervisor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    version_sent: str,
) -> None:
    person = register(village_officer)
    read = Person.objects.get(pk=person.pk)  # the editor's page, opened before the erasure
    _erase(person, village_officer, district_supervisor)
    person.refresh_from_db()
    assert person.version == read.version + 1
    # The correction is checked against what the editor read, then saved after the erasure.
    monkeypatch.setattr(persons_service, "person_get_for_actor", lambda **kw: read)
    with pytest.raises(StaleRecord):
        person_update(
            actor=district_supervisor,
            person_id=person.pk,
            version=read.version if version_sent == "read" else person.version,
            changes={"phone": "0812 3456 7890"},
        )
    person.refresh_from_db()
    assert (person.phone, person.erased_at is not None) == ("", True)


def test_an_erased_persons_report_is_not_found(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    person = register(village_officer)
    intake = IntakeRecord.objects.get(person=person)
    assert intake_get_for_actor(actor=district_supervisor, intake_id=intake.pk) == intake
    _erase(person, village_officer, district_supervisor)
    page = signed_in(Client(), district_supervisor).get(
        reverse("registry:intake", args=[intake.pk])
    )
    assert page.status_code == 404


def test_a_report_of_violence_linked_to_a_record_restricts_it(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    person = register(village_officer)
    episode = EpisodeInput(destination_country="SA", abuse_indicators=["sexual_violence"])
    report = dataclasses.replace(siti(), episode=episode, identifiers=[])
    outcome = registration_submit(
        actor=village_officer,
        data=report,
        channel="staff",
        on_match=OnMatch.LINK,
        link_to=person.pk,
    )
    assert outcome.person is not None and outcome.person.is_restricted
    assert outcome.person.version == person.version + 1
    with pytest.raises(NotFound):
        person_get_for_actor(actor=village_officer, person_id=person.pk)
    assert person_get_for_actor(actor=district_supervisor, person_id=person.pk) == person


def test_the_correction_page_is_an_audited_view(
    client: Client, world: World, village_officer: Actor
) -> None:
    person = register(village_officer)
    page = signed_in(client, village_officer).get(reverse("registry:person_edit", args=[person.pk]))
    assert page.status_code == 200
    event = AuditEvent.objects.get(action="registry.person_viewed")
    assert (event.username, event.subject_id) == ("village_officer", str(person.pk))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address": "x" * 301}, "address"),
        ({"aliases": ["y" * 201]}, "aliases[0]"),
        (
            {"episode": EpisodeInput(destination_country="MY", visa_type="E" * 41)},
            "episode.visa_type",
        ),
    ],
)
def test_text_longer_than_its_column_is_named(
    world: World, village_officer: Actor, changes: dict[str, object], field: str
) -> None:
    register(village_officer)  # the reference data
    with pytest.raises(InvalidInput) as error:
        registration_submit(
            actor=village_officer,
            data=siti(identifiers=[], **changes),
            channel="staff",
            on_match=OnMatch.CREATE,
        )
    assert [e["field"] for e in error.value.errors] == [field]
    assert "at most" in str(error.value.errors[0]["reason"])
    assert Person.objects.count() == 1


def test_a_search_for_an_impossible_birth_year_is_refused(
    client: Client, world: World, village_officer: Actor
) -> None:
    _, secret = api_token_create(actor=None, membership=village_officer.membership, name="t")
    answer = client.post(
        "/api/v1/registry/persons/search",
        {"name": "Siti", "birth_year": 10**20},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["body.query.birth_year"]
    fine = client.post(
        "/api/v1/registry/persons/search",
        {"name": "Siti", "birth_year": 1985},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert fine.status_code == 200


def test_withdrawing_consent_after_a_merge_reaches_referrals_made_under_the_other_record(
    world: World, village_officer: Actor, district_supervisor: Actor, provider_staff: Actor
) -> None:
    referral = _referred(world, village_officer)
    survivor = register(village_officer, full_name="Siti Aminah", consents=["referral_sharing"])
    person_merge(
        actor=district_supervisor,
        survivor_id=survivor.pk,
        absorbed_id=referral.person_id,
        reason="same NIK",
    )
    consent_withdraw(actor=village_officer, person_id=survivor.pk, purpose="referral_sharing")
    referral.refresh_from_db()
    assert (referral.person_id, referral.details_withdrawn, referral.status) == (
        survivor.pk,
        True,
        "closed",
    )
    assert list(provider_inbox(actor=provider_staff)) == []
    live = Consent.objects.filter(purpose="referral_sharing", withdrawn_at__isnull=True)
    assert not live.exists()


def test_the_copy_of_everything_held_includes_cases_referrals_and_links(
    client: Client,
    world: World,
    village_officer: Actor,
    district_supervisor: Actor,
    provider_staff: Actor,
) -> None:
    referral = _referred(world, village_officer)
    person = referral.person
    provider_referral_get(actor=provider_staff, referral_id=referral.pk)
    case_record = Case.objects.get(pk=referral.case_id)
    goal_with_action(village_officer, case_record, case_record.version)
    case_note_add(actor=village_officer, case_id=case_record.pk, text="called her sister")
    case_note_add(
        actor=village_officer,
        case_id=case_record.pk,
        text="reports the agent confiscated her passport",
        restricted=True,
    )
    export = person_export(actor=district_supervisor, person_id=person.pk)
    held = export["held_elsewhere"]
    (case,) = held["cases"]
    assert case["reason"] == "urgent because: no safe place to stay"
    plain, secret = case["notes"]
    assert plain["text"] == "called her sister"
    assert (secret["restricted"], "passport" in secret["text"]) == (True, False)
    assert "ciphertext" not in secret
    (goal,) = case["plan"]["goals"]
    assert goal["text"] == "Open a sewing business at home"
    assert [a["description"] for a in goal["actions"]] == [
        "Entrepreneurship training at the district BLK"
    ]
    (sent,) = held["referrals"]
    assert (sent["shared_note"], sent["case"]) == (NOTE, case["id"])
    assert sent["events"]
    assert "assessments" in held
    assert export["returns"][0]["destination_area"] == "35.07.13.2001"
    assert export["consents"][0]["method"] == "verbal"
    # Who read the referral (the provider) is among those who read the person's data.
    readers = {(a["organisation"], a["action"]) for a in export["accessed_by"]}
    assert (world.provider.name, "referrals.viewed") in readers
    page = signed_in(client, district_supervisor).get(reverse("registry:export", args=[person.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "no safe place to stay" in text
    assert "lives behind the mosque" in text
    assert "Open a sewing business at home" in text
    downloaded = client.get(reverse("registry:export", args=[person.pk]) + "?format=json")
    assert downloaded.json()["held_elsewhere"]["referrals"][0]["shared_note"] == NOTE


def test_a_merge_is_not_undone_under_records_that_use_what_it_moved(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    absorbed = register(village_officer)
    survivor = register(village_officer, full_name="Siti Aminah", identifiers=[])
    merge = person_merge(
        actor=district_supervisor, survivor_id=survivor.pk, absorbed_id=absorbed.pk, reason="x"
    )
    moved_return = Return.objects.get(person=survivor, pk__in=merge.moved["registry.return"])
    case = case_open(
        actor=village_officer,
        person_id=survivor.pk,
        return_id=moved_return.pk,
        priority="high",
        reason="urgent: opened on the return the merge brought",
    )
    with pytest.raises(MergeHasDependants):
        person_unmerge(actor=district_supervisor, merge_id=merge.pk, reason="not the same")
    merge.refresh_from_db()
    case.refresh_from_db()
    assert merge.unmerged_at is None
    assert (case.person_id, Return.objects.get(pk=moved_return.pk).person_id) == (
        survivor.pk,
        survivor.pk,
    )
