"""Referrals over HTTP, for the provider's own system and for the offices'.

- **Providers** (a token of a provider's member is scoped to that provider): the inbox,
  one referral as the provider may see it (audited), and each step — accept, decline
  (with a reason), start, complete (with the outcome), close as a no-show. Another
  provider's referral, or one the provider declined, is a 404 problem, audited.
- **Offices**: suggestions for a case's need, sending a referral (422
  `referrals.consent_missing` without the returnee's consent, unless a supervisor gives
  a reason), a case's referrals, withdrawing one, the returnee's feedback.
- **Figures**: the funnel and the gaps, over the caller's jurisdiction.

Every change takes the `expected_version` read: 409 `referrals.stale_referral` when the
referral changed since, and nothing is written. An illegal step is a 409
`referrals.step_not_allowed`."""

from __future__ import annotations

import dataclasses

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from pulang.cases.selectors import case_get_for_actor
from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor
from pulang.referrals.codes import ClosureReason, Step
from pulang.referrals.policies import Capability, can
from pulang.referrals.schemas import (
    CompleteIn,
    DeclineIn,
    FeedbackIn,
    FunnelOut,
    GapOut,
    InboxPage,
    ListQuery,
    ProviderReferralOut,
    ReferralOut,
    ReferralVersionIn,
    SendIn,
    SuggestionOut,
)
from pulang.referrals.selectors.referrals import (
    BY,
    INBOX_STATUSES,
    provider_inbox,
    provider_referral_get,
    provider_view,
    referral_funnel,
    referral_get_for_case,
    referrals_of_case,
    service_gaps,
    services_suggest,
)
from pulang.referrals.services.referrals import referral_feedback, referral_send, referral_step

router = Router(tags=["referrals"])

LIMIT_MAX = 200


def _actor(request: HttpRequest, capability: Capability) -> Actor:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    if not can(actor, capability):
        raise PermissionDenied()
    return actor


# --- the provider's side ------------------------------------------------------------------


@router.get("/inbox", response=InboxPage, summary="Referrals to the caller's organisation")
def inbox(request: HttpRequest, query: Query[ListQuery], tab: str = "new") -> InboxPage:
    """`tab`: `new` (waiting for an answer, the longest waiting first), `active`
    (accepted or in service) or `done` (completed or closed, the latest first)."""
    actor = _actor(request, Capability.RESPOND)
    limit = max(1, min(query.limit, LIMIT_MAX))
    offset = max(0, query.offset)
    rows = list(
        provider_inbox(actor=actor, tab=tab if tab in INBOX_STATUSES else "new")[
            offset : offset + limit + 1
        ]
    )
    today = timezone.localdate()
    return InboxPage(
        items=[ProviderReferralOut.of(provider_view(r, today)) for r in rows[:limit]],
        next_offset=offset + limit if len(rows) > limit else None,
    )


@router.get("/inbox/{referral_id}", response=ProviderReferralOut, summary="One referral to us")
def inbox_referral(request: HttpRequest, referral_id: int) -> ProviderReferralOut:
    actor = _actor(request, Capability.RESPOND)
    return ProviderReferralOut.of(provider_referral_get(actor=actor, referral_id=referral_id))


def _provider_step(
    request: HttpRequest,
    referral_id: int,
    step: Step,
    expected_version: int,
    **fields: str,
) -> ProviderReferralOut:
    actor = _actor(request, Capability.RESPOND)
    referral_step(  # another provider's referral is "not found", audited before the write
        actor=actor,
        referral_id=referral_id,
        expected_version=expected_version,
        step=step,
        **fields,
    )
    return ProviderReferralOut.of(provider_referral_get(actor=actor, referral_id=referral_id))


@router.post("/inbox/{referral_id}/accept", response=ProviderReferralOut, summary="Accept")
def accept(request: HttpRequest, referral_id: int, body: ReferralVersionIn) -> ProviderReferralOut:
    return _provider_step(request, referral_id, Step.ACCEPT, body.expected_version)


@router.post("/inbox/{referral_id}/decline", response=ProviderReferralOut, summary="Decline")
def decline(request: HttpRequest, referral_id: int, body: DeclineIn) -> ProviderReferralOut:
    """Afterwards the referral is no longer the provider's: reading it again is a 404."""
    actor = _actor(request, Capability.RESPOND)
    before = provider_referral_get(actor=actor, referral_id=referral_id)
    referral = referral_step(
        actor=actor,
        referral_id=referral_id,
        expected_version=body.expected_version,
        step=Step.DECLINE,
        reason=body.reason,
    )
    return ProviderReferralOut.of(dataclasses.replace(before, referral=referral))


@router.post("/inbox/{referral_id}/start", response=ProviderReferralOut, summary="Start")
def start(request: HttpRequest, referral_id: int, body: ReferralVersionIn) -> ProviderReferralOut:
    return _provider_step(request, referral_id, Step.START, body.expected_version)


@router.post(
    "/inbox/{referral_id}/complete", response=ProviderReferralOut, summary="Record the outcome"
)
def complete(request: HttpRequest, referral_id: int, body: CompleteIn) -> ProviderReferralOut:
    return _provider_step(
        request,
        referral_id,
        Step.COMPLETE,
        body.expected_version,
        outcome=body.outcome,
        note=body.note,
    )


@router.post("/inbox/{referral_id}/no-show", response=ProviderReferralOut, summary="No-show")
def no_show(request: HttpRequest, referral_id: int, body: ReferralVersionIn) -> ProviderReferralOut:
    """Close: the returnee did not come."""
    return _provider_step(
        request, referral_id, Step.CLOSE, body.expected_version, reason=ClosureReason.NO_SHOW
    )


# --- the offices' side --------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/suggestions",
    response=list[SuggestionOut],
    summary="Services for a case's need, the best first",
)
def suggestions(
    request: HttpRequest, case_id: int, service_type: Query[list[str]]
) -> list[SuggestionOut]:
    """`service_type` may be repeated. Each suggestion says why it ranks where it does
    and, when the returnee may not use it, why not."""
    actor = _actor(request, Capability.REFER)
    return [
        SuggestionOut.of(s)
        for s in services_suggest(actor=actor, case_id=case_id, service_types=service_type)
    ]


@router.get("/cases/{case_id}", response=list[ReferralOut], summary="A case's referrals")
def of_case(request: HttpRequest, case_id: int) -> list[ReferralOut]:
    actor = _actor(request, Capability.REFER)
    case = case_get_for_actor(actor=actor, case_id=case_id)
    return [ReferralOut.of(r) for r in referrals_of_case(case=case)]


@router.post("", response={201: ReferralOut}, summary="Send a referral")
def send(request: HttpRequest, body: SendIn) -> Status[ReferralOut]:
    actor = _actor(request, Capability.REFER)
    referral = referral_send(
        actor=actor,
        case_id=body.case_id,
        service_id=body.service_id,
        action_id=body.action_id,
        shared_note=body.shared_note,
        override_reason=body.override_reason,
    )
    return Status(201, ReferralOut.of(referral_get_for_case(actor=actor, referral_id=referral.pk)))


@router.get("/{referral_id}", response=ReferralOut, summary="One referral, from its case")
def get_referral(request: HttpRequest, referral_id: int) -> ReferralOut:
    actor = _actor(request, Capability.REFER)
    return ReferralOut.of(referral_get_for_case(actor=actor, referral_id=referral_id))


@router.post("/{referral_id}/withdraw", response=ReferralOut, summary="Withdraw")
def withdraw(request: HttpRequest, referral_id: int, body: ReferralVersionIn) -> ReferralOut:
    """Close an open referral: the returnee no longer wants it."""
    actor = _actor(request, Capability.REFER)
    referral_get_for_case(actor=actor, referral_id=referral_id)
    referral_step(
        actor=actor,
        referral_id=referral_id,
        expected_version=body.expected_version,
        step=Step.CLOSE,
        reason=ClosureReason.WITHDRAWN,
    )
    return ReferralOut.of(referral_get_for_case(actor=actor, referral_id=referral_id))


@router.post("/{referral_id}/feedback", response=ReferralOut, summary="The returnee's feedback")
def feedback(request: HttpRequest, referral_id: int, body: FeedbackIn) -> ReferralOut:
    """Once the service has started; once per referral."""
    actor = _actor(request, Capability.REFER)
    referral_feedback(
        actor=actor,
        referral_id=referral_id,
        expected_version=body.expected_version,
        satisfaction=body.satisfaction,
        comment=body.comment,
    )
    return ReferralOut.of(referral_get_for_case(actor=actor, referral_id=referral_id))


# --- figures ------------------------------------------------------------------------------


@router.get("/figures/funnel", response=list[FunnelOut], summary="The referral funnel")
def funnel(request: HttpRequest, by: str = "provider") -> list[FunnelOut]:
    """`by`: `provider`, `service_type` or `area`."""
    actor = _actor(request, Capability.VIEW_FIGURES)
    return [
        FunnelOut.of(row) for row in referral_funnel(actor=actor, by=by if by in BY else "provider")
    ]


@router.get("/figures/gaps", response=list[GapOut], summary="Needs without a service nearby")
def gaps(request: HttpRequest) -> list[GapOut]:
    actor = _actor(request, Capability.VIEW_FIGURES)
    return [GapOut.of(gap) for gap in service_gaps(actor=actor)]
