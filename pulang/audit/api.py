from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from pulang.audit.actions import Action
from pulang.audit.selectors import AuditFilters, audit_event_search
from pulang.audit.services import record
from pulang.orgs.actor import Actor

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    username: str
    organisation_id: int | None
    organisation_name: str
    role: str
    action: str
    subject_type: str
    subject_id: str
    reason: str
    details: dict[str, object]
    channel: str
    ip_address: str | None


class AuditQuery(Schema):
    username: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    before: int | None = None
    limit: int = 50


class AuditPageOut(Schema):
    items: list[AuditEventOut]
    next_before: int | None


@router.get("/events", response=AuditPageOut)
def events(request: HttpRequest, query: Query[AuditQuery]) -> AuditPageOut:
    """Audit events in the caller's scope, newest first; page with ``before``."""
    actor: Actor = request.actor  # type: ignore[attr-defined]
    filters = AuditFilters(
        username=query.username,
        action=query.action,
        subject_type=query.subject_type,
        subject_id=query.subject_id,
        since=query.since,
        until=query.until,
    )
    page = audit_event_search(
        actor=actor, filters=filters, before=query.before, limit=max(1, min(query.limit, 500))
    )
    record(actor, Action.AUDIT_SEARCHED, details=query.dict(exclude_defaults=True) | {})
    return AuditPageOut(
        items=[AuditEventOut.from_orm(e) for e in page.events], next_before=page.next_before
    )
