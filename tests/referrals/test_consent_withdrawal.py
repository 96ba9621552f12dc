"""Withdrawing the consent to share with providers withdraws what was shared: referrals
sent under it and still open are closed, and their provider no longer sees any referral
sent under it; a referral a supervisor sent without consent is not touched."""

from __future__ import annotations

import pytest

from pulang.cases.models import Case, PlanAction
from pulang.errors import NotFound
from pulang.orgs.actor import Actor
from pulang.referrals.codes import ServiceType
from pulang.referrals.models import Referral, ReferralEvent, Service
from pulang.referrals.selectors.referrals import (
    provider_inbox,
    provider_inbox_counts,
    provider_referral_get,
)
from pulang.referrals.services.referrals import referral_send, referral_step
from pulang.registry.services import consent_give, consent_withdraw
from tests.factories import World
from tests.referrals.helpers import published_service

pytestmark = pytest.mark.django_db


def send(actor: Actor, case: Case, service: Service, **more: object) -> Referral:
    return referral_send(
        actor=actor, case_id=case.pk, service_id=service.pk, shared_note="Needs help", **more
    )


def test_open_referrals_are_withdrawn_and_the_provider_loses_them(
    world: World,
    case: Case,
    action: PlanAction,
    counselling: Service,
    village_officer: Actor,
    provider_staff: Actor,
) -> None:
    legal = published_service(world.provider, ServiceType.LEGAL_AID, [world.malang])
    open_one = send(village_officer, case, counselling, action_id=action.pk)
    referral_step(actor=provider_staff, referral_id=open_one.pk, expected_version=1, step="accept")
    done = send(village_officer, case, legal)
    for version, step in ((1, "accept"), (2, "start")):
        referral_step(
            actor=provider_staff, referral_id=done.pk, expected_version=version, step=step
        )
    referral_step(
        actor=provider_staff,
        referral_id=done.pk,
        expected_version=3,
        step="complete",
        outcome="achieved",
    )
    assert provider_inbox_counts(actor=provider_staff) == {"new": 0, "active": 1, "done": 1}

    consent_withdraw(actor=village_officer, person_id=case.person_id, purpose="referral_sharing")

    open_one.refresh_from_db()
    assert (open_one.status, open_one.closure_reason, open_one.details_withdrawn) == (
        "closed",
        "withdrawn",
        True,
    )
    assert open_one.events.filter(kind=ReferralEvent.Kind.CONSENT_WITHDRAWN).count() == 1
    done.refresh_from_db()
    assert (done.status, done.details_withdrawn) == ("completed", True)
    for referral in (open_one, done):
        with pytest.raises(NotFound):
            provider_referral_get(actor=provider_staff, referral_id=referral.pk)
    assert provider_inbox_counts(actor=provider_staff) == {"new": 0, "active": 0, "done": 0}
    assert list(provider_inbox(actor=provider_staff, tab="done")) == []
    action.refresh_from_db()
    assert action.status == "planned"
    counselling.refresh_from_db()
    assert counselling.open_referrals == 0


def test_a_referral_sent_without_consent_is_left_as_it_is(
    case: Case,
    counselling: Service,
    village_officer: Actor,
    district_supervisor: Actor,
    provider_staff: Actor,
) -> None:
    consent_withdraw(actor=village_officer, person_id=case.person_id, purpose="referral_sharing")
    overridden = send(
        district_supervisor, case, counselling, override_reason="Acute distress, no consent yet"
    )
    # Consent given again, then withdrawn again: the override referral is not under it.
    consent_give(
        actor=village_officer, person_id=case.person_id, purpose="referral_sharing", method="verbal"
    )
    consent_withdraw(actor=village_officer, person_id=case.person_id, purpose="referral_sharing")
    overridden.refresh_from_db()
    assert (overridden.status, overridden.details_withdrawn) == ("sent", False)
    assert provider_referral_get(actor=provider_staff, referral_id=overridden.pk).name


def test_withdrawing_another_consent_changes_nothing(
    case: Case, counselling: Service, village_officer: Actor, provider_staff: Actor
) -> None:
    referral = send(village_officer, case, counselling)
    consent_withdraw(actor=village_officer, person_id=case.person_id, purpose="case_management")
    referral.refresh_from_db()
    assert (referral.status, referral.details_withdrawn) == ("sent", False)
    assert provider_referral_get(actor=provider_staff, referral_id=referral.pk).name
