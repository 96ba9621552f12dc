"""Fixtures of the referral tests: Siti's case in Talangagung with a plan action, her
consent to share with providers, and the Malang counselling NGO's published service."""

from __future__ import annotations

import pytest

from pulang.cases.models import Case, PlanAction
from pulang.orgs.actor import Actor
from pulang.referrals.codes import ServiceType
from pulang.referrals.models import Service
from pulang.registry.services import consent_give
from tests.cases.helpers import goal_with_action, open_case, register
from tests.factories import World
from tests.referrals.helpers import published_service


@pytest.fixture
def case(world: World, village_officer: Actor) -> Case:
    """Siti's case, held by the village officer, with her referral-sharing consent."""
    siti = register(village_officer)
    consent_give(
        actor=village_officer, person_id=siti.pk, purpose="referral_sharing", method="verbal"
    )
    return open_case(village_officer, siti)


@pytest.fixture
def action(case: Case, village_officer: Actor) -> PlanAction:
    _goal, made = goal_with_action(village_officer, case, case.version)
    return made


@pytest.fixture
def counselling(world: World) -> Service:
    return published_service(world.provider, ServiceType.COUNSELLING, [world.malang])
