"""What else happens when a worker registered abroad arrives home.

Apps that keep their own records of workers abroad (cases opened by a consular post)
register a handler when they start (their ``AppConfig.ready``); ``return_record_arrival``
calls each one, in its transaction, so the arrival and what follows from it are saved
together or not at all. The registry never imports those apps: they build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Return

ArrivalHandler = Callable[["Actor", "Return"], None]

_handlers: list[ArrivalHandler] = []


def on_arrival(handler: ArrivalHandler) -> None:
    """Call ``handler(actor, return)`` whenever an expected return is recorded as arrived."""
    if handler not in _handlers:
        _handlers.append(handler)


def arrived(actor: Actor, item: Return) -> None:
    for handler in _handlers:
        handler(actor, item)
