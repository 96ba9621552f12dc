"""The assessment pages: a person's assessments (the timeline the person page links to),
choosing a questionnaire and filling it in, and one assessment's result. A person or an
assessment the user may not see does not exist for them (404; the selectors audit it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pulang.assessments.codes import Priority, Setting
from pulang.assessments.errors import UnknownInstrument
from pulang.assessments.forms import AnswersForm, StartForm, apply_errors
from pulang.assessments.policies import Capability, assesses_abroad, can, may_see_assessment
from pulang.assessments.presenters import (
    TimelineRow,
    instrument_summary,
    instrument_title,
    questionnaire,
    result_view,
    return_label,
    ruled_out_by_facts,
    timeline_rows,
)
from pulang.assessments.selectors import (
    PersonAssessments,
    assessment_facts,
    assessment_get_for_actor,
    instrument_definition,
    instrument_version_get,
    instruments_current,
    person_assessments,
)
from pulang.assessments.services import assessment_record
from pulang.errors import InvalidInput, NotFound
from pulang.registry.errors import PersonMerged

if TYPE_CHECKING:
    from pulang.assessments.models import InstrumentVersion
    from pulang.orgs.actor import Actor

# Priorities that open a case for the return (or raise the case already open).
OPENS_A_CASE = frozenset({Priority.URGENT, Priority.HIGH})


def _actor_may(request: HttpRequest, capability: Capability) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not can(actor, capability):
        raise Http404
    return actor


def _language() -> str:
    return translation.get_language() or "en"


@login_required
def person_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person's assessments, newest first; only the list for an htmx request (the
    person page's timeline can load it in place)."""
    actor = _actor_may(request, Capability.VIEW)
    try:
        subject = person_assessments(actor=actor, person_id=person_id)
    except PersonMerged as merged:
        return redirect("assessments:person", person_id=merged.survivor_id)
    except NotFound as error:
        raise Http404 from error
    rows: list[TimelineRow] = timeline_rows(subject.assessments, _language())
    template = (
        "assessments/_timeline.html"
        if request.headers.get("HX-Request")
        else "assessments/person.html"
    )
    return render(
        request,
        template,
        {
            "person": subject.person,
            "rows": rows,
            "can_record": can(actor, Capability.RECORD) and bool(subject.returns),
        },
    )


@login_required
def new_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """Without a questionnaire chosen: the current questionnaires and the person's
    returns to choose from. With one (``?instrument=…&return=…``): the questionnaire."""
    actor = _actor_may(request, Capability.RECORD)
    try:
        subject = person_assessments(actor=actor, person_id=person_id)
    except PersonMerged as merged:
        target = reverse("assessments:new", kwargs={"person_id": merged.survivor_id})
        return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)
    except NotFound as error:
        raise Http404 from error
    language = _language()
    current = instruments_current()
    start = StartForm(
        request.GET if "instrument" in request.GET else None,
        instruments=[(v.instrument.code, instrument_title(v, language)) for v in current],
        returns=[(item.pk, return_label(item)) for item in subject.returns],
    )
    context: dict[str, Any] = {
        "person": subject.person,
        "start": start,
        "has_returns": bool(subject.returns),
        "setting_label": Setting.ABROAD.label if assesses_abroad(actor) else Setting.HOME.label,
    }
    if not start.is_bound or not start.is_valid() or not subject.returns:
        context["instruments"] = [instrument_summary(v, language) for v in current]
        return render(request, "assessments/choose.html", context)
    code: str = start.cleaned_data["instrument"]
    return_id: int = start.cleaned_data["return"]
    version = request.POST.get("version", "")
    try:
        stored = instrument_version_get(
            code=code, version=int(version) if version.isdigit() else None
        )
    except UnknownInstrument as error:
        raise Http404 from error
    return _questionnaire(request, actor, subject, stored, return_id, context)


def _questionnaire(
    request: HttpRequest,
    actor: Actor,
    subject: PersonAssessments,
    stored: InstrumentVersion,
    return_id: int,
    context: dict[str, Any],
) -> HttpResponse:
    language = _language()
    definition = instrument_definition(stored)
    today = timezone.localdate()
    facts = assessment_facts(subject.person, today=today)
    form = AnswersForm(
        request.POST if request.method == "POST" else None,
        instrument=definition,
        language=language,
        today=today,
        omitted=ruled_out_by_facts(definition, facts),
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessment_record(
                actor=actor,
                person_id=subject.person.pk,
                return_id=return_id,
                instrument=stored.instrument.code,
                answers=form.answers(),
                version=stored.version,
            )
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except NotFound as error:
            raise Http404 from error
        else:
            messages.success(request, _("The assessment has been recorded."))
            return redirect("assessments:detail", assessment_id=assessment.pk)
    earlier = next(
        (
            a
            for a in subject.assessments
            if a.return_event_id == return_id
            and a.instrument_version.instrument_id == stored.instrument_id
        ),
        None,
    )
    the_return = next(item for item in subject.returns if item.pk == return_id)
    context.update(
        form=form,
        stored=stored,
        instrument=instrument_summary(stored, language),
        sections=questionnaire(form, stored.definition, language),
        facts=facts,
        return_id=return_id,
        return_label=return_label(the_return),
        earlier=earlier,
        action=f"?{urlencode({'instrument': stored.instrument.code, 'return': return_id})}",
    )
    return render(request, "assessments/form.html", context)


@login_required
def detail_view(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The result: priority and why, need levels with the rules that set them, services
    in the order they come, where and by whom, the answers, and the assessment before."""
    actor = _actor_may(request, Capability.VIEW)
    try:
        assessment = assessment_get_for_actor(actor=actor, assessment_id=assessment_id)
    except NotFound as error:
        raise Http404 from error
    language = _language()
    previous = assessment.previous
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": assessment,
            "person": assessment.return_event.person,
            "result": result_view(
                assessment, instrument_definition(assessment.instrument_version), language
            ),
            "return_label": return_label(assessment.return_event),
            "previous": previous if previous and may_see_assessment(actor, previous) else None,
            "opens_a_case": assessment.priority in OPENS_A_CASE,
            "can_record": can(actor, Capability.RECORD),
        },
    )
