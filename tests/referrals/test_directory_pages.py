"""Staff pages of the directory (issue #6): a provider keeps its entries, another office
approves them. Each page with the persona who may and one who may not; a refused or bad
write changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.referrals.models import Service, ServiceArea, ServiceChange
from pulang.referrals.services.directory import service_propose
from tests.conftest import signed_in
from tests.factories import World, person
from tests.referrals.directory_helpers import entry, languages, other_provider_staff, published

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _languages(db: None) -> None:
    languages()


def form_data(**changes: Any) -> dict[str, Any]:
    return {
        "provider_kind": "ngo",
        "service_type": "counselling",
        "name_id": "Konseling keluarga",
        "description_id": "Konseling gratis bagi purna migran.",
        "hours_id": "Senin sampai Jumat",
        "name_en": "Family counselling",
        "description_en": "Free counselling for returnees.",
        "areas": "35.07 Kabupaten Malang\n35.07.13",
        "sexes": ["F"],
        "min_age": "18",
        "languages": ["id", "jv"],
        "cost": "free",
        "phone": "0341 123456",
        **changes,
    }


def state() -> tuple[object, ...]:
    return (
        list(Service.objects.order_by("pk").values_list("pk", "status", "version", "name")),
        list(ServiceChange.objects.order_by("pk").values_list("pk", "status")),
        ServiceArea.objects.count(),
    )


def denials() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


# --- a provider's own entries ---------------------------------------------------------------


def test_the_provider_proposes_a_new_entry_from_the_form(
    client: Client, world: World, provider_staff: Actor
) -> None:
    signed_in(client, provider_staff)
    page = client.get(reverse("directory:new"))
    assert page.status_code == 200
    assert [lang for lang, _fields in page.context["form"].text_columns()] == ["id", "en"]
    response = client.post(reverse("directory:new"), form_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:entries")
    service = Service.objects.get()
    assert (service.status, service.name, service.sexes, service.min_age) == (
        "pending",
        "Konseling keluarga",
        ["F"],
        18,
    )
    assert sorted(ServiceArea.objects.values_list("area__code", flat=True)) == [
        "35.07",
        "35.07.13",
    ]
    listing = client.get(reverse("directory:entries"))
    [row] = listing.context["rows"]
    assert (row["name"], row["status"], row["badge"]) == (
        "Family counselling",
        "Waiting for approval",
        "waiting",
    )
    assert "Sent for approval." in listing.content.decode()


def test_bad_input_comes_back_on_its_fields_and_nothing_is_saved(
    client: Client, world: World, provider_staff: Actor
) -> None:
    signed_in(client, provider_staff)
    before = state()
    response = client.post(
        reverse("directory:new"),
        form_data(
            name_id="",
            areas="35.07\n99.99 Nowhere",
            min_age="50",
            max_age="20",
            email="nope",
        ),
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors == {
        "name_id": ["needed in this language, since other texts are written in it"],
        "areas": ["no area has the code “99.99”"],
        "max_age": ["must not be below the lowest age"],
        "email": ["this is not a valid email address"],
    }
    # What was typed is kept.
    assert form["description_en"].value() == "Free counselling for returnees."
    assert state() == before


def test_the_change_form_starts_from_the_pending_proposal(
    client: Client, provider_staff: Actor, district_supervisor: Actor
) -> None:
    service = published(provider_staff, district_supervisor).service
    service_propose(
        actor=provider_staff, entry=entry(cost="paid"), service_id=service.pk, expected_version=2
    )
    page = signed_in(client, provider_staff).get(reverse("directory:edit", args=[service.pk]))
    initial = page.context["form"].initial
    assert (initial["cost"], initial["expected_version"], initial["areas"]) == (
        "paid",
        3,
        "35.07 Kabupaten Malang",
    )
    assert initial["name_en"] == "Family counselling for returnees"
    response = client.post(
        reverse("directory:edit", args=[service.pk]),
        form_data(expected_version="3", cost="subsidised"),
    )
    assert response.status_code == 302
    assert list(ServiceChange.objects.filter(status="pending").values_list("proposed__cost")) == [
        ("subsidised",)
    ]


def test_a_stale_form_is_refused_and_keeps_what_was_typed(
    client: Client, provider_staff: Actor, district_supervisor: Actor
) -> None:
    service = published(provider_staff, district_supervisor).service
    before = state()
    response = signed_in(client, provider_staff).post(
        reverse("directory:edit", args=[service.pk]),
        form_data(expected_version="1", name_en="My new name"),
    )
    assert response.status_code == 409
    assert "Someone else changed this service entry" in response.content.decode()
    assert response.context["form"]["name_en"].value() == "My new name"
    assert state() == before
    # Sent again from this page, knowingly, it goes over the version now stored.
    assert '<input type="hidden" name="expected_version" value="2">' in response.content.decode()


def test_other_organisations_cannot_open_or_change_an_entry(
    client: Client,
    world: World,
    provider_staff: Actor,
    district_supervisor: Actor,
    analyst: Actor,
) -> None:
    service = published(provider_staff, district_supervisor).service
    before, refused = state(), denials()
    stranger = other_provider_staff(world)
    edit = reverse("directory:edit", args=[service.pk])
    withdraw = reverse("directory:withdraw", args=[service.pk])
    assert signed_in(client, stranger).get(edit).status_code == 404
    assert client.post(edit, form_data(expected_version="2")).status_code == 404
    assert client.post(withdraw, {"expected_version": "2", "note": "x"}).status_code == 404
    assert client.get(reverse("directory:entries")).context["rows"] == []
    assert denials() == refused + 3
    # The approver decides on proposals; the provider's form is not theirs.
    assert signed_in(client, district_supervisor).get(edit).status_code == 404
    # Analysts keep no entries.
    assert signed_in(client, analyst).get(reverse("directory:entries")).status_code == 404
    assert state() == before
    # Signed out: to the sign-in page.
    client.logout()
    assert client.get(reverse("directory:entries")).status_code == 302


def test_the_provider_takes_an_entry_off_saying_why(
    client: Client, provider_staff: Actor, district_supervisor: Actor
) -> None:
    service = published(provider_staff, district_supervisor).service
    url = reverse("directory:withdraw", args=[service.pk])
    signed_in(client, provider_staff)
    before = state()
    response = client.post(url, {"expected_version": "2", "note": ""})
    assert response.status_code == 422
    assert response.context["withdraw_form"].errors == {"note": ["This field is required."]}
    assert state() == before
    response = client.post(url, {"expected_version": "2", "note": "The programme ended."})
    assert response.status_code == 302
    assert Service.objects.get().status == "withdrawn"
    [row] = client.get(reverse("directory:entries")).context["rows"]
    assert (row["status"], row["badge"]) == ("Taken off the directory", "withdrawn")


def test_the_area_finder_gives_codes_by_name(client: Client, provider_staff: Actor) -> None:
    signed_in(client, provider_staff)
    partial = client.get(reverse("directory:areas"), {"q": "kepan"}, HTTP_HX_REQUEST="true")
    content = partial.content.decode()
    assert "<code>35.07.13</code> Kepanjen" in content
    assert "<html" not in content
    full = client.get(reverse("directory:areas"), {"q": "35.07.13"})
    assert [a.code for a in full.context["areas"]] == ["35.07.13", "35.07.13.2001"]


# --- the approval queue ----------------------------------------------------------------------


def test_a_supervisor_compares_and_approves(
    client: Client, provider_staff: Actor, district_supervisor: Actor
) -> None:
    service = published(provider_staff, district_supervisor).service
    texts = {"en": {"name": "Counselling in Kepanjen", "description": "Free counselling."}}
    change = service_propose(
        actor=provider_staff,
        entry=entry(texts=texts, areas=("35.07.13",)),
        service_id=service.pk,
        expected_version=2,
    )
    signed_in(client, district_supervisor)
    queue = client.get(reverse("directory:approvals"))
    [row] = queue.context["rows"]
    assert (row["change"], row["name"], row["is_new"]) == (change, "Counselling in Kepanjen", False)
    page = client.get(reverse("directory:change", args=[change.pk]))
    rows = {r["label"]: r for r in page.context["rows"]}
    assert (rows["Where"]["current"], rows["Where"]["proposed"], rows["Where"]["changed"]) == (
        "Kabupaten Malang",
        "Kepanjen",
        True,
    )
    assert rows["Name of the service (Bahasa Indonesia)"] == {
        "label": "Name of the service (Bahasa Indonesia)",
        "current": "Konseling keluarga purna migran",
        "proposed": "",
        "changed": True,
    }
    assert rows["Cost"]["changed"] is False
    response = client.post(
        reverse("directory:decide", args=[change.pk]),
        {"decision": "approve", "expected_version": "3", "note": ""},
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.status, service.name, service.version) == (
        "published",
        "Counselling in Kepanjen",
        4,
    )


def test_rejecting_needs_a_note_and_a_stale_page_is_refused(
    client: Client, provider_staff: Actor, district_supervisor: Actor
) -> None:
    change = service_propose(actor=provider_staff, entry=entry())
    url = reverse("directory:decide", args=[change.pk])
    signed_in(client, district_supervisor)
    before = state()
    response = client.post(url, {"decision": "reject", "expected_version": "1", "note": " "})
    assert response.status_code == 422
    assert response.context["form"].errors == {"note": ["say why, in a few words"]}
    assert state() == before
    # The provider sent a newer proposal after the page was opened.
    service_propose(
        actor=provider_staff,
        entry=entry(cost="paid"),
        service_id=change.service_id,
        expected_version=1,
    )
    newer = ServiceChange.objects.get(status="pending")
    moved = state()
    response = client.post(
        reverse("directory:decide", args=[newer.pk]),
        {"decision": "approve", "expected_version": "1"},
    )
    assert response.status_code == 409
    assert state() == moved
    response = client.post(
        reverse("directory:decide", args=[newer.pk]),
        {"decision": "reject", "expected_version": "2", "note": "Say where the office is."},
    )
    assert response.status_code == 302
    [row] = signed_in(client, provider_staff).get(reverse("directory:entries")).context["rows"]
    assert row["status"] == "Not approved"
    assert "Say where the office is." in client.get(reverse("directory:entries")).content.decode()


def test_who_sees_the_queue_and_a_proposal(
    client: Client,
    world: World,
    provider_staff: Actor,
    district_supervisor: Actor,
    village_officer: Actor,
) -> None:
    change = service_propose(actor=provider_staff, entry=entry())
    lombok_supervisor = person(world.other_district, Role.SUPERVISOR, username="lombok_sup")
    page = reverse("directory:change", args=[change.pk])
    decide = reverse("directory:decide", args=[change.pk])
    before, refused = state(), denials()
    # Another district's supervisor: the proposal does not exist for them.
    signed_in(client, lombok_supervisor)
    assert client.get(reverse("directory:approvals")).context["rows"] == []
    assert client.get(page).status_code == 404
    assert client.post(decide, {"decision": "approve", "expected_version": "1"}).status_code == 404
    assert denials() == refused + 2
    # The provider reads its own proposal but has no decision to take.
    signed_in(client, provider_staff)
    assert client.get(reverse("directory:approvals")).status_code == 404
    own = client.get(page)
    assert (own.status_code, own.context["form"]) == (200, None)
    assert client.post(decide, {"decision": "approve", "expected_version": "1"}).status_code == 404
    # A case worker may not approve.
    assert signed_in(client, village_officer).get(reverse("directory:approvals")).status_code == 404
    assert state() == before


def test_an_office_cannot_approve_its_own_entry_from_the_page(
    client: Client, world: World, village_officer: Actor
) -> None:
    village_supervisor = person(world.village, Role.SUPERVISOR, username="village_sup")
    change = service_propose(
        actor=village_officer, entry=entry(provider_kind="government", areas=("35.07.13.2001",))
    )
    signed_in(client, village_supervisor)
    assert client.get(reverse("directory:approvals")).context["rows"] == []
    page = client.get(reverse("directory:change", args=[change.pk]))
    assert (page.context["form"], page.context["own"]) == (None, True)
    before = state()
    response = client.post(
        reverse("directory:decide", args=[change.pk]),
        {"decision": "approve", "expected_version": "1"},
    )
    assert response.status_code == 403
    assert "never by yourselves" in response.content.decode()
    assert state() == before


def test_lists_cost_the_same_queries_for_few_rows_as_for_many(
    client: Client, provider_staff: Actor, district_supervisor: Actor
) -> None:
    provider = Client()
    signed_in(provider, provider_staff)
    supervisor = Client()
    signed_in(supervisor, district_supervisor)

    def queries(who: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert who.get(url).status_code == 200
        return len(captured)

    def make(count: int) -> None:
        for _i in range(count):
            published(provider_staff, district_supervisor)
            service_propose(actor=provider_staff, entry=entry())

    make(1)
    few = (
        queries(provider, reverse("directory:entries")),
        queries(supervisor, reverse("directory:approvals")),
    )
    make(8)
    assert (
        queries(provider, reverse("directory:entries")),
        queries(supervisor, reverse("directory:approvals")),
    ) == few
