"""The reintegration plan and the office's own assistance (issue #5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pytest_django import Settings

from pulang.audit.models import AuditEvent
from pulang.cases.errors import StaleCase, TransitionNotAllowed
from pulang.cases.models import Assistance, Case, PlanAction, PlanGoal
from pulang.cases.services import (
    assistance_record,
    case_agree_plan,
    case_close,
    case_mark_assessed,
    plan_action_add,
    plan_action_set_status,
    plan_approve,
    plan_goal_add,
    plan_update,
)
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.reference.models import Currency
from tests.cases.helpers import TODAY, goal_with_action, open_case, register
from tests.factories import World


@pytest.fixture
def assessed(world: World, village_officer: Actor) -> Case:
    case = open_case(village_officer, register(village_officer))
    return case_mark_assessed(actor=village_officer, case_id=case.pk, expected_version=1)


def test_a_plan_is_agreed_once_it_has_a_goal_with_an_action(
    assessed: Case, village_officer: Actor
) -> None:
    with pytest.raises(InvalidInput) as caught:
        case_agree_plan(actor=village_officer, case_id=assessed.pk, expected_version=2)
    assert caught.value.errors[0]["field"] == "plan"
    assert Case.objects.get(pk=assessed.pk).status == "assessed"

    plan = plan_update(
        actor=village_officer,
        case_id=assessed.pk,
        expected_version=2,
        returnee_words="Saya mau buka usaha jahit di rumah, dekat anak-anak.",
        pre_departure_plan="Save for a sewing machine; learn tailoring in Malaysia.",
    )
    _goal, action = goal_with_action(village_officer, assessed, 3)
    case = case_agree_plan(actor=village_officer, case_id=assessed.pk, expected_version=5)
    assert case.status == "plan_agreed"
    plan.refresh_from_db()
    assert plan.returnee_words == "Saya mau buka usaha jahit di rumah, dekat anak-anak."
    plan_action_set_status(
        actor=village_officer,
        case_id=case.pk,
        expected_version=case.version,
        action_id=action.pk,
        status="done",
    )
    assert PlanAction.objects.get(pk=action.pk).status == "done"
    assert AuditEvent.objects.filter(action="cases.plan_changed").count() == 4


def test_an_action_due_in_the_past_is_refused_and_nothing_is_saved(
    assessed: Case, village_officer: Actor
) -> None:
    goal = plan_goal_add(
        actor=village_officer,
        case_id=assessed.pk,
        expected_version=2,
        dimension="health",
        text="See a counsellor",
    )
    with pytest.raises(InvalidInput) as caught:
        plan_action_add(
            actor=village_officer,
            case_id=assessed.pk,
            expected_version=3,
            goal_id=goal.pk,
            description="First session",
            owner="office",
            due_on=TODAY - dt.timedelta(days=1),
        )
    assert caught.value.errors == [{"field": "due_on", "reason": "the due date is in the past"}]
    assert (PlanAction.objects.count(), Case.objects.get(pk=assessed.pk).version) == (0, 3)
    with pytest.raises(InvalidInput):
        plan_goal_add(
            actor=village_officer,
            case_id=assessed.pk,
            expected_version=3,
            dimension="spiritual",
            text="x",
        )


def test_a_stale_plan_change_is_refused(assessed: Case, village_officer: Actor) -> None:
    plan_goal_add(
        actor=village_officer,
        case_id=assessed.pk,
        expected_version=2,
        dimension="social",
        text="Children back in school",
    )
    with pytest.raises(StaleCase):
        plan_goal_add(
            actor=village_officer,
            case_id=assessed.pk,
            expected_version=2,
            dimension="social",
            text="Get a birth certificate for the youngest",
        )
    assert PlanGoal.objects.count() == 1


def test_a_closed_case_has_no_plan_changes(assessed: Case, village_officer: Actor) -> None:
    case_close(actor=village_officer, case_id=assessed.pk, expected_version=2, reason="declined")
    with pytest.raises(TransitionNotAllowed):
        plan_goal_add(
            actor=village_officer,
            case_id=assessed.pk,
            expected_version=3,
            dimension="social",
            text="x",
        )


def test_with_approval_on_a_supervisor_approves_and_a_change_needs_approving_again(
    assessed: Case,
    village_officer: Actor,
    district_supervisor: Actor,
    outsider: Actor,
    settings: Settings,
) -> None:
    settings.PULANG_PLAN_APPROVAL = True
    goal_with_action(village_officer, assessed, 2)
    with pytest.raises(InvalidInput) as caught:
        case_agree_plan(actor=village_officer, case_id=assessed.pk, expected_version=4)
    assert caught.value.errors[0]["reason"] == "a supervisor must approve the plan first"
    with pytest.raises(PermissionDenied):  # a case worker does not approve
        plan_approve(actor=village_officer, case_id=assessed.pk, expected_version=4)
    plan = plan_approve(actor=district_supervisor, case_id=assessed.pk, expected_version=4)
    assert plan.approved_by == district_supervisor.user
    # Changed after approval: approve again.
    plan_goal_add(
        actor=village_officer,
        case_id=assessed.pk,
        expected_version=5,
        dimension="health",
        text="Treat the back injury",
    )
    plan.refresh_from_db()
    assert plan.approved_at is None
    with pytest.raises(InvalidInput):
        case_agree_plan(actor=village_officer, case_id=assessed.pk, expected_version=6)
    plan_approve(actor=district_supervisor, case_id=assessed.pk, expected_version=6)
    case = case_agree_plan(actor=village_officer, case_id=assessed.pk, expected_version=7)
    assert case.status == "plan_agreed"


def test_assistance_is_recorded_with_money_as_amount_and_currency(
    assessed: Case, village_officer: Actor, outsider: Actor
) -> None:
    Currency.objects.get_or_create(code="IDR", defaults={"numeric": "360", "name": "Rupiah"})
    given = assistance_record(
        actor=village_officer,
        case_id=assessed.pk,
        expected_version=2,
        kind="transport",
        description="Bus fare Surabaya to Malang",
        given_on=TODAY,
        amount="150000",
        currency="idr",
    )
    stored = Assistance.objects.get(pk=given.pk)
    assert (stored.amount, stored.currency_id) == (Decimal("150000.00"), "IDR")
    for amount, currency, field in [
        ("-5", "IDR", "amount"),
        ("12.345", "IDR", "amount"),
        ("a lot", "IDR", "amount"),
        ("100", "", "currency"),
        ("100", "XXX", "currency"),
        ("", "IDR", "amount"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            assistance_record(
                actor=village_officer,
                case_id=assessed.pk,
                expected_version=3,
                kind="cash",
                description="x",
                given_on=TODAY,
                amount=amount,
                currency=currency,
            )
        assert caught.value.errors[0]["field"] == field, (amount, currency)
    with pytest.raises(NotFound):
        assistance_record(
            actor=outsider,
            case_id=assessed.pk,
            expected_version=3,
            kind="cash",
            description="x",
            given_on=TODAY,
        )
    assert Assistance.objects.count() == 1
