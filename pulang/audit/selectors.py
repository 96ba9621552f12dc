"""Reading the audit log, scoped to the auditor's jurisdiction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from pulang.audit.models import AuditEvent
from pulang.audit.policies import can_view_audit_log
from pulang.errors import PermissionDenied
from pulang.orgs.policies import scope_q

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    action: str = ""
    subject_type: str = ""
    subject_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_before: int | None


def audit_event_search(
    *, actor: Actor, filters: AuditFilters, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """Newest first, ``limit`` at a time; ``before`` is the id where the previous page ended.

    Keyset paging, not counts: the log grows to tens of millions of rows.
    An auditor sees events of organisations within their scope; national auditors also
    see events with no organisation (command line, sign-ins of people without a role).
    """
    if not can_view_audit_log(actor):
        raise PermissionDenied()
    visible = scope_q(
        actor,
        area_path="organisation__area__path",
        destination_country="organisation__destination_country",
        organisation="organisation",
        home_country="organisation__country",
    )
    if actor.is_national:
        visible |= Q(organisation__isnull=True)
    events = AuditEvent.objects.filter(visible)
    if filters.username:
        events = events.filter(username__iexact=filters.username.strip())
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.subject_type:
        events = events.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        events = events.filter(subject_id=filters.subject_id.strip())
    if filters.since is not None:
        events = events.filter(at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(at__lt=filters.until)
    if before is not None:
        events = events.filter(id__lt=before)
    rows = list(events.order_by("-id")[: limit + 1])
    next_before = rows[limit - 1].pk if len(rows) > limit else None
    return AuditPage(events=rows[:limit], next_before=next_before)


def audit_events_about(
    *, subject_type: str, subject_id: str, also: dict[str, list[str]] | None = None
) -> list[AuditEvent]:
    """Every event about one record, oldest first: who read or changed it (the right of
    access includes the recipients); with ``also`` (subject type → ids), the events about
    those records too (a person's reports, cases, referrals). The caller has already
    authorised the read."""
    about = Q(subject_type=subject_type, subject_id=subject_id)
    for kind, ids in (also or {}).items():
        if ids:
            about |= Q(subject_type=kind, subject_id__in=ids)
    return list(AuditEvent.objects.filter(about).order_by("at", "id"))
