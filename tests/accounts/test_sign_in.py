from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from pulang.accounts.models import UserPreference
from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from tests.conftest import signed_in
from tests.factories import PASSWORD, World, person

GENERIC = "The user name or password is not right. Both are case-sensitive."


def sign_in(client: Client, username: str, password: str) -> object:
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="192.0.2.10",
    )


def test_sign_in_lands_on_dashboard_in_the_users_language(client: Client, world: World) -> None:
    officer = person(world.village, Role.CASE_WORKER, username="eka", language="id")
    response = sign_in(client, "eka", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.username, event.organisation_id, event.ip_address) == (
        "eka",
        officer.organisation.pk,
        "192.0.2.10",
    )


def test_wrong_password_and_unknown_user_get_the_same_message(
    client: Client, world: World, village_officer: Actor
) -> None:
    wrong_password = sign_in(client, "village_officer", "not-the-password")
    unknown_user = sign_in(client, "nobody", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert wrong_password.context["form"].non_field_errors() == [GENERIC]
    assert unknown_user.context["form"].non_field_errors() == [GENERIC]
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(action="auth.login_failed").order_by("pk")
    assert [e.details["username"] for e in failed] == ["village_officer", "nobody"]


def test_repeated_failures_lock_the_account_even_with_the_right_password(
    client: Client, world: World, village_officer: Actor
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "village_officer", "not-the-password")
    locked = sign_in(client, "village_officer", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert b"Too many failed sign-in attempts" in locked.content


def test_lockout_is_per_user_and_address(
    client: Client, world: World, village_officer: Actor, outsider: Actor
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "village_officer", "not-the-password")
    # A colleague behind the same office address can still sign in.
    assert sign_in(Client(), "outsider", PASSWORD).status_code == 302


def test_sign_out_is_post_only_and_audited(
    client: Client, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout", username="village_officer").count() == 1


def test_password_change_needs_the_old_password(
    client: Client, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    url = reverse("accounts:password_change")
    refused = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "a-new-long-pass-7",
            "new_password2": "a-new-long-pass-7",
        },
    )
    assert refused.status_code == 200
    village_officer.user.refresh_from_db()
    assert village_officer.user.check_password(PASSWORD)
    accepted = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-7",
            "new_password2": "a-new-long-pass-7",
        },
    )
    assert accepted.status_code == 302
    village_officer.user.refresh_from_db()
    assert village_officer.user.check_password("a-new-long-pass-7")
    assert AuditEvent.objects.filter(action="auth.password_changed").count() == 1


def test_preferences_save_language_and_time_zone(
    client: Client, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    response = client.post(
        reverse("accounts:preferences"), {"language": "id", "time_zone": "Asia/Makassar"}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    preference = UserPreference.objects.get(user=village_officer.user)
    assert (preference.language, preference.time_zone) == ("id", "Asia/Makassar")
    assert client.session["pulang_time_zone"] == "Asia/Makassar"


def test_unknown_time_zone_is_refused_and_nothing_changes(
    client: Client, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    response = client.post(
        reverse("accounts:preferences"), {"language": "id", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["time_zone"]
    preference = UserPreference.objects.get(user=village_officer.user)
    assert (preference.language, preference.time_zone) == ("en", "Asia/Jakarta")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_language_switch_never_redirects_off_site(
    client: Client, world: World, target: str
) -> None:
    response = client.post(reverse("accounts:language"), {"language": "id", "next": target})
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"


def test_language_switch_follows_a_signed_in_user(
    client: Client, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    client.post(reverse("accounts:language"), {"language": "id", "next": "/organisations/"})
    assert UserPreference.objects.get(user=village_officer.user).language == "id"


def test_acting_as_switches_only_to_the_users_own_memberships(
    client: Client, world: World, village_officer: Actor, outsider: Actor
) -> None:
    from pulang.orgs.services import membership_create

    second = membership_create(
        actor=None, user=village_officer.user, organisation=world.district, role=Role.SUPERVISOR
    )
    signed_in(client, village_officer)
    client.post(reverse("accounts:acting_as"), {"membership": outsider.membership.pk})
    assert client.get(reverse("dashboard:home")).context["actor"].membership.pk == (
        village_officer.membership.pk
    )
    client.post(reverse("accounts:acting_as"), {"membership": second.pk})
    assert client.get(reverse("dashboard:home")).context["actor"].membership.pk == second.pk
    assert AuditEvent.objects.filter(action="accounts.acting_as_changed").count() == 1
