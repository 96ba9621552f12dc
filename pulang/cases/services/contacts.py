"""Follow-ups with the returnee, and case notes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.cases import crypto
from pulang.cases.models import (
    CaseNote,
    ContactAttempt,
    FollowUp,
)
from pulang.cases.policies import Capability, can, may_see_case
from pulang.cases.selectors import case_get_for_actor
from pulang.cases.services.base import (
    NOTE_MAX,
    clean_text,
    invalid,
)
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor

if TYPE_CHECKING:
    pass

# --- follow-ups and notes -----------------------------------------------------------------


def follow_up_record(
    *,
    actor: Actor,
    follow_up_id: int,
    channel: str,
    reached: bool,
    outcome: str,
    give_up: bool = False,
) -> ContactAttempt:
    """One attempt to reach the returnee for a scheduled follow-up. Reached, the
    follow-up is done with its outcome; not reached, it stays due — unless ``give_up``,
    which marks it missed."""
    if not can(actor, Capability.WORK_CASES):
        raise PermissionDenied()
    follow_up = FollowUp.objects.select_related("case").filter(pk=follow_up_id).first()
    if follow_up is None or not may_see_case(actor, follow_up.case):
        raise refuse(actor, subject_type="cases.followup", subject_id=str(follow_up_id))
    if channel not in ContactAttempt.Channel.values:
        raise invalid("channel", _("not one of the listed values"))
    text = clean_text("outcome", outcome, required=reached)
    if follow_up.status != FollowUp.Status.DUE or follow_up.case.is_closed:
        raise invalid("follow_up_id", _("this follow-up is no longer due"))
    now = timezone.now()
    with transaction.atomic():
        attempt = ContactAttempt.objects.create(
            follow_up=follow_up,
            case=follow_up.case,
            channel=channel,
            reached=reached,
            outcome=text,
            at=now,
            by=actor.user,
        )
        if reached or give_up:
            follow_up.status = FollowUp.Status.DONE if reached else FollowUp.Status.MISSED
            follow_up.outcome, follow_up.done_at, follow_up.done_by = text, now, actor.user
            follow_up.save(update_fields=["status", "outcome", "done_at", "done_by"])
        record(
            actor,
            Action.FOLLOW_UP_RECORDED,
            follow_up.case,
            details={
                "follow_up": follow_up.pk,
                "reached": reached,
                "status": follow_up.status,
            },
        )
    return attempt


def case_note_add(*, actor: Actor, case_id: int, text: str, restricted: bool = False) -> CaseNote:
    """A note on the case. Restricted notes, and every note of a restricted case, are
    encrypted at rest."""
    if not can(actor, Capability.WORK_CASES):
        raise PermissionDenied()
    case = case_get_for_actor(actor=actor, case_id=case_id)
    body = clean_text("text", text, required=True, most=NOTE_MAX)
    secret = restricted or case.is_restricted
    with transaction.atomic():
        note = CaseNote.objects.create(
            case=case,
            restricted=secret,
            text="" if secret else body,
            ciphertext=crypto.encrypt(body) if secret else None,
            at=timezone.now(),
            by=actor.user,
        )
        record(actor, Action.CASE_NOTE_ADDED, case, details={"note": note.pk, "restricted": secret})
    return note
