from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from pulang.audit.actions import Action
from pulang.audit.forms import AuditSearchForm
from pulang.audit.policies import can_view_audit_log
from pulang.audit.selectors import AuditFilters, audit_event_search
from pulang.audit.services import record


def _start_of_day(day: dt.date) -> dt.datetime:
    # Dates are the auditor's own days, in their time zone.
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


@login_required
def audit_search_view(request: HttpRequest) -> HttpResponse:
    actor = getattr(request, "actor", None)
    if actor is None or not can_view_audit_log(actor):
        raise Http404
    form = AuditSearchForm(request.GET or None)
    page = None
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        filters = AuditFilters(
            username=data.get("username", ""),
            action=data.get("action", ""),
            subject_type=data.get("subject_type", ""),
            subject_id=data.get("subject_id", ""),
            since=_start_of_day(data["since"]) if data.get("since") else None,
            until=_start_of_day(data["until"] + dt.timedelta(days=1))
            if data.get("until")
            else None,
        )
        page = audit_event_search(actor=actor, filters=filters, before=data.get("before"))
        if request.GET:
            # Searching the log is itself on the record (filters only, never results).
            record(
                actor,
                Action.AUDIT_SEARCHED,
                details={k: str(v) for k, v in data.items() if v not in (None, "")},
            )
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "audit/_results.html" if request.headers.get("HX-Request") else "audit/search.html"
    return render(request, template, context)
