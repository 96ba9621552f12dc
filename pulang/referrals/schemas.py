"""What the referrals API reads and returns. The provider's view of a referral is the
minimum the service needs (``ProviderReferralOut``); the case side sees the referral as
its case does (``ReferralOut``)."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from ninja import Field, Schema

from pulang.referrals.models import Referral, Service
from pulang.referrals.selectors.directory import entry_text
from pulang.referrals.selectors.referrals import FunnelRow, Gap, ProviderView, Suggestion


def _name(service: Service) -> str:
    return entry_text(service, translation.get_language() or "en")["name"]


VERSION = "the `version` last read; 409 `referrals.stale_referral` when it changed since"


class ListQuery(Schema):
    offset: int = 0
    limit: int = 50


class SendIn(Schema):
    case_id: int
    service_id: int
    action_id: int | None = Field(None, description="the plan action the referral is for")
    shared_note: str = Field(description="what the provider needs to know, and only that")
    override_reason: str = Field(
        "",
        description="supervisors only, when the returnee has not given referral-sharing "
        "consent: why it must be sent anyway (audited)",
    )


class ReferralVersionIn(Schema):
    expected_version: int = Field(description=VERSION)


class DeclineIn(ReferralVersionIn):
    reason: str = Field(description="why: the case worker reads it")


class CompleteIn(ReferralVersionIn):
    outcome: str = Field(description="achieved, partly or not_achieved")
    note: str = Field("", description="what was delivered")


class FeedbackIn(ReferralVersionIn):
    satisfaction: int = Field(description="1 (very unhappy) to 5 (very happy)")
    comment: str = ""


class ServiceBriefOut(Schema):
    id: int
    name: str
    service_type: str
    provider_id: int
    provider: str
    phone: str


def _service(referral: Referral) -> ServiceBriefOut:
    service = referral.service
    return ServiceBriefOut(
        id=service.pk,
        name=_name(service),
        service_type=service.service_type,
        provider_id=referral.provider_id,
        provider=referral.provider.name,
        phone=service.phone,
    )


class ReferralOut(Schema):
    id: int
    version: int
    case_id: int
    action_id: int | None
    service: ServiceBriefOut
    status: str
    shared_note: str
    consent_given: bool
    override_reason: str
    sent_at: dt.datetime
    responded_at: dt.datetime | None
    decline_reason: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    outcome: str
    outcome_note: str
    closed_at: dt.datetime | None
    closure_reason: str
    satisfaction: int | None
    feedback: str
    feedback_via: str

    @staticmethod
    def of(referral: Referral) -> ReferralOut:
        return ReferralOut(
            id=referral.pk,
            version=referral.version,
            case_id=referral.case_id,
            action_id=referral.action_id,
            service=_service(referral),
            status=referral.status,
            shared_note=referral.shared_note,
            consent_given=referral.consent_id is not None,
            override_reason=referral.override_reason,
            sent_at=referral.sent_at,
            responded_at=referral.responded_at,
            decline_reason=referral.decline_reason,
            started_at=referral.started_at,
            completed_at=referral.completed_at,
            outcome=referral.outcome,
            outcome_note=referral.outcome_note,
            closed_at=referral.closed_at,
            closure_reason=referral.closure_reason,
            satisfaction=referral.satisfaction,
            feedback=referral.feedback,
            feedback_via=referral.feedback_via,
        )


class ProviderReferralOut(Schema):
    """The provider's view: who to contact and what they need, nothing of the case."""

    id: int
    version: int
    status: str
    service_id: int
    service: str
    name: str
    sex: str
    age: int | None
    phone: str
    languages: list[str]
    area: str
    shared_note: str
    referred_by: str
    referring_office: str
    sent_at: dt.datetime
    responded_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    outcome: str
    outcome_note: str
    closed_at: dt.datetime | None
    closure_reason: str

    @staticmethod
    def of(view: ProviderView) -> ProviderReferralOut:
        r = view.referral
        return ProviderReferralOut(
            id=r.pk,
            version=r.version,
            status=r.status,
            service_id=r.service_id,
            service=_name(r.service),
            name=view.name,
            sex=view.sex,
            age=view.age,
            phone=view.phone,
            languages=view.languages,
            area=view.area,
            shared_note=r.shared_note,
            referred_by=view.referred_by,
            referring_office=view.referring_office,
            sent_at=r.sent_at,
            responded_at=r.responded_at,
            started_at=r.started_at,
            completed_at=r.completed_at,
            outcome=r.outcome,
            outcome_note=r.outcome_note,
            closed_at=r.closed_at,
            closure_reason=r.closure_reason,
        )


class InboxPage(Schema):
    items: list[ProviderReferralOut]
    next_offset: int | None


class SuggestionOut(Schema):
    service_id: int
    name: str
    service_type: str
    provider_id: int
    provider: str
    eligible: bool
    full: bool
    reasons: list[str]
    barriers: list[str]

    @staticmethod
    def of(item: Suggestion) -> SuggestionOut:
        service = item.service
        return SuggestionOut(
            service_id=service.pk,
            name=_name(service),
            service_type=service.service_type,
            provider_id=service.provider_id,
            provider=service.provider.name,
            eligible=item.eligible,
            full=item.full,
            reasons=item.reasons,
            barriers=item.barriers,
        )


class FunnelOut(Schema):
    key: str
    label: str
    sent: int
    accepted: int
    declined: int
    completed: int
    closed: int
    open: int
    median_days_to_accept: float | None
    median_days_to_complete: float | None

    @staticmethod
    def of(row: FunnelRow) -> FunnelOut:
        return FunnelOut(**row.as_dict())


class GapOut(Schema):
    area: str
    category: str
    returnees: int

    @staticmethod
    def of(gap: Gap) -> GapOut:
        return GapOut(area=gap.area, category=gap.category, returnees=gap.returnees)
