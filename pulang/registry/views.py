from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pulang.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from pulang.geo.selectors import area_choices_within
from pulang.orgs.actor import Actor
from pulang.reference.selectors import country_list, occupation_search
from pulang.registry.codes import Channel
from pulang.registry.errors import IntakeAlreadyDecided, PersonMerged, StaleRecord
from pulang.registry.forms import (
    ArrivalForm,
    PersonEditForm,
    RegistrationForm,
    SearchForm,
    UnmergeForm,
    apply_errors,
)
from pulang.registry.person_sections import sections_for
from pulang.registry.policies import Capability, can, can_merge_persons
from pulang.registry.presenters import intake_facts, readable_export
from pulang.registry.search import PersonQuery
from pulang.registry.selectors import (
    erasure_queue,
    intake_get_for_actor,
    intake_queue,
    person_file,
    person_get_for_actor,
    person_search,
)
from pulang.registry.services import (
    OnMatch,
    erasure_decide,
    erasure_request,
    intake_decide,
    intake_reject,
    person_export,
    person_unmerge,
    person_update,
    registration_input_from_payload,
    registration_submit,
    return_record_arrival,
)


def _actor_may(request: HttpRequest, capability: Capability) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not can(actor, capability):
        raise Http404
    return actor


def _form_choices(actor: Actor) -> dict[str, Any]:
    countries = list(country_list())
    # Sending and destination countries first: the lists people actually pick from.
    countries.sort(key=lambda c: (not (c.is_sending_country or c.is_main_destination), c.name))
    home = actor.organisation.country_id
    return {
        "countries": [(c.code, c.name) for c in countries],
        "areas": [
            (a.code, f"{'· ' * (a.level - 1)}{a.name}")
            for a in area_choices_within(root=actor.scope_area, country_code=home)
        ],
        "occupations": [(o.code, f"{o.code} {o.title_en}") for o in occupation_search(level=4)],
    }


def _outside_scope(count: int) -> str:
    return ngettext(
        "%(n)d possible match is outside your area of work; it will be reviewed centrally.",
        "%(n)d possible matches are outside your area of work; they will be reviewed centrally.",
        count,
    ) % {"n": count}


def _decision(value: str) -> tuple[OnMatch, int | None]:
    """The button pressed under the people found: "create", "link:<person id>", or a
    first check ("ask"; a waiting report's "check" only looks). A malformed link names no
    one; the service says so."""
    if value == "create":
        return OnMatch.CREATE, None
    if value.startswith("link:"):
        number = value.removeprefix("link:")
        return OnMatch.LINK, int(number) if number.isdigit() else None
    if value == "check":
        return OnMatch.CHECK, None
    return OnMatch.ASK, None


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    actor = _actor_may(request, Capability.VIEW_PERSONS)
    # POST, never GET: a name in the address would end up in server and proxy logs.
    form = SearchForm(request.POST or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        matches = person_search(
            actor=actor,
            query=PersonQuery(
                name=d["name"],
                birth_date=d["birth_date"],
                id_number=d["id_number"],
                phone=d["phone"],
                phone_region=actor.organisation.country_id,
                limit=20,
            ),
        )
    template = (
        "registry/_results.html" if request.headers.get("HX-Request") else "registry/search.html"
    )
    return render(
        request,
        template,
        {"form": form, "matches": matches, "can_register": can(actor, Capability.REGISTER)},
    )


@login_required
def register_view(request: HttpRequest) -> HttpResponse:
    actor = _actor_may(request, Capability.REGISTER)
    choices = _form_choices(actor)
    initial = {"nationality": actor.organisation.country_id}
    if actor.scope_country_code:
        # Consular officers register workers still abroad, in the post's country.
        initial.update(destination_country=actor.scope_country_code, return_status="expected")
    form = RegistrationForm(request.POST or None, initial=initial, **choices)
    context: dict[str, Any] = {"form": form, "candidates": [], "hidden_candidates": 0}
    if request.method == "POST" and form.is_valid():
        on_match, link_to = _decision(request.POST.get("decision", ""))
        channel = Channel.CONSULAR if actor.scope_country_code else Channel.STAFF
        try:
            outcome = registration_submit(
                actor=actor,
                data=form.to_input(),
                channel=channel,
                on_match=on_match,
                link_to=link_to,
            )
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except NotFound:
            form.add_error(None, _("That person is not in your area of work."))
        else:
            if outcome.person is None:
                context.update(
                    candidates=outcome.candidates, hidden_candidates=outcome.hidden_candidates
                )
            else:
                if outcome.created:
                    messages.success(request, _("The person has been registered."))
                    if outcome.hidden_candidates:
                        messages.info(request, _outside_scope(outcome.hidden_candidates))
                else:
                    messages.success(
                        request, _("The report has been added to the person's record.")
                    )
                if outcome.person.is_restricted and not actor.has_clearance:
                    messages.info(
                        request,
                        _(
                            "This record is restricted; a colleague with clearance "
                            "will follow it up."
                        ),
                    )
                    return redirect("registry:search")
                return redirect("registry:person", person_id=outcome.person.pk)
    return render(request, "registry/register.html", context)


@login_required
def person_view(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _actor_may(request, Capability.VIEW_PERSONS)
    try:
        file = person_file(actor=actor, person_id=person_id)
    except PersonMerged as merged:
        messages.info(
            request,
            _("Record %(absorbed)s has been merged into this record.") % {"absorbed": person_id},
        )
        return redirect("registry:person", person_id=merged.survivor_id)
    except NotFound as error:
        raise Http404 from error
    # What other apps keep about the person (cases, assessments), each its own section.
    sections = [
        render_to_string(template, context, request=request)
        for template, context in sections_for(file.person, actor)
    ]
    return render(
        request,
        "registry/person.html",
        {
            "file": file,
            "person": file.person,
            "sections": sections,
            "can_edit": can(actor, Capability.EDIT_PERSONS),
            "can_export": can(actor, Capability.EXPORT_PERSON_DATA),
            "can_request_erasure": can(actor, Capability.REQUEST_ERASURE),
            "can_unmerge": can_merge_persons(actor),
            "arrival_form": ArrivalForm(),
            "unmerge_form": UnmergeForm(),
        },
    )


@login_required
def person_edit_view(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _actor_may(request, Capability.EDIT_PERSONS)
    try:
        # The form shows the record: a view like the person page's.
        person = person_get_for_actor(
            actor=actor, person_id=person_id, audit_view=request.method == "GET"
        )
    except NotFound as error:
        raise Http404 from error
    initial = {
        f: getattr(person, f)
        for f in (
            "version",
            "full_name",
            "sex",
            "birth_date",
            "birth_date_precision",
            "phone",
            "address",
        )
    }
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        version, reason = d.pop("version"), d.pop("reason")
        try:
            person_update(
                actor=actor, person_id=person_id, version=version, changes=d, reason=reason
            )
        except StaleRecord as error:
            form.add_error(None, error.text)
        except InvalidInput as error:
            apply_errors(form, error.errors)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("registry:person", person_id=person_id)
    return render(request, "registry/person_edit.html", {"form": form, "person": person})


@login_required
@require_POST
def arrival_view(request: HttpRequest, return_id: int) -> HttpResponse:
    actor = _actor_may(request, Capability.EDIT_PERSONS)
    form = ArrivalForm(request.POST)
    person_id = request.POST.get("person", "")
    if form.is_valid():
        try:
            item = return_record_arrival(actor=actor, return_id=return_id, **form.cleaned_data)
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            messages.error(request, " ".join(str(e["reason"]) for e in error.errors))
        else:
            messages.success(
                request, _("The arrival has been recorded; the home office now follows up.")
            )
            person_id = str(item.person_id)
    else:
        messages.error(request, _("Give the date of arrival."))
    if not person_id.isdigit():
        return redirect("registry:search")
    return redirect("registry:person", person_id=int(person_id))


@login_required
def intake_list_view(request: HttpRequest) -> HttpResponse:
    actor = _actor_may(request, Capability.REVIEW_INTAKES)
    return render(
        request, "registry/intakes.html", {"intakes": list(intake_queue(actor=actor)[:100])}
    )


@login_required
def intake_view(request: HttpRequest, intake_id: int) -> HttpResponse:
    actor = _actor_may(request, Capability.REVIEW_INTAKES)
    try:
        intake = intake_get_for_actor(actor=actor, intake_id=intake_id, audit_view=True)
    except NotFound as error:
        raise Http404 from error
    data = registration_input_from_payload(intake.payload)
    context: dict[str, Any] = {
        "intake": intake,
        "facts": intake_facts(data, intake.area.name if intake.area else "—"),
        "candidates": None,
    }
    if request.method == "POST":
        decision = request.POST.get("decision", "check")
        try:
            if decision == "reject":
                intake_reject(
                    actor=actor, intake_id=intake_id, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("The report has been rejected."))
                return redirect("registry:intakes")
            on_match, link_to = _decision(decision)
            outcome = intake_decide(
                actor=actor, intake_id=intake_id, on_match=on_match, link_to=link_to
            )
        except InvalidInput as error:
            context["errors"] = [str(e["reason"]) for e in error.errors]
        except (IntakeAlreadyDecided, PermissionDenied, NotFound) as error:
            messages.error(request, str(error))
            return redirect("registry:intakes")
        else:
            if outcome.person is None:
                context["candidates"] = outcome.candidates
                context["hidden_candidates"] = outcome.hidden_candidates
            else:
                messages.success(request, _("The report has been registered."))
                return redirect("registry:person", person_id=outcome.person.pk)
    return render(request, "registry/intake.html", context)


@login_required
def person_export_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """A copy of everything held (right of access): a page to print, or JSON to hand over."""
    actor = _actor_may(request, Capability.EXPORT_PERSON_DATA)
    try:
        export = person_export(actor=actor, person_id=person_id)
    except NotFound as error:
        raise Http404 from error
    response: HttpResponse
    if request.GET.get("format") == "json":
        response = JsonResponse(export, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="pulang-person-{person_id}.json"'
    else:
        response = render(request, "registry/export.html", {"export": readable_export(export)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def erasure_request_view(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _actor_may(request, Capability.REQUEST_ERASURE)
    try:
        erasure_request(actor=actor, person_id=person_id, reason=request.POST.get("reason", ""))
    except NotFound as error:
        raise Http404 from error
    except InvalidInput as error:
        messages.error(request, " ".join(str(e["reason"]) for e in error.errors))
    else:
        messages.success(request, _("The request has been recorded; a supervisor will decide."))
    return redirect("registry:person", person_id=person_id)


@login_required
def erasure_list_view(request: HttpRequest) -> HttpResponse:
    actor = _actor_may(request, Capability.DECIDE_ERASURE)
    if request.method == "POST":
        request_id = request.POST.get("request", "")
        try:
            erasure_decide(
                actor=actor,
                request_id=int(request_id) if request_id.isdigit() else 0,
                approve=request.POST.get("decision") == "erase",
                note=request.POST.get("note", ""),
            )
        except (NotFound, IntakeAlreadyDecided):
            messages.error(request, _("That request is no longer open."))
        except InvalidInput as error:
            messages.error(request, " ".join(str(e["reason"]) for e in error.errors))
        else:
            messages.success(request, _("The decision has been recorded."))
        return redirect("registry:erasures")
    return render(request, "registry/erasures.html", {"requests": erasure_queue(actor=actor)})


@login_required
@require_POST
def unmerge_view(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Undo a merge from the survivor's page: a reason and an explicit confirmation."""
    actor = _actor_may(request, Capability.MERGE_PERSONS)
    form = UnmergeForm(request.POST)
    person_id = request.POST.get("person", "")
    if not form.is_valid():
        messages.error(request, _("Give the reason and confirm that you have checked."))
    else:
        try:
            merge = person_unmerge(
                actor=actor, merge_id=merge_id, reason=form.cleaned_data["reason"]
            )
        except (NotFound, PermissionDenied) as error:
            raise Http404 from error
        except InvalidInput as error:
            messages.error(request, " ".join(str(e["reason"]) for e in error.errors))
        except DomainError as error:
            messages.error(request, error.text)
        else:
            messages.success(
                request,
                _("The merge has been undone: record %(absorbed)s is separate again.")
                % {"absorbed": merge.absorbed_id},
            )
            person_id = str(merge.survivor_id)
    if not person_id.isdigit():
        return redirect("registry:search")
    return redirect("registry:person", person_id=int(person_id))
