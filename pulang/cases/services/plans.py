"""The reintegration plan — goals per dimension with actions, agreed with the returnee,
approved by a supervisor where offices want that — and the assistance the office gives
directly. Every change takes the case's version, as every case write does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.cases.errors import TransitionNotAllowed
from pulang.cases.models import Assistance, Case, Dimension, Plan, PlanAction, PlanGoal, Status
from pulang.cases.policies import Capability, can
from pulang.cases.services.base import (
    check_reach,
    choice,
    clean_text,
    invalid,
    locked_case,
    save_case,
)
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor
from pulang.reference.models import Currency

PLAN_TEXT_MAX = 5_000


def _plan_of(case: Case) -> Plan:
    plan, _created = Plan.objects.get_or_create(case=case, defaults={"updated_at": timezone.now()})
    return plan


def _open_case(actor: Actor, case_id: int, expected_version: int) -> Case:
    case = locked_case(actor, case_id, expected_version)
    if case.is_closed:
        raise TransitionNotAllowed(status=Status.CLOSED.label, transition=_("Change the plan"))
    return case


def _changed(actor: Actor, case: Case, plan: Plan, what: str, **details: object) -> None:
    """Any change to an approved plan needs approving again (where approval is on)."""
    plan.updated_at = timezone.now()
    fields = ["updated_at"]
    if plan.approved_at is not None and settings.PULANG_PLAN_APPROVAL:
        plan.approved_at, plan.approved_by = None, None
        fields += ["approved_at", "approved_by"]
    plan.save(update_fields=fields)
    save_case(case)
    record(actor, Action.PLAN_CHANGED, case, details={"change": what, **details})


def plan_update(
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    returnee_words: str,
    pre_departure_plan: str = "",
) -> Plan:
    """What the returnee wants, in their words, and the plan they made before returning."""
    words = clean_text("returnee_words", returnee_words, required=False, most=PLAN_TEXT_MAX)
    before = clean_text(
        "pre_departure_plan", pre_departure_plan, required=False, most=PLAN_TEXT_MAX
    )
    check_reach(actor, case_id)
    with transaction.atomic():
        case = _open_case(actor, case_id, expected_version)
        plan = _plan_of(case)
        plan.returnee_words, plan.pre_departure_plan = words, before
        plan.save(update_fields=["returnee_words", "pre_departure_plan"])
        _changed(actor, case, plan, "words")
    return plan


def plan_goal_add(
    *, actor: Actor, case_id: int, expected_version: int, dimension: str, text: str
) -> PlanGoal:
    dimension = choice("dimension", dimension, Dimension)
    goal_text = clean_text("text", text, required=True, most=300)
    check_reach(actor, case_id)
    with transaction.atomic():
        case = _open_case(actor, case_id, expected_version)
        plan = _plan_of(case)
        goal = PlanGoal.objects.create(
            plan=plan, dimension=dimension, text=goal_text, created_at=timezone.now()
        )
        _changed(actor, case, plan, "goal_added", goal=goal.pk)
    return goal


def plan_goal_set_status(
    *, actor: Actor, case_id: int, expected_version: int, goal_id: int, status: str
) -> PlanGoal:
    status = choice("status", status, PlanGoal.Status)
    check_reach(actor, case_id)
    with transaction.atomic():
        case = _open_case(actor, case_id, expected_version)
        goal = PlanGoal.objects.filter(pk=goal_id, plan__case=case).first()
        if goal is None:
            raise invalid("goal_id", _("this goal is not part of this case's plan"))
        goal.status = status
        goal.save(update_fields=["status"])
        _changed(actor, case, goal.plan, "goal_status", goal=goal.pk, status=status)
    return goal


def _due(due_on: dt.date) -> dt.date:
    if due_on < timezone.localdate():
        raise invalid("due_on", _("the due date is in the past"))
    return due_on


def plan_action_add(
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    goal_id: int,
    description: str,
    owner: str,
    due_on: dt.date,
) -> PlanAction:
    """An action towards a goal: what, who does it (the returnee, the office, a provider,
    the family), and by when — never a date already past."""
    text = clean_text("description", description, required=True, most=300)
    owner = choice("owner", owner, PlanAction.Owner)
    due = _due(due_on)
    check_reach(actor, case_id)
    with transaction.atomic():
        case = _open_case(actor, case_id, expected_version)
        goal = PlanGoal.objects.select_related("plan").filter(pk=goal_id, plan__case=case).first()
        if goal is None:
            raise invalid("goal_id", _("this goal is not part of this case's plan"))
        now = timezone.now()
        action = PlanAction.objects.create(
            goal=goal, description=text, owner=owner, due_on=due, created_at=now, updated_at=now
        )
        _changed(actor, case, goal.plan, "action_added", action=action.pk)
    return action


def plan_action_set_status(
    *, actor: Actor, case_id: int, expected_version: int, action_id: int, status: str
) -> PlanAction:
    status = choice("status", status, PlanAction.Status)
    check_reach(actor, case_id)
    with transaction.atomic():
        case = _open_case(actor, case_id, expected_version)
        action = (
            PlanAction.objects.select_related("goal__plan")
            .filter(pk=action_id, goal__plan__case=case)
            .first()
        )
        if action is None:
            raise invalid("action_id", _("this action is not part of this case's plan"))
        action.status, action.updated_at = status, timezone.now()
        action.save(update_fields=["status", "updated_at"])
        _changed(actor, case, action.goal.plan, "action_status", action=action.pk, status=status)
    return action


def plan_action_follow(*, action_id: int, status: str) -> None:
    """Another app moved the work of an action on (a referral for it was sent, completed,
    declined): the action follows. The caller has checked who may do that; the case's
    version moves, so an officer who opened the case before is told it changed."""
    status = choice("status", status, PlanAction.Status)
    with transaction.atomic():
        action = PlanAction.objects.select_related("goal__plan").filter(pk=action_id).first()
        if action is None or action.status == status:
            return
        case = Case.objects.select_for_update().get(pk=action.goal.plan.case_id)
        action.status, action.updated_at = status, timezone.now()
        action.save(update_fields=["status", "updated_at"])
        save_case(case)


def plan_is_ready(case: Case) -> None:
    """The plan can be agreed: a goal with an action, approved where approval is on."""
    plan = Plan.objects.filter(case=case).first()
    if plan is None or not PlanAction.objects.filter(goal__plan=plan).exists():
        raise invalid("plan", _("add at least one goal with an action before agreeing the plan"))
    if settings.PULANG_PLAN_APPROVAL and plan.approved_at is None:
        raise invalid("plan", _("a supervisor must approve the plan first"))


def plan_approve(*, actor: Actor, case_id: int, expected_version: int) -> Plan:
    """A supervisor approves the plan as it stands."""
    if not can(actor, Capability.ASSIGN_CASES):
        raise PermissionDenied()
    check_reach(actor, case_id)
    with transaction.atomic():
        case = _open_case(actor, case_id, expected_version)
        plan = Plan.objects.filter(case=case).first()
        if plan is None or not PlanAction.objects.filter(goal__plan=plan).exists():
            raise invalid("plan", _("the plan has no goal with an action yet"))
        plan.approved_at, plan.approved_by = timezone.now(), actor.user
        plan.save(update_fields=["approved_at", "approved_by"])
        save_case(case)
        record(actor, Action.PLAN_APPROVED, case, details={"plan": plan.pk})
    return plan


def assistance_record(
    *,
    actor: Actor,
    case_id: int,
    expected_version: int,
    kind: str,
    description: str,
    given_on: dt.date,
    amount: str | Decimal | None = None,
    currency: str = "",
) -> Assistance:
    """Help the office gave itself (cash, transport, goods, a counselling session):
    recorded apart from referrals. Money is an amount with its ISO 4217 currency."""
    kind = choice("kind", kind, Assistance.Kind)
    text = clean_text("description", description, required=True, most=300)
    if given_on > timezone.localdate():
        raise invalid("given_on", _("the date is in the future"))
    value: Decimal | None = None
    if amount not in (None, ""):
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            raise invalid("amount", _("enter an amount such as 250000 or 12.50")) from None
        if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise invalid("amount", _("enter an amount such as 250000 or 12.50"))
        if not currency or not Currency.objects.filter(pk=currency.upper()).exists():
            raise invalid("currency", _("choose the currency of the amount"))
    elif currency:
        raise invalid("amount", _("enter the amount given in this currency"))
    check_reach(actor, case_id)
    with transaction.atomic():
        case = locked_case(actor, case_id, expected_version)
        given = Assistance.objects.create(
            case=case,
            kind=kind,
            description=text,
            amount=value,
            currency_id=currency.upper() if value is not None else None,
            given_on=given_on,
            at=timezone.now(),
            by=actor.user,
        )
        save_case(case)
        record(
            actor,
            Action.ASSISTANCE_RECORDED,
            case,
            details={"assistance": given.pk, "kind": kind},
        )
    return given
