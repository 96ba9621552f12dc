"""What other apps show on the person page.

Apps that keep records about a person (cases, assessments) register a section when they
start (their ``AppConfig.ready``): a callable given the person and the acting user that
answers the template to render and its context, or ``None`` when it has nothing for that
user. The person page renders each in turn. The registry never imports those apps: they
build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Person

PersonSection = Callable[["Person", "Actor"], "tuple[str, dict[str, Any]] | None"]

_sections: list[PersonSection] = []


def person_section(section: PersonSection) -> None:
    """Show ``section(person, actor)`` on the person page, after the details."""
    if section not in _sections:
        _sections.append(section)


def sections_for(person: Person, actor: Actor) -> list[tuple[str, dict[str, Any]]]:
    """The (template, context) of every registered section that has something to show."""
    shown = []
    for section in _sections:
        found = section(person, actor)
        if found is not None:
            shown.append(found)
    return shown
