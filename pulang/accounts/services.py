"""Writes to accounts: users, their preferences, API tokens, and sign-in auditing."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from pulang.accounts.errors import UnknownLanguage, UnknownTimeZone
from pulang.accounts.models import ApiToken, UserPreference
from pulang.accounts.selectors import token_digest
from pulang.accounts.timezones import is_known_time_zone
from pulang.audit.actions import Action
from pulang.audit.services import record, refuse

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User

    from pulang.orgs.actor import Actor
    from pulang.orgs.models import Membership

# Throttles the last-used stamp so that a busy integration does not write on every call.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def _validate_preference(language: str, time_zone: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise UnknownLanguage(value=language)
    if not is_known_time_zone(time_zone):
        raise UnknownTimeZone(value=time_zone)


def user_create(
    *,
    username: str,
    password: str,
    full_name: str,
    email: str = "",
    language: str = settings.LANGUAGE_CODE,
    time_zone: str = settings.PULANG_DEFAULT_USER_TIME_ZONE,
) -> User:
    """Create a person's account with a validated password and their preferences."""
    _validate_preference(language, time_zone)
    user_model = get_user_model()
    first, _, last = full_name.strip().partition(" ")
    user: User = user_model(username=username.strip(), email=email.strip())
    user.first_name, user.last_name = first, last
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.full_clean()
        user.save()
        UserPreference.objects.create(user=user, language=language, time_zone=time_zone)
    return user


def preference_update(
    *, actor: Actor | None, user: AbstractBaseUser, language: str, time_zone: str
) -> UserPreference:
    """Save the language and time zone the user reads Pulang in."""
    _validate_preference(language, time_zone)
    with transaction.atomic():
        preference, _ = UserPreference.objects.update_or_create(
            user_id=user.pk, defaults={"language": language, "time_zone": time_zone}
        )
        record(
            actor,
            Action.PREFERENCES_CHANGED,
            preference,
            user=user,
            details={"language": language, "time_zone": time_zone},
        )
    return preference


def login_record(*, actor: Actor | None, user: AbstractBaseUser) -> None:
    record(actor, Action.LOGIN, user=user)


def login_failed_record(*, username: str) -> None:
    # The typed name is kept for the investigator; the password never is.
    record(None, Action.LOGIN_FAILED, details={"username": username[:150]})


def logout_record(*, actor: Actor | None, user: AbstractBaseUser) -> None:
    record(actor, Action.LOGOUT, user=user)


def password_changed_record(*, actor: Actor | None, user: AbstractBaseUser) -> None:
    record(actor, Action.PASSWORD_CHANGED, user=user)


def acting_as_record(*, actor: Actor) -> None:
    record(actor, Action.ACTING_AS_CHANGED, actor.membership)


def api_token_create(
    *, actor: Actor | None, membership: Membership, name: str, days: int | None = 365
) -> tuple[ApiToken, str]:
    """Issue a token acting in ``membership``; returns the row and the secret, shown once.

    People issue tokens for their own roles; the system (``actor=None``) for any.
    """
    if actor is not None and actor.user.pk != membership.user_id:
        raise refuse(actor, membership)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        membership=membership,
        name=name.strip(),
        prefix=prefix,
        digest=token_digest(secret),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    with transaction.atomic():
        token.full_clean()
        token.save()
        record(actor, Action.TOKEN_CREATED, token, details={"membership": membership.pk})
    return token, f"{prefix}.{secret}"


def api_token_revoke(*, actor: Actor | None, token: ApiToken) -> ApiToken:
    if actor is not None and actor.user.pk != token.membership.user_id:
        raise refuse(actor, token)
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor, Action.TOKEN_REVOKED, token)
    return token


def api_token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
