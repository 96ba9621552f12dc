"""The referral pages.

- Case side: from a case, find a service for a need (suggestions ranked, with why) and
  send the referral; follow it, withdraw it, write down the returnee's feedback; the
  referrals one sent, with reminders.
- Provider side: the inbox (new, in hand, done), one referral with what the provider may
  know, and each step: accept, decline, start, record the outcome, close as a no-show.
- Figures: the funnel by provider, service or area, and the gaps.

A referral or case the user may not reach does not exist for them (404; the selectors
audit it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pulang.cases.selectors import case_get_for_actor, case_plan_actions
from pulang.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.referrals.codes import STEPS, ClosureReason, ServiceType, Status, Step
from pulang.referrals.forms_referrals import (
    CloseForm,
    CompleteForm,
    DeclineForm,
    FeedbackForm,
    FindForm,
    SendForm,
    StepForm,
    apply_errors,
)
from pulang.referrals.policies import Capability, can, is_provider_side
from pulang.referrals.presenters import entry_name, event_sentence
from pulang.referrals.selectors.referrals import (
    BY,
    INBOX_STATUSES,
    InboxTab,
    provider_inbox,
    provider_inbox_counts,
    provider_referral_get,
    provider_view,
    referral_funnel,
    referral_get_for_case,
    reminders_unseen,
    service_gaps,
    services_suggest,
)
from pulang.referrals.selectors.work import referrals_sent, suggestion_for, types_recommended
from pulang.referrals.services.referrals import (
    referral_feedback,
    referral_send,
    referral_step,
    reminder_seen,
)
from pulang.registry.codes import ConsentPurpose
from pulang.registry.selectors import consent_in_force

PER_PAGE = 50


def _actor_may(request: HttpRequest, capability: Capability) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not can(actor, capability):
        raise Http404
    return actor


@login_required
@require_GET
def home_view(request: HttpRequest) -> HttpResponse:
    """Where "Referrals" in the menu leads: the provider's inbox, the case worker's sent
    referrals, or the figures."""
    actor: Actor | None = getattr(request, "actor", None)
    if actor is not None and is_provider_side(actor):
        return redirect("referrals:inbox")
    if actor is not None and can(actor, Capability.REFER):
        return redirect("referrals:sent")
    if actor is not None and can(actor, Capability.VIEW_FIGURES):
        return redirect("referrals:figures")
    raise Http404


# --- the case side ------------------------------------------------------------------------


def _case_or_404(actor: Actor, case_id: int) -> Any:
    try:
        return case_get_for_actor(actor=actor, case_id=case_id)
    except NotFound as error:
        raise Http404 from error


@login_required
@require_GET
def find_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Services for one need of the case's returnee, the best first, each with why."""
    actor = _actor_may(request, Capability.REFER)
    case = _case_or_404(actor, case_id)
    actions = [(a.pk, a.description) for a in case_plan_actions(case=case)]
    recommended = types_recommended(case)
    initial = {"service_type": recommended[0]} if recommended else {}
    form = FindForm(request.GET or None, actions=actions, initial=initial)
    suggestions: list[Any] = []
    service_type = ""
    if form.is_valid():
        service_type = form.cleaned_data["service_type"]
        suggestions = services_suggest(actor=actor, case_id=case.pk, service_types=[service_type])
    labels = dict(ServiceType.choices)
    return render(
        request,
        "referrals/case/find.html",
        {
            "case": case,
            "form": form,
            "searched": form.is_bound and form.is_valid(),
            "service_type_label": labels.get(service_type, ""),
            "action_id": form.cleaned_data.get("action")
            if form.is_bound and form.is_valid()
            else None,
            "recommended": [(t, labels[t]) for t in recommended],
            "rows": [
                {"suggestion": s, "name": entry_name(s.service), "service": s.service}
                for s in suggestions
            ],
        },
    )


@login_required
def send_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The referral to one service: what the provider will be told, and the consent."""
    actor = _actor_may(request, Capability.REFER)
    case = _case_or_404(actor, case_id)
    data = request.POST if request.method == "POST" else None
    form = SendForm(data, initial=request.GET.dict())
    service_id = request.POST.get("service") or request.GET.get("service", "")
    suggestion = suggestion_for(actor=actor, case_id=case.pk, service_id=service_id)
    if suggestion is None:
        raise Http404
    consent = consent_in_force(person_id=case.person_id, purpose=ConsentPurpose.REFERRAL_SHARING)
    may_override = can(actor, Capability.OVERRIDE_CONSENT)
    if consent is not None or not may_override:
        del form.fields["override_reason"]
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            referral_send(
                actor=actor,
                case_id=case.pk,
                service_id=form.cleaned_data["service"],
                action_id=form.cleaned_data["action"],
                shared_note=form.cleaned_data["shared_note"],
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
            status = 422
        except DomainError as error:
            form.add_error(None, error.text)
            status = error.status
        else:
            messages.success(request, _("The referral has been sent to the provider."))
            return redirect(reverse("cases:case", args=[case.pk]) + "#referrals")
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "referrals/case/send.html",
        {
            "case": case,
            "form": form,
            "suggestion": suggestion,
            "name": entry_name(suggestion.service),
            "consent": consent,
            "may_override": may_override,
        },
        status=status,
    )


def _referral_or_404(actor: Actor, referral_id: int) -> Any:
    try:
        return referral_get_for_case(actor=actor, referral_id=referral_id)
    except NotFound as error:
        raise Http404 from error


def _referral_page(
    request: HttpRequest,
    actor: Actor,
    referral_id: int,
    *,
    bound: dict[str, forms.Form] | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    referral = _referral_or_404(actor, referral_id)
    bound = bound or {}
    is_open = referral.status in (Status.SENT, Status.ACCEPTED, Status.IN_SERVICE)
    ratable = referral.status in (Status.IN_SERVICE, Status.COMPLETED, Status.CLOSED)
    return render(
        request,
        "referrals/case/referral.html",
        {
            "referral": referral,
            "name": entry_name(referral.service),
            "problem": problem,
            "events": [(e, event_sentence(e)) for e in referral.events.select_related("by")],
            "close_form": bound.get("close") or CloseForm(auto_id="close-%s") if is_open else None,
            "feedback_form": (
                bound.get("feedback") or FeedbackForm(auto_id="feedback-%s")
                if ratable and referral.satisfaction is None
                else None
            ),
        },
        status=status,
    )


@login_required
@require_GET
def referral_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_page(request, _actor_may(request, Capability.REFER), referral_id)


@login_required
@require_POST
def withdraw_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The case worker closes an open referral: the returnee no longer wants it."""
    actor = _actor_may(request, Capability.REFER)
    form = CloseForm(request.POST, auto_id="close-%s")

    def write(d: dict[str, Any]) -> object:
        return referral_step(
            actor=actor,
            referral_id=referral_id,
            expected_version=d["expected_version"],
            step=Step.CLOSE,
            reason=ClosureReason.WITHDRAWN,
        )

    return _case_side_submit(
        request, actor, referral_id, "close", form, write, _("The referral has been withdrawn.")
    )


@login_required
@require_POST
def feedback_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    actor = _actor_may(request, Capability.REFER)
    form = FeedbackForm(request.POST, auto_id="feedback-%s")

    def write(d: dict[str, Any]) -> object:
        return referral_feedback(
            actor=actor,
            referral_id=referral_id,
            expected_version=d["expected_version"],
            satisfaction=d["satisfaction"],
            comment=d["comment"],
        )

    return _case_side_submit(
        request, actor, referral_id, "feedback", form, write, _("The feedback has been recorded.")
    )


def _case_side_submit(
    request: HttpRequest,
    actor: Actor,
    referral_id: int,
    key: str,
    form: forms.Form,
    write: Any,
    done: str,
) -> HttpResponse:
    _referral_or_404(actor, referral_id)  # refusals audited outside the write
    problem, status = "", 422
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except DomainError as error:
            problem, status = error.text, error.status
        else:
            messages.success(request, done)
            return redirect("referrals:referral", referral_id=referral_id)
    return _referral_page(
        request, actor, referral_id, bound={key: form}, problem=problem, status=status
    )


@login_required
@require_GET
def sent_view(request: HttpRequest) -> HttpResponse:
    """The referrals the case worker sent, with the reminders about them."""
    actor = _actor_may(request, Capability.REFER)
    page = Paginator(referrals_sent(actor=actor), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/case/sent.html",
        {
            "page": page,
            "rows": [{"referral": r, "name": entry_name(r.service)} for r in page],
            "reminders": list(reminders_unseen(actor=actor)[:20]),
            "can_see_figures": can(actor, Capability.VIEW_FIGURES),
        },
    )


@login_required
@require_POST
def reminder_seen_view(request: HttpRequest, reminder_id: int) -> HttpResponse:
    actor = getattr(request, "actor", None)
    if actor is None:
        raise Http404
    try:
        reminder_seen(actor=actor, reminder_id=reminder_id)
    except NotFound as error:
        raise Http404 from error
    # Back to the referral page it was marked seen on; never to another site.
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("referrals:home")
    return redirect(back)


# --- the provider side --------------------------------------------------------------------


@login_required
@require_GET
def inbox_view(request: HttpRequest) -> HttpResponse:
    actor = _actor_may(request, Capability.RESPOND)
    tab = request.GET.get("tab", InboxTab.NEW)
    if tab not in INBOX_STATUSES:
        tab = InboxTab.NEW
    page = Paginator(provider_inbox(actor=actor, tab=tab), PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    return render(
        request,
        "referrals/inbox/inbox.html",
        {
            "tab": tab,
            "tabs": [
                (InboxTab.NEW, _("New")),
                (InboxTab.ACTIVE, _("In hand")),
                (InboxTab.DONE, _("Done")),
            ],
            "counts": provider_inbox_counts(actor=actor),
            "page": page,
            "rows": [
                {"view": provider_view(r, today), "name": entry_name(r.service)} for r in page
            ],
            "reminders": list(reminders_unseen(actor=actor)[:20]),
            "can_see_figures": can(actor, Capability.VIEW_FIGURES),
        },
    )


def _inbox_page(
    request: HttpRequest,
    actor: Actor,
    referral_id: int,
    *,
    bound: dict[str, forms.Form] | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    try:
        view = provider_referral_get(actor=actor, referral_id=referral_id)
    except NotFound as error:
        raise Http404 from error
    bound = bound or {}
    referral = view.referral
    possible = {step for step, (sources, _target) in STEPS.items() if referral.status in sources}
    return render(
        request,
        "referrals/inbox/referral.html",
        {
            "view": view,
            "referral": referral,
            "name": entry_name(referral.service),
            "problem": problem,
            "can_accept": Step.ACCEPT in possible,
            "can_start": Step.START in possible,
            "decline_form": (bound.get("decline") or DeclineForm(auto_id="decline-%s"))
            if Step.DECLINE in possible
            else None,
            "complete_form": (bound.get("complete") or CompleteForm(auto_id="complete-%s"))
            if Step.COMPLETE in possible
            else None,
            "no_show": Step.CLOSE in possible,
        },
        status=status,
    )


@login_required
@require_GET
def inbox_referral_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _inbox_page(request, _actor_may(request, Capability.RESPOND), referral_id)


_STEP_FORMS: dict[str, type[forms.Form]] = {
    Step.ACCEPT: StepForm,
    Step.START: StepForm,
    Step.DECLINE: DeclineForm,
    Step.COMPLETE: CompleteForm,
    Step.CLOSE: StepForm,
}
_DONE: dict[str, str | Promise] = {
    Step.ACCEPT: gettext_lazy("You have accepted the referral: contact the returnee."),
    Step.DECLINE: gettext_lazy("You have declined the referral; the case worker is told why."),
    Step.START: gettext_lazy("The service has started."),
    Step.COMPLETE: gettext_lazy("The outcome has been recorded. Thank you."),
    Step.CLOSE: gettext_lazy("The referral is closed: the returnee did not come."),
}


@login_required
@require_POST
def step_view(request: HttpRequest, referral_id: int, step: str) -> HttpResponse:
    """One step of the provider, from the referral's page."""
    actor = _actor_may(request, Capability.RESPOND)
    if step not in _STEP_FORMS:
        raise Http404
    # Another provider's referral is "not found": the service refuses it (audited) before
    # its write, and the page shown again with the form's errors reads it the same way.
    form = _STEP_FORMS[step](request.POST, auto_id=f"{step}-%s")
    problem, status = "", 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral_step(
                actor=actor,
                referral_id=referral_id,
                expected_version=data["expected_version"],
                step=step,
                reason=ClosureReason.NO_SHOW if step == Step.CLOSE else data.get("reason", ""),
                outcome=data.get("outcome", ""),
                note=data.get("note", ""),
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except DomainError as error:
            problem, status = error.text, error.status
        else:
            messages.success(request, str(_DONE[step]))
            if step == Step.DECLINE:
                return redirect("referrals:inbox")
            return redirect("referrals:inbox_referral", referral_id=referral_id)
    if form.errors and step in (Step.ACCEPT, Step.START, Step.CLOSE):
        problem = problem or " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _inbox_page(
        request, actor, referral_id, bound={step: form}, problem=problem, status=status
    )


# --- figures ------------------------------------------------------------------------------


@login_required
@require_GET
def figures_view(request: HttpRequest) -> HttpResponse:
    actor = _actor_may(request, Capability.VIEW_FIGURES)
    by = request.GET.get("by", "provider")
    if by not in BY:
        by = "provider"
    try:
        gaps = [] if is_provider_side(actor) else service_gaps(actor=actor)
        funnel = referral_funnel(actor=actor, by=by)
    except PermissionDenied as error:
        raise Http404 from error
    return render(
        request,
        "referrals/figures.html",
        {
            "by": by,
            "views": [
                ("provider", _("By provider")),
                ("service_type", _("By service")),
                ("area", _("By area")),
            ],
            "funnel": funnel,
            "gaps": gaps,
            "show_gaps": not is_provider_side(actor),
        },
    )
