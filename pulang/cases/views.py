"""Case pages: the work lists, one case with everything done on it, and opening a case
from the person page.

A case out of the actor's reach (or restricted, without clearance) does not exist: 404,
and the attempt is audited by the selector. Every change is a POST carrying the version
the officer saw; if a colleague changed the case meanwhile the page says so (409), shows
the case as it now is and keeps what the officer typed, so nothing is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pulang.cases.case_sections import sections_for
from pulang.cases.forms import (
    ActionForm,
    ActionStatusForm,
    AssignForm,
    AssistanceForm,
    CloseForm,
    ContactForm,
    GoalForm,
    GoalStatusForm,
    NoteForm,
    OpenCaseForm,
    PlanForm,
    ReopenForm,
    TransferForm,
    TransitionForm,
    VersionedForm,
    apply_errors,
)
from pulang.cases.policies import Capability, can, may_own_case, may_see_case
from pulang.cases.presenters import (
    case_assessment,
    case_row,
    due_row,
    event_sentence,
    forward_transitions,
    may_close,
    return_choice_label,
    user_name,
)
from pulang.cases.selectors import (
    case_check_reach,
    case_file,
    case_get_for_actor,
    case_note_text,
    case_open_choices,
    case_owner_choices,
    case_workload,
    cases_mine,
    cases_new_from_abroad,
    cases_unassigned,
    follow_ups_due,
    transfer_office_choices,
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
from pulang.errors import DomainError, InvalidInput, NotFound
from pulang.orgs.actor import Actor
from pulang.reference.selectors import currency_list

PER_PAGE = 50


def _actor_may(request: HttpRequest, capability: Capability = Capability.VIEW_CASES) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not can(actor, capability):
        raise Http404
    return actor


# --- work lists ---------------------------------------------------------------------------


def _tabs(actor: Actor) -> list[tuple[str, str]]:
    tabs = [
        ("mine", _("My cases")),
        ("due", _("Due and overdue")),
        ("new", _("New from abroad")),
        ("unassigned", _("Unassigned in my area")),
    ]
    if can(actor, Capability.ASSIGN_CASES):
        tabs.append(("workload", _("Workload of the office")))
    return tabs


@login_required
@require_GET
def work_view(request: HttpRequest) -> HttpResponse:
    """The case worker's and supervisor's lists, one tab at a time."""
    actor = _actor_may(request)
    tabs = _tabs(actor)
    tab = request.GET.get("list", "mine")
    if tab not in dict(tabs):
        tab = "mine"
    supervising = can(actor, Capability.ASSIGN_CASES)
    everyone = supervising and request.GET.get("everyone") == "1"
    today = timezone.localdate()
    context: dict[str, Any] = {
        "tabs": tabs,
        "tab": tab,
        "tab_label": dict(tabs)[tab],
        "supervising": supervising,
        "everyone": everyone,
        "today": today,
    }
    if tab == "workload":
        context["workload"] = case_workload(actor=actor, today=today)
    elif tab == "due":
        due = Paginator(
            follow_ups_due(actor=actor, today=today, everyone=everyone), PER_PAGE
        ).get_page(request.GET.get("page"))
        context.update(page=due, due_rows=[due_row(f, today) for f in due])
    else:
        select = {"mine": cases_mine, "new": cases_new_from_abroad, "unassigned": cases_unassigned}
        page = Paginator(select[tab](actor=actor), PER_PAGE).get_page(request.GET.get("page"))
        context.update(page=page, rows=[case_row(c) for c in page])
    # htmx swaps only the list; restoring history it needs the whole page.
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    response = render(request, "cases/_work_list.html" if partial else "cases/work.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- one case -----------------------------------------------------------------------------


def _choices_of_owners(actor: Actor, case: Any) -> list[tuple[str, str]]:
    return [(str(u.pk), user_name(u)) for u in case_owner_choices(actor=actor, case=case)]


def _choices_of_offices(actor: Actor, case: Any, query: str = "") -> list[tuple[str, str]]:
    return [
        (str(o.pk), o.name) for o in transfer_office_choices(actor=actor, case=case, query=query)
    ]


def _currencies() -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} — {c.name}") for c in currency_list()]


def _case_page(
    request: HttpRequest,
    actor: Actor,
    case_id: int,
    *,
    bound: dict[str, forms.Form] | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    try:
        file = case_file(actor=actor, case_id=case_id)
    except NotFound as error:
        raise Http404 from error
    case = file.case
    bound = bound or {}
    can_work = can(actor, Capability.WORK_CASES)
    can_assign = can(actor, Capability.ASSIGN_CASES)
    is_open = not case.is_closed
    approval = bool(settings.PULANG_PLAN_APPROVAL)
    has_actions = any(goal.actions.all() for goal in file.goals)

    def form(key: str, make: Callable[[], forms.Form]) -> forms.Form:
        return bound.get(key) or make()

    plan = file.plan
    goals = []
    for goal in file.goals:
        action_form = bound.get(f"action:{goal.pk}") or ActionForm(auto_id=f"action-{goal.pk}-%s")
        goals.append(
            {"goal": goal, "actions": list(goal.actions.all()), "action_form": action_form}
        )
    follow_ups = []
    for follow_up in file.follow_ups:
        contact_form = bound.get(f"contact:{follow_up.pk}") or ContactForm(
            auto_id=f"contact-{follow_up.pk}-%s"
        )
        follow_ups.append(
            {
                "follow_up": follow_up,
                "attempts": list(follow_up.attempts.all()),
                "contact_form": contact_form,
            }
        )
    context: dict[str, Any] = {
        "file": file,
        "case": case,
        "person": case.person,
        "assessment": case_assessment(case),
        "problem": problem,
        "is_open": is_open,
        "can_work": can_work,
        "can_assign": can_assign,
        "can_take": can_work and is_open and case.owner_id is None and may_own_case(actor, case),
        "transitions": forward_transitions(case) if can_work else [],
        "may_close": can_work and may_close(case),
        "transition_form": form("transition", lambda: TransitionForm(auto_id="transition-%s")),
        "close_form": form("close", lambda: CloseForm(auto_id="close-%s")),
        "reopen_form": form("reopen", lambda: ReopenForm(auto_id="reopen-%s")),
        "plan": plan,
        "plan_form": form(
            "plan",
            lambda: PlanForm(
                auto_id="plan-%s",
                initial={
                    "returnee_words": plan.returnee_words if plan else "",
                    "pre_departure_plan": plan.pre_departure_plan if plan else "",
                },
            ),
        ),
        "goal_form": form("goal", lambda: GoalForm(auto_id="goal-%s")),
        "goals": goals,
        "goal_statuses": GoalStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        "action_statuses": ActionStatusForm.base_fields["status"].choices,  # type: ignore[attr-defined]
        "approval": approval,
        "can_approve": can_assign
        and approval
        and is_open
        and has_actions
        and plan is not None
        and plan.approved_at is None,
        "follow_ups": follow_ups,
        "note_form": form("note", lambda: NoteForm(auto_id="note-%s")),
        "notes": [(note, case_note_text(note)) for note in file.notes],
        "events": [(event, event_sentence(event)) for event in file.events],
    }
    if can_work:
        context["assistance_form"] = form(
            "assistance",
            lambda: AssistanceForm(
                auto_id="assistance-%s",
                currencies=_currencies(),
                initial={"given_on": timezone.localdate()},
            ),
        )
    if can_assign and is_open:
        context["assign_form"] = form(
            "assign",
            lambda: AssignForm(
                auto_id="assign-%s",
                owners=_choices_of_owners(actor, case),
                initial={"owner": case.owner_id or ""},
            ),
        )
        context["transfer_form"] = form(
            "transfer",
            lambda: TransferForm(
                auto_id="transfer-%s",
                offices=_choices_of_offices(actor, case, request.GET.get("office_query", "")),
            ),
        )
    context["sections"] = [
        render_to_string(template, section, request)
        for template, section in sections_for(case, actor)
    ]
    return render(request, "cases/case.html", context, status=status)


@login_required
@require_GET
def case_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, _actor_may(request), case_id)


# Forms that are only a button (and a choice): nowhere on the page to show their errors.
_BUTTONS = ("take", "approve", "goal_status:", "action_status:")


def _submit(
    request: HttpRequest,
    actor: Actor,
    case_id: int,
    key: str,
    form: forms.Form,
    write: Callable[[dict[str, Any]], object],
    done: str,
    anchor: str,
) -> HttpResponse:
    """Validate, write through the service, and go back to the case; or show the case
    again with the form as filled in and the reason it was not saved."""
    try:
        case_check_reach(actor=actor, case_id=case_id)  # refusals audited outside the write
    except NotFound as error:
        raise Http404 from error
    problem, status = "", 200
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except DomainError as error:  # a colleague's change, a step not allowed, a refusal
            problem, status = error.text, error.status
        else:
            messages.success(request, done)
            return redirect(reverse("cases:case", args=[case_id]) + anchor)
    if form.errors and key.startswith(_BUTTONS):
        # A button without fields of its own: its errors go on top of the page.
        problem = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _case_page(request, actor, case_id, bound={key: form}, problem=problem, status=status)


_STEPS = {
    "mark_assessed": case_mark_assessed,
    "agree_plan": case_agree_plan,
    "start": case_start,
    "monitor": case_monitor,
}


@login_required
@require_POST
def transition_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = TransitionForm(request.POST, auto_id="transition-%s")

    def write(d: dict[str, Any]) -> object:
        return _STEPS[d["transition"]](
            actor=actor, case_id=case_id, expected_version=d["expected_version"], note=d["note"]
        )

    return _submit(
        request, actor, case_id, "transition", form, write, _("The case has moved on."), "#status"
    )


@login_required
@require_POST
def close_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = CloseForm(request.POST, auto_id="close-%s")

    def write(d: dict[str, Any]) -> object:
        return case_close(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            reason=d["reason"],
            note=d["note"],
        )

    return _submit(
        request, actor, case_id, "close", form, write, _("The case has been closed."), "#status"
    )


@login_required
@require_POST
def reopen_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = ReopenForm(request.POST, auto_id="reopen-%s")

    def write(d: dict[str, Any]) -> object:
        return case_reopen(
            actor=actor, case_id=case_id, expected_version=d["expected_version"], note=d["note"]
        )

    return _submit(
        request, actor, case_id, "reopen", form, write, _("The case has been reopened."), "#status"
    )


@login_required
@require_POST
def take_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case worker takes an unassigned case for themselves."""
    actor = _actor_may(request)
    form = VersionedForm(request.POST)

    def write(d: dict[str, Any]) -> object:
        return case_assign(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            owner_id=actor.user.pk,
        )

    return _submit(
        request, actor, case_id, "take", form, write, _("The case is yours now."), "#owner"
    )


@login_required
@require_POST
def assign_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    try:
        case = case_get_for_actor(actor=actor, case_id=case_id)
    except NotFound as error:
        raise Http404 from error
    form = AssignForm(request.POST, auto_id="assign-%s", owners=_choices_of_owners(actor, case))

    def write(d: dict[str, Any]) -> object:
        return case_assign(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            owner_id=form.owner_id(),
        )

    return _submit(
        request, actor, case_id, "assign", form, write, _("The case has been assigned."), "#owner"
    )


@login_required
@require_GET
def office_options_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The offices a case can be transferred to, filtered by name (htmx, as you type)."""
    actor = _actor_may(request, Capability.ASSIGN_CASES)
    try:
        case = case_get_for_actor(actor=actor, case_id=case_id)
    except NotFound as error:
        raise Http404 from error
    offices = _choices_of_offices(actor, case, request.GET.get("office_query", ""))
    return render(request, "cases/_office_options.html", {"offices": offices})


@login_required
@require_POST
def transfer_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """To another office: the case leaves the supervisor's reach, so back to the lists."""
    actor = _actor_may(request)
    try:
        case = case_get_for_actor(actor=actor, case_id=case_id)
    except NotFound as error:
        raise Http404 from error
    form = TransferForm(
        request.POST, auto_id="transfer-%s", offices=_choices_of_offices(actor, case)
    )
    problem, status = "", 200
    if form.is_valid():
        d = form.cleaned_data
        try:
            moved = case_transfer(
                actor=actor,
                case_id=case_id,
                expected_version=d["expected_version"],
                organisation_id=d["organisation"],
                note=d["note"],
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except DomainError as error:
            problem, status = error.text, error.status
        else:
            messages.success(
                request,
                _("The case has been transferred to %(office)s.")
                % {"office": moved.organisation.name},
            )
            if may_see_case(actor, moved):
                return redirect("cases:case", case_id=case_id)
            return redirect("cases:work")
    return _case_page(
        request, actor, case_id, bound={"transfer": form}, problem=problem, status=status
    )


# --- the plan -----------------------------------------------------------------------------


@login_required
@require_POST
def plan_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = PlanForm(request.POST, auto_id="plan-%s")

    def write(d: dict[str, Any]) -> object:
        return plan_update(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            returnee_words=d["returnee_words"],
            pre_departure_plan=d["pre_departure_plan"],
        )

    return _submit(request, actor, case_id, "plan", form, write, _("The plan is saved."), "#plan")


@login_required
@require_POST
def goal_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = GoalForm(request.POST, auto_id="goal-%s")

    def write(d: dict[str, Any]) -> object:
        return plan_goal_add(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            dimension=d["dimension"],
            text=d["text"],
        )

    return _submit(
        request, actor, case_id, "goal", form, write, _("The goal has been added."), "#plan"
    )


@login_required
@require_POST
def goal_status_view(request: HttpRequest, case_id: int, goal_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = GoalStatusForm(request.POST, auto_id=f"goal-status-{goal_id}-%s")

    def write(d: dict[str, Any]) -> object:
        return plan_goal_set_status(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            goal_id=goal_id,
            status=d["status"],
        )

    return _submit(
        request,
        actor,
        case_id,
        f"goal_status:{goal_id}",
        form,
        write,
        _("The goal's status is saved."),
        f"#goal-{goal_id}",
    )


@login_required
@require_POST
def action_add_view(request: HttpRequest, case_id: int, goal_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = ActionForm(request.POST, auto_id=f"action-{goal_id}-%s")

    def write(d: dict[str, Any]) -> object:
        return plan_action_add(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            goal_id=goal_id,
            description=d["description"],
            owner=d["owner"],
            due_on=d["due_on"],
        )

    return _submit(
        request,
        actor,
        case_id,
        f"action:{goal_id}",
        form,
        write,
        _("The action has been added."),
        f"#goal-{goal_id}",
    )


@login_required
@require_POST
def action_status_view(request: HttpRequest, case_id: int, action_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = ActionStatusForm(request.POST, auto_id=f"action-status-{action_id}-%s")

    def write(d: dict[str, Any]) -> object:
        return plan_action_set_status(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            action_id=action_id,
            status=d["status"],
        )

    return _submit(
        request,
        actor,
        case_id,
        f"action_status:{action_id}",
        form,
        write,
        _("The action's status is saved."),
        "#plan",
    )


@login_required
@require_POST
def plan_approve_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = VersionedForm(request.POST)

    def write(d: dict[str, Any]) -> object:
        return plan_approve(actor=actor, case_id=case_id, expected_version=d["expected_version"])

    return _submit(
        request, actor, case_id, "approve", form, write, _("The plan is approved."), "#plan"
    )


# --- follow-ups, notes, assistance --------------------------------------------------------


@login_required
@require_POST
def contact_view(request: HttpRequest, case_id: int, follow_up_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = ContactForm(request.POST, auto_id=f"contact-{follow_up_id}-%s")
    try:
        # The follow-up must belong to the case in the address.
        file = case_file(actor=actor, case_id=case_id)
    except NotFound as error:
        raise Http404 from error
    if follow_up_id not in {f.pk for f in file.follow_ups}:
        raise Http404

    def write(d: dict[str, Any]) -> object:
        return follow_up_record(
            actor=actor,
            follow_up_id=follow_up_id,
            channel=d["channel"],
            reached=d["reached"],
            outcome=d["outcome"],
            give_up=d["give_up"],
        )

    return _submit(
        request,
        actor,
        case_id,
        f"contact:{follow_up_id}",
        form,
        write,
        _("The contact has been recorded."),
        "#follow-ups",
    )


@login_required
@require_POST
def note_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = NoteForm(request.POST, auto_id="note-%s")

    def write(d: dict[str, Any]) -> object:
        return case_note_add(
            actor=actor, case_id=case_id, text=d["text"], restricted=d["restricted"]
        )

    return _submit(
        request, actor, case_id, "note", form, write, _("The note has been added."), "#notes"
    )


@login_required
@require_POST
def assistance_view(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor_may(request)
    form = AssistanceForm(request.POST, auto_id="assistance-%s", currencies=_currencies())

    def write(d: dict[str, Any]) -> object:
        return assistance_record(
            actor=actor,
            case_id=case_id,
            expected_version=d["expected_version"],
            kind=d["kind"],
            description=d["description"],
            given_on=d["given_on"],
            amount=d["amount"],
            currency=d["currency"],
        )

    return _submit(
        request,
        actor,
        case_id,
        "assistance",
        form,
        write,
        _("The assistance has been recorded."),
        "#assistance",
    )


# --- opening a case from the person page --------------------------------------------------


@login_required
def open_view(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _actor_may(request, Capability.OPEN_CASES)
    try:
        person, returns = case_open_choices(actor=actor, person_id=person_id)
    except NotFound as error:
        raise Http404 from error
    choices = [(str(item.pk), return_choice_label(item)) for item in returns]
    form = OpenCaseForm(
        request.POST or None,
        returns=choices,
        initial={"return_id": choices[0][0] if choices else ""},
    )
    problem, status = "", 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = case_open(
                actor=actor,
                person_id=person.pk,
                return_id=form.return_pk(),
                priority=d["priority"],
                sensitivity=d["sensitivity"],
                reason=d["reason"],
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except DomainError as error:
            problem, status = error.text, error.status
        else:
            messages.success(request, _("The case has been opened."))
            if not may_see_case(actor, case):
                messages.info(
                    request,
                    _("This case is restricted; a colleague with clearance will take it up."),
                )
                return redirect("registry:person", person_id=person.pk)
            return redirect("cases:case", case_id=case.pk)
    return render(
        request,
        "cases/open.html",
        {"form": form, "person": person, "problem": problem},
        status=status,
    )
