"""The public service directory (issue #6): a returnee without an account finds help by
where they live and what they need, in their language, and nothing personal is kept or
cached along the way."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pulang.orgs.actor import Actor
from pulang.referrals.models import Service
from pulang.referrals.services.directory import service_propose, service_withdraw
from tests.factories import World
from tests.referrals.directory_helpers import entry, languages
from tests.referrals.helpers import published_service

pytestmark = [pytest.mark.django_db]

TALANGAGUNG = "35.07.13.2001"
SEARCH = {"province": "ID-JI", "area": TALANGAGUNG, "need": "psychosocial"}


@pytest.fixture(autouse=True)
def _languages(db: None) -> None:
    languages()


@pytest.fixture
def counselling(world: World) -> Service:
    return published_service(
        world.provider,
        "counselling",
        [world.malang],
        phone="+62341123456",
        languages=["id", "jv"],
        email="halo@konseling.example",
        website="https://konseling.example/layanan",
        address="Jl. Raya Kepanjen 10",
    )


def names_in(content: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]+" lang="\w+">([^<]+)</a></h3>', content)


def search(client: Client, language: str = "en", **params: str) -> str:
    response = client.get(
        reverse("services:directory"), {**SEARCH, **params}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_first_visit_shows_the_search_and_no_results(world: World) -> None:
    response = Client().get(reverse("services:directory"), HTTP_ACCEPT_LANGUAGE="id")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="id">' in content
    assert response.context["searched"] is False
    provinces = response.context["form"].fields["province"].choices
    assert [code for code, _label in provinces] == ["", "ID-JI", "ID-NB"]


def test_a_returnee_finds_a_counselling_service_covering_her_village(
    world: World, counselling: Service
) -> None:
    published_service(world.provider, "counselling", [world.lombok_timur], name="Lombok")
    published_service(world.provider, "legal_aid", [world.malang], name="Legal")
    response = Client().get(reverse("services:directory"), SEARCH, HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert names_in(content) == ["Counselling for returned migrant workers"]
    assert response.context["results"].total == 1
    assert '<a href="tel:+62341123456" role="button">Call (0341) 123456</a>' in content
    assert "Free counselling, in person or by phone." in content
    assert "Monday to Friday, 8:00 to 16:00" in content
    assert "Come to our office or call first." in content
    assert "Bahasa Indonesia, Javanese" in content
    assert "1 service found · Talangagung" in content
    # In Indonesian, the same search reads the Indonesian texts.
    assert names_in(search(Client(), "id")) == ["Konseling bagi pekerja migran purna"]


def test_entries_not_approved_or_withdrawn_are_never_public(
    world: World, counselling: Service, provider_staff: Actor
) -> None:
    service_propose(
        actor=provider_staff, entry=entry(texts={"en": {"name": "Hidden", "description": "d"}})
    )
    withdrawn = published_service(world.provider, "counselling", [world.malang], name="Gone")
    service_withdraw(actor=provider_staff, service_id=withdrawn.pk, expected_version=1, note="x")
    assert names_in(search(Client())) == ["Counselling for returned migrant workers"]
    pending = Service.objects.get(status="pending")
    for service in (pending, withdrawn):
        response = Client().get(reverse("services:service", args=[service.pk]))
        assert response.status_code == 404
    assert Client().get(reverse("services:service", args=[999_999])).status_code == 404


def test_a_text_in_another_language_is_marked_as_such(world: World) -> None:
    service = published_service(world.provider, "counselling", [world.malang], name="English")
    Service.objects.filter(pk=service.pk).update(
        texts={"en": {"name": "Only in English", "description": "Help."}}
    )
    content = search(Client(), "id")
    assert f'<a href="/services/{service.pk}/?' in content
    assert 'lang="en">Only in English</a>' in content
    assert '<p lang="en">Help.</p>' in content


def test_without_a_script_the_province_brings_its_places_first(world: World) -> None:
    response = Client().get(
        reverse("services:directory"), {"province": "ID-JI", "refresh": "areas"}
    )
    assert response.context["searched"] is False
    places = dict(response.context["form"].area_choices)
    assert places[TALANGAGUNG] == "· · Talangagung"
    assert "52.03" not in places
    # With a script, htmx asks for the same places on their own.
    options = Client().get(reverse("services:areas"), {"province": "ID-JI"}).content.decode()
    assert f'<option value="{TALANGAGUNG}">· · Talangagung</option>' in options
    assert "52.03" not in options


def test_a_place_outside_the_province_falls_back_to_the_province(
    world: World, counselling: Service
) -> None:
    published_service(world.provider, "counselling", [world.east_java], name="Province-wide")
    response = Client().get(
        reverse("services:directory"),
        {"province": "ID-JI", "area": "52.03", "need": "psychosocial"},
    )
    assert response.context["area_dropped"] is True
    assert response.context["results"].area.code == "ID-JI"
    # Only what covers the whole province: the Malang service is not offered everywhere.
    assert names_in(response.content.decode()) == ["Counselling for returned migrant workers"]
    assert [r.id for r in response.context["results"].rows] == [
        Service.objects.get(name="Province-wide").pk
    ]


def test_results_come_a_page_at_a_time(world: World) -> None:
    for i in range(12):
        published_service(world.provider, "counselling", [world.malang], name=f"S{i:02d}")
    first = Client().get(reverse("services:directory"), SEARCH)
    assert (first.context["pages"], len(first.context["results"].rows)) == (2, 10)
    assert 'rel="next"' in first.content.decode()
    second = Client().get(reverse("services:directory"), {**SEARCH, "page": "2"})
    assert [r.id for r in second.context["results"].rows] == list(
        Service.objects.filter(name__in=["S10", "S11"])
        .order_by("name")
        .values_list("pk", flat=True)
    )
    assert 'rel="prev"' in second.content.decode()
    assert Client().get(reverse("services:directory"), {**SEARCH, "page": "x"}).status_code == 200


def test_the_service_page_says_everything_needed_to_go_there(counselling: Service) -> None:
    response = Client().get(
        reverse("services:service", args=[counselling.pk]),
        {"province": "ID-JI", "area": TALANGAGUNG},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert '<h1 lang="en">Counselling for returned migrant workers</h1>' in content
    assert "Kabupaten Malang" in content
    assert '<a href="mailto:halo@konseling.example">' in content
    assert 'href="https://konseling.example/layanan" rel="noopener noreferrer nofollow"' in content
    assert "Jl. Raya Kepanjen 10" in content
    assert f'href="/services/?province=ID-JI&amp;area={TALANGAGUNG}#results"' in content


def test_public_pages_keep_nothing_personal(world: World, counselling: Service) -> None:
    client = Client()
    for url, params in (
        (reverse("services:directory"), SEARCH),
        (reverse("services:service", args=[counselling.pk]), {}),
        (reverse("services:areas"), {"province": "ID-JI"}),
    ):
        response = client.get(url, params)
        assert response.status_code == 200
        # Only the CSRF token that the footer's language switch needs; no session.
        assert set(response.cookies) <= {"csrftoken"}, url
        assert response["Cache-Control"] == "private, max-age=300"
        assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
        content = response.content.decode()
        # The strict CSP holds: no inline script or style.
        assert not re.search(r"<script(?![^>]*\bsrc=)", content), url
        assert " style=" not in content and "<style" not in content, url
    assert "sessionid" not in client.cookies


def test_a_search_costs_the_same_queries_for_few_services_as_for_many(world: World) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            Client().get(reverse("services:directory"), SEARCH)
        return len(captured)

    published_service(world.provider, "counselling", [world.malang], languages=["id"])
    few = queries()
    for i in range(9):
        published_service(
            world.provider,
            "counselling",
            [world.malang, world.kepanjen],
            name=f"S{i}",
            languages=["jv"],
        )
    assert queries() == few


def test_the_registration_pages_lead_to_the_directory(world: World) -> None:
    directory = reverse("services:directory")
    for name in ("registry:self_register", "registry:self_status"):
        content = Client().get(reverse(name)).content.decode()
        assert f'href="{directory}"' in content, name
