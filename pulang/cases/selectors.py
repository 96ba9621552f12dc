"""Reads of cases, always within the actor's reach: the work lists of case workers and
supervisors, and one case. A restricted case outside the actor's clearance is "not
found", and every look at a restricted case is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.cases import crypto
from pulang.cases.models import (
    Assistance,
    Case,
    CaseEvent,
    CaseNote,
    ContactAttempt,
    FollowUp,
    Plan,
    PlanAction,
    PlanGoal,
    Status,
)
from pulang.cases.policies import (
    ROLE_CAPABILITIES,
    Capability,
    can,
    case_scope_q,
    may_see_case,
)
from pulang.orgs.models import GOVERNMENT_OFFICE_KINDS, Membership, Organisation
from pulang.registry.held_elsewhere import row_of
from pulang.registry.selectors import person_get_for_actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pulang.orgs.actor import Actor
    from pulang.registry.models import Person, Return

# "Due" in the work list: follow-ups due within this many days, and every overdue one.
DUE_WITHIN_DAYS = 7


def case_get_for_actor(*, actor: Actor, case_id: int) -> Case:
    """The case, or :class:`NotFound` (audited) when missing or out of reach."""
    case = (
        Case.objects.select_related(
            "person",
            "area",
            "organisation",
            "owner",
            "return_record",
            "assessment__instrument_version__instrument",
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None or not may_see_case(actor, case):
        raise refuse(actor, subject_type="cases.case", subject_id=str(case_id))
    if case.is_restricted:
        record(actor, Action.CASE_VIEWED, case)
    return case


def case_in_reach(*, actor: Actor, case_id: int) -> bool:
    """Whether the case exists and lies in the actor's reach (and clearance); nothing is
    recorded: for other apps deciding which of their rules applies."""
    case = Case.objects.select_related("area").filter(pk=case_id).first()
    return case is not None and may_see_case(actor, case)


def case_plan_action_ids(*, case: Case) -> set[int]:
    """The ids of the actions in the plan of a case already read for the actor."""
    return set(PlanAction.objects.filter(goal__plan__case=case).values_list("pk", flat=True))


def case_plan_actions(*, case: Case) -> list[PlanAction]:
    """The actions of the plan of a case already read for the actor, by due date."""
    return list(PlanAction.objects.filter(goal__plan__case=case).order_by("due_on", "pk"))


def case_check_reach(*, actor: Actor, case_id: int) -> None:
    """:class:`NotFound` (audited) when the case is missing or out of reach, without
    recording a look. Interfaces call it before a write: the services check again inside
    their transaction, whose rollback would take the record of a refusal with it."""
    case = Case.objects.select_related("area").filter(pk=case_id).first()
    if case is None or not may_see_case(actor, case):
        raise refuse(actor, subject_type="cases.case", subject_id=str(case_id))


def _open_cases(actor: Actor) -> QuerySet[Case]:
    return (
        Case.objects.filter(case_scope_q(actor))
        .exclude(status=Status.CLOSED)
        .select_related("person", "area", "abroad_in", "owner")
        .annotate(
            next_follow_up=Min(
                "follow_ups__due_on", filter=Q(follow_ups__status=FollowUp.Status.DUE)
            )
        )
    )


def cases_mine(*, actor: Actor) -> QuerySet[Case]:
    """The actor's own open cases, the most pressing first."""
    return _open_cases(actor).filter(owner=actor.user).order_by("priority_rank", "opened_at", "pk")


def cases_unassigned(*, actor: Actor) -> QuerySet[Case]:
    """Open cases in the actor's reach that nobody holds yet."""
    return (
        _open_cases(actor).filter(owner__isnull=True).order_by("priority_rank", "opened_at", "pk")
    )


def cases_new_from_abroad(*, actor: Actor) -> QuerySet[Case]:
    """Cases a consular post opened, forwarded home on arrival, not yet taken up."""
    return cases_unassigned(actor=actor).filter(forwarded_at__isnull=False)


def follow_ups_due(*, actor: Actor, today: dt.date, everyone: bool = False) -> QuerySet[FollowUp]:
    """Follow-ups overdue or due within a week on open cases: the actor's own cases, or
    (``everyone``, for supervisors) every case in their reach."""
    cases = Case.objects.filter(case_scope_q(actor)).exclude(status=Status.CLOSED)
    if not everyone:
        cases = cases.filter(owner=actor.user)
    return (
        FollowUp.objects.filter(
            case__in=cases.values("pk"),
            status=FollowUp.Status.DUE,
            due_on__lte=today + dt.timedelta(days=DUE_WITHIN_DAYS),
        )
        .select_related("case__person", "case__area", "case__abroad_in", "case__owner")
        # Ordered by an expression, not the column: ordering by ``due_on`` itself lets
        # PostgreSQL walk the country's due follow-ups in date order until it has found
        # a page of the office's (300-400 ms for a small office among 100,000 cases);
        # this way it finds the office's cases first and sorts their few follow-ups.
        .order_by(Coalesce("due_on", "due_on"), "pk")
    )


@dataclass(frozen=True)
class Workload:
    owner_id: int | None
    owner_name: str
    open: int
    urgent: int
    overdue: int


def case_workload(*, actor: Actor, today: dt.date) -> list[Workload]:
    """Open cases per case worker of the actor's office (and those nobody holds), with
    how many are urgent and how many have an overdue follow-up: for supervisors."""
    if not can(actor, Capability.ASSIGN_CASES):
        return []
    rows = (
        Case.objects.filter(case_scope_q(actor), organisation=actor.organisation.pk)
        .exclude(status=Status.CLOSED)
        .values("owner_id", "owner__username", "owner__first_name", "owner__last_name")
        .annotate(
            open=Count("pk", distinct=True),
            urgent=Count("pk", filter=Q(priority="urgent"), distinct=True),
            overdue=Count(
                "pk",
                filter=Q(follow_ups__status=FollowUp.Status.DUE, follow_ups__due_on__lt=today),
                distinct=True,
            ),
        )
        .order_by("-open", F("owner__username").asc(nulls_last=True))
    )
    return [
        Workload(
            owner_id=row["owner_id"],
            owner_name=" ".join(
                part for part in (row["owner__first_name"], row["owner__last_name"]) if part
            )
            or (row["owner__username"] or ""),
            open=row["open"],
            urgent=row["urgent"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


def case_notes(*, case: Case) -> QuerySet[CaseNote]:
    """The notes of a case already fetched for the actor (``case_get_for_actor``)."""
    return CaseNote.objects.filter(case=case).select_related("by")


def case_note_text(note: CaseNote) -> str:
    """What the note says (decrypted when restricted)."""
    if not note.restricted:
        return note.text
    if note.ciphertext is None:
        return ""
    try:
        return crypto.decrypt(bytes(note.ciphertext))
    except crypto.UnreadableNote:
        return _("This note was encrypted with a key that is no longer configured.")


def case_count_all() -> int:
    """Every case there is, for operations (the demo's "done once" check): a count only."""
    return Case.objects.count()


# --- for the pages and the API ------------------------------------------------------------


@dataclass(frozen=True)
class CaseFile:
    """One case with everything its page shows, each part in one query."""

    case: Case
    plan: Plan | None
    goals: list[PlanGoal]  # with their actions
    follow_ups: list[FollowUp]  # with their contact attempts
    notes: list[CaseNote]
    assistance: list[Assistance]
    events: list[CaseEvent]


def case_file(*, actor: Actor, case_id: int) -> CaseFile:
    """The case and its plan, follow-ups, notes, assistance and history, or
    :class:`NotFound` (audited) as :func:`case_get_for_actor`."""
    case = case_get_for_actor(actor=actor, case_id=case_id)
    plan = Plan.objects.select_related("approved_by").filter(case=case).first()
    goals = (
        list(
            PlanGoal.objects.filter(plan=plan).prefetch_related(
                Prefetch("actions", queryset=PlanAction.objects.order_by("due_on", "pk"))
            )
        )
        if plan is not None
        else []
    )
    follow_ups = list(
        FollowUp.objects.filter(case=case)
        .select_related("done_by")
        .prefetch_related(
            Prefetch("attempts", queryset=ContactAttempt.objects.select_related("by"))
        )
    )
    events = list(
        CaseEvent.objects.filter(case=case).select_related(
            "by", "from_owner", "to_owner", "from_organisation", "to_organisation"
        )
    )
    return CaseFile(
        case=case,
        plan=plan,
        goals=goals,
        follow_ups=follow_ups,
        notes=list(case_notes(case=case)),
        assistance=list(Assistance.objects.filter(case=case).select_related("currency", "by")),
        events=events,
    )


def cases_of_person(*, actor: Actor, person_id: int) -> QuerySet[Case]:
    """Every case of a person that the actor may see (closed ones too), newest first:
    restricted ones only with clearance."""
    return (
        Case.objects.filter(case_scope_q(actor), person_id=person_id)
        .select_related("owner", "organisation")
        .order_by("-opened_at", "-pk")
    )


def case_open_choices(*, actor: Actor, person_id: int) -> tuple[Person, list[Return]]:
    """The person a case is about to be opened for, and their returns to choose from;
    :class:`NotFound` (audited) when the person is out of reach."""
    person = person_get_for_actor(actor=actor, person_id=person_id)
    returns = list(person.returns.order_by("-returned_on", "-expected_on", "-pk"))
    return person, returns


def case_owner_choices(*, actor: Actor, case: Case) -> list[User]:
    """Who a supervisor may give the case to: active members of the office holding it
    who work cases (with clearance, for a restricted case)."""
    if not can(actor, Capability.ASSIGN_CASES):
        return []
    roles = [role for role, caps in ROLE_CAPABILITIES.items() if Capability.WORK_CASES in caps]
    members = Membership.objects.filter(
        organisation_id=case.organisation_id,
        is_active=True,
        user__is_active=True,
        role__in=roles,
    )
    if case.is_restricted:
        members = members.filter(has_clearance=True)
    users: dict[int, User] = {}
    for membership in members.select_related("user").order_by(
        "user__first_name", "user__last_name", "user__username", "pk"
    ):
        users.setdefault(membership.user_id, membership.user)
    return list(users.values())


TRANSFER_CHOICES_MAX = 100


def transfer_office_choices(*, actor: Actor, case: Case, query: str = "") -> QuerySet[Organisation]:
    """Government offices of the actor's country a supervisor may transfer the case to
    (by name, at most ``TRANSFER_CHOICES_MAX``): there are thousands of village offices."""
    if not can(actor, Capability.ASSIGN_CASES):
        return Organisation.objects.none()
    offices = (
        Organisation.objects.filter(
            is_active=True,
            kind__in=GOVERNMENT_OFFICE_KINDS,
            area__isnull=False,
            country_id=actor.organisation.country_id,
        )
        .exclude(pk=case.organisation_id)
        .select_related("area")
    )
    if query.strip():
        offices = offices.filter(name__icontains=query.strip())
    return offices.order_by("name", "pk")[:TRANSFER_CHOICES_MAX]


def cases_held(person: Person) -> list[dict[str, Any]]:
    """The person's cases and everything written in them, for the copy of everything held
    (``registry.held_elsewhere``). A restricted note stays encrypted here: the copy says
    it exists and when; an officer with clearance reads it on the case page."""
    withheld = _("(restricted: kept encrypted; read on the case page with clearance)")
    rows = []
    cases = Case.objects.filter(person=person).order_by("pk").select_related("plan")
    for case in cases.prefetch_related(
        "notes", "events", "follow_ups", "contact_attempts", "assistance", "plan__goals__actions"
    ):
        row = row_of(case, leave_out=("person",))
        row["notes"] = [
            {**row_of(n, leave_out=("case", "text")), "text": withheld}
            if n.restricted
            else row_of(n, leave_out=("case",))
            for n in sorted(case.notes.all(), key=lambda note: note.pk)
        ]
        for name in ("events", "follow_ups", "contact_attempts", "assistance"):
            kept = sorted(getattr(case, name).all(), key=lambda r: r.pk)
            row[name] = [row_of(r, leave_out=("case",)) for r in kept]
        plan: Plan | None = getattr(case, "plan", None)  # a case without a plan has none
        if plan is not None:
            row["plan"] = row_of(plan, leave_out=("case",))
            row["plan"]["goals"] = [
                {
                    **row_of(goal, leave_out=("plan",)),
                    "actions": [row_of(a, leave_out=("goal",)) for a in goal.actions.all()],
                }
                for goal in plan.goals.all()
            ]
        rows.append(row)
    return rows
