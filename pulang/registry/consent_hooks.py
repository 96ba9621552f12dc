"""What else happens when a returnee withdraws a consent.

Apps that acted under a consent (referrals shared the returnee's details with providers)
register a handler when they start (their ``AppConfig.ready``); ``consent_withdraw``
calls each one in its transaction, so the withdrawal and what follows from it are saved
together or not at all. The registry never imports those apps: they build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Consent

WithdrawalHandler = Callable[["Actor", "Consent"], None]

_handlers: list[WithdrawalHandler] = []


def on_consent_withdrawn(handler: WithdrawalHandler) -> None:
    """Call ``handler(actor, consent)`` whenever a consent is withdrawn."""
    if handler not in _handlers:
        _handlers.append(handler)


def consent_withdrawn(actor: Actor, consent: Consent) -> None:
    for handler in _handlers:
        handler(actor, consent)
