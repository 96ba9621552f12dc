"""Cases over HTTP: the work lists, one case with its plan, follow-ups, assistance and
history, and every change to it. A case out of the caller's reach (or restricted, without
clearance) is a 404 problem, audited, exactly like a missing one; roles that do not work
cases get 403. Every change takes the `expected_version` read: 409 `cases.stale_case`
when someone changed the case since, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from pulang.cases.policies import Capability, can, may_see_case
from pulang.cases.schemas import (
    ActionIn,
    AssignIn,
    AssistanceIn,
    CaseOut,
    CasePage,
    CaseSummaryOut,
    CloseIn,
    ContactIn,
    ContactOut,
    CreatedOut,
    DueQuery,
    FollowUpDueOut,
    FollowUpDuePage,
    GoalIn,
    ListQuery,
    NoteIn,
    NoteOut,
    OpenIn,
    PlanIn,
    ReopenIn,
    StatusIn,
    StepIn,
    TransferIn,
    TransferOut,
    VersionIn,
    WaitingOut,
    WorkloadOut,
)
from pulang.cases.selectors import (
    case_check_reach,
    case_file,
    case_get_for_actor,
    case_note_text,
    case_notes,
    case_workload,
    cases_mine,
    cases_new_from_abroad,
    cases_unassigned,
    follow_ups_due,
)
from pulang.cases.services import (
    assistance_record,
    case_agree_plan,
    case_assign,
    case_close,
    case_mark_assessed,
    case_monitor,
    case_note_add,
    case_open,
    case_reopen,
    case_start,
    case_transfer,
    follow_up_record,
    plan_action_add,
    plan_action_set_status,
    plan_approve,
    plan_goal_add,
    plan_goal_set_status,
    plan_update,
)
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor

router = Router(tags=["cases"])

LIMIT_MAX = 200


def _actor(request: HttpRequest, capability: Capability = Capability.VIEW_CASES) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not can(actor, capability):
        raise PermissionDenied()
    return actor


def _window(rows: QuerySet[Any], query: ListQuery) -> tuple[list[Any], int | None]:
    """One page of a list, and where the next one starts (null at the end)."""
    limit = max(1, min(query.limit, LIMIT_MAX))
    offset = max(0, query.offset)
    found = list(rows[offset : offset + limit + 1])
    return found[:limit], offset + limit if len(found) > limit else None


def _cases(rows: QuerySet[Any], query: ListQuery) -> CasePage:
    found, following = _window(rows, query)
    return CasePage(items=[CaseSummaryOut.of(c) for c in found], next_offset=following)


# --- work lists ---------------------------------------------------------------------------


@router.get("/mine", response=CasePage, summary="My open cases")
def mine(request: HttpRequest, query: Query[ListQuery]) -> CasePage:
    """The caller's own open cases, the most pressing first. Restricted cases come
    without the person's name."""
    return _cases(cases_mine(actor=_actor(request)), query)


@router.get("/due", response=FollowUpDuePage, summary="Follow-ups due and overdue")
def due(request: HttpRequest, query: Query[DueQuery]) -> FollowUpDuePage:
    """Follow-ups overdue or due within a week on the caller's open cases; supervisors
    may ask for `everyone`'s in their reach."""
    actor = _actor(request)
    today = timezone.localdate()
    everyone = query.everyone and can(actor, Capability.ASSIGN_CASES)
    found, following = _window(follow_ups_due(actor=actor, today=today, everyone=everyone), query)
    return FollowUpDuePage(
        items=[FollowUpDueOut.of(f, today) for f in found], next_offset=following
    )


@router.get("/new-from-abroad", response=CasePage, summary="Cases forwarded home from abroad")
def new_from_abroad(request: HttpRequest, query: Query[ListQuery]) -> CasePage:
    """Cases a consular post opened, forwarded to the caller's office on arrival and not
    yet taken up."""
    return _cases(cases_new_from_abroad(actor=_actor(request)), query)


@router.get("/unassigned", response=CasePage, summary="Open cases nobody holds yet")
def unassigned(request: HttpRequest, query: Query[ListQuery]) -> CasePage:
    return _cases(cases_unassigned(actor=_actor(request)), query)


@router.get("/workload", response=list[WorkloadOut], summary="Workload of the office")
def workload(request: HttpRequest) -> list[WorkloadOut]:
    """Open, urgent and overdue cases per case worker of the caller's office: for
    supervisors."""
    actor = _actor(request, Capability.ASSIGN_CASES)
    return [WorkloadOut.of(row) for row in case_workload(actor=actor, today=timezone.localdate())]


# --- one case -----------------------------------------------------------------------------


def _case(actor: Actor, case_id: int) -> CaseOut:
    return CaseOut.of(case_file(actor=actor, case_id=case_id))


@router.post("", response={201: CaseOut, 202: WaitingOut}, summary="Open a case")
def open_case(request: HttpRequest, body: OpenIn) -> Status[CaseOut] | Status[WaitingOut]:
    """For a person in the caller's reach and (optionally) one of their returns; 409
    `cases.already_open` when that return has an open case. A restricted case opened by
    someone without clearance is out of their sight from then on: 202, and it waits,
    unassigned, for a colleague who has clearance."""
    actor = _actor(request, Capability.OPEN_CASES)
    case = case_open(
        actor=actor,
        person_id=body.person_id,
        return_id=body.return_id,
        priority=body.priority,
        sensitivity=body.sensitivity,
        reason=body.reason,
        assign_to_me=body.assign_to_me,
    )
    if not may_see_case(actor, case):
        return Status(202, WaitingOut(id=case.pk, restricted=case.is_restricted))
    return Status(201, _case(actor, case.pk))


@router.get("/{case_id}", response=CaseOut, summary="One case")
def get_case(request: HttpRequest, case_id: int) -> CaseOut:
    """The case with the person's name, its plan, follow-ups, assistance and history.
    A look at a restricted case is audited."""
    return _case(_actor(request), case_id)


def _step(request: HttpRequest, case_id: int, write: Callable[[Actor], object]) -> CaseOut:
    actor = _actor(request)
    case_check_reach(actor=actor, case_id=case_id)  # refusals audited outside the write
    write(actor)
    return _case(actor, case_id)


# The forward steps of the state machine: one endpoint each, the same shape.
_STEPS: tuple[tuple[str, str, Callable[..., object], str, str], ...] = (
    (
        "mark-assessed",
        "mark_assessed",
        case_mark_assessed,
        "open → assessed",
        "409 `cases.transition_not_allowed` from any other status (as for every step).",
    ),
    (
        "agree-plan",
        "agree_plan",
        case_agree_plan,
        "assessed → plan agreed",
        "The plan needs a goal with an action (and, where offices require it, a "
        "supervisor's approval): 422 naming `plan` otherwise.",
    ),
    ("start", "start", case_start, "plan agreed → in progress", ""),
    ("monitor", "monitor", case_monitor, "in progress → monitoring", ""),
)


def _step_endpoint(
    path: str, name: str, service: Callable[..., object], summary: str, doc: str
) -> None:
    def endpoint(request: HttpRequest, case_id: int, body: StepIn) -> CaseOut:
        return _step(
            request,
            case_id,
            lambda a: service(
                actor=a, case_id=case_id, expected_version=body.expected_version, note=body.note
            ),
        )

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = doc or None
    router.post(
        f"/{{case_id}}/{path}",
        response=CaseOut,
        summary=summary,
        operation_id=f"pulang_cases_api_{name}",
    )(endpoint)


for _path, _name, _service, _summary, _doc in _STEPS:
    _step_endpoint(_path, _name, _service, _summary, _doc)


@router.post("/{case_id}/close", response=CaseOut, summary="Close, with a reason")
def close(request: HttpRequest, case_id: int, body: CloseIn) -> CaseOut:
    """From any open status. Migrating again is a legitimate outcome (`remigrated`).
    Follow-ups still due are cancelled."""
    return _step(
        request,
        case_id,
        lambda a: case_close(
            actor=a,
            case_id=case_id,
            expected_version=body.expected_version,
            reason=body.reason,
            note=body.note,
        ),
    )


@router.post("/{case_id}/reopen", response=CaseOut, summary="Reopen, with the reason")
def reopen(request: HttpRequest, case_id: int, body: ReopenIn) -> CaseOut:
    """Back to the stage the case was closed from."""
    return _step(
        request,
        case_id,
        lambda a: case_reopen(
            actor=a, case_id=case_id, expected_version=body.expected_version, note=body.note
        ),
    )


@router.post("/{case_id}/assign", response=CaseOut, summary="Give the case to someone")
def assign(request: HttpRequest, case_id: int, body: AssignIn) -> CaseOut:
    """Supervisors give it to any case worker of the office (with clearance, for a
    restricted case); a case worker may only take an unassigned case (their own id)."""
    return _step(
        request,
        case_id,
        lambda a: case_assign(
            actor=a, case_id=case_id, expected_version=body.expected_version, owner_id=body.owner_id
        ),
    )


@router.post("/{case_id}/take", response=CaseOut, summary="Take an unassigned case")
def take(request: HttpRequest, case_id: int, body: VersionIn) -> CaseOut:
    """A case worker of the office holding the case takes it while nobody holds it."""
    return _step(
        request,
        case_id,
        lambda a: case_assign(
            actor=a, case_id=case_id, expected_version=body.expected_version, owner_id=a.user.pk
        ),
    )


@router.post("/{case_id}/transfer", response=TransferOut, summary="Transfer to another office")
def transfer(request: HttpRequest, case_id: int, body: TransferIn) -> TransferOut:
    """Supervisors, when the returnee moves: the other office finds it unassigned. The
    case may then be out of the caller's reach, so only where it went is returned."""
    actor = _actor(request)
    case_check_reach(actor=actor, case_id=case_id)
    case = case_transfer(
        actor=actor,
        case_id=case_id,
        expected_version=body.expected_version,
        organisation_id=body.organisation_id,
        note=body.note,
    )
    return TransferOut(
        id=case.pk,
        version=case.version,
        organisation_id=case.organisation.pk,
        organisation=case.organisation.name,
        status=case.status,
    )


# --- the plan -----------------------------------------------------------------------------


@router.put("/{case_id}/plan", response=CaseOut, summary="The returnee's words")
def update_plan(request: HttpRequest, case_id: int, body: PlanIn) -> CaseOut:
    """What the returnee wants, in their words, and the plan they made before returning.
    Any change to an approved plan needs approving again (where approval is on)."""
    return _step(
        request,
        case_id,
        lambda a: plan_update(
            actor=a,
            case_id=case_id,
            expected_version=body.expected_version,
            returnee_words=body.returnee_words,
            pre_departure_plan=body.pre_departure_plan,
        ),
    )


@router.post("/{case_id}/plan/approve", response=CaseOut, summary="Approve the plan")
def approve_plan(request: HttpRequest, case_id: int, body: VersionIn) -> CaseOut:
    """Supervisors, where offices require approval (`PULANG_PLAN_APPROVAL`)."""
    return _step(
        request,
        case_id,
        lambda a: plan_approve(actor=a, case_id=case_id, expected_version=body.expected_version),
    )


def _created(
    request: HttpRequest, case_id: int, write: Callable[[Actor], Any]
) -> Status[CreatedOut]:
    actor = _actor(request)
    case_check_reach(actor=actor, case_id=case_id)
    made = write(actor)
    return Status(201, CreatedOut(id=made.pk, case=_case(actor, case_id)))


@router.post("/{case_id}/plan/goals", response={201: CreatedOut}, summary="Add a goal")
def add_goal(request: HttpRequest, case_id: int, body: GoalIn) -> Status[CreatedOut]:
    return _created(
        request,
        case_id,
        lambda a: plan_goal_add(
            actor=a,
            case_id=case_id,
            expected_version=body.expected_version,
            dimension=body.dimension,
            text=body.text,
        ),
    )


@router.post(
    "/{case_id}/plan/goals/{goal_id}/status", response=CaseOut, summary="Set a goal's status"
)
def set_goal_status(request: HttpRequest, case_id: int, goal_id: int, body: StatusIn) -> CaseOut:
    """`open`, `achieved` or `dropped`."""
    return _step(
        request,
        case_id,
        lambda a: plan_goal_set_status(
            actor=a,
            case_id=case_id,
            expected_version=body.expected_version,
            goal_id=goal_id,
            status=body.status,
        ),
    )


@router.post(
    "/{case_id}/plan/goals/{goal_id}/actions",
    response={201: CreatedOut},
    summary="Add an action to a goal",
)
def add_action(
    request: HttpRequest, case_id: int, goal_id: int, body: ActionIn
) -> Status[CreatedOut]:
    """Who does it and by when; a due date already past is refused (422 `due_on`)."""
    return _created(
        request,
        case_id,
        lambda a: plan_action_add(
            actor=a,
            case_id=case_id,
            expected_version=body.expected_version,
            goal_id=goal_id,
            description=body.description,
            owner=body.owner,
            due_on=body.due_on,
        ),
    )


@router.post(
    "/{case_id}/plan/actions/{action_id}/status",
    response=CaseOut,
    summary="Set an action's status",
)
def set_action_status(
    request: HttpRequest, case_id: int, action_id: int, body: StatusIn
) -> CaseOut:
    """`planned`, `in_progress`, `done` or `cancelled`."""
    return _step(
        request,
        case_id,
        lambda a: plan_action_set_status(
            actor=a,
            case_id=case_id,
            expected_version=body.expected_version,
            action_id=action_id,
            status=body.status,
        ),
    )


# --- follow-ups, notes, assistance --------------------------------------------------------


@router.post(
    "/follow-ups/{follow_up_id}/contacts",
    response={201: ContactOut},
    summary="Record a contact attempt",
)
def record_contact(request: HttpRequest, follow_up_id: int, body: ContactIn) -> Status[ContactOut]:
    """Reached: the follow-up is done with its outcome. Not reached: it stays due,
    unless `give_up` (then it is missed)."""
    attempt = follow_up_record(
        actor=_actor(request),
        follow_up_id=follow_up_id,
        channel=body.channel,
        reached=body.reached,
        outcome=body.outcome,
        give_up=body.give_up,
    )
    return Status(201, ContactOut.of(attempt))


@router.get("/{case_id}/notes", response=list[NoteOut], summary="The case's notes")
def notes(request: HttpRequest, case_id: int) -> list[NoteOut]:
    """Newest first; restricted notes decrypted for the caller. Audited for a
    restricted case."""
    case = case_get_for_actor(actor=_actor(request), case_id=case_id)
    return [NoteOut.of(note, case_note_text(note)) for note in case_notes(case=case)]


@router.post("/{case_id}/notes", response={201: NoteOut}, summary="Add a note")
def add_note(request: HttpRequest, case_id: int, body: NoteIn) -> Status[NoteOut]:
    note = case_note_add(
        actor=_actor(request), case_id=case_id, text=body.text, restricted=body.restricted
    )
    return Status(201, NoteOut.of(note, body.text.strip()))


@router.post("/{case_id}/assistance", response={201: CreatedOut}, summary="Record assistance given")
def add_assistance(request: HttpRequest, case_id: int, body: AssistanceIn) -> Status[CreatedOut]:
    """Help the office gave itself, apart from referrals. Money is an amount with its
    ISO 4217 currency."""
    return _created(
        request,
        case_id,
        lambda a: assistance_record(
            actor=a,
            case_id=case_id,
            expected_version=body.expected_version,
            kind=body.kind,
            description=body.description,
            given_on=body.given_on,
            amount=body.amount,
            currency=body.currency,
        ),
    )
