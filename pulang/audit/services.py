"""The one way to write the audit log."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from pulang.audit.actions import Action
from pulang.audit.context import current_origin
from pulang.audit.models import AuditEvent
from pulang.errors import NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from pulang.orgs.actor import Actor


def record(
    actor: Actor | None,
    action: Action,
    subject: models.Model | None = None,
    *,
    reason: str = "",
    details: dict[str, Any] | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    subject_type: str = "",
    subject_id: str = "",
) -> AuditEvent:
    """Append one event: who (user, organisation, role), did what, to which record, why,
    when and from where. Runs in the caller's transaction, so the event and the change it
    describes are committed together or not at all.

    ``user`` names the person when there is no actor yet (signing in); ``subject_type`` and
    ``subject_id`` name a record that is not a model instance (a refused id).
    """
    event = _event(actor, Action(action), user, timezone.now())
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = str(subject.pk)
    event.subject_type, event.subject_id = subject_type, subject_id
    event.reason, event.details = reason, details or {}
    event.save(force_insert=True)
    return event


def record_many(
    actor: Actor | None,
    action: Action,
    events: Iterable[tuple[models.Model, str, dict[str, Any]]],
) -> int:
    """Append one event per (subject, reason, details), all by the same actor at the same
    moment, in one insert: for services acting on many records at once (the linkage
    engine's automatic merges). Runs in the caller's transaction, as ``record`` does."""
    now = timezone.now()
    rows = []
    for subject, reason, details in events:
        event = _event(actor, Action(action), None, now)
        event.subject_type, event.subject_id = subject._meta.label_lower, str(subject.pk)
        event.reason, event.details = reason, details
        rows.append(event)
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _event(
    actor: Actor | None,
    action: Action,
    user: AbstractBaseUser | AnonymousUser | None,
    at: datetime.datetime,
) -> AuditEvent:
    """An unsaved event with who, what, when and from where filled in."""
    origin = current_origin()
    acting_user = actor.user if actor is not None else user
    if acting_user is not None and not acting_user.is_authenticated:
        acting_user = None
    return AuditEvent(
        at=at,
        user_id=acting_user.pk if acting_user is not None else None,
        username=acting_user.get_username() if acting_user is not None else "",
        organisation_id=actor.organisation.pk if actor is not None else None,
        organisation_name=actor.organisation.name if actor is not None else "",
        role=actor.role if actor is not None else "",
        action=action.value,
        channel=origin.channel,
        ip_address=origin.ip_address,
        request_id=origin.request_id,
    )


def refuse(
    actor: Actor | None,
    subject: models.Model | None = None,
    *,
    subject_type: str = "",
    subject_id: str = "",
) -> NotFound:
    """Record an attempt to reach a record outside the actor's scope (or a missing one)
    and return the :class:`NotFound` to raise: an outsider learns nothing either way."""
    record(actor, Action.ACCESS_DENIED, subject, subject_type=subject_type, subject_id=subject_id)
    return NotFound()
