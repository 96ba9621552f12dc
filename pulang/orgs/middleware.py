from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from pulang.orgs.actor import Actor
from pulang.orgs.selectors import membership_get_for_user, membership_list_for_user

ACTING_MEMBERSHIP_SESSION_KEY = "pulang_membership_id"


def actor_for_session(request: HttpRequest) -> Actor | None:
    """The signed-in user acting in the membership chosen in this session (or their first)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    chosen = request.session.get(ACTING_MEMBERSHIP_SESSION_KEY)
    membership = None
    if isinstance(chosen, int):
        membership = membership_get_for_user(user=user, membership_id=chosen)
    if membership is None:
        membership = membership_list_for_user(user=user).first()
    if membership is None:
        return None
    return Actor(user=user, membership=membership)


class ActorMiddleware:
    """Sets ``request.actor``; API token authentication replaces it for API calls."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = actor_for_session(request)  # type: ignore[attr-defined]
        return self.get_response(request)
