"""The referrals API: a provider's system works its inbox, an office's system refers and
follows; each rule with the persona who may and one who may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pulang.audit.models import AuditEvent
from pulang.cases.models import Case, PlanAction
from pulang.orgs.actor import Actor
from pulang.orgs.models import OrganisationKind, Role
from pulang.referrals.models import Referral, Service
from tests.api.test_api import bearer
from tests.factories import World, person

pytestmark = pytest.mark.django_db

API = "/api/v1/referrals"


def post(client: Client, actor: Actor, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", body, content_type="application/json", **bearer(actor))


def get(client: Client, actor: Actor, path: str) -> Any:
    return client.get(f"{API}{path}", **bearer(actor))


def send(client: Client, actor: Actor, case: Case, service: Service, **more: Any) -> Any:
    return post(
        client,
        actor,
        "",
        {
            "case_id": case.pk,
            "service_id": service.pk,
            "shared_note": "Needs counselling after a hard return; prefers Javanese.",
            **more,
        },
    )


def test_an_office_refers_and_the_provider_works_it_through(
    client: Client,
    case: Case,
    action: PlanAction,
    counselling: Service,
    village_officer: Actor,
    provider_staff: Actor,
) -> None:
    suggested = get(
        client, village_officer, f"/cases/{case.pk}/suggestions?service_type=counselling"
    )
    assert suggested.status_code == 200
    assert [s["service_id"] for s in suggested.json()] == [counselling.pk]
    assert suggested.json()[0]["eligible"] is True

    sent = send(client, village_officer, case, counselling, action_id=action.pk)
    assert sent.status_code == 201, sent.content
    referral = sent.json()
    assert (referral["status"], referral["action_id"], referral["consent_given"]) == (
        "sent",
        action.pk,
        True,
    )

    inbox = get(client, provider_staff, "/inbox")
    assert [r["id"] for r in inbox.json()["items"]] == [referral["id"]]
    seen = get(client, provider_staff, f"/inbox/{referral['id']}")
    body = seen.json()
    assert (body["name"], body["sex"], body["phone"]) == (
        "Siti Aminah binti Sukarno",
        "Female",
        "+6281234567890",
    )
    assert "case_id" not in body and "action_id" not in body  # nothing of the case
    version = body["version"]
    accepted = post(
        client, provider_staff, f"/inbox/{referral['id']}/accept", {"expected_version": version}
    )
    assert accepted.json()["status"] == "accepted"
    started = post(
        client,
        provider_staff,
        f"/inbox/{referral['id']}/start",
        {"expected_version": accepted.json()["version"]},
    )
    done = post(
        client,
        provider_staff,
        f"/inbox/{referral['id']}/complete",
        {
            "expected_version": started.json()["version"],
            "outcome": "achieved",
            "note": "Six counselling sessions",
        },
    )
    assert (done.json()["status"], done.json()["outcome"]) == ("completed", "achieved")

    followed = get(client, village_officer, f"/{referral['id']}").json()
    rated = post(
        client,
        village_officer,
        f"/{referral['id']}/feedback",
        {"expected_version": followed["version"], "satisfaction": 4, "comment": "Helpful"},
    )
    assert (rated.json()["satisfaction"], rated.json()["feedback_via"]) == (4, "case_worker")
    action.refresh_from_db()
    assert action.status == "done"
    assert [r["status"] for r in get(client, village_officer, f"/cases/{case.pk}").json()] == [
        "completed"
    ]


def test_without_consent_only_a_supervisor_with_a_reason_sends(
    client: Client,
    case: Case,
    counselling: Service,
    village_officer: Actor,
    district_supervisor: Actor,
) -> None:
    from pulang.registry.services import consent_withdraw

    consent_withdraw(actor=village_officer, person_id=case.person_id, purpose="referral_sharing")
    refused = send(client, village_officer, case, counselling)
    assert (refused.status_code, refused.json()["code"]) == (422, "referrals.consent_missing")
    no_reason = send(client, district_supervisor, case, counselling)
    assert no_reason.status_code == 422
    assert Referral.objects.count() == 0
    sent = send(
        client,
        district_supervisor,
        case,
        counselling,
        override_reason="Acute distress; she cannot give consent today",
    )
    assert sent.status_code == 201
    assert sent.json()["consent_given"] is False
    assert AuditEvent.objects.filter(action="referrals.consent_overridden").count() == 1


def test_another_provider_gets_not_found_and_is_audited(
    client: Client,
    world: World,
    case: Case,
    counselling: Service,
    village_officer: Actor,
    provider_staff: Actor,
) -> None:
    from pulang.orgs.services import organisation_create

    other = organisation_create(
        actor=None,
        name="Another NGO",
        kind=OrganisationKind.SERVICE_PROVIDER,
        country=world.indonesia,
        area=world.malang,
    )
    stranger = person(other, Role.PROVIDER_STAFF, username="stranger")
    referral_id = send(client, village_officer, case, counselling).json()["id"]
    before = AuditEvent.objects.filter(action="access.denied").count()
    assert get(client, stranger, f"/inbox/{referral_id}").status_code == 404
    assert (
        post(client, stranger, f"/inbox/{referral_id}/accept", {"expected_version": 1}).status_code
        == 404
    )
    assert get(client, stranger, "/inbox").json()["items"] == []
    assert AuditEvent.objects.filter(action="access.denied").count() == before + 2
    assert Referral.objects.get().status == "sent"


def test_a_declined_referral_is_no_longer_the_providers(
    client: Client, case: Case, counselling: Service, village_officer: Actor, provider_staff: Actor
) -> None:
    referral_id = send(client, village_officer, case, counselling).json()["id"]
    no_reason = post(
        client,
        provider_staff,
        f"/inbox/{referral_id}/decline",
        {"expected_version": 1, "reason": " "},
    )
    assert no_reason.status_code == 422
    declined = post(
        client,
        provider_staff,
        f"/inbox/{referral_id}/decline",
        {"expected_version": 1, "reason": "No counsellor speaks Javanese this month"},
    )
    assert declined.json()["status"] == "declined"
    assert get(client, provider_staff, f"/inbox/{referral_id}").status_code == 404
    # The office reads why.
    assert get(client, village_officer, f"/{referral_id}").json()["decline_reason"] == (
        "No counsellor speaks Javanese this month"
    )


def test_illegal_steps_and_stale_versions_change_nothing(
    client: Client, case: Case, counselling: Service, village_officer: Actor, provider_staff: Actor
) -> None:
    referral_id = send(client, village_officer, case, counselling).json()["id"]
    early = post(
        client,
        provider_staff,
        f"/inbox/{referral_id}/complete",
        {"expected_version": 1, "outcome": "achieved"},
    )
    assert (early.status_code, early.json()["code"]) == (409, "referrals.step_not_allowed")
    stale = post(client, provider_staff, f"/inbox/{referral_id}/accept", {"expected_version": 7})
    assert (stale.status_code, stale.json()["code"]) == (409, "referrals.stale_referral")
    # The case worker may not accept for the provider: not their office's referral.
    assert (
        post(
            client, village_officer, f"/inbox/{referral_id}/accept", {"expected_version": 1}
        ).status_code
        == 404
    )
    stored = Referral.objects.get()
    assert (stored.status, stored.version) == ("sent", 1)


def test_the_case_worker_withdraws_and_the_provider_may_not(
    client: Client, case: Case, counselling: Service, village_officer: Actor, provider_staff: Actor
) -> None:
    referral_id = send(client, village_officer, case, counselling).json()["id"]
    assert (
        post(
            client, provider_staff, f"/{referral_id}/withdraw", {"expected_version": 1}
        ).status_code
        == 403
    )
    withdrawn = post(client, village_officer, f"/{referral_id}/withdraw", {"expected_version": 1})
    assert (withdrawn.json()["status"], withdrawn.json()["closure_reason"]) == (
        "closed",
        "withdrawn",
    )
    assert Service.objects.get().open_referrals == 0


def test_figures_for_supervisors_and_providers_but_not_agencies(
    client: Client,
    case: Case,
    counselling: Service,
    village_officer: Actor,
    provider_staff: Actor,
    district_supervisor: Actor,
    agency_staff: Actor,
) -> None:
    send(client, village_officer, case, counselling)
    funnel = get(client, district_supervisor, "/figures/funnel?by=provider").json()
    assert [(r["label"], r["sent"], r["open"]) for r in funnel] == [
        ("Malang counselling NGO", 1, 1)
    ]
    assert [r["sent"] for r in get(client, provider_staff, "/figures/funnel").json()] == [1]
    assert get(client, agency_staff, "/figures/funnel").status_code == 403
    assert get(client, provider_staff, "/figures/gaps").status_code == 403
