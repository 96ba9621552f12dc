"""Referrals: a case worker sends a returnee to a service, the provider answers and
records the service, the returnee says how it went.

Every write checks who may make it *before* its transaction (a refusal is audited, and a
rollback would take that record along), then locks the referral, checks the version the
user saw, moves it along ``codes.STEPS``, records the step and the audit event, keeps the
service's count of open referrals and lets the plan action follow."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.cases.policies import Capability as CaseCapability
from pulang.cases.policies import can as can_on_cases
from pulang.cases.selectors import (
    case_check_reach,
    case_get_for_actor,
    case_in_reach,
    case_plan_action_ids,
)
from pulang.cases.services import plan_action_follow
from pulang.cases.services.base import clean_text, invalid
from pulang.errors import PermissionDenied
from pulang.referrals.codes import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    STEPS,
    ClosureReason,
    FeedbackVia,
    Outcome,
    Status,
    Step,
)
from pulang.referrals.errors import (
    AlreadyReferred,
    ConsentMissing,
    ServiceNotOffered,
    StaleReferral,
    StepNotAllowed,
)
from pulang.referrals.models import Referral, ReferralEvent, Reminder, Service
from pulang.referrals.policies import Capability, can, may_offer, may_respond
from pulang.referrals.selectors.coverage import covering_q
from pulang.referrals.selectors.referrals import case_area, reminders_unseen
from pulang.registry.codes import ConsentPurpose
from pulang.registry.selectors import consent_in_force, intake_by_reference

if TYPE_CHECKING:
    from pulang.cases.models import Case
    from pulang.orgs.actor import Actor
    from pulang.registry.models import Consent

NOTE_MAX = 2000
REASON_MAX = 500
FEEDBACK_MAX = 1000

# What a plan action becomes when a referral made for it reaches a status: under way
# while the provider has it, done when it is completed, back to planned when it was
# declined or closed (the case worker refers elsewhere).
ACTION_STATUS: dict[str, str] = {
    Status.SENT: "in_progress",
    Status.ACCEPTED: "in_progress",
    Status.IN_SERVICE: "in_progress",
    Status.COMPLETED: "done",
    Status.DECLINED: "planned",
    Status.CLOSED: "planned",
}

# Steps taken by the provider; closing is for either side (no-show: the provider;
# withdrawn: the case worker).
PROVIDER_STEPS = frozenset({Step.ACCEPT, Step.DECLINE, Step.START, Step.COMPLETE})


def _event(referral: Referral, actor: Actor | None, kind: str, **fields: object) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        at=timezone.now(),
        by=actor.user if actor is not None else None,
        **fields,
    )


def _follow(referral: Referral) -> None:
    """The plan action the referral was made for follows it; a declined or closed one
    leaves it alone while another referral for the same action is still open (it stays
    under way) or was completed (it stays done)."""
    if referral.action_id is None:
        return
    status = ACTION_STATUS[referral.status]
    if status == "planned" and (
        Referral.objects.filter(
            action_id=referral.action_id, status__in=[*OPEN_STATUSES, Status.COMPLETED]
        )
        .exclude(pk=referral.pk)
        .exists()
    ):
        return
    plan_action_follow(action_id=referral.action_id, status=status)


# --- sending ------------------------------------------------------------------------------


def referral_send(
    *,
    actor: Actor,
    case_id: int,
    service_id: int,
    shared_note: str,
    action_id: int | None = None,
    override_reason: str = "",
) -> Referral:
    """Send the case's returnee to a published service, with what the provider needs to
    know (``shared_note``: the minimum, written for them). Without the returnee's
    referral-sharing consent only a supervisor may send, with a written reason (audited)."""
    if not can(actor, Capability.REFER) or not can_on_cases(actor, CaseCapability.WORK_CASES):
        raise PermissionDenied()
    note = clean_text("shared_note", shared_note, required=True, most=NOTE_MAX)
    override = clean_text("override_reason", override_reason, required=False, most=REASON_MAX)
    case_check_reach(actor=actor, case_id=case_id)
    with transaction.atomic():
        case = case_get_for_actor(actor=actor, case_id=case_id)
        if case.is_closed:
            raise invalid("case_id", _("the case is closed: reopen it before referring"))
        service = Service.objects.select_for_update().filter(pk=service_id).first()
        if service is None or not may_offer(service):
            raise ServiceNotOffered()
        area = case_area(case)
        if (
            area is not None
            and not Service.objects.filter(covering_q(area), pk=service.pk).exists()
        ):
            raise invalid("service_id", _("this service is not offered where the returnee lives"))
        action_id = _action_of(case, action_id)
        if Referral.objects.filter(case=case, service=service, status__in=OPEN_STATUSES).exists():
            raise AlreadyReferred()
        consent = consent_in_force(
            person_id=case.person_id, purpose=ConsentPurpose.REFERRAL_SHARING
        )
        if consent is not None:
            override = ""
        elif not override or not can(actor, Capability.OVERRIDE_CONSENT):
            raise ConsentMissing()
        now = timezone.now()
        referral = Referral.objects.create(
            case=case,
            action_id=action_id,
            person_id=case.person_id,
            service=service,
            provider_id=service.provider_id,
            service_type=service.service_type,
            group=service.group,
            area_id=case.area_id,
            organisation_id=case.organisation_id,
            status=Status.SENT,
            shared_note=note,
            consent=consent,
            override_reason=override,
            override_by=actor.user if override else None,
            sent_by=actor.user,
            sent_at=now,
            updated_at=now,
        )
        Service.objects.filter(pk=service.pk).update(open_referrals=F("open_referrals") + 1)
        _event(referral, actor, ReferralEvent.Kind.SENT, to_status=Status.SENT)
        details = {"case": case.pk, "service": service.pk, "provider": service.provider_id}
        record(actor, Action.REFERRAL_SENT, referral, details=details)
        if override:
            record(actor, Action.REFERRAL_CONSENT_OVERRIDDEN, referral, reason=override)
        _follow(referral)
    return referral


def _action_of(case: Case, action_id: int | None) -> int | None:
    """The plan action, if one is named: it must be part of this case's plan."""
    if action_id is None:
        return None
    if action_id not in case_plan_action_ids(case=case):
        raise invalid("action_id", _("this action is not part of this case's plan"))
    return action_id


# --- moving it on -------------------------------------------------------------------------


def _check_step_reach(actor: Actor, referral_id: int, step: Step) -> None:
    """Before the transaction: the provider's steps are for the provider's members; a
    case worker of the case may close (withdraw) it. Anything else is "not found",
    audited."""
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None:
        raise refuse(actor, subject_type="referrals.referral", subject_id=str(referral_id))
    if may_respond(actor, referral):
        return
    if step == Step.CLOSE and _works_the_case(actor, referral):
        return
    raise refuse(actor, referral)


def _works_the_case(actor: Actor, referral: Referral) -> bool:
    if not can(actor, Capability.REFER) or not can_on_cases(actor, CaseCapability.WORK_CASES):
        return False
    return case_in_reach(actor=actor, case_id=referral.case_id)


def referral_step(
    *,
    actor: Actor,
    referral_id: int,
    expected_version: int,
    step: str,
    reason: str = "",
    outcome: str = "",
    note: str = "",
) -> Referral:
    """Move a referral on by one step of ``codes.STEPS``:

    - accept; decline (``reason`` required: the case worker reads it);
    - start the service; complete it (``outcome`` from ``codes.Outcome``; ``note``: what
      was delivered);
    - close while open (``reason`` from ``codes.ClosureReason``: no-show for the
      provider, withdrawn for the case worker).
    """
    if step not in Step.values:
        raise invalid("step", _("not one of the listed values"))
    chosen = Step(step)
    fields = _step_fields(chosen, reason=reason, outcome=outcome, note=note)
    _check_step_reach(actor, referral_id, chosen)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral_id)
        if referral.version != expected_version:
            raise StaleReferral()
        sources, target = STEPS[chosen]
        if referral.status not in sources:
            raise StepNotAllowed(status=Status(referral.status).label, step=chosen.label)
        if chosen == Step.CLOSE:
            by_provider = may_respond(actor, referral)
            expected = ClosureReason.NO_SHOW if by_provider else ClosureReason.WITHDRAWN
            if fields["closure_reason"] != expected:
                raise invalid("reason", _("choose why the referral is closed"))
        _move(referral, actor, chosen, target, fields)
    return referral


def _move(
    referral: Referral,
    actor: Actor,
    step: Step,
    target: Status,
    fields: dict[str, object],
    kind: str = ReferralEvent.Kind.STEP,
) -> None:
    """Write one step on a locked referral already checked: status, time, fields, the
    service's count of open referrals, the history, the audit event; the action follows."""
    previous = referral.status
    now = timezone.now()
    referral.status = target
    stamp = {
        Step.ACCEPT: "responded_at",
        Step.DECLINE: "responded_at",
        Step.START: "started_at",
        Step.COMPLETE: "completed_at",
        Step.CLOSE: "closed_at",
    }[step]
    fields[stamp] = now
    if step == Step.COMPLETE and referral.started_at is None:
        fields["started_at"] = now
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.updated_at = now
    referral.version += 1
    referral.save(update_fields=["status", "updated_at", "version", *fields])
    if target in FINAL_STATUSES:
        Service.objects.filter(pk=referral.service_id).update(
            open_referrals=Greatest(F("open_referrals") - 1, 0)
        )
    _event(
        referral,
        actor,
        kind,
        step=step,
        from_status=previous,
        to_status=target,
        note=fields.get("decline_reason", ""),
    )
    record(
        actor,
        Action.REFERRAL_STEP,
        referral,
        details={"step": step.value, "from": previous, "to": target},
    )
    _follow(referral)


def _step_fields(step: Step, *, reason: str, outcome: str, note: str) -> dict[str, object]:
    """The fields a step writes besides its status and time, checked before anything."""
    if step == Step.DECLINE:
        return {"decline_reason": clean_text("reason", reason, required=True, most=REASON_MAX)}
    if step == Step.COMPLETE:
        if outcome not in Outcome.values:
            raise invalid("outcome", _("choose how it went"))
        return {
            "outcome": outcome,
            "outcome_note": clean_text("note", note, required=False, most=FEEDBACK_MAX),
        }
    if step == Step.CLOSE:
        if reason not in ClosureReason.values:
            raise invalid("reason", _("choose why the referral is closed"))
        return {"closure_reason": reason}
    return {}


def referrals_on_consent_withdrawn(actor: Actor, consent: Consent) -> None:
    """The registry's hook: the returnee withdrew their consent to share with providers.
    Every referral sent under it stops showing the provider their details, and those
    still open are withdrawn, in the withdrawal's transaction."""
    if consent.purpose != ConsentPurpose.REFERRAL_SHARING:
        return
    referrals = Referral.objects.select_for_update().filter(consent=consent)
    for referral in referrals.filter(status__in=OPEN_STATUSES).order_by("pk"):
        _move(
            referral,
            actor,
            Step.CLOSE,
            Status.CLOSED,
            {"closure_reason": ClosureReason.WITHDRAWN},
            kind=ReferralEvent.Kind.CONSENT_WITHDRAWN,
        )
    referrals.update(details_withdrawn=True)


# --- the returnee's feedback --------------------------------------------------------------

# Feedback is about a service received: in service, completed, or closed once it had
# started (a no-show or a withdrawal before the service began has nothing to rate).
FEEDBACK_STATUSES = frozenset({Status.IN_SERVICE, Status.COMPLETED, Status.CLOSED})


def _feedback_fields(satisfaction: int | str | None, comment: str) -> tuple[int, str]:
    score: int | None = None
    if satisfaction is not None and str(satisfaction).strip().isdigit():
        score = int(str(satisfaction).strip())
    if score is None or not 1 <= score <= 5:
        raise invalid("satisfaction", _("choose from 1 (very unhappy) to 5 (very happy)"))
    return score, clean_text("comment", comment, required=False, most=FEEDBACK_MAX)


def _save_feedback(
    referral: Referral, actor: Actor | None, score: int, text: str, via: FeedbackVia
) -> Referral:
    if referral.status not in FEEDBACK_STATUSES or referral.started_at is None:
        raise invalid("satisfaction", _("feedback is given once the service has started"))
    if referral.satisfaction is not None:
        raise invalid("satisfaction", _("feedback on this service has already been given"))
    now = timezone.now()
    referral.satisfaction, referral.feedback = score, text
    referral.feedback_via, referral.feedback_at = via, now
    referral.updated_at = now
    referral.version += 1
    referral.save(
        update_fields=[
            "satisfaction",
            "feedback",
            "feedback_via",
            "feedback_at",
            "updated_at",
            "version",
        ]
    )
    _event(referral, actor, ReferralEvent.Kind.FEEDBACK)
    record(actor, Action.REFERRAL_FEEDBACK, referral, details={"via": via.value})
    return referral


def referral_feedback(
    *,
    actor: Actor,
    referral_id: int,
    expected_version: int,
    satisfaction: int | str | None,
    comment: str = "",
) -> Referral:
    """The case worker writes down what the returnee said about the service."""
    score, text = _feedback_fields(satisfaction, comment)
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None or not _works_the_case(actor, referral):
        raise refuse(actor, subject_type="referrals.referral", subject_id=str(referral_id))
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral_id)
        if locked.version != expected_version:
            raise StaleReferral()
        return _save_feedback(locked, actor, score, text, FeedbackVia.CASE_WORKER)


def referral_feedback_by_code(
    *, reference_code: str, referral_id: int, satisfaction: int | str | None, comment: str = ""
) -> Referral:
    """The returnee rates a service they were referred to, with their registration code
    (no account). A code that is unknown, or a referral that is not theirs, is simply
    "not found"."""
    score, text = _feedback_fields(satisfaction, comment)
    person_id = _person_of_code(reference_code)
    # Refused before the transaction, whose rollback would take the audit record along.
    if (
        person_id is None
        or not Referral.objects.filter(pk=referral_id, person_id=person_id).exists()
    ):
        raise refuse(None, subject_type="referrals.referral", subject_id=str(referral_id))
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral_id)
        return _save_feedback(referral, None, score, text, FeedbackVia.RETURNEE)


def _person_of_code(reference_code: str) -> int | None:
    """The person a registration code became, if it became one (a merge moves the
    intake and the referrals to the surviving record together)."""
    intake = intake_by_reference(reference_code=reference_code)
    return None if intake is None else intake.person_id


# --- reminders ----------------------------------------------------------------------------


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the provider and the case worker of each referral that has waited too long
    for the provider's answer (``PULANG_REFERRAL_ANSWER_DAYS``) or, once accepted, for
    its outcome (``PULANG_REFERRAL_OUTCOME_DAYS``): once per stage and side, so running
    it again (a daily task) reminds nobody twice. Answers how many reminders were made."""
    now = now or timezone.now()
    answer = now - dt.timedelta(days=settings.PULANG_REFERRAL_ANSWER_DAYS)
    outcome = now - dt.timedelta(days=settings.PULANG_REFERRAL_OUTCOME_DAYS)
    # Each stage waits from when the referral reached it: not from ``updated_at``, which
    # the returnee's feedback moves too (and would put the provider's reminder off).
    waiting = {
        Status.SENT: ("sent_at", answer),
        Status.ACCEPTED: ("responded_at", outcome),
        Status.IN_SERVICE: ("started_at", outcome),
    }
    made = 0
    for stage, (since, before) in waiting.items():
        overdue = Referral.objects.filter(status=stage, **{f"{since}__lt": before}).exclude(
            reminders__stage=stage
        )
        for referral_id, provider_id, sender_id, office_id in overdue.values_list(
            "pk", "provider_id", "sent_by_id", "organisation_id"
        ).iterator(chunk_size=2000):
            with transaction.atomic():
                created = Reminder.objects.bulk_create(
                    [
                        Reminder(
                            referral_id=referral_id,
                            stage=stage,
                            recipient=Reminder.Recipient.PROVIDER,
                            organisation_id=provider_id,
                            created_at=now,
                        ),
                        Reminder(
                            referral_id=referral_id,
                            stage=stage,
                            recipient=Reminder.Recipient.CASE_WORKER,
                            organisation_id=office_id,
                            user_id=sender_id,
                            created_at=now,
                        ),
                    ],
                    ignore_conflicts=True,
                )
                ReferralEvent.objects.create(
                    referral_id=referral_id, kind=ReferralEvent.Kind.REMINDED, at=now
                )
            made += len(created)
    return made


def reminder_seen(*, actor: Actor, reminder_id: int) -> None:
    """The provider or case worker reminded has read the reminder."""
    updated = reminders_unseen(actor=actor).filter(pk=reminder_id).update(seen_at=timezone.now())
    if not updated:
        raise refuse(actor, subject_type="referrals.reminder", subject_id=str(reminder_id))
