from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.orgs.models import OrganisationKind
from pulang.orgs.services import organisation_create
from tests.conftest import signed_in
from tests.factories import World


def test_list_shows_only_organisations_in_scope(
    client: Client, world: World, district_supervisor: Actor
) -> None:
    response = signed_in(client, district_supervisor).get(reverse("orgs:list"))
    assert response.status_code == 200
    names = [o.name for o in response.context["page"].object_list]
    assert names == ["Malang counselling NGO", "Malang office", "PT Tani", "Talangagung office"]


def test_list_filters_by_kind_and_name(client: Client, world: World, administrator: Actor) -> None:
    response = signed_in(client, administrator).get(
        reverse("orgs:list"), {"kind": OrganisationKind.CONSULAR_POST, "q": "riyadh"}
    )
    assert [o.name for o in response.context["page"].object_list] == ["Consulate Riyadh"]


def test_htmx_request_gets_only_the_rows(
    client: Client, world: World, administrator: Actor
) -> None:
    response = signed_in(client, administrator).get(reverse("orgs:list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"Consulate Riyadh" in response.content


def test_list_query_count_does_not_grow_with_rows(
    client: Client, world: World, administrator: Actor
) -> None:
    signed_in(client, administrator)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("orgs:list"))
    for n in range(10):
        organisation_create(
            actor=None,
            name=f"Agency {n}",
            kind=OrganisationKind.RECRUITMENT_AGENCY,
            country=world.indonesia,
        )
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("orgs:list"))
    assert len(after.captured_queries) == len(before.captured_queries)


def test_detail_in_scope_shows_members_to_a_supervisor(
    client: Client, world: World, district_supervisor: Actor, village_officer: Actor
) -> None:
    response = signed_in(client, district_supervisor).get(
        reverse("orgs:detail", args=[world.village.pk])
    )
    assert response.status_code == 200
    assert [m.user.username for m in response.context["members"]] == ["village_officer"]


def test_case_worker_sees_the_organisation_but_not_its_people(
    client: Client, world: World, village_officer: Actor
) -> None:
    response = signed_in(client, village_officer).get(
        reverse("orgs:detail", args=[world.village.pk])
    )
    assert response.status_code == 200
    assert response.context["members"] is None


def test_outside_scope_is_not_found_and_audited(
    client: Client, world: World, outsider: Actor
) -> None:
    response = signed_in(client, outsider).get(reverse("orgs:detail", args=[world.village.pk]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="access.denied")
    assert (event.username, event.subject_type, event.subject_id, event.channel) == (
        "outsider",
        "orgs.organisation",
        str(world.village.pk),
        "web",
    )


def test_missing_and_forbidden_answer_the_same(
    client: Client, world: World, outsider: Actor
) -> None:
    signed_in(client, outsider)
    forbidden_url = reverse("orgs:detail", args=[world.village.pk])
    missing_url = reverse("orgs:detail", args=[999999])
    forbidden = client.get(forbidden_url)
    missing = client.get(missing_url)
    assert forbidden.status_code == missing.status_code == 404

    def without_csrf(body: bytes) -> bytes:  # the masked token differs on every response
        return re.sub(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', b"", body)

    # The language switcher returns to the page's own address, which differs by design.
    assert without_csrf(forbidden.content).replace(forbidden_url.encode(), b"URL") == (
        without_csrf(missing.content).replace(missing_url.encode(), b"URL")
    )


def test_anonymous_is_sent_to_sign_in(client: Client, world: World) -> None:
    response = client.get(reverse("orgs:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
