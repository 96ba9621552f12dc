"""What other apps show on a case's page.

Apps that act on a case (referrals) register a section when they start (their
``AppConfig.ready``): a callable given the case the actor has just been allowed to see and
the actor, answering the template to render and its context, or ``None`` when it has
nothing for that user. The case page renders each after the plan. The cases app never
imports those apps: they build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulang.cases.models import Case
    from pulang.orgs.actor import Actor

CaseSection = Callable[["Case", "Actor"], "tuple[str, dict[str, Any]] | None"]

_sections: list[CaseSection] = []


def case_section(section: CaseSection) -> None:
    """Show ``section(case, actor)`` on the case page."""
    if section not in _sections:
        _sections.append(section)


def sections_for(case: Case, actor: Actor) -> list[tuple[str, dict[str, Any]]]:
    """The (template, context) of every registered section that has something to show."""
    shown = []
    for section in _sections:
        found = section(case, actor)
        if found is not None:
            shown.append(found)
    return shown
