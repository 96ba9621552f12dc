from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from pulang.accounts.models import ApiToken, UserPreference

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from pulang.orgs.actor import Actor


def preference_for_user(*, user: AbstractBaseUser) -> UserPreference:
    """The user's saved preference, or the deployment's defaults (unsaved)."""
    preference = UserPreference.objects.filter(user_id=user.pk).first()
    if preference is None:
        preference = UserPreference(
            user_id=user.pk,
            language=settings.LANGUAGE_CODE,
            time_zone=settings.PULANG_DEFAULT_USER_TIME_ZONE,
        )
    return preference


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def api_token_find(*, raw: str) -> ApiToken | None:
    """The live token that ``raw`` (``prefix.secret``) names, or None."""
    prefix, _, secret = raw.strip().partition(".")
    if not prefix or not secret:
        return None
    token = (
        ApiToken.objects.select_related(
            "membership",
            "membership__user",
            "membership__organisation",
            "membership__organisation__area",
            "membership__scope_area",
        )
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, token_digest(secret)):
        return None
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    membership = token.membership
    if not (membership.is_active and membership.organisation.is_active):
        return None
    if not membership.user.is_active:
        return None
    return token


def api_token_list(*, actor: Actor) -> list[ApiToken]:
    """The actor's own tokens (never their secrets)."""
    return list(ApiToken.objects.filter(membership__user_id=actor.user.pk))


def user_get_by_username(*, username: str) -> AbstractBaseUser | None:
    """For the command line and demo set-up (no actor)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def api_token_get_for_actor(*, actor: Actor, token_id: int) -> ApiToken | None:
    """One of the actor's own tokens, or None (someone else's is as good as missing)."""
    return ApiToken.objects.filter(pk=token_id, membership__user_id=actor.user.pk).first()
