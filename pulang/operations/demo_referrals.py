"""The demo's directory and one referral, so that the referral pages are not empty: the
providers and services of ``referrals.demo``, then Nur Aini (one of the demo cases, back
in Talangagung with an agreed plan) agrees to share her details with providers and the
village officer refers her to the counselling centre, which accepts. Through the
services, as the demo users; a second run changes nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from pulang.cases.selectors import case_plan_actions, cases_mine
from pulang.operations.demo import DemoRefused
from pulang.operations.demo_cases import demo_actor
from pulang.referrals.codes import ServiceType, Step
from pulang.referrals.demo import demo_services
from pulang.referrals.selectors.directory import services_of_provider
from pulang.referrals.selectors.work import referrals_sent
from pulang.referrals.services.referrals import referral_send, referral_step
from pulang.registry.services import consent_give

RETURNEE = "Nur Aini"
COUNSELLING_PROVIDER = "konselor"


def demo_referrals() -> int:
    """The demo directory and referral; returns how many referrals the demo officer has
    sent."""
    if not (settings.DEBUG or settings.PULANG_DEMO):
        raise DemoRefused(
            "Demo referrals are made only with PULANG_DEMO=true or PULANG_DEBUG=true."
        )
    demo_services()
    office, provider = demo_actor("caseworker"), demo_actor(COUNSELLING_PROVIDER)
    if referrals_sent(actor=office).exists():
        return referrals_sent(actor=office).count()
    case = next((c for c in cases_mine(actor=office) if c.person.full_name == RETURNEE), None)
    if case is None:
        raise DemoRefused("Run `pulang demo_cases` first: the demo cases are missing.")
    service = next(
        entry.service
        for entry in services_of_provider(actor=provider)
        if entry.service.service_type == ServiceType.COUNSELLING
    )
    action = next(iter(case_plan_actions(case=case)), None)
    with transaction.atomic():
        consent_give(
            actor=office, person_id=case.person_id, purpose="referral_sharing", method="verbal"
        )
        referral = referral_send(
            actor=office,
            case_id=case.pk,
            service_id=service.pk,
            action_id=action.pk if action is not None else None,
            shared_note=(
                "Ibu Nur baru pulang dari Malaysia dan sulit tidur. Ia lebih nyaman dengan "
                "konselor perempuan dan bisa datang hari Sabtu."
            ),
        )
        referral_step(
            actor=provider,
            referral_id=referral.pk,
            expected_version=referral.version,
            step=Step.ACCEPT,
        )
    return 1
