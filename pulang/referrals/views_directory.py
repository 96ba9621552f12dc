"""Staff pages of the directory: a provider's own entries, the form to propose a new
entry or a change, taking an entry off; the approval queue, where a supervisor or
administrator of another office compares a proposal with the entry as it is and
approves or rejects it.

An entry or a proposal out of the actor's reach does not exist (404, audited by the
selector). Every change is a POST carrying the version the user saw; if someone changed
the entry meanwhile the page says so (409) and keeps what was typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pulang.errors import DomainError, InvalidInput, NotFound
from pulang.reference.selectors import language_list
from pulang.referrals.codes import ChangeStatus, Cost, EntryStatus, ProviderKind, ServiceType
from pulang.referrals.forms_directory import (
    TEXT_LABELS,
    AreaSearchForm,
    DecisionForm,
    EntryForm,
    WithdrawForm,
    apply_errors,
    entry_initial,
)
from pulang.referrals.inputs import EntryInput, languages_in_order
from pulang.referrals.policies import Capability, can, may_approve_entry, may_manage_entry
from pulang.referrals.selectors.directory import (
    ProviderEntry,
    area_names,
    area_search,
    change_check_reach,
    change_get_for_actor,
    changes_pending,
    eligibility_lines,
    entry_get_for_actor,
    entry_input_of,
    entry_text,
    language_names,
    phone_display,
    services_of_provider,
)
from pulang.referrals.services.directory import (
    service_change_decide,
    service_propose,
    service_withdraw,
)

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor
    from pulang.referrals.models import ServiceChange


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _actor_may(request: HttpRequest, capability: Capability) -> Actor:
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not can(actor, capability):
        raise Http404
    return actor


def _status(item: ProviderEntry) -> tuple[str, str]:
    """What is happening to an entry, in words, with a class for its badge."""
    service = item.service
    if service.status == EntryStatus.WITHDRAWN:
        label = _("Taken off the directory")
        if item.pending is not None:
            label = _("Taken off; a new proposal waits for approval")
        return label, "withdrawn"
    if service.status == EntryStatus.PUBLISHED:
        if item.pending is not None:
            return _("Published; a change waits for approval"), "waiting"
        return _("Published"), "published"
    if item.pending is not None:
        return _("Waiting for approval"), "waiting"
    return _("Not approved"), "rejected"


# --- a provider's own entries ------------------------------------------------------------


@login_required
@require_GET
def entries_view(request: HttpRequest) -> HttpResponse:
    """The entries of the actor's organisation, whatever their status."""
    actor = _actor_may(request, Capability.MANAGE_ENTRIES)
    language = _language()
    rows = []
    for item in services_of_provider(actor=actor):
        label, badge = _status(item)
        shown = item.pending.proposed if item.pending is not None else item.service
        rows.append(
            {
                "item": item,
                "name": entry_text(shown, language)["name"],
                "type": ServiceType(item.service.service_type).label,
                "status": label,
                "badge": badge,
            }
        )
    return render(
        request,
        "referrals/directory/entries.html",
        {
            "rows": rows,
            "organisation": actor.organisation,
            "approver": can(actor, Capability.APPROVE_ENTRIES),
        },
    )


def _language_choices(selected: list[str]) -> list[tuple[str, str]]:
    """The regional languages, and any other already chosen, by the name speakers use."""
    regional = list(language_list(regional=True).values_list("code", flat=True))
    codes = [*regional, *(code for code in selected if code not in regional)]
    names = language_names(codes)
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda c: c[1])


def _entry_form(data: Any = None, *, initial: dict[str, Any] | None = None) -> EntryForm:
    selected: list[str] = []
    if data is not None:
        selected = data.getlist("languages")
    elif initial is not None:
        selected = list(initial.get("languages", []))
    return EntryForm(
        data,
        initial=initial,
        languages=_language_choices(selected),
        language_labels=language_names(languages_in_order()),
    )


def _form_page(
    request: HttpRequest,
    actor: Actor,
    form: EntryForm,
    item: ProviderEntry | None,
    *,
    withdraw_form: WithdrawForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    if item is not None and withdraw_form is None:
        withdraw_form = WithdrawForm(
            auto_id="withdraw-%s", initial={"expected_version": item.service.version}
        )
    may_withdraw = item is not None and item.service.status != EntryStatus.WITHDRAWN
    return render(
        request,
        "referrals/directory/entry_form.html",
        {
            "form": form,
            "item": item,
            "status": _status(item)[0] if item is not None else "",
            "withdraw_form": withdraw_form if may_withdraw else None,
            "area_form": AreaSearchForm(auto_id="area-search-%s"),
            "problem": problem,
            "organisation": actor.organisation,
        },
        status=status,
    )


def _kept_entry(actor: Actor, service_id: int) -> ProviderEntry:
    """An entry the actor's organisation keeps (an approver gets 404 here: they decide on
    proposals, they do not write them)."""
    try:
        item = entry_get_for_actor(actor=actor, service_id=service_id)
    except NotFound as error:
        raise Http404 from error
    if not may_manage_entry(actor, item.service.provider):
        raise Http404
    return item


@login_required
@require_http_methods(["GET", "POST"])
def propose_view(request: HttpRequest, service_id: int | None = None) -> HttpResponse:
    """Propose a new entry, or a change to one (starting from the pending proposal, if
    any, else the entry as published)."""
    actor = _actor_may(request, Capability.MANAGE_ENTRIES)
    item = _kept_entry(actor, service_id) if service_id is not None else None
    if request.method == "GET":
        initial: dict[str, Any] = {"cost": Cost.FREE, "provider_kind": ProviderKind.NGO}
        if item is not None:
            current = (
                EntryInput.from_json(item.pending.proposed)
                if item.pending is not None
                else entry_input_of(item.service)
            )
            names = area_names(country_code=actor.organisation.country_id, codes=current.areas)
            initial = entry_initial(current, names)
            initial["expected_version"] = item.service.version
            initial["phone"] = phone_display(current.phone, actor.organisation.country_id)
        return _form_page(request, actor, _entry_form(initial=initial), item)

    form = _entry_form(request.POST)
    problem, status = "", 200
    if form.is_valid():
        try:
            service_propose(
                actor=actor,
                entry=form.entry(),
                service_id=service_id,
                expected_version=form.cleaned_data["expected_version"],
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
            status = 422
        except DomainError as error:  # someone changed the entry meanwhile
            problem, status = error.text, error.status
        else:
            messages.success(
                request,
                _("Sent for approval. The public will see it once another office approves it."),
            )
            return redirect("directory:entries")
    else:
        status = 422
    if item is not None and status == 409:
        item = _kept_entry(actor, item.service.pk)  # show the version now stored
    return _form_page(request, actor, form, item, problem=problem, status=status)


@login_required
@require_POST
def withdraw_view(request: HttpRequest, service_id: int) -> HttpResponse:
    """Take one of the organisation's entries off the directory."""
    actor = _actor_may(request, Capability.MANAGE_ENTRIES)
    item = _kept_entry(actor, service_id)
    form = WithdrawForm(request.POST, auto_id="withdraw-%s")
    problem, status = "", 422
    if form.is_valid():
        try:
            service_withdraw(
                actor=actor,
                service_id=service_id,
                expected_version=form.cleaned_data["expected_version"],
                note=form.cleaned_data["note"],
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except DomainError as error:
            problem, status = error.text, error.status
        else:
            messages.success(request, _("The service has been taken off the directory."))
            return redirect("directory:entries")
    current = entry_input_of(item.service)
    names = area_names(country_code=actor.organisation.country_id, codes=current.areas)
    entry_form = _entry_form(
        initial={**entry_initial(current, names), "expected_version": item.service.version}
    )
    return _form_page(
        request, actor, entry_form, item, withdraw_form=form, problem=problem, status=status
    )


@login_required
@require_GET
def area_search_view(request: HttpRequest) -> HttpResponse:
    """Find an area's code by its name (htmx fills the list under the form; without a
    script this page opens on its own)."""
    actor = _actor_may(request, Capability.MANAGE_ENTRIES)
    form = AreaSearchForm(request.GET or None, auto_id="area-search-%s")
    areas = []
    if form.is_valid():
        areas = area_search(
            country_code=actor.organisation.country_id, query=form.cleaned_data["q"]
        )
    context = {"form": form, "areas": areas, "searched": form.is_bound}
    if request.headers.get("HX-Request"):
        return render(request, "referrals/directory/_area_matches.html", context)
    return render(request, "referrals/directory/areas.html", context)


# --- the approval queue ------------------------------------------------------------------


@login_required
@require_GET
def approvals_view(request: HttpRequest) -> HttpResponse:
    """Proposals waiting for the actor's approval, the oldest first."""
    actor = _actor_may(request, Capability.APPROVE_ENTRIES)
    language = _language()
    rows = [
        {
            "change": change,
            "name": entry_text(change.proposed, language)["name"],
            "is_new": change.service.published_at is None,
        }
        for change in changes_pending(actor=actor)
    ]
    return render(request, "referrals/directory/approvals.html", {"rows": rows})


def _facts(
    entry: EntryInput, areas: dict[str, str], languages: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """An entry as labelled values, keyed so that two entries line up."""
    where = [areas.get(code, code) for code in entry.areas]
    if entry.covers_country:
        where.insert(0, _("The whole country"))
    facts: dict[str, tuple[str, str]] = {
        "provider_kind": (_("Kind of provider"), str(ProviderKind(entry.provider_kind).label)),
        "service_type": (_("Service"), str(ServiceType(entry.service_type).label)),
    }
    language_labels = language_names(languages_in_order())
    for lang in languages_in_order():
        for field in TEXT_LABELS:
            label = f"{TEXT_LABELS[field]} ({language_labels.get(lang, lang)})"
            facts[f"{field}_{lang}"] = (label, entry.texts.get(lang, {}).get(field, ""))
    facts.update(
        {
            "areas": (_("Where"), ", ".join(where)),
            "who": (_("Who can use it"), "; ".join(eligibility_lines(entry)) or _("Anyone")),
            "capacity": (
                _("Places"),
                str(entry.capacity) if entry.capacity is not None else _("No limit"),
            ),
            "languages": (
                _("Languages spoken"),
                ", ".join(languages.get(c, c) for c in entry.languages),
            ),
            "cost": (_("Cost"), str(Cost(entry.cost).label)),
            "phone": (_("Phone"), entry.phone),
            "email": (_("Email"), entry.email),
            "address": (_("Address"), entry.address),
            "website": (_("Website"), entry.website),
        }
    )
    return facts


def _comparison(change: ServiceChange, country: str) -> list[dict[str, Any]]:
    proposed = EntryInput.from_json(change.proposed)
    current = None if change.service.published_at is None else entry_input_of(change.service)
    entries = [e for e in (current, proposed) if e is not None]
    areas = area_names(country_code=country, codes=[c for e in entries for c in e.areas])
    languages = language_names(c for e in entries for c in e.languages)
    new = _facts(proposed, areas, languages)
    old = _facts(current, areas, languages) if current is not None else {}
    rows = []
    for key, (label, value) in new.items():
        before = old.get(key, ("", ""))[1]
        if value or before:
            rows.append(
                {"label": label, "current": before, "proposed": value, "changed": value != before}
            )
    return rows


def _change_page(
    request: HttpRequest,
    actor: Actor,
    change_id: int,
    *,
    form: DecisionForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    try:
        change = change_get_for_actor(actor=actor, change_id=change_id)
    except NotFound as error:
        raise Http404 from error
    service = change.service
    may_decide = (
        change.status == ChangeStatus.PENDING
        and can(actor, Capability.APPROVE_ENTRIES)
        and may_approve_entry(actor, service.provider)
    )
    if may_decide and form is None:
        form = DecisionForm(auto_id="decision-%s", initial={"expected_version": service.version})
    return render(
        request,
        "referrals/directory/change.html",
        {
            "change": change,
            "service": service,
            "name": entry_text(change.proposed, _language())["name"],
            "is_new": service.published_at is None,
            "rows": _comparison(change, service.provider.country_id),
            "form": form if may_decide else None,
            "own": service.provider_id == actor.organisation.pk,
            "problem": problem,
        },
        status=status,
    )


@login_required
@require_GET
def change_view(request: HttpRequest, change_id: int) -> HttpResponse:
    """A proposal next to the entry as it is now."""
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None or not (
        can(actor, Capability.APPROVE_ENTRIES) or can(actor, Capability.MANAGE_ENTRIES)
    ):
        raise Http404
    return _change_page(request, actor, change_id)


@login_required
@require_POST
def decide_view(request: HttpRequest, change_id: int) -> HttpResponse:
    """Approve (publish) or reject a proposal, with a note to the provider."""
    actor = _actor_may(request, Capability.APPROVE_ENTRIES)
    try:
        change_check_reach(actor=actor, change_id=change_id)  # refusals audited outside
    except NotFound as error:
        raise Http404 from error
    form = DecisionForm(request.POST, auto_id="decision-%s")
    problem, status = "", 422
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            service_change_decide(
                actor=actor,
                change_id=change_id,
                approve=approve,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["expected_version"],
            )
        except NotFound as error:
            raise Http404 from error
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except DomainError as error:  # a newer proposal, a decision taken, its own entry
            problem, status = error.text, error.status
        else:
            messages.success(
                request,
                _("Approved: the service is in the public directory.")
                if approve
                else _("Rejected: the provider sees your note."),
            )
            return redirect("directory:approvals")
    # After a conflict the page shows the proposal as it now stands, with a fresh form.
    kept = None if status == 409 else form
    return _change_page(request, actor, change_id, form=kept, problem=problem, status=status)
