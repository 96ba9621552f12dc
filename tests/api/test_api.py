from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pulang.accounts.models import ApiToken
from pulang.accounts.services import api_token_create, api_token_revoke
from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.orgs.models import OrganisationKind
from pulang.orgs.services import membership_end, organisation_create
from tests.conftest import signed_in
from tests.factories import World

PROBLEM = "application/problem+json"


def bearer(actor: Actor) -> dict[str, str]:
    _, secret = api_token_create(actor=None, membership=actor.membership, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_health_needs_no_credentials(client: Client, db: None) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": "0.1.0"}


def test_no_credentials_is_a_401_problem(client: Client, db: None) -> None:
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "pulang.unauthenticated"


def test_token_acts_in_its_membership(
    client: Client, world: World, consular_officer: Actor
) -> None:
    response = client.get("/api/v1/accounts/me", **bearer(consular_officer))
    assert response.status_code == 200
    assert response.json() == {
        "username": "consular_officer",
        "organisation_id": world.consulate.pk,
        "organisation": "Consulate Kuala Lumpur",
        "role": "consular_officer",
        "scope_kind": "destination",
        "scope_area_code": None,
        "scope_country": "MY",
        "has_clearance": False,
    }
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_expired_and_malformed_tokens_are_refused(
    client: Client, world: World, village_officer: Actor
) -> None:
    token, secret = api_token_create(actor=None, membership=village_officer.membership, name="t")
    api_token_revoke(actor=None, token=token)
    assert (
        client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    )
    token, secret = api_token_create(actor=None, membership=village_officer.membership, name="t")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert (
        client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    )
    prefix = secret.split(".")[0]
    for raw in (prefix, f"{prefix}.wrong", "garbage"):
        assert (
            client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
        )


def test_token_of_an_ended_membership_is_refused(
    client: Client, world: World, village_officer: Actor
) -> None:
    headers = bearer(village_officer)
    membership_end(actor=None, membership=village_officer.membership, reason="left")
    assert client.get("/api/v1/accounts/me", **headers).status_code == 401


def test_only_the_digest_of_a_token_is_stored(world: World, village_officer: Actor) -> None:
    token, secret = api_token_create(actor=None, membership=village_officer.membership, name="t")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.split(".")[1] not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64


def test_nobody_issues_a_token_for_someone_elses_role(
    world: World, administrator: Actor, village_officer: Actor
) -> None:
    from pulang.errors import NotFound

    with pytest.raises(NotFound):
        api_token_create(actor=administrator, membership=village_officer.membership, name="t")
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.filter(action="access.denied", username="administrator").count() == 1


def test_organisations_are_scoped(client: Client, world: World, consular_officer: Actor) -> None:
    response = client.get("/api/v1/orgs/organisations", **bearer(consular_officer))
    assert response.status_code == 200
    assert [o["name"] for o in response.json()["items"]] == ["Consulate Kuala Lumpur"]


def test_organisation_outside_scope_is_a_404_problem_and_audited(
    client: Client, world: World, consular_officer: Actor
) -> None:
    response = client.get(
        f"/api/v1/orgs/organisations/{world.other_consulate.pk}", **bearer(consular_officer)
    )
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:pulang:problem:pulang.not_found",
        "title": "Not found.",
        "status": 404,
        "code": "pulang.not_found",
    }
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.username, event.channel, event.subject_id) == (
        "consular_officer",
        "api",
        str(world.other_consulate.pk),
    )


def test_organisation_list_pages_and_keeps_its_query_count(
    client: Client, world: World, administrator: Actor
) -> None:
    headers = bearer(administrator)
    client.get("/api/v1/accounts/me", **headers)  # the first call stamps the token's last use
    with CaptureQueriesContext(connection) as small:
        first = client.get("/api/v1/orgs/organisations?limit=3", **headers)
    for n in range(8):
        organisation_create(
            actor=None,
            name=f"Zeta agency {n}",
            kind=OrganisationKind.RECRUITMENT_AGENCY,
            country=world.indonesia,
        )
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/orgs/organisations?limit=3", **headers)
    assert len(large.captured_queries) == len(small.captured_queries)
    body = first.json()
    assert (len(body["items"]), body["next_offset"]) == (3, 3)


def test_bad_query_parameter_is_a_422_problem_naming_the_field(
    client: Client, world: World, administrator: Actor
) -> None:
    response = client.get("/api/v1/orgs/organisations?limit=many", **bearer(administrator))
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "pulang.invalid_input"
    assert [e["field"] for e in body["errors"]] == ["query.limit"]


def test_browser_session_authenticates_api_reads(world: World, village_officer: Actor) -> None:
    client = signed_in(Client(enforce_csrf_checks=True), village_officer)
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 200
    assert response.json()["username"] == "village_officer"


def test_audit_events_api_for_auditor_only(
    client: Client, world: World, auditor: Actor, village_officer: Actor
) -> None:
    allowed = client.get("/api/v1/audit/events?action=access.denied", **bearer(auditor))
    assert allowed.status_code == 200
    assert allowed.json() == {"items": [], "next_before": None}
    refused = client.get("/api/v1/audit/events", **bearer(village_officer))
    assert refused.status_code == 403
    assert refused.json()["code"] == "pulang.permission_denied"


def test_reference_lists(client: Client, world: World, village_officer: Actor) -> None:
    response = client.get("/api/v1/reference/countries?asean=true", **bearer(village_officer))
    assert [c["code"] for c in response.json()] == ["ID", "MY"]


def test_area_tree_api(client: Client, world: World, village_officer: Actor) -> None:
    headers = bearer(village_officer)
    provinces = client.get("/api/v1/geo/ID/areas", **headers).json()
    assert [p["code"] for p in provinces] == ["ID-JI", "ID-NB"]
    detail = client.get("/api/v1/geo/ID/areas/35.07.13.2001", **headers).json()
    assert [a["code"] for a in detail["ancestors"]] == ["ID", "ID-JI", "35.07", "35.07.13"]
    assert detail["parent_code"] == "35.07.13"
    missing = client.get("/api/v1/geo/ID/areas/99.99", **headers)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "english"),
    [
        (
            {"name": "Siti", "birth_year": "nineteen"},
            "body.query.birth_year",
            "give a whole number",
        ),
        (
            {"name": "Siti", "birth_year": 2200},
            "body.query.birth_year",
            "give a number of at most 2100",
        ),
        ({"name": "Siti", "birth_date": "17/08/1985"}, "body.query.birth_date", None),
    ],
)
def test_schema_errors_come_in_the_callers_language(
    client: Client,
    world: World,
    village_officer: Actor,
    body: dict[str, object],
    field: str,
    english: str | None,
) -> None:
    from django.utils import translation

    with translation.override("en"):
        answer = client.post(
            "/api/v1/registry/persons/search",
            body,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="id",
            **bearer(village_officer),
        )
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    wanted = english or "give a date (year, month and day)"
    with translation.override("id"):
        translated = translation.gettext(wanted.replace("2100", "%(max)s"))
    if "%(max)s" in translated:
        translated = translated % {"max": 2100}
    assert error == {"field": field, "reason": translated}
    assert translated != wanted
