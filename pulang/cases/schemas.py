"""What the cases API reads and returns. Lists never carry the name of the person of a
restricted case (``name`` is null there); the case itself, for those cleared to see it,
does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from ninja import Field, Schema

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from pulang.cases.models import Case, CaseEvent, CaseNote, ContactAttempt, FollowUp
    from pulang.cases.selectors import CaseFile, Workload


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


# --- inputs -------------------------------------------------------------------------------

VERSION = "the case's `version` you read; 409 `cases.stale_case` if it changed since"


class ListQuery(Schema):
    offset: int = 0
    limit: int = 50


class DueQuery(ListQuery):
    everyone: bool = Field(
        False, description="supervisors: every case in your reach, not only your own"
    )


class OpenIn(Schema):
    person_id: int
    return_id: int | None = Field(None, description="the return the case is about")
    priority: str = Field(description="urgent, high, medium or low")
    sensitivity: str = Field("standard", description="standard or restricted")
    reason: str = Field(description="why the case is opened")
    assign_to_me: bool = True


class StepIn(Schema):
    expected_version: int = Field(description=VERSION)
    note: str = ""


class CloseIn(Schema):
    expected_version: int = Field(description=VERSION)
    reason: str = Field(
        description="goals_achieved, remigrated, unreachable, declined, deceased or transferred"
    )
    note: str = ""


class ReopenIn(Schema):
    expected_version: int = Field(description=VERSION)
    note: str = Field(description="why the case is reopened")


class AssignIn(Schema):
    expected_version: int = Field(description=VERSION)
    owner_id: int | None = Field(
        description="a case worker of the office holding the case; null: back to unassigned"
    )


class TransferIn(Schema):
    expected_version: int = Field(description=VERSION)
    organisation_id: int = Field(description="another active government office")
    note: str = Field(description="why (the returnee moved, …)")


class VersionIn(Schema):
    expected_version: int = Field(description=VERSION)


class PlanIn(Schema):
    expected_version: int = Field(description=VERSION)
    returnee_words: str = Field(description="what the returnee wants, in their own words")
    pre_departure_plan: str = ""


class GoalIn(Schema):
    expected_version: int = Field(description=VERSION)
    dimension: str = Field(description="economic, social, psychosocial or health")
    text: str


class ActionIn(Schema):
    expected_version: int = Field(description=VERSION)
    description: str
    owner: str = Field(description="returnee, office, provider or family")
    due_on: dt.date = Field(description="today or later")


class StatusIn(Schema):
    expected_version: int = Field(description=VERSION)
    status: str


class ContactIn(Schema):
    channel: str = Field(description="phone, message, visit or office")
    reached: bool
    outcome: str = Field("", description="required when the returnee was reached")
    give_up: bool = Field(False, description="not reached, and no more attempts: missed")


class NoteIn(Schema):
    text: str
    restricted: bool = Field(False, description="encrypted at rest (always, on a restricted case)")


class AssistanceIn(Schema):
    expected_version: int = Field(description=VERSION)
    kind: str = Field(description="cash, transport, items, counselling, accommodation or other")
    description: str
    given_on: dt.date
    amount: Decimal | None = None
    currency: str = Field("", description="ISO 4217, with an amount")


# --- outputs ------------------------------------------------------------------------------


class OwnerOut(Schema):
    id: int
    name: str


def _owner(user: User | None) -> OwnerOut | None:
    return None if user is None else OwnerOut(id=user.pk, name=_name(user) or "")


class CaseSummaryOut(Schema):
    id: int
    person_id: int
    restricted: bool
    name: str | None = Field(description="null for restricted cases: lists never name them")
    priority: str
    status: str
    area: str | None = Field(description="official code of the area the case is followed in")
    area_name: str | None
    abroad_in: str | None = Field(description="ISO 3166-1 alpha-2, while the worker is abroad")
    next_follow_up: dt.date | None
    owner: OwnerOut | None
    opened_at: dt.datetime
    forwarded_at: dt.datetime | None

    @staticmethod
    def of(case: Case, next_follow_up: dt.date | None = None) -> CaseSummaryOut:
        return CaseSummaryOut(
            id=case.pk,
            person_id=case.person_id,
            restricted=case.is_restricted,
            name=None if case.is_restricted else case.person.full_name,
            priority=case.priority,
            status=case.status,
            area=case.area.code if case.area else None,
            area_name=case.area.name if case.area else None,
            abroad_in=case.abroad_in_id,
            next_follow_up=next_follow_up or getattr(case, "next_follow_up", None),
            owner=_owner(case.owner),
            opened_at=case.opened_at,
            forwarded_at=case.forwarded_at,
        )


class CasePage(Schema):
    items: list[CaseSummaryOut]
    next_offset: int | None


class FollowUpDueOut(Schema):
    id: int
    due_on: dt.date
    months_after_return: int
    overdue: bool
    case: CaseSummaryOut

    @staticmethod
    def of(follow_up: FollowUp, today: dt.date) -> FollowUpDueOut:
        return FollowUpDueOut(
            id=follow_up.pk,
            due_on=follow_up.due_on,
            months_after_return=follow_up.months_after_return,
            overdue=follow_up.due_on < today,
            case=CaseSummaryOut.of(follow_up.case, next_follow_up=follow_up.due_on),
        )


class FollowUpDuePage(Schema):
    items: list[FollowUpDueOut]
    next_offset: int | None


class WorkloadOut(Schema):
    owner_id: int | None = Field(description="null: the cases nobody holds yet")
    owner_name: str
    open: int
    urgent: int
    overdue: int = Field(description="open cases with a follow-up past its date")

    @staticmethod
    def of(row: Workload) -> WorkloadOut:
        return WorkloadOut(
            owner_id=row.owner_id,
            owner_name=row.owner_name,
            open=row.open,
            urgent=row.urgent,
            overdue=row.overdue,
        )


class ActionOut(Schema):
    id: int
    description: str
    owner: str
    due_on: dt.date
    status: str


class GoalOut(Schema):
    id: int
    dimension: str
    text: str
    status: str
    actions: list[ActionOut]


class PlanOut(Schema):
    returnee_words: str
    pre_departure_plan: str
    approved_at: dt.datetime | None
    approved_by: str | None
    goals: list[GoalOut]


class ContactOut(Schema):
    id: int
    follow_up_id: int | None
    channel: str
    reached: bool
    outcome: str
    at: dt.datetime
    by: str | None

    @staticmethod
    def of(attempt: ContactAttempt) -> ContactOut:
        return ContactOut(
            id=attempt.pk,
            follow_up_id=attempt.follow_up_id,
            channel=attempt.channel,
            reached=attempt.reached,
            outcome=attempt.outcome,
            at=attempt.at,
            by=_name(attempt.by),
        )


class FollowUpOut(Schema):
    id: int
    months_after_return: int
    due_on: dt.date
    status: str
    outcome: str
    done_at: dt.datetime | None
    attempts: list[ContactOut]


class AssistanceOut(Schema):
    id: int
    kind: str
    description: str
    amount: Decimal | None
    currency: str | None
    given_on: dt.date


class EventOut(Schema):
    kind: str
    transition: str
    from_status: str
    to_status: str
    from_owner_id: int | None
    to_owner_id: int | None
    from_organisation_id: int | None
    to_organisation_id: int | None
    note: str
    at: dt.datetime
    by: str | None

    @staticmethod
    def of(event: CaseEvent) -> EventOut:
        return EventOut(
            kind=event.kind,
            transition=event.transition,
            from_status=event.from_status,
            to_status=event.to_status,
            from_owner_id=event.from_owner_id,
            to_owner_id=event.to_owner_id,
            from_organisation_id=event.from_organisation_id,
            to_organisation_id=event.to_organisation_id,
            note=event.note,
            at=event.at,
            by=_name(event.by),
        )


class CaseOut(Schema):
    id: int
    version: int = Field(description="send it back with every change")
    person_id: int
    name: str = Field(description="the person's name (the look at a restricted case is audited)")
    restricted: bool
    sensitivity: str
    priority: str
    status: str
    closure_reason: str
    organisation_id: int
    organisation: str
    area: str | None
    abroad_in: str | None
    owner: OwnerOut | None
    reason: str
    return_id: int | None
    assessment_id: int | None
    opened_at: dt.datetime
    forwarded_at: dt.datetime | None
    closed_at: dt.datetime | None
    plan: PlanOut | None
    follow_ups: list[FollowUpOut]
    assistance: list[AssistanceOut]
    history: list[EventOut]

    @staticmethod
    def of(file: CaseFile) -> CaseOut:
        case = file.case
        plan = file.plan
        return CaseOut(
            id=case.pk,
            version=case.version,
            person_id=case.person_id,
            name=case.person.full_name,
            restricted=case.is_restricted,
            sensitivity=case.sensitivity,
            priority=case.priority,
            status=case.status,
            closure_reason=case.closure_reason,
            organisation_id=case.organisation_id,
            organisation=case.organisation.name,
            area=case.area.code if case.area else None,
            abroad_in=case.abroad_in_id,
            owner=_owner(case.owner),
            reason=case.reason,
            return_id=case.return_record_id,
            assessment_id=case.assessment_id,
            opened_at=case.opened_at,
            forwarded_at=case.forwarded_at,
            closed_at=case.closed_at,
            plan=None
            if plan is None
            else PlanOut(
                returnee_words=plan.returnee_words,
                pre_departure_plan=plan.pre_departure_plan,
                approved_at=plan.approved_at,
                approved_by=_name(plan.approved_by),
                goals=[
                    GoalOut(
                        id=goal.pk,
                        dimension=goal.dimension,
                        text=goal.text,
                        status=goal.status,
                        actions=[
                            ActionOut(
                                id=action.pk,
                                description=action.description,
                                owner=action.owner,
                                due_on=action.due_on,
                                status=action.status,
                            )
                            for action in goal.actions.all()
                        ],
                    )
                    for goal in file.goals
                ],
            ),
            follow_ups=[
                FollowUpOut(
                    id=f.pk,
                    months_after_return=f.months_after_return,
                    due_on=f.due_on,
                    status=f.status,
                    outcome=f.outcome,
                    done_at=f.done_at,
                    attempts=[ContactOut.of(a) for a in f.attempts.all()],
                )
                for f in file.follow_ups
            ],
            assistance=[
                AssistanceOut(
                    id=a.pk,
                    kind=a.kind,
                    description=a.description,
                    amount=a.amount,
                    currency=a.currency_id,
                    given_on=a.given_on,
                )
                for a in file.assistance
            ],
            history=[EventOut.of(e) for e in file.events],
        )


class CreatedOut(Schema):
    id: int = Field(description="the goal, action or assistance just recorded")
    case: CaseOut


class WaitingOut(Schema):
    id: int
    restricted: bool = Field(
        True, description="the case waits for a colleague with clearance to take it up"
    )


class TransferOut(Schema):
    id: int
    version: int
    organisation_id: int
    organisation: str
    status: str


class NoteOut(Schema):
    id: int
    restricted: bool
    text: str = Field(description="decrypted for you when the note is restricted")
    at: dt.datetime
    by: str | None

    @staticmethod
    def of(note: CaseNote, text: str) -> NoteOut:
        return NoteOut(
            id=note.pk, restricted=note.restricted, text=text, at=note.at, by=_name(note.by)
        )
