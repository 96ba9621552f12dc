from __future__ import annotations

import datetime as dt

import pytest

from pulang.assessments.services import LoadReport, instruments_load
from pulang.orgs.actor import Actor
from pulang.registry.inputs import ReturnInput
from pulang.registry.models import Person
from pulang.registry.services import registration_submit
from tests.factories import World
from tests.registry.helpers import occupation, siti


@pytest.fixture
def instruments(db: None) -> LoadReport:
    """The shipped instruments, loaded as ``make demo`` loads them."""
    return instruments_load()


@pytest.fixture
def returnee_home(world: World, village_officer: Actor) -> Person:
    """Siti, back home in Talangagung (Malang), registered by the village office."""
    occupation()
    person = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert person is not None
    return person


@pytest.fixture
def worker_abroad(world: World, consular_officer: Actor) -> Person:
    """Siti still in Malaysia, registered by the consulate in Kuala Lumpur before return."""
    occupation()
    data = siti(
        return_=ReturnInput(
            reason="abuse_or_violence",
            mode="assisted",
            status="expected",
            expected_on=dt.date(2030, 1, 10),
            destination_area="35.07.13.2001",
        )
    )
    person = registration_submit(actor=consular_officer, data=data, channel="consular").person
    assert person is not None
    return person
