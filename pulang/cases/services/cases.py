"""Opening a case, its state machine (one service per transition), who holds it, and
forwarding home on arrival."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pulang.assessments.selectors import assessment_priority_sentence
from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.cases.errors import CaseAlreadyOpen, TransitionNotAllowed
from pulang.cases.models import (
    PRIORITY_RANK,
    TRANSITIONS,
    Case,
    CaseEvent,
    ClosureReason,
    FollowUp,
    Priority,
    Sensitivity,
    Status,
    Transition,
)
from pulang.cases.policies import Capability, can, may_own_case
from pulang.cases.services.base import (
    TEXT_MAX,
    case_event,
    check_reach,
    choice,
    clean_text,
    invalid,
    locked_case,
    save_case,
    schedule_follow_ups,
)
from pulang.cases.services.plans import plan_is_ready
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor
from pulang.orgs.models import GOVERNMENT_OFFICE_KINDS, Membership, Organisation
from pulang.orgs.policies import may_act_on
from pulang.orgs.selectors import office_responsible_for
from pulang.registry.selectors import person_get_for_actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pulang.assessments.models import Assessment
    from pulang.geo.models import AdminArea
    from pulang.registry.models import Return

# --- opening ------------------------------------------------------------------------------


def case_open(
    *,
    actor: Actor,
    person_id: int,
    priority: str,
    reason: str,
    return_id: int | None = None,
    sensitivity: str = Sensitivity.STANDARD,
    assign_to_me: bool = True,
) -> Case:
    """Open a case for a person (and one of their returns) in the actor's office.

    At home the case is followed in the area the person returned to (or lives in); a
    consular officer's case is followed in the destination country until the worker
    arrives home (``case_forward_on_arrival``). The actor holds the case unless
    ``assign_to_me`` is false — or it is restricted and they lack clearance: then it
    waits, unassigned, for a colleague who has it.
    """
    if not can(actor, Capability.OPEN_CASES):
        raise PermissionDenied()
    person = person_get_for_actor(actor=actor, person_id=person_id)
    priority = choice("priority", priority, Priority)
    sensitivity = choice("sensitivity", sensitivity, Sensitivity)
    why = clean_text("reason", reason, required=True)
    item = None
    if return_id is not None:
        item = person.returns.filter(pk=return_id).first()
        if item is None:
            raise invalid("return_id", _("this return is not one of this person's"))
    area: AdminArea | None = None
    abroad_in = actor.scope_country_code
    if abroad_in is None:
        area = (item.destination_area if item is not None else None) or person.home_area
        if area is None:
            raise invalid("person_id", _("record where the returnee lives before opening a case"))
        if not may_act_on(actor, area=area):
            raise invalid("person_id", _("the returnee lives outside your area"))
    now = timezone.now()
    case = Case(
        person=person,
        return_record=item,
        organisation=actor.organisation,
        area=area,
        abroad_in_id=abroad_in,
        status=Status.OPEN,
        priority=priority,
        priority_rank=PRIORITY_RANK[Priority(priority)],
        sensitivity=sensitivity,
        reason=why,
        opened_at=now,
        opened_by=actor.user,
        updated_at=now,
    )
    if assign_to_me and may_own_case(actor, case):
        case.owner = actor.user
    try:
        with transaction.atomic():
            case.save(force_insert=True)
            case_event(
                case, actor, CaseEvent.Kind.OPENED, to_status=Status.OPEN, to_owner=case.owner
            )
            if area is not None:
                schedule_follow_ups(case, item.returned_on if item is not None else None)
            record(
                actor,
                Action.CASE_OPENED,
                case,
                details={"person": person.pk, "priority": priority, "sensitivity": sensitivity},
            )
    except IntegrityError as error:
        if "case_one_open_per_return" in str(error) or "return_record" in str(error):
            raise CaseAlreadyOpen() from error
        raise
    return case


# --- the state machine ------------------------------------------------------------------


def _transition(
    actor: Actor,
    case_id: int,
    expected_version: int,
    transition: Transition,
    *,
    note: str = "",
    to: Status | None = None,
    closure_reason: str = "",
    guard: Callable[[Case], None] | None = None,
) -> Case:
    allowed_from, target = TRANSITIONS[transition]
    text = clean_text("note", note, required=False)
    check_reach(actor, case_id)
    with transaction.atomic():
        case = locked_case(actor, case_id, expected_version)
        current = Status(case.status)
        if current not in allowed_from:
            raise TransitionNotAllowed(status=current.label, transition=transition.label)
        if guard is not None:
            guard(case)
        # Reopening passes where it leads: the stage the case was closed from.
        target = to or target or current
        case.status = target
        fields = ["status"]
        if transition == Transition.CLOSE:
            case.closure_reason, case.closed_at = closure_reason, timezone.now()
            fields += ["closure_reason", "closed_at"]
            case.follow_ups.filter(status=FollowUp.Status.DUE).update(
                status=FollowUp.Status.CANCELLED
            )
        elif transition == Transition.REOPEN:
            case.closure_reason, case.closed_at = "", None
            fields += ["closure_reason", "closed_at"]
            case.follow_ups.filter(
                status=FollowUp.Status.CANCELLED, due_on__gte=timezone.localdate()
            ).update(status=FollowUp.Status.DUE)
        save_case(case, *fields)
        case_event(
            case,
            actor,
            CaseEvent.Kind.TRANSITION,
            transition=transition,
            from_status=current,
            to_status=target,
            note=text,
        )
        record(
            actor,
            Action.CASE_STATUS_CHANGED,
            case,
            reason=text,
            details={
                "transition": transition.value,
                "from": current.value,
                "to": target.value,
                **({"closure_reason": closure_reason} if closure_reason else {}),
            },
        )
    return case


def case_mark_assessed(
    *, actor: Actor, case_id: int, expected_version: int, note: str = ""
) -> Case:
    """open → assessed: the needs are known (an assessment has been recorded)."""
    return _transition(actor, case_id, expected_version, Transition.MARK_ASSESSED, note=note)


def case_agree_plan(*, actor: Actor, case_id: int, expected_version: int, note: str = "") -> Case:
    """assessed → plan agreed: the returnee agreed the reintegration plan, which has at
    least one goal with an action (and, where offices require it, a supervisor's
    approval: ``PULANG_PLAN_APPROVAL``)."""
    return _transition(
        actor, case_id, expected_version, Transition.AGREE_PLAN, note=note, guard=plan_is_ready
    )


def case_start(*, actor: Actor, case_id: int, expected_version: int, note: str = "") -> Case:
    """plan agreed → in progress: the first support is under way."""
    return _transition(actor, case_id, expected_version, Transition.START, note=note)


def case_monitor(*, actor: Actor, case_id: int, expected_version: int, note: str = "") -> Case:
    """in progress → monitoring: support delivered; follow-ups continue."""
    return _transition(actor, case_id, expected_version, Transition.MONITOR, note=note)


def case_close(
    *, actor: Actor, case_id: int, expected_version: int, reason: str, note: str = ""
) -> Case:
    """Any open state → closed, with a reason. Migrating again is a legitimate outcome,
    recorded as such (Annex 1 §11). Follow-ups still due are cancelled."""
    if reason not in ClosureReason.values:
        raise invalid("reason", _("choose why the case is closed"))
    return _transition(
        actor, case_id, expected_version, Transition.CLOSE, note=note, closure_reason=reason
    )


def case_reopen(*, actor: Actor, case_id: int, expected_version: int, note: str) -> Case:
    """closed → the stage it was closed from, with the reason in ``note``. Follow-ups
    cancelled by the closing that are not yet past are due again."""
    text = clean_text("note", note, required=True)
    last_close = (
        CaseEvent.objects.filter(case_id=case_id, transition=Transition.CLOSE)
        .order_by("-at", "-pk")
        .values_list("from_status", flat=True)
        .first()
    )
    back_to = Status(last_close) if last_close else Status.OPEN
    return _transition(actor, case_id, expected_version, Transition.REOPEN, note=text, to=back_to)


# --- who holds the case -----------------------------------------------------------------


def case_assign(*, actor: Actor, case_id: int, expected_version: int, owner_id: int | None) -> Case:
    """Give the case to a case worker of the office holding it (``None``: back to the
    office's unassigned list). Supervisors assign anyone; a case worker may only take an
    unassigned case for themselves."""
    check_reach(actor, case_id)
    with transaction.atomic():
        case = locked_case(actor, case_id, expected_version)
        supervising = can(actor, Capability.ASSIGN_CASES)
        taking = owner_id == actor.user.pk and case.owner_id is None
        if not supervising and not taking:
            raise PermissionDenied()
        if case.is_closed:
            raise TransitionNotAllowed(
                status=Status.CLOSED.label, transition=CaseEvent.Kind.ASSIGNED.label
            )
        new_owner = None
        if owner_id is not None:
            new_owner = _member_who_may_own(case, owner_id)
        previous = case.owner
        case.owner = new_owner
        save_case(case, "owner")
        case_event(case, actor, CaseEvent.Kind.ASSIGNED, from_owner=previous, to_owner=new_owner)
        record(
            actor,
            Action.CASE_ASSIGNED,
            case,
            details={"from": previous.pk if previous else None, "to": owner_id},
        )
    return case


def _member_who_may_own(case: Case, user_id: int) -> User:
    memberships = Membership.objects.select_related("user", "organisation").filter(
        user_id=user_id, organisation_id=case.organisation_id, is_active=True
    )
    for membership in memberships:
        if membership.user.is_active and may_own_case(Actor(membership.user, membership), case):
            return membership.user
    raise invalid(
        "owner_id",
        _("this person does not work cases in this office, or lacks clearance for this case"),
    )


def case_transfer(
    *, actor: Actor, case_id: int, expected_version: int, organisation_id: int, note: str
) -> Case:
    """Hand the case to another government office — the returnee moved — with the
    reason. The new office finds it unassigned; the history keeps where it came from."""
    if not can(actor, Capability.ASSIGN_CASES):
        raise PermissionDenied()
    text = clean_text("note", note, required=True)
    check_reach(actor, case_id)
    with transaction.atomic():
        case = locked_case(actor, case_id, expected_version)
        target = Organisation.objects.select_related("area").filter(pk=organisation_id).first()
        if (
            target is None
            or not target.is_active
            or target.kind not in GOVERNMENT_OFFICE_KINDS
            or target.area is None
            or target.pk == case.organisation_id
        ):
            raise invalid("organisation_id", _("choose another active government office"))
        if case.is_closed:
            raise TransitionNotAllowed(
                status=Status.CLOSED.label, transition=CaseEvent.Kind.TRANSFERRED.label
            )
        home = case.person.home_area
        previous_office, previous_owner = case.organisation, case.owner
        case.organisation = target
        case.area = home if home is not None and target.area.contains(home) else target.area
        case.abroad_in = None
        case.owner = None
        save_case(case, "organisation", "area", "abroad_in", "owner")
        case_event(
            case,
            actor,
            CaseEvent.Kind.TRANSFERRED,
            from_organisation=previous_office,
            to_organisation=target,
            from_owner=previous_owner,
            note=text,
        )
        record(
            actor,
            Action.CASE_TRANSFERRED,
            case,
            reason=text,
            details={"from": previous_office.pk, "to": target.pk},
        )
    return case


def case_forward_on_arrival(actor: Actor, item: Return) -> None:
    """The registry's arrival hook: cases a consular post opened for this worker go to
    the office responsible for where they returned to, unassigned and marked "new from
    abroad"; follow-ups are scheduled from the date of return."""
    cases = list(
        Case.objects.select_for_update()
        .filter(person_id=item.person_id, abroad_in__isnull=False)
        .exclude(status=Status.CLOSED)
    )
    if not cases:
        return
    area = item.destination_area or item.person.home_area
    if area is None:
        return  # nowhere to send it yet: the consular post keeps it and can transfer it
    office = office_responsible_for(area=area)
    now = timezone.now()
    for case in cases:
        previous_office = case.organisation
        case.organisation = office or previous_office
        case.area, case.abroad_in, case.owner, case.forwarded_at = area, None, None, now
        if case.return_record_id is None:
            case.return_record = item
        save_case(
            case, "organisation", "area", "abroad_in", "owner", "forwarded_at", "return_record"
        )
        case_event(
            case,
            actor,
            CaseEvent.Kind.FORWARDED,
            from_organisation=previous_office,
            to_organisation=case.organisation,
        )
        schedule_follow_ups(case, item.returned_on)
        record(
            actor,
            Action.CASE_FORWARDED,
            case,
            details={"from": previous_office.pk, "to": case.organisation_id},
        )


# Assessments at these priorities open a case by themselves (issue #5); the others leave
# it to the officer.
OPENS_A_CASE = frozenset({Priority.URGENT, Priority.HIGH})


def case_from_assessment(actor: Actor, assessment: Assessment) -> None:
    """The assessments' hook: an assessment of a return with an open case is taken into
    it (priority raised, never lowered; restricted if the assessment is; "assessed" if
    the case was just open); an urgent or high one without a case opens one, held by
    the assessor's office, already assessed."""
    item = assessment.return_event
    priority = Priority(assessment.priority)
    case = (
        Case.objects.select_for_update()
        .filter(return_record=item)
        .exclude(status=Status.CLOSED)
        .first()
    )
    if case is None:
        if priority not in OPENS_A_CASE:
            return
        sentence = assessment_priority_sentence(
            result=assessment.result, language=translation.get_language() or "en"
        )
        opened = case_open(
            actor=actor,
            person_id=item.person_id,
            return_id=item.pk,
            priority=priority,
            reason=sentence[:TEXT_MAX],
            sensitivity=Sensitivity.RESTRICTED
            if assessment.is_restricted
            else Sensitivity.STANDARD,
        )
        case = Case.objects.select_for_update().get(pk=opened.pk)
    changed = ["assessment"]
    case.assessment = assessment
    if PRIORITY_RANK[priority] < case.priority_rank:
        case.priority, case.priority_rank = priority, PRIORITY_RANK[priority]
        changed += ["priority", "priority_rank"]
    if assessment.is_restricted and not case.is_restricted:
        case.sensitivity = Sensitivity.RESTRICTED
        changed.append("sensitivity")
    save_case(case, *changed)
    if case.status == Status.OPEN:
        case.status = Status.ASSESSED
        save_case(case, "status")
        case_event(
            case,
            actor,
            CaseEvent.Kind.TRANSITION,
            transition=Transition.MARK_ASSESSED,
            from_status=Status.OPEN,
            to_status=Status.ASSESSED,
        )
    record(
        actor,
        Action.CASE_STATUS_CHANGED,
        case,
        details={"assessment": assessment.pk, "priority": case.priority, "status": case.status},
    )
