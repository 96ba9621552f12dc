from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pulang.errors import NotFound, PermissionDenied
from pulang.orgs.forms import OrganisationFilterForm
from pulang.orgs.policies import can_view_members
from pulang.orgs.selectors import (
    membership_list_for_organisation,
    organisation_get_for_actor,
    organisation_list,
)


@login_required
def organisation_list_view(request: HttpRequest) -> HttpResponse:
    actor = getattr(request, "actor", None)
    form = OrganisationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    if actor is None:
        raise Http404
    try:
        organisations = organisation_list(
            actor=actor, kind=filters.get("kind", ""), query=filters.get("q", "")
        )
    except PermissionDenied as error:
        raise Http404 from error
    page = Paginator(organisations, 25).get_page(request.GET.get("page"))
    template = (
        "orgs/_organisation_rows.html" if request.headers.get("HX-Request") else "orgs/list.html"
    )
    return render(request, template, {"form": form, "page": page})


@login_required
def organisation_detail_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = getattr(request, "actor", None)
    if actor is None:
        raise Http404
    try:
        organisation = organisation_get_for_actor(actor=actor, organisation_id=organisation_id)
    except NotFound as error:
        raise Http404 from error
    members = (
        list(membership_list_for_organisation(actor=actor, organisation=organisation))
        if can_view_members(actor)
        else None
    )
    return render(request, "orgs/detail.html", {"organisation": organisation, "members": members})
