"""Cases: opening, the state machine, who holds a case, forwarding home from abroad,
follow-ups and notes (issue #5). Every rule with the persona who may and who may not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pulang.audit.models import AuditEvent
from pulang.cases.errors import CaseAlreadyOpen, StaleCase, TransitionNotAllowed
from pulang.cases.models import Case, CaseEvent, CaseNote, FollowUp
from pulang.cases.selectors import (
    case_get_for_actor,
    case_note_text,
    case_workload,
    cases_mine,
    cases_new_from_abroad,
    cases_unassigned,
    follow_ups_due,
)
from pulang.cases.services import (
    case_agree_plan,
    case_assign,
    case_close,
    case_mark_assessed,
    case_monitor,
    case_note_add,
    case_reopen,
    case_start,
    case_transfer,
    follow_up_record,
)
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.inputs import ReturnInput
from pulang.registry.models import Person
from pulang.registry.services import registration_submit, return_record_arrival
from tests.cases.helpers import TODAY, goal_with_action, open_case, register
from tests.factories import World, person
from tests.registry.helpers import occupation, siti


@pytest.fixture
def siti_(world: World, village_officer: Actor) -> Person:
    return register(village_officer)


# --- opening ------------------------------------------------------------------------------


def test_a_case_worker_opens_a_case_and_holds_it(siti_: Person, village_officer: Actor) -> None:
    case = open_case(village_officer, siti_)
    case.refresh_from_db()
    assert (case.status, case.owner, case.organisation.name, case.area.code) == (  # type: ignore[union-attr]
        "open",
        village_officer.user,
        "Talangagung office",
        "35.07.13.2001",
    )
    assert (case.priority, case.priority_rank, case.version) == ("high", 1, 1)
    # Follow-ups at 1, 3, 6 and 12 months after the return, 10 days ago.
    returned = TODAY - dt.timedelta(days=10)
    assert [(f.months_after_return, f.due_on.month) for f in case.follow_ups.all()] == [  # type: ignore[attr-defined]
        (m, (returned.month - 1 + m) % 12 + 1) for m in (1, 3, 6, 12)
    ]
    assert list(case.events.values_list("kind", "to_status")) == [("opened", "open")]  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="cases.opened")
    assert (event.subject_id, event.details["priority"]) == (str(case.pk), "high")


def test_one_open_case_per_return(siti_: Person, village_officer: Actor) -> None:
    open_case(village_officer, siti_)
    with pytest.raises(CaseAlreadyOpen):
        open_case(village_officer, siti_)
    assert Case.objects.count() == 1


def test_bad_input_is_named_and_nothing_is_saved(siti_: Person, village_officer: Actor) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_case(village_officer, siti_, priority="critical")
    assert caught.value.errors == [{"field": "priority", "reason": "not one of the listed values"}]
    with pytest.raises(InvalidInput) as caught:
        open_case(village_officer, siti_, reason="   ")
    assert caught.value.errors == [{"field": "reason", "reason": "this is required"}]
    assert (Case.objects.count(), FollowUp.objects.count()) == (0, 0)


def test_outsiders_and_other_roles_may_notopen_case(
    siti_: Person, outsider: Actor, analyst: Actor, provider_staff: Actor
) -> None:
    with pytest.raises(NotFound):  # another district's officer: the person does not exist
        open_case(outsider, siti_)
    for actor in (analyst, provider_staff):
        with pytest.raises(PermissionDenied):
            open_case(actor, siti_)
    assert Case.objects.count() == 0


def test_a_restricted_case_opened_without_clearance_waits_for_someone_cleared(
    siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    case = open_case(village_officer, siti_, sensitivity="restricted", priority="urgent")
    assert case.owner is None
    # The officer who opened it cannot see it: it does not exist for them.
    with pytest.raises(NotFound):
        case_get_for_actor(actor=village_officer, case_id=case.pk)
    assert list(cases_unassigned(actor=village_officer)) == []
    denied = AuditEvent.objects.filter(action="access.denied", subject_id=str(case.pk))
    assert denied.count() == 1
    # A supervisor with clearance sees it, and the look is audited.
    assert [c.pk for c in cases_unassigned(actor=district_supervisor)] == [case.pk]
    assert case_get_for_actor(actor=district_supervisor, case_id=case.pk) == case
    viewed = AuditEvent.objects.get(action="cases.viewed")
    assert (viewed.subject_id, viewed.username) == (str(case.pk), "district_supervisor")


# --- the state machine ------------------------------------------------------------------


def test_the_whole_way_from_open_to_closed_and_reopened(
    siti_: Person, village_officer: Actor
) -> None:
    case = open_case(village_officer, siti_)
    case = case_mark_assessed(actor=village_officer, case_id=case.pk, expected_version=1)
    goal_with_action(village_officer, case, 2)
    case.version = 4
    for step, expected in [
        (case_agree_plan, "plan_agreed"),
        (case_start, "in_progress"),
        (case_monitor, "monitoring"),
    ]:
        case = step(actor=village_officer, case_id=case.pk, expected_version=case.version)
        assert Case.objects.get(pk=case.pk).status == expected
    case = case_close(
        actor=village_officer,
        case_id=case.pk,
        expected_version=case.version,
        reason="remigrated",
        note="left for Taiwan, by choice",
    )
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.closure_reason) == ("closed", "remigrated")
    # Follow-ups still due are cancelled with the closing, and come back on reopening.
    assert set(stored.follow_ups.values_list("status", flat=True)) == {"cancelled"}  # type: ignore[attr-defined]
    case = case_reopen(
        actor=village_officer,
        case_id=case.pk,
        expected_version=case.version,
        note="came back after two months",
    )
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.closure_reason, stored.closed_at) == ("monitoring", "", None)
    assert set(stored.follow_ups.values_list("status", flat=True)) == {"due"}  # type: ignore[attr-defined]
    assert list(stored.events.values_list("from_status", "to_status")) == [  # type: ignore[attr-defined]
        ("", "open"),
        ("open", "assessed"),
        ("assessed", "plan_agreed"),
        ("plan_agreed", "in_progress"),
        ("in_progress", "monitoring"),
        ("monitoring", "closed"),
        ("closed", "monitoring"),
    ]
    assert AuditEvent.objects.filter(action="cases.status_changed").count() == 6
    assert AuditEvent.objects.filter(action="cases.plan_changed").count() == 2


@pytest.mark.parametrize(
    ("step", "label"),
    [
        (case_agree_plan, "Plan agreed with the returnee"),
        (case_start, "Support started"),
        (case_monitor, "Support delivered: monitoring"),
    ],
)
def test_a_transition_not_allowed_from_the_current_state_changes_nothing(
    siti_: Person, village_officer: Actor, step: object, label: str
) -> None:
    case = open_case(village_officer, siti_)
    with pytest.raises(TransitionNotAllowed) as caught:
        step(actor=village_officer, case_id=case.pk, expected_version=case.version)  # type: ignore[operator]
    assert caught.value.text == f'The case is "Open": "{label}" is not possible from there.'
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version, stored.events.count()) == ("open", 1, 1)  # type: ignore[attr-defined]


def test_reopening_an_open_case_and_closing_without_a_reason_are_refused(
    siti_: Person, village_officer: Actor
) -> None:
    case = open_case(village_officer, siti_)
    with pytest.raises(TransitionNotAllowed):
        case_reopen(actor=village_officer, case_id=case.pk, expected_version=1, note="why")
    with pytest.raises(InvalidInput):
        case_close(actor=village_officer, case_id=case.pk, expected_version=1, reason="bored")
    with pytest.raises(InvalidInput):
        case_reopen(actor=village_officer, case_id=case.pk, expected_version=1, note=" ")
    assert Case.objects.get(pk=case.pk).version == 1


def test_two_officers_on_one_case_the_second_is_told(
    siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    case = open_case(village_officer, siti_)
    seen = case.version
    case_mark_assessed(actor=village_officer, case_id=case.pk, expected_version=seen)
    with pytest.raises(StaleCase):
        case_close(
            actor=district_supervisor,
            case_id=case.pk,
            expected_version=seen,
            reason="declined",
        )
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == ("assessed", 2)


def test_an_outsider_cannot_move_a_case(
    siti_: Person, village_officer: Actor, outsider: Actor, analyst: Actor
) -> None:
    case = open_case(village_officer, siti_)
    with pytest.raises(NotFound):
        case_mark_assessed(actor=outsider, case_id=case.pk, expected_version=1)
    with pytest.raises(PermissionDenied):
        case_mark_assessed(actor=analyst, case_id=case.pk, expected_version=1)
    assert Case.objects.get(pk=case.pk).status == "open"


# --- who holds the case -----------------------------------------------------------------


def test_a_supervisor_assigns_and_a_case_worker_only_takes_unassigned_cases(
    world: World, siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    colleague = person(world.village, Role.CASE_WORKER, username="colleague")
    case = open_case(village_officer, siti_, assign_to_me=False)
    assert [c.pk for c in cases_unassigned(actor=village_officer)] == [case.pk]
    # A case worker takes it…
    case = case_assign(
        actor=colleague, case_id=case.pk, expected_version=1, owner_id=colleague.user.pk
    )
    # …but may not take it from a colleague, nor give it away.
    with pytest.raises(PermissionDenied):
        case_assign(
            actor=village_officer,
            case_id=case.pk,
            expected_version=case.version,
            owner_id=village_officer.user.pk,
        )
    assert Case.objects.get(pk=case.pk).owner == colleague.user
    # The supervisor of the district office holding the case… the case is the village
    # office's: she may give it to a member of that office only.
    with pytest.raises(InvalidInput):
        case_assign(
            actor=district_supervisor,
            case_id=case.pk,
            expected_version=case.version,
            owner_id=district_supervisor.user.pk,
        )
    case = case_assign(
        actor=district_supervisor,
        case_id=case.pk,
        expected_version=case.version,
        owner_id=village_officer.user.pk,
    )
    assert [c.pk for c in cases_mine(actor=village_officer)] == [case.pk]
    assert list(cases_mine(actor=colleague)) == []
    assert list(
        CaseEvent.objects.filter(case=case, kind="assigned").values_list(
            "from_owner__username", "to_owner__username"
        )
    ) == [(None, "colleague"), ("colleague", "village_officer")]


def test_a_transfer_moves_the_case_to_the_office_where_the_returnee_now_lives(
    world: World, siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    case = open_case(village_officer, siti_)
    with pytest.raises(PermissionDenied):  # case workers do not transfer
        case_transfer(
            actor=village_officer,
            case_id=case.pk,
            expected_version=1,
            organisation_id=world.other_district.pk,
            note="moved",
        )
    with pytest.raises(InvalidInput):  # not a government office
        case_transfer(
            actor=district_supervisor,
            case_id=case.pk,
            expected_version=1,
            organisation_id=world.provider.pk,
            note="moved",
        )
    case = case_transfer(
        actor=district_supervisor,
        case_id=case.pk,
        expected_version=1,
        organisation_id=world.other_district.pk,
        note="moved to Lombok Timur with her husband",
    )
    stored = Case.objects.select_related("area").get(pk=case.pk)
    assert (stored.organisation_id, stored.area, stored.owner) == (
        world.other_district.pk,
        world.other_district.area,
        None,
    )
    event = stored.events.get(kind="transferred")  # type: ignore[attr-defined]
    assert (event.from_organisation, event.to_organisation, event.from_owner) == (
        world.village,
        world.other_district,
        village_officer.user,
    )
    # The village officer no longer sees it.
    with pytest.raises(NotFound):
        case_get_for_actor(actor=village_officer, case_id=case.pk)


# --- from abroad --------------------------------------------------------------------------


def test_a_consular_case_follows_the_worker_home(
    world: World, consular_officer: Actor, village_officer: Actor
) -> None:
    occupation()
    data = siti(
        return_=ReturnInput(
            reason="abuse_or_violence",
            mode="assisted",
            status="expected",
            expected_on=TODAY + dt.timedelta(days=20),
            destination_area="35.07.13.2001",
        )
    )
    worker = registration_submit(actor=consular_officer, data=data, channel="consular").person
    assert worker is not None
    case = open_case(consular_officer, worker, priority="urgent")
    assert (case.abroad_in_id, case.area, case.owner) == ("MY", None, consular_officer.user)
    assert FollowUp.objects.count() == 0  # no date of return yet
    assert list(cases_new_from_abroad(actor=village_officer)) == []

    return_record_arrival(
        actor=village_officer,
        return_id=worker.returns.get().pk,  # type: ignore[attr-defined]
        returned_on=TODAY,
    )

    stored = Case.objects.select_related("area").get(pk=case.pk)
    assert (stored.organisation, stored.area, stored.abroad_in_id, stored.owner) == (
        world.village,
        world.talangagung,
        None,
        None,
    )
    assert [c.pk for c in cases_new_from_abroad(actor=village_officer)] == [case.pk]
    assert FollowUp.objects.filter(case=case).count() == 4
    with pytest.raises(NotFound):  # the consulate's part is done
        case_get_for_actor(actor=consular_officer, case_id=case.pk)
    assert AuditEvent.objects.filter(action="cases.forwarded", subject_id=str(case.pk)).count() == 1
    # Taken up, it leaves the "new from abroad" list.
    case_assign(
        actor=village_officer,
        case_id=case.pk,
        expected_version=stored.version,
        owner_id=village_officer.user.pk,
    )
    assert list(cases_new_from_abroad(actor=village_officer)) == []


# --- follow-ups and notes -----------------------------------------------------------------


def test_follow_ups_due_and_a_contact_recorded(
    siti_: Person, village_officer: Actor, outsider: Actor
) -> None:
    case = open_case(village_officer, siti_)
    first = case.follow_ups.order_by("due_on").first()  # type: ignore[attr-defined]
    # Due in 20 days: not in the list yet; once within a week it is.
    assert list(follow_ups_due(actor=village_officer, today=TODAY)) == []
    assert [f.pk for f in follow_ups_due(actor=village_officer, today=first.due_on)] == [first.pk]

    with pytest.raises(NotFound):
        follow_up_record(
            actor=outsider, follow_up_id=first.pk, channel="phone", reached=True, outcome="x"
        )
    follow_up_record(
        actor=village_officer, follow_up_id=first.pk, channel="phone", reached=False, outcome=""
    )
    assert FollowUp.objects.get(pk=first.pk).status == "due"  # not reached: still due
    with pytest.raises(InvalidInput):  # reached, but nothing said of what came of it
        follow_up_record(
            actor=village_officer, follow_up_id=first.pk, channel="visit", reached=True, outcome=""
        )
    follow_up_record(
        actor=village_officer,
        follow_up_id=first.pk,
        channel="visit",
        reached=True,
        outcome="working at the family's warung, wants a loan",
    )
    done = FollowUp.objects.get(pk=first.pk)
    assert (done.status, done.outcome, done.attempts.count()) == (  # type: ignore[attr-defined]
        "done",
        "working at the family's warung, wants a loan",
        2,
    )


def test_restricted_notes_are_encrypted_at_rest(siti_: Person, village_officer: Actor) -> None:
    case = open_case(village_officer, siti_)
    plain = case_note_add(actor=village_officer, case_id=case.pk, text="called her sister")
    secret = case_note_add(
        actor=village_officer,
        case_id=case.pk,
        text="reports the agent confiscated her passport",
        restricted=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, ciphertext FROM cases_casenote WHERE id = %s", [secret.pk])
        text, ciphertext = cursor.fetchone()
    assert text == ""
    assert b"passport" not in bytes(ciphertext)
    stored = CaseNote.objects.get(pk=secret.pk)
    assert case_note_text(stored) == "reports the agent confiscated her passport"
    assert case_note_text(CaseNote.objects.get(pk=plain.pk)) == "called her sister"


# --- work lists ---------------------------------------------------------------------------


def test_work_lists_cost_the_same_queries_whatever_their_length(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    def lists(count: int) -> int:
        for index in range(count):
            open_case(village_officer, register(village_officer, full_name=f"Rina {index}"))
        with CaptureQueriesContext(connection) as queries:
            for case in cases_mine(actor=village_officer):
                _ = (case.person.full_name, case.area.name, case.next_follow_up)  # type: ignore[union-attr, attr-defined]
            for follow_up in follow_ups_due(actor=village_officer, today=TODAY + dt.timedelta(400)):
                _ = (follow_up.case.person.full_name, follow_up.case.owner)
            case_workload(actor=district_supervisor, today=TODAY)
        return len(queries)

    assert lists(1) == lists(4)


def test_the_supervisor_sees_the_office_workload(
    world: World, siti_: Person, village_officer: Actor
) -> None:
    supervisor = person(world.village, Role.SUPERVISOR, username="village_supervisor")
    open_case(village_officer, siti_, priority="urgent")
    other = register(village_officer, full_name="Rina Wati")
    open_case(village_officer, other, assign_to_me=False, priority="low")
    rows = case_workload(actor=supervisor, today=TODAY + dt.timedelta(days=60))
    # Both cases have a follow-up a month after the return, overdue 60 days on.
    assert [(r.owner_name, r.open, r.urgent, r.overdue) for r in rows] == [
        ("Test Case worker", 1, 1, 1),
        ("", 1, 0, 1),  # nobody's yet
    ]
    assert case_workload(actor=village_officer, today=TODAY) == []  # not a supervisor


def test_a_refused_write_is_audited_even_though_nothing_is_saved(
    siti_: Person, village_officer: Actor, outsider: Actor
) -> None:
    case = open_case(village_officer, siti_)
    with pytest.raises(NotFound):
        case_close(actor=outsider, case_id=case.pk, expected_version=1, reason="declined")
    denied = AuditEvent.objects.filter(action="access.denied", subject_id=str(case.pk))
    assert (denied.count(), denied.get().username) == (1, "outsider")
    assert Case.objects.get(pk=case.pk).status == "open"
