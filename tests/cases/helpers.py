"""Building cases for the tests: a returnee registered by an officer, a case opened for
them, a plan with a goal and an action."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from pulang.cases.models import Case, PlanAction, PlanGoal
from pulang.cases.services import case_open, plan_action_add, plan_goal_add
from pulang.orgs.actor import Actor
from pulang.registry.inputs import ReturnInput
from pulang.registry.models import Person
from pulang.registry.services import OnMatch, registration_submit
from tests.registry.helpers import occupation, siti

TODAY = timezone.localdate()


def register(actor: Actor, **changes: object) -> Person:
    occupation()
    returned = TODAY - dt.timedelta(days=10)
    data = siti(
        return_=ReturnInput(
            reason="end_of_contract",
            mode="voluntary",
            returned_on=returned,
            destination_area="35.07.13.2001",
        ),
        **changes,
    )
    outcome = registration_submit(actor=actor, data=data, channel="staff", on_match=OnMatch.CREATE)
    assert outcome.person is not None
    return outcome.person


def open_case(actor: Actor, who: Person, **kw: object) -> Case:
    return case_open(
        actor=actor,
        person_id=who.pk,
        return_id=who.returns.get().pk,  # type: ignore[attr-defined]
        priority=kw.pop("priority", "high"),
        reason=kw.pop("reason", "urgent because: no safe place to stay"),
        **kw,  # type: ignore[arg-type]
    )


def goal_with_action(actor: Actor, case: Case, version: int) -> tuple[PlanGoal, PlanAction]:
    """A goal and an action on the case last seen at ``version`` (it ends at version + 2)."""
    goal = plan_goal_add(
        actor=actor,
        case_id=case.pk,
        expected_version=version,
        dimension="economic",
        text="Open a sewing business at home",
    )
    action = plan_action_add(
        actor=actor,
        case_id=case.pk,
        expected_version=version + 1,
        goal_id=goal.pk,
        description="Entrepreneurship training at the district BLK",
        owner="provider",
        due_on=TODAY + dt.timedelta(days=30),
    )
    return goal, action
