"""What every case service shares: input checks, the version check, the history."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.cases.errors import StaleCase
from pulang.cases.models import Case, CaseEvent, FollowUp
from pulang.cases.policies import Capability, can
from pulang.cases.selectors import case_check_reach, case_get_for_actor
from pulang.errors import InvalidInput, PermissionDenied
from pulang.orgs.actor import Actor

TEXT_MAX = 500
NOTE_MAX = 10_000


def invalid(field: str, reason: str) -> InvalidInput:
    return InvalidInput(errors=[{"field": field, "reason": reason}])


def clean_text(field: str, value: str, *, required: bool, most: int = TEXT_MAX) -> str:
    text = value.strip()
    if required and not text:
        raise invalid(field, _("this is required"))
    if len(text) > most:
        raise invalid(field, _("at most %(count)d characters") % {"count": most})
    return text


def choice(field: str, value: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        raise invalid(field, _("not one of the listed values"))
    return value


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule_follow_ups(case: Case, returned_on: dt.date | None) -> None:
    """Follow-ups at the configured months after the return; those already past when the
    case is opened (or arrives home) are not created."""
    if returned_on is None:
        return
    today = timezone.localdate()
    FollowUp.objects.bulk_create(
        [
            FollowUp(case=case, months_after_return=months, due_on=due)
            for months in settings.PULANG_FOLLOW_UP_MONTHS
            if (due := add_months(returned_on, months)) >= today
        ],
        ignore_conflicts=True,
    )


def case_event(case: Case, actor: Actor | None, kind: str, **fields: object) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        at=timezone.now(),
        by=actor.user if actor is not None else None,
        **fields,
    )


def check_reach(actor: Actor, case_id: int) -> None:
    """Before a write's transaction: a refusal must be audited, and the transaction's
    rollback would take the record of it along (so services call this first)."""
    if not can(actor, Capability.WORK_CASES):
        raise PermissionDenied()
    case_check_reach(actor=actor, case_id=case_id)


def locked_case(actor: Actor, case_id: int, expected_version: int) -> Case:
    """The case, locked for the write, if the actor may work on it and it is unchanged."""
    if not can(actor, Capability.WORK_CASES):
        raise PermissionDenied()
    seen = case_get_for_actor(actor=actor, case_id=case_id)
    case = Case.objects.select_for_update().get(pk=seen.pk)
    if case.version != expected_version:
        raise StaleCase()
    return case


def save_case(case: Case, *fields: str) -> None:
    case.updated_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        **{name: getattr(case, name) for name in fields},
        updated_at=case.updated_at,
        version=F("version") + 1,
    )
    case.version += 1
