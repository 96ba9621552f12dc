from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import HttpBearer

from pulang.accounts.selectors import api_token_find
from pulang.accounts.services import api_token_touch
from pulang.orgs.actor import Actor

router = Router(tags=["accounts"])


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <prefix>.<secret>``: the call acts in the token's membership."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_find(raw=token)
        if found is None:
            return None
        api_token_touch(token=found)
        membership = found.membership
        request.user = membership.user
        request.actor = Actor(user=membership.user, membership=membership)  # type: ignore[attr-defined]
        return membership.user


class MeOut(Schema):
    username: str
    organisation_id: int
    organisation: str
    role: str
    scope_kind: str
    scope_area_code: str | None
    scope_country: str | None
    has_clearance: bool


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    """Who the caller is acting as: organisation, role and scope."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    area = actor.scope_area
    return MeOut(
        username=actor.user.get_username(),
        organisation_id=actor.organisation.pk,
        organisation=actor.organisation.name,
        role=actor.role,
        scope_kind=str(actor.scope_kind),
        scope_area_code=area.code if area is not None else None,
        scope_country=actor.scope_country_code,
        has_clearance=actor.has_clearance,
    )
