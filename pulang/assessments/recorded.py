"""What else happens when an assessment is recorded.

Apps built on assessments (cases: an urgent or high priority opens a case) register a
handler when they start (their ``AppConfig.ready``); ``assessment_record`` calls each
one in its transaction, so the assessment and what follows from it are saved together
or not at all. Assessments never import those apps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulang.assessments.models import Assessment
    from pulang.orgs.actor import Actor

RecordedHandler = Callable[["Actor", "Assessment"], None]

_handlers: list[RecordedHandler] = []


def on_recorded(handler: RecordedHandler) -> None:
    """Call ``handler(actor, assessment)`` whenever an assessment is recorded."""
    if handler not in _handlers:
        _handlers.append(handler)


def recorded(actor: Actor, assessment: Assessment) -> None:
    for handler in _handlers:
        handler(actor, assessment)
