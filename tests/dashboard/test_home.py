from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pulang.accounts.services import user_create
from pulang.orgs.actor import Actor
from tests.conftest import signed_in
from tests.factories import PASSWORD, World

PANELS = {
    "administrator": ["organisations", "team", "audit"],
    "auditor": ["organisations", "team", "audit"],
    "analyst": ["statistics", "organisations"],
    "district_supervisor": ["arrivals", "reports", "cases", "organisations", "team"],
    "village_officer": ["arrivals", "reports", "cases"],
    "consular_officer": ["cases", "abroad"],
    "provider_staff": ["referrals"],
    "agency_staff": ["placements"],
    "employer_staff": ["vacancies"],
}
NAVIGATION = {
    "administrator": [
        "Home",
        "Returnees",
        "Cases",
        "Referrals",
        "Services to approve",
        "Reports to check",
        "Imports",
        "Duplicates to review",
        "Organisations",
        "Audit log",
    ],
    "auditor": ["Home", "Referrals", "Organisations", "Audit log"],
    "village_officer": [
        "Home",
        "Returnees",
        "Cases",
        "Referrals",
        "Reports to check",
        "Organisations",
    ],
    "consular_officer": ["Home", "Returnees", "Cases", "Referrals", "Organisations"],
    "agency_staff": ["Home", "Returnees", "Imports", "Organisations"],
    "provider_staff": ["Home", "Referrals", "Our services", "Organisations"],
}


@pytest.mark.parametrize("persona", sorted(PANELS))
def test_each_role_sees_its_own_panels(
    request: pytest.FixtureRequest, client: Client, world: World, persona: str
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    response = signed_in(client, actor).get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert [p.key for p in response.context["panels"]] == PANELS[persona]
    assert f'data-role="{actor.role}"'.encode() in response.content


@pytest.mark.parametrize("persona", sorted(NAVIGATION))
def test_navigation_offers_only_what_the_role_can_open(
    request: pytest.FixtureRequest, client: Client, world: World, persona: str
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    response = signed_in(client, actor).get(reverse("dashboard:home"))
    assert [str(i["label"]) for i in response.context["nav_items"]] == NAVIGATION[persona]


def test_supervisor_panels_count_real_records(
    client: Client, world: World, district_supervisor: Actor, village_officer: Actor
) -> None:
    response = signed_in(client, district_supervisor).get(reverse("dashboard:home"))
    counts = {p.key: p.count for p in response.context["panels"] if p.count is not None}
    assert counts == {"reports": 0, "cases": 0, "organisations": 4, "team": 1}


def test_dashboard_speaks_indonesian(client: Client, world: World, village_officer: Actor) -> None:
    signed_in(client, village_officer)
    client.cookies["django_language"] = "id"
    response = client.get(reverse("dashboard:home"))
    assert b'<html lang="id">' in response.content
    assert b"Kasus saya" in response.content


def test_account_without_a_role_is_told_what_to_do(client: Client, world: World) -> None:
    user = user_create(username="newcomer", password=PASSWORD, full_name="New Comer")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert response.context["panels"] == []
    assert b"Your account has no role in any organisation yet" in response.content
