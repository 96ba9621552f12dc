"""How referrals read on the pages: a service's name in the reader's language, a step of
the history in words, and the case page's section."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from pulang.cases.selectors import case_plan_actions
from pulang.referrals.codes import Status, Step
from pulang.referrals.models import ReferralEvent
from pulang.referrals.policies import Capability, can
from pulang.referrals.selectors.directory import entry_text
from pulang.referrals.selectors.referrals import referrals_of_case

if TYPE_CHECKING:
    from pulang.cases.models import Case
    from pulang.orgs.actor import Actor
    from pulang.referrals.models import Service


def entry_name(service: Service, language: str | None = None) -> str:
    """The service's name in the reader's language (else Indonesian, English, or the
    name it was entered with)."""
    return entry_text(service, language or translation.get_language() or "en")["name"]


def event_sentence(event: ReferralEvent) -> str:
    """One line of a referral's history."""
    if event.kind == ReferralEvent.Kind.SENT:
        return _("Sent to the provider")
    if event.kind == ReferralEvent.Kind.FEEDBACK:
        return _("The returnee's feedback was recorded")
    if event.kind == ReferralEvent.Kind.CONSENT_WITHDRAWN:
        return _("Withdrawn: the returnee withdrew their consent to share with providers")
    if event.kind == ReferralEvent.Kind.REMINDED:
        return _("Waiting too long: the provider and the case worker were reminded")
    sentences: dict[str, str] = {
        Step.ACCEPT: _("Accepted by the provider"),
        Step.DECLINE: _("Declined by the provider"),
        Step.START: _("The service started"),
        Step.COMPLETE: _("The service was completed"),
        Step.CLOSE: _("Closed"),
    }
    if event.step in sentences:
        return sentences[event.step]
    return str(Status(event.to_status).label) if event.to_status else ""


def case_referrals_section(case: Case, actor: Actor) -> tuple[str, dict[str, Any]] | None:
    """The case's referrals and the way to make one (registered with the cases app in
    ReferralsConfig.ready); nothing for users who do not refer."""
    if not can(actor, Capability.REFER):
        return None
    referrals = list(referrals_of_case(case=case))
    return "referrals/case/_section.html", {
        "case": case,
        "rows": [{"referral": r, "name": entry_name(r.service)} for r in referrals],
        "actions": case_plan_actions(case=case),
        "can_refer": not case.is_closed,
    }
