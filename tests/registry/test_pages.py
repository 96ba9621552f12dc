from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.registry.models import IntakeRecord, Person
from pulang.registry.services import registration_submit
from tests.conftest import signed_in
from tests.factories import World
from tests.registry.helpers import occupation, siti

FORM = {
    "full_name": "Siti Aminah",
    "sex": "F",
    "birth_date": "1985-08-17",
    "birth_date_precision": "day",
    "nationality": "ID",
    "phone": "081234567890",
    "home_area": "35.07.13.2001",
    "destination_country": "MY",
    "occupation": "9111",
    "legal_status": "documented",
    "return_status": "arrived",
    "returned_on": "2025-03-02",
    "reason": "end_of_contract",
    "mode": "voluntary",
    "readiness": "ready",
    "intention": "stay",
    "consents": ["case_management"],
    "consent_method": "verbal",
}


@pytest.fixture(autouse=True)
def _isco_and_clean_cache(db: None) -> None:
    occupation()
    cache.clear()


def test_register_page_creates_and_opens_the_person(
    client: Client, world: World, village_officer: Actor
) -> None:
    response = signed_in(client, village_officer).post(reverse("registry:register"), FORM)
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person", args=[person.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Siti Aminah" in page.content
    assert (
        AuditEvent.objects.filter(
            action="registry.person_viewed", subject_id=str(person.pk)
        ).count()
        == 1
    )


def test_register_page_shows_errors_on_their_fields(
    client: Client, world: World, village_officer: Actor
) -> None:
    bad = {**FORM, "returned_on": "2010-01-01", "started_on": "2019-01-01"}
    response = signed_in(client, village_officer).post(reverse("registry:register"), bad)
    assert response.status_code == 200
    assert response.context["form"].errors["returned_on"] == ["the return is before the departure"]
    assert Person.objects.count() == 0


def test_register_page_asks_before_creating_a_likely_duplicate(
    client: Client, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer).post(reverse("registry:register"), FORM)
    response = client.post(reverse("registry:register"), {**FORM, "phone": ""})
    assert response.status_code == 200
    assert len(response.context["candidates"]) == 1
    assert b"This person may already be registered" in response.content
    assert Person.objects.count() == 1
    created = client.post(reverse("registry:register"), {**FORM, "phone": "", "decision": "create"})
    assert created.status_code == 302
    assert Person.objects.count() == 2


def test_person_page_outside_scope_is_not_found(
    client: Client, world: World, village_officer: Actor, outsider: Actor
) -> None:
    person = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert person is not None
    response = signed_in(client, outsider).get(reverse("registry:person", args=[person.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", username="outsider").count() == 1


def test_search_page_finds_within_scope(
    client: Client, world: World, village_officer: Actor
) -> None:
    registration_submit(actor=village_officer, data=siti(), channel="staff")
    response = signed_in(client, village_officer).post(
        reverse("registry:search"), {"name": "siti aminah"}
    )
    assert [m.person.full_name for m in response.context["matches"]] == [
        "Siti Aminah binti Sukarno"
    ]


def test_the_url_never_carries_personal_data(
    client: Client, world: World, village_officer: Actor
) -> None:
    response = signed_in(client, village_officer).post(reverse("registry:register"), FORM)
    assert re.fullmatch(r"/registry/persons/\d+/", response["Location"])


def _self_form(**changes: str) -> dict[str, object]:
    return {
        "full_name": "Sri Wahyuni",
        "sex": "F",
        "birth_date": "1990-04-04",
        "phone": "081298765432",
        "province": "ID-JI",
        "home_area": "35.07.13.2001",
        "destination_country": "MY",
        "job_title": "pembantu rumah tangga",
        "returned_on": "2025-06-01",
        "reason": "end_of_contract",
        "consents": ["case_management"],
        **changes,
    }


def test_self_registration_draft_send_and_office_registers(
    world: World, village_officer: Actor
) -> None:
    public = Client()
    saved = public.post(reverse("registry:self_register"), {**_self_form(), "action": "save"})
    code = saved.context["saved_code"]
    assert re.fullmatch(r"[A-Z2-9]{8}", code)
    assert IntakeRecord.objects.get().status == "draft"
    sent = public.post(
        reverse("registry:self_register"),
        {**_self_form(), "reference_code": code, "action": "send"},
    )
    assert sent.context["sent"].reference_code == code
    intake = IntakeRecord.objects.get()
    assert (intake.status, intake.area_id, intake.channel) == (
        "submitted",
        world.talangagung.pk,
        "self",
    )
    status = public.post(reverse("registry:self_status"), {"reference_code": code.lower()})
    assert b"is checking it" in status.content
    assert b"Sri Wahyuni" not in status.content

    office = signed_in(Client(), village_officer)
    assert [i.pk for i in office.get(reverse("registry:intakes")).context["intakes"]] == [intake.pk]
    done = office.post(reverse("registry:intake", args=[intake.pk]), {"decision": "create"})
    assert done.status_code == 302
    intake.refresh_from_db()
    assert intake.status == "created"
    assert Person.objects.get().full_name == "Sri Wahyuni"


def test_self_registration_does_not_reach_another_area(
    world: World, outsider: Actor, village_officer: Actor
) -> None:
    Client().post(reverse("registry:self_register"), {**_self_form(), "action": "send"})
    intake = IntakeRecord.objects.get()
    office = signed_in(Client(), outsider)
    assert office.get(reverse("registry:intakes")).context["intakes"] == []
    assert office.get(reverse("registry:intake", args=[intake.pk])).status_code == 404


def test_self_registration_is_rate_limited(world: World) -> None:
    public = Client()
    statuses = [
        public.post(
            reverse("registry:self_register"), {**_self_form(), "action": "save"}
        ).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    assert IntakeRecord.objects.count() == 20


def test_robots_filling_the_hidden_field_save_nothing(world: World) -> None:
    Client().post(
        reverse("registry:self_register"),
        {**_self_form(), "website": "http://spam", "action": "send"},
    )
    assert IntakeRecord.objects.count() == 0


def test_unknown_code_says_so(world: World) -> None:
    response = Client().post(reverse("registry:self_status"), {"reference_code": "ZZZZZZZZ"})
    assert response.context["form"].errors == {
        "reference_code": ["That registration code is not known."]
    }


def test_a_send_that_fails_keeps_one_draft_and_shows_its_code(world: World) -> None:
    public = Client()
    incomplete = {**_self_form(home_area="", province=""), "action": "send"}
    first = public.post(reverse("registry:self_register"), incomplete)
    code = first.context["saved_code"]
    assert re.fullmatch(r"[A-Z2-9]{8}", code)
    assert f'value="{code}"' in first.content.decode()
    again = public.post(reverse("registry:self_register"), {**incomplete, "reference_code": code})
    assert again.context["saved_code"] == code
    assert list(IntakeRecord.objects.values_list("reference_code", "status")) == [(code, "draft")]


def test_a_saved_draft_is_continued_from_its_code(world: World) -> None:
    public = Client()
    saved = public.post(reverse("registry:self_register"), {**_self_form(), "action": "save"})
    code = saved.context["saved_code"]
    status = Client().post(reverse("registry:self_status"), {"reference_code": code})
    assert b'value="resume"' in status.content
    resumed = Client().post(
        reverse("registry:self_register"), {"reference_code": code.lower(), "action": "resume"}
    )
    form = resumed.context["form"]
    assert (form.initial["full_name"], form.initial["province"], form.initial["home_area"]) == (
        "Sri Wahyuni",
        "ID-JI",
        "35.07.13.2001",
    )
    assert ("35.07.13.2001", "· · Talangagung") in form.fields["home_area"].choices
    assert resumed.context["saved_code"] == code
    sent = Client().post(
        reverse("registry:self_register"),
        {**_self_form(), "reference_code": code, "action": "send"},
    )
    assert sent.context["sent"].reference_code == code
    # A code already sent, or never given, brings back no form.
    for unknown in (code, "ZZZZZZZZ"):
        refused = Client().post(
            reverse("registry:self_register"), {"reference_code": unknown, "action": "resume"}
        )
        assert refused.status_code == 404
        assert b"Sri Wahyuni" not in refused.content
        assert "No saved registration has this code." in refused.content.decode()


def test_saving_under_a_code_already_sent_says_so(world: World) -> None:
    public = Client()
    sent = public.post(reverse("registry:self_register"), {**_self_form(), "action": "send"})
    code = sent.context["sent"].reference_code
    again = public.post(
        reverse("registry:self_register"),
        {**_self_form(), "reference_code": code, "action": "save"},
    )
    assert "this registration was already sent" in again.content.decode()


@override_settings(PULANG_PROXY_COUNT=1)
def test_behind_a_proxy_each_returnee_has_their_own_limit(world: World) -> None:
    public = Client(REMOTE_ADDR="10.0.0.1")

    def post(client_address: str) -> int:
        return public.post(
            reverse("registry:self_register"),
            {**_self_form(), "action": "save"},
            HTTP_X_FORWARDED_FOR=client_address,
        ).status_code

    assert [post("198.51.100.7") for _ in range(21)][-1] == 429
    assert post("203.0.113.9") == 200
    # What the client writes itself before the proxy's entry changes nothing.
    assert post("203.0.113.77, 198.51.100.7") == 429


def test_one_ipv6_network_is_one_client(world: World) -> None:
    statuses = [
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n:x}")
        .post(reverse("registry:self_register"), {**_self_form(), "action": "save"})
        .status_code
        for n in range(21)
    ]
    assert statuses[-1] == 429


def test_choosing_a_province_does_not_use_up_the_posts(world: World) -> None:
    public = Client()
    for _ in range(25):
        refreshed = public.post(
            reverse("registry:self_register"), {**_self_form(), "refresh": "areas"}
        )
        assert refreshed.status_code == 200
    saved = public.post(reverse("registry:self_register"), {**_self_form(), "action": "save"})
    assert saved.status_code == 200
