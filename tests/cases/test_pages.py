"""Case pages (issue #5): the work lists, the case page and its forms, opening a case from
the person page. Each page with the persona who may and one who may not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pulang.audit.models import AuditEvent
from pulang.cases.models import Case, CaseNote, FollowUp, PlanAction, PlanGoal
from pulang.cases.services import case_mark_assessed
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.reference.models import Currency
from pulang.registry.models import Person
from tests.cases.helpers import TODAY, goal_with_action, open_case, register
from tests.conftest import signed_in
from tests.factories import World, person

pytestmark = pytest.mark.django_db

NAME = "Siti Aminah binti Sukarno"


@pytest.fixture
def siti_(world: World, village_officer: Actor) -> Person:
    return register(village_officer)


@pytest.fixture
def case(siti_: Person, village_officer: Actor) -> Case:
    return open_case(village_officer, siti_)


def state(case_id: int) -> tuple[object, ...]:
    """Everything a refused write could have changed."""
    stored = Case.objects.get(pk=case_id)
    return (
        stored.status,
        stored.version,
        stored.owner_id,
        stored.organisation_id,
        stored.events.count(),  # type: ignore[attr-defined]
        PlanGoal.objects.filter(plan__case=stored).count(),
        PlanAction.objects.filter(goal__plan__case=stored).count(),
    )


def denials(case_id: int) -> int:
    return AuditEvent.objects.filter(
        action="access.denied", subject_type="cases.case", subject_id=str(case_id)
    ).count()


def page(client: Client, case_id: int) -> str:
    return client.get(reverse("cases:case", args=[case_id])).content.decode()


# --- work lists ---------------------------------------------------------------------------


def test_my_cases_list_shows_priority_status_area_follow_up_and_owner(
    client: Client, case: Case, village_officer: Actor
) -> None:
    response = signed_in(client, village_officer).get(reverse("cases:work"))
    assert response.status_code == 200
    [row] = response.context["rows"]
    first_follow_up = FollowUp.objects.filter(case=case).order_by("due_on").first()
    assert first_follow_up is not None
    assert (
        row.id,
        row.name,
        row.priority_label,
        row.status_label,
        row.place,
        row.next_follow_up,
        row.owner,
    ) == (case.pk, NAME, "High", "Open", "Talangagung", first_follow_up.due_on, "Test Case worker")
    assert [key for key, _label in response.context["tabs"]] == [
        "mine",
        "due",
        "new",
        "unassigned",
    ]


@pytest.mark.parametrize("persona", ["analyst", "provider_staff", "auditor"])
def test_roles_without_cases_do_not_find_the_lists(
    request: pytest.FixtureRequest, client: Client, world: World, persona: str
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    assert signed_in(client, actor).get(reverse("cases:work")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get(reverse("cases:work"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_restricted_case_is_never_named_in_the_lists(
    client: Client, siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    restricted = open_case(village_officer, siti_, sensitivity="restricted", priority="urgent")
    FollowUp.objects.filter(case=restricted, months_after_return=1).update(
        due_on=TODAY - dt.timedelta(days=2)
    )
    signed_in(client, district_supervisor)
    label = f"Restricted case {restricted.pk}"
    for query in ("?list=unassigned", "?list=due&everyone=1", "?list=workload"):
        html = client.get(reverse("cases:work") + query).content.decode()
        assert NAME not in html
        assert "Siti" not in html
    unassigned = client.get(reverse("cases:work") + "?list=unassigned").content.decode()
    assert label in unassigned
    due = client.get(reverse("cases:work") + "?list=due&everyone=1")
    assert [row.case.name for row in due.context["due_rows"]] == [label]
    assert "overdue" in due.content.decode()
    # The case page itself, for the cleared supervisor, names the person (and is audited).
    assert NAME in page(client, restricted.pk)
    assert AuditEvent.objects.filter(action="cases.viewed", subject_id=str(restricted.pk)).count()


def test_due_list_is_the_actor_own_unless_a_supervisor_asks_for_everyone(
    client: Client, case: Case, village_officer: Actor, district_supervisor: Actor
) -> None:
    FollowUp.objects.filter(case=case, months_after_return=1).update(due_on=TODAY)
    signed_in(client, district_supervisor)
    mine = client.get(reverse("cases:work") + "?list=due")
    everyone = client.get(reverse("cases:work") + "?list=due&everyone=1")
    assert mine.context["due_rows"] == []
    assert [row.case.id for row in everyone.context["due_rows"]] == [case.pk]
    # A case worker asking for everyone's gets their own.
    signed_in(client, village_officer)
    own = client.get(reverse("cases:work") + "?list=due&everyone=1")
    assert (own.context["everyone"], [r.case.id for r in own.context["due_rows"]]) == (
        False,
        [case.pk],
    )


def test_the_workload_tab_is_for_supervisors(
    client: Client, world: World, siti_: Person, village_officer: Actor
) -> None:
    supervisor = person(world.village, Role.SUPERVISOR, username="village_supervisor")
    open_case(village_officer, siti_, priority="urgent")
    response = signed_in(client, supervisor).get(reverse("cases:work") + "?list=workload")
    assert [(w.owner_name, w.open, w.urgent) for w in response.context["workload"]] == [
        ("Test Case worker", 1, 1)
    ]
    worker = signed_in(client, village_officer).get(reverse("cases:work") + "?list=workload")
    assert worker.context["tab"] == "mine"  # not offered: the own list instead


def test_htmx_switches_tabs_with_the_list_only(
    client: Client, case: Case, village_officer: Actor
) -> None:
    response = signed_in(client, village_officer).get(
        reverse("cases:work") + "?list=unassigned", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'aria-current="page">Unassigned in my area' in html


def test_the_list_page_keeps_its_query_count(
    client: Client, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer)

    def cost(count: int, tab: str) -> int:
        for index in range(count):
            who = register(village_officer, full_name=f"Rina {tab} {index}")
            made = open_case(village_officer, who)
            FollowUp.objects.filter(case=made, months_after_return=1).update(due_on=TODAY)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("cases:work") + f"?list={tab}")
        assert response.status_code == 200
        return len(queries)

    assert cost(1, "mine") == cost(3, "mine")
    assert cost(1, "due") == cost(3, "due")


# --- the case page ------------------------------------------------------------------------


def test_the_case_page_shows_the_case(client: Client, case: Case, village_officer: Actor) -> None:
    response = signed_in(client, village_officer).get(reverse("cases:case", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Case {case.pk}: {NAME}" in html
    assert "urgent because: no safe place to stay" in html
    assert [value for value, _label in response.context["transitions"]] == ["mark_assessed"]
    assert response.context["may_close"] is True
    assert "Case opened" in html  # the history


@pytest.mark.parametrize("persona", ["outsider", "analyst", "provider_staff"])
def test_those_who_may_not_see_the_case_get_not_found(
    request: pytest.FixtureRequest, client: Client, case: Case, persona: str
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    response = signed_in(client, actor).get(reverse("cases:case", args=[case.pk]))
    assert response.status_code == 404
    assert NAME not in response.content.decode()


def test_an_outsider_gets_not_found_and_is_audited(
    client: Client, case: Case, outsider: Actor
) -> None:
    assert signed_in(client, outsider).get(reverse("cases:case", args=[case.pk])).status_code == 404
    assert denials(case.pk) == 1


def test_a_case_worker_without_clearance_does_not_find_a_restricted_case(
    client: Client, siti_: Person, village_officer: Actor
) -> None:
    restricted = open_case(village_officer, siti_, sensitivity="restricted")
    before = state(restricted.pk)
    response = signed_in(client, village_officer).get(reverse("cases:case", args=[restricted.pk]))
    assert response.status_code == 404
    assert denials(restricted.pk) == 1
    # Writing to it is no better.
    posted = client.post(
        reverse("cases:transition", args=[restricted.pk]),
        {"expected_version": 1, "transition": "mark_assessed"},
    )
    assert posted.status_code == 404
    assert state(restricted.pk) == before
    assert denials(restricted.pk) == 2


def test_a_transition_moves_the_case_on(client: Client, case: Case, village_officer: Actor) -> None:
    response = signed_in(client, village_officer).post(
        reverse("cases:transition", args=[case.pk]),
        {"expected_version": 1, "transition": "mark_assessed", "note": "screened at home"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case", args=[case.pk]) + "#status"
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == ("assessed", 2)
    assert [v for v, _l in client.get(response["Location"]).context["transitions"]] == [
        "agree_plan"
    ]


def test_a_stale_version_is_told_and_nothing_changes(
    client: Client, case: Case, village_officer: Actor
) -> None:
    case_mark_assessed(actor=village_officer, case_id=case.pk, expected_version=1)
    before = state(case.pk)
    response = signed_in(client, village_officer).post(
        reverse("cases:close", args=[case.pk]),
        {"expected_version": 1, "reason": "declined", "note": "she said she is fine"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this case after you opened it" in html
    # What the officer typed is still there, with the version now current.
    assert "she said she is fine" in html
    assert 'name="expected_version" value="2"' in html
    assert state(case.pk) == before


def test_a_step_not_allowed_from_the_status_is_refused(
    client: Client, case: Case, village_officer: Actor
) -> None:
    before = state(case.pk)
    response = signed_in(client, village_officer).post(
        reverse("cases:transition", args=[case.pk]),
        {"expected_version": 1, "transition": "start"},
    )
    assert response.status_code == 409
    assert response.context["problem"] == (
        'The case is "Open": "Support started" is not possible from there.'
    )
    assert state(case.pk) == before


def test_closing_needs_a_reason_and_reopening_a_note(
    client: Client, case: Case, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    missing = client.post(reverse("cases:close", args=[case.pk]), {"expected_version": 1})
    assert missing.status_code == 200
    assert list(missing.context["close_form"].errors) == ["reason"]
    assert Case.objects.get(pk=case.pk).status == "open"
    closed = client.post(
        reverse("cases:close", args=[case.pk]), {"expected_version": 1, "reason": "remigrated"}
    )
    assert closed.status_code == 302
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.closure_reason) == ("closed", "remigrated")
    no_note = client.post(reverse("cases:reopen", args=[case.pk]), {"expected_version": 2})
    assert list(no_note.context["reopen_form"].errors) == ["note"]
    reopened = client.post(
        reverse("cases:reopen", args=[case.pk]),
        {"expected_version": 2, "note": "came back after three months"},
    )
    assert reopened.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "open"


def test_a_case_worker_takes_an_unassigned_case(
    client: Client, world: World, siti_: Person, village_officer: Actor
) -> None:
    waiting = open_case(village_officer, siti_, assign_to_me=False)
    colleague = person(world.village, Role.CASE_WORKER, username="colleague")
    signed_in(client, colleague)
    assert client.get(reverse("cases:case", args=[waiting.pk])).context["can_take"] is True
    response = client.post(reverse("cases:take", args=[waiting.pk]), {"expected_version": 1})
    assert response.status_code == 302
    assert Case.objects.get(pk=waiting.pk).owner == colleague.user
    # Taken, it is no longer offered; taking it again is refused and changes nothing.
    assert client.get(reverse("cases:case", args=[waiting.pk])).context["can_take"] is False
    before = state(waiting.pk)
    signed_in(client, village_officer)
    again = client.post(reverse("cases:take", args=[waiting.pk]), {"expected_version": 2})
    assert again.status_code == 403
    assert state(waiting.pk) == before


def test_a_supervisor_assigns_within_the_office_and_transfers_elsewhere(
    client: Client, world: World, siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    waiting = open_case(village_officer, siti_, assign_to_me=False)
    signed_in(client, district_supervisor)
    shown = client.get(reverse("cases:case", args=[waiting.pk])).context
    assert shown["assign_form"].fields["owner"].widget.choices[1:] == [
        (str(village_officer.user.pk), "Test Case worker")
    ]
    assigned = client.post(
        reverse("cases:assign", args=[waiting.pk]),
        {"expected_version": 1, "owner": str(village_officer.user.pk)},
    )
    assert assigned.status_code == 302
    assert Case.objects.get(pk=waiting.pk).owner == village_officer.user
    # Someone outside the office cannot be given the case: said on the field.
    refused = client.post(
        reverse("cases:assign", args=[waiting.pk]),
        {"expected_version": 2, "owner": str(district_supervisor.user.pk)},
    )
    assert refused.context["assign_form"].errors["owner"] == [
        "this person does not work cases in this office, or lacks clearance for this case"
    ]
    offices = client.get(
        reverse("cases:offices", args=[waiting.pk]) + "?office_query=lombok"
    ).content.decode()
    assert "Lombok Timur office" in offices
    assert "Malang office" not in offices
    moved = client.post(
        reverse("cases:transfer", args=[waiting.pk]),
        {
            "expected_version": 2,
            "organisation": str(world.other_district.pk),
            "note": "moved to her husband's village",
        },
    )
    # Out of the supervisor's area now: back to the lists.
    assert (moved.status_code, moved["Location"]) == (302, reverse("cases:work"))
    stored = Case.objects.get(pk=waiting.pk)
    assert (stored.organisation, stored.owner) == (world.other_district, None)


def test_a_case_worker_may_not_assign_or_transfer(
    client: Client, case: Case, world: World, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    assert "assign_form" not in client.get(reverse("cases:case", args=[case.pk])).context
    before = state(case.pk)
    transfer = client.post(
        reverse("cases:transfer", args=[case.pk]),
        {"expected_version": 1, "organisation": str(world.other_district.pk), "note": "moved"},
    )
    assert transfer.status_code == 403
    assert state(case.pk) == before
    assert client.get(reverse("cases:offices", args=[case.pk])).status_code == 404


def test_the_plan_forms_show_errors_by_field_and_save(
    client: Client, case: Case, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    empty_goal = client.post(
        reverse("cases:goal_add", args=[case.pk]), {"expected_version": 1, "dimension": "economic"}
    )
    assert list(empty_goal.context["goal_form"].errors) == ["text"]
    added = client.post(
        reverse("cases:goal_add", args=[case.pk]),
        {"expected_version": 1, "dimension": "economic", "text": "Open a sewing business"},
    )
    assert added.status_code == 302
    goal = PlanGoal.objects.get(plan__case=case)
    past = client.post(
        reverse("cases:action_add", args=[case.pk, goal.pk]),
        {
            "expected_version": 2,
            "description": "Training at the BLK",
            "owner": "provider",
            "due_on": (TODAY - dt.timedelta(days=1)).isoformat(),
        },
    )
    [shown] = past.context["goals"]
    assert shown["action_form"].errors == {"due_on": ["the due date is in the past"]}
    assert PlanAction.objects.count() == 0
    client.post(
        reverse("cases:action_add", args=[case.pk, goal.pk]),
        {
            "expected_version": 2,
            "description": "Training at the BLK",
            "owner": "provider",
            "due_on": (TODAY + dt.timedelta(days=14)).isoformat(),
        },
    )
    action = PlanAction.objects.get()
    client.post(
        reverse("cases:action_status", args=[case.pk, action.pk]),
        {"expected_version": 3, "status": "in_progress"},
    )
    client.post(
        reverse("cases:goal_status", args=[case.pk, goal.pk]),
        {"expected_version": 4, "status": "achieved"},
    )
    client.post(
        reverse("cases:plan", args=[case.pk]),
        {
            "expected_version": 5,
            "returnee_words": "I want to sew at home",
            "pre_departure_plan": "",
        },
    )
    html = page(client, case.pk)
    assert (PlanAction.objects.get().status, PlanGoal.objects.get().status) == (
        "in_progress",
        "achieved",
    )
    assert "I want to sew at home" in html
    assert Case.objects.get(pk=case.pk).version == 6


@override_settings(PULANG_PLAN_APPROVAL=True)
def test_a_supervisor_approves_the_plan_where_approval_is_on(
    client: Client, case: Case, village_officer: Actor, district_supervisor: Actor
) -> None:
    goal_with_action(village_officer, case, 1)
    signed_in(client, village_officer)
    assert client.get(reverse("cases:case", args=[case.pk])).context["can_approve"] is False
    refused = client.post(reverse("cases:plan_approve", args=[case.pk]), {"expected_version": 3})
    assert refused.status_code == 403
    signed_in(client, district_supervisor)
    assert client.get(reverse("cases:case", args=[case.pk])).context["can_approve"] is True
    approved = client.post(reverse("cases:plan_approve", args=[case.pk]), {"expected_version": 3})
    assert approved.status_code == 302
    assert "Approved on" in page(client, case.pk)


def test_a_contact_attempt_is_recorded_on_a_follow_up(
    client: Client, case: Case, village_officer: Actor
) -> None:
    follow_up = FollowUp.objects.filter(case=case).order_by("due_on").first()
    assert follow_up is not None
    signed_in(client, village_officer)
    unsaid = client.post(
        reverse("cases:contact", args=[case.pk, follow_up.pk]),
        {"channel": "visit", "reached": "on", "outcome": ""},
    )
    [first, *_rest] = unsaid.context["follow_ups"]
    assert first["contact_form"].errors == {"outcome": ["this is required"]}
    done = client.post(
        reverse("cases:contact", args=[case.pk, follow_up.pk]),
        {"channel": "visit", "reached": "on", "outcome": "working at the family's warung"},
    )
    assert done.status_code == 302
    stored = FollowUp.objects.get(pk=follow_up.pk)
    assert (stored.status, stored.outcome) == ("done", "working at the family's warung")


def test_restricted_notes_are_shown_decrypted_on_the_case_page_only(
    client: Client, case: Case, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    client.post(
        reverse("cases:note", args=[case.pk]),
        {"text": "the agent kept her passport", "restricted": "on"},
    )
    note = CaseNote.objects.get()
    assert (note.restricted, note.text) == (True, "")
    assert "the agent kept her passport" in page(client, case.pk)
    assert "the agent kept her passport" not in client.get(reverse("cases:work")).content.decode()


def test_assistance_given_is_recorded(client: Client, case: Case, village_officer: Actor) -> None:
    Currency.objects.get_or_create(code="IDR", defaults={"numeric": "360", "name": "Rupiah"})
    signed_in(client, village_officer)
    no_currency = client.post(
        reverse("cases:assistance", args=[case.pk]),
        {
            "expected_version": 1,
            "kind": "transport",
            "description": "Bus fare",
            "given_on": TODAY.isoformat(),
            "amount": "150000",
        },
    )
    assert no_currency.context["assistance_form"].errors == {
        "currency": ["choose the currency of the amount"]
    }
    given = client.post(
        reverse("cases:assistance", args=[case.pk]),
        {
            "expected_version": 1,
            "kind": "transport",
            "description": "Bus fare",
            "given_on": TODAY.isoformat(),
            "amount": "150000",
            "currency": "IDR",
        },
    )
    assert given.status_code == 302
    assert "Bus fare (150000.00 IDR)" in page(client, case.pk)


# --- the person page and opening a case ----------------------------------------------------


def test_a_case_is_opened_from_the_person_page(
    client: Client, siti_: Person, village_officer: Actor
) -> None:
    signed_in(client, village_officer)
    person_page = client.get(reverse("registry:person", args=[siti_.pk])).content.decode()
    assert reverse("cases:open", args=[siti_.pk]) in person_page
    form = client.get(reverse("cases:open", args=[siti_.pk]))
    item = siti_.returns.get()  # type: ignore[attr-defined]
    assert form.context["form"].initial["return_id"] == str(item.pk)
    missing = client.post(
        reverse("cases:open", args=[siti_.pk]), {"priority": "high", "sensitivity": "standard"}
    )
    assert sorted(missing.context["form"].errors) == ["reason"]
    response = client.post(
        reverse("cases:open", args=[siti_.pk]),
        {
            "return_id": str(item.pk),
            "priority": "medium",
            "sensitivity": "standard",
            "reason": "asks for help finding work",
        },
    )
    opened = Case.objects.get()
    assert response["Location"] == reverse("cases:case", args=[opened.pk])
    assert (opened.priority, opened.owner, opened.return_record) == (
        "medium",
        village_officer.user,
        item,
    )
    # A second one for the same return: told, nothing saved.
    again = client.post(
        reverse("cases:open", args=[siti_.pk]),
        {"return_id": str(item.pk), "priority": "low", "sensitivity": "standard", "reason": "x"},
    )
    assert again.status_code == 409
    assert Case.objects.count() == 1
    timeline = client.get(reverse("registry:person", args=[siti_.pk])).content.decode()
    assert reverse("cases:case", args=[opened.pk]) in timeline


def test_the_person_page_lists_restricted_cases_only_to_those_with_clearance(
    client: Client, siti_: Person, village_officer: Actor, district_supervisor: Actor
) -> None:
    restricted = open_case(village_officer, siti_, sensitivity="restricted")
    link = reverse("cases:case", args=[restricted.pk])
    assert (
        link
        not in signed_in(client, village_officer)
        .get(reverse("registry:person", args=[siti_.pk]))
        .content.decode()
    )
    assert (
        link
        in signed_in(client, district_supervisor)
        .get(reverse("registry:person", args=[siti_.pk]))
        .content.decode()
    )


def test_roles_without_cases_see_no_cases_and_may_not_open_one(
    client: Client, siti_: Person, district_auditor: Actor, analyst: Actor
) -> None:
    signed_in(client, analyst)
    assert client.get(reverse("cases:open", args=[siti_.pk])).status_code == 404
    assert Case.objects.count() == 0


def test_an_outsider_may_not_open_a_case_for_someone_out_of_reach(
    client: Client, siti_: Person, outsider: Actor
) -> None:
    signed_in(client, outsider)
    response = client.post(
        reverse("cases:open", args=[siti_.pk]),
        {"priority": "high", "sensitivity": "standard", "reason": "x"},
    )
    assert response.status_code == 404
    assert Case.objects.count() == 0


def test_the_menu_offers_cases_to_those_who_work_them(
    client: Client, world: World, village_officer: Actor, analyst: Actor
) -> None:
    labels = [
        str(i["label"])
        for i in signed_in(client, village_officer)
        .get(reverse("dashboard:home"))
        .context["nav_items"]
    ]
    assert "Cases" in labels
    labels = [
        str(i["label"])
        for i in signed_in(client, analyst).get(reverse("dashboard:home")).context["nav_items"]
    ]
    assert "Cases" not in labels
