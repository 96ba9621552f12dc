"""Turning cases into words for pages: list rows that never name the person of a
restricted case, the buttons a case's status allows, its history in sentences, and the
section the person page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pulang.assessments.presenters import instrument_title
from pulang.assessments.selectors import assessment_priority_sentence
from pulang.cases.models import TRANSITIONS, Case, CaseEvent, FollowUp, Status, Transition
from pulang.cases.policies import Capability, can
from pulang.cases.selectors import cases_of_person

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pulang.orgs.actor import Actor
    from pulang.registry.models import Person, Return


def person_name_in_list(case: Case) -> str:
    """Lists never name the person of a restricted case: only its number."""
    if case.is_restricted:
        return _("Restricted case %(number)s") % {"number": case.pk}
    return case.person.full_name


def user_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def place_of(case: Case) -> str:
    """Where the case is followed: its area at home, or the country while abroad."""
    if case.area is not None:
        return case.area.name
    if case.abroad_in is not None:
        return _("Abroad: %(country)s") % {"country": case.abroad_in.name}
    return ""


@dataclass(frozen=True)
class CaseRow:
    id: int
    name: str
    restricted: bool
    priority: str
    priority_label: str
    status_label: str
    place: str
    next_follow_up: dt.date | None
    owner: str


def case_row(case: Case, next_follow_up: dt.date | None = None) -> CaseRow:
    return CaseRow(
        id=case.pk,
        name=person_name_in_list(case),
        restricted=case.is_restricted,
        priority=case.priority,
        priority_label=case.get_priority_display(),
        status_label=case.get_status_display(),
        place=place_of(case),
        next_follow_up=next_follow_up
        if next_follow_up is not None
        else getattr(case, "next_follow_up", None),
        owner=user_name(case.owner),
    )


@dataclass(frozen=True)
class DueRow:
    follow_up_id: int
    due_on: dt.date
    overdue: bool
    months: int
    case: CaseRow


def due_row(follow_up: FollowUp, today: dt.date) -> DueRow:
    return DueRow(
        follow_up_id=follow_up.pk,
        due_on=follow_up.due_on,
        overdue=follow_up.due_on < today,
        months=follow_up.months_after_return,
        case=case_row(follow_up.case, next_follow_up=follow_up.due_on),
    )


# Closing and reopening have their own forms (a reason, a note); these are the steps on.
_FORWARD = (Transition.MARK_ASSESSED, Transition.AGREE_PLAN, Transition.START, Transition.MONITOR)


def forward_transitions(case: Case) -> list[tuple[str, str]]:
    """The next steps the case's status allows, as (code, label) for buttons."""
    current = Status(case.status)
    return [
        (transition.value, str(transition.label))
        for transition in _FORWARD
        if current in TRANSITIONS[transition][0]
    ]


def may_close(case: Case) -> bool:
    return Status(case.status) in TRANSITIONS[Transition.CLOSE][0]


def event_sentence(event: CaseEvent) -> str:
    """One line of the case's history."""
    kind = event.kind
    if kind == CaseEvent.Kind.OPENED:
        return _("Case opened")
    if kind == CaseEvent.Kind.TRANSITION:
        step = Transition(event.transition).label if event.transition else ""
        return _("%(step)s: from “%(from)s” to “%(to)s”") % {
            "step": step,
            "from": event.get_from_status_display(),
            "to": event.get_to_status_display(),
        }
    if kind == CaseEvent.Kind.ASSIGNED:
        if event.to_owner is None:
            return _("Given back to the office's unassigned cases")
        return _("Given to %(owner)s") % {"owner": user_name(event.to_owner)}
    if kind == CaseEvent.Kind.TRANSFERRED:
        return _("Transferred from %(from)s to %(to)s") % {
            "from": event.from_organisation.name if event.from_organisation else "—",
            "to": event.to_organisation.name if event.to_organisation else "—",
        }
    if kind == CaseEvent.Kind.FORWARDED:
        return _("Forwarded home from %(from)s to %(to)s") % {
            "from": event.from_organisation.name if event.from_organisation else "—",
            "to": event.to_organisation.name if event.to_organisation else "—",
        }
    return event.get_kind_display()


def return_choice_label(item: Return) -> str:
    """A return in the list to open a case for: when, why, and whether it happened yet."""
    when = item.returned_on or item.expected_on
    return _("%(date)s — %(reason)s (%(status)s)") % {
        "date": date_format(when, "SHORT_DATE_FORMAT") if when else "—",
        "reason": item.get_reason_display(),
        "status": item.get_status_display(),
    }


def case_assessment(case: Case) -> dict[str, Any] | None:
    """The assessment the case was opened from or last took in, as the case page shows
    it: its questionnaire and why it gave its priority, in the reader's language."""
    assessment = case.assessment
    if assessment is None:
        return None
    language = translation.get_language() or "en"
    return {
        "id": assessment.pk,
        "title": instrument_title(assessment.instrument_version, language),
        "assessed_at": assessment.assessed_at,
        "sentence": assessment_priority_sentence(result=assessment.result, language=language),
    }


# --- the person page's section (registered with the registry in CasesConfig.ready) --------


def person_cases_section(person: Person, actor: Actor) -> tuple[str, dict[str, Any]] | None:
    """The person's cases the actor may see (restricted ones only with clearance), and
    the way to open one; nothing for roles that do not see cases."""
    if not can(actor, Capability.VIEW_CASES):
        return None
    cases = [
        {
            "id": case.pk,
            "opened_at": case.opened_at,
            "status": case.get_status_display(),
            "closed": case.is_closed,
            "closure_reason": case.get_closure_reason_display(),
            "priority": case.get_priority_display(),
            "restricted": case.is_restricted,
            "owner": user_name(case.owner),
            "office": case.organisation.name,
        }
        for case in cases_of_person(actor=actor, person_id=person.pk)
    ]
    return "cases/_person_cases.html", {
        "person_id": person.pk,
        "cases": cases,
        "can_open": can(actor, Capability.OPEN_CASES),
    }
