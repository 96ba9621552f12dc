"""The duplicate check at the door scores with the trained linkage model when there is one
(docs/linkage.md, "At the door"), and with the search's own score when there is none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import override_settings

from pulang.orgs.actor import Actor
from pulang.registry.inputs import validate_registration
from pulang.registry.models import Person
from pulang.registry.services import duplicate_candidates, registration_submit
from pulang.registry.services.registration import DoorMatch
from tests.factories import World
from tests.registry.door_model import registry_with_model
from tests.registry.helpers import occupation, siti

pytestmark = pytest.mark.django_db


@pytest.fixture
def isco(db: None) -> None:
    occupation()


def test_a_model_scored_candidate_is_shown_with_its_weights(
    world: World, village_officer: Actor, isco: None, tmp_path: Path
) -> None:
    model = registry_with_model(tmp_path)
    people = Person.objects.count() + 1
    first = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert first is not None
    again = siti(full_name="Siti Aminah binti Sukarno", identifiers=[], phone="")
    held = registration_submit(actor=village_officer, data=again, channel="staff")
    assert held.person is None
    assert [m.person.pk for m in held.candidates] == [first.pk]
    shown = held.candidates[0]
    assert isinstance(shown, DoorMatch) and shown.model is not None
    assert shown.model.model_version == model.version
    assert shown.score == round(shown.model.probability, 4)
    assert shown.model.probability >= 0.8
    comparisons = shown.model.comparisons
    assert set(comparisons) == {"name", "birth_date", "ids", "phone", "area", "address", "sex"}
    assert comparisons["name"]["level"] == "same name"
    assert comparisons["birth_date"]["level"] == "same exact date"
    assert comparisons["phone"]["level"] == "missing on either side"
    assert comparisons["phone"]["weight"] == 0.0
    # The weights and the prior add up to the match weight.
    assert sum(c["weight"] for c in comparisons.values()) == pytest.approx(
        shown.model.weight - _prior_weight(model.settings), abs=0.05
    )
    assert shown.reasons[0].startswith("match probability ")
    name_weight = comparisons["name"]["weight"]
    assert f"Name: same name (+{name_weight:.1f})" in shown.reasons
    assert Person.objects.count() == people


def _prior_weight(settings: dict[str, object]) -> float:
    import math

    prior = float(settings["probability_two_random_records_match"])  # type: ignore[arg-type]
    return math.log2(prior / (1 - prior))


def test_a_different_person_below_the_threshold_is_not_shown(
    world: World, village_officer: Actor, isco: None, tmp_path: Path
) -> None:
    registry_with_model(tmp_path)
    registration_submit(actor=village_officer, data=siti(), channel="staff")
    people = Person.objects.count()
    # The same common name, but born twenty years later, another number and phone: the
    # search's own score shows her (name alone, 100 % alike); the model does not.
    other = siti(
        birth_date=dt.date(2005, 1, 30),
        identifiers=[],
        phone="0813 9999 1111",
        sex="F",
    )
    outcome = registration_submit(actor=village_officer, data=other, channel="staff")
    assert (outcome.created, outcome.candidates, outcome.hidden_candidates) == (True, [], 0)
    assert Person.objects.count() == people + 1


def test_the_threshold_is_a_setting(
    world: World, village_officer: Actor, isco: None, tmp_path: Path
) -> None:
    registry_with_model(tmp_path)
    registration_submit(actor=village_officer, data=siti(), channel="staff")
    again = siti(identifiers=[], phone="")
    with override_settings(PULANG_DOOR_THRESHOLD=1.0):
        outcome = registration_submit(actor=village_officer, data=again, channel="staff")
    assert (outcome.created, outcome.candidates) == (True, [])


def test_without_a_model_the_search_score_decides(
    world: World, village_officer: Actor, isco: None
) -> None:
    first = registration_submit(actor=village_officer, data=siti(), channel="staff").person
    assert first is not None
    held = registration_submit(
        actor=village_officer, data=siti(identifiers=[], phone=""), channel="staff"
    )
    assert [m.person.pk for m in held.candidates] == [first.pk]
    assert not isinstance(held.candidates[0], DoorMatch)
    assert held.candidates[0].reasons == ["same name", "same date of birth"]
    assert held.candidates[0].score == 1.5


def test_with_a_model_candidates_outside_scope_are_counted_never_shown(
    world: World, village_officer: Actor, outsider: Actor, isco: None, tmp_path: Path
) -> None:
    registry_with_model(tmp_path)
    registration_submit(actor=village_officer, data=siti(), channel="staff")
    people = Person.objects.count()
    # Her number and phone tell the model it is her, though she now lives elsewhere.
    data = siti(home_area="52.03")
    assert data.return_ is not None
    data.return_.destination_area = "52.03"
    # The model finds her; the outsider may not see her: counted, never shown.
    assert duplicate_candidates(outsider, validate_registration(data)) == ([], 1)
    outcome = registration_submit(actor=outsider, data=data, channel="staff")
    assert (outcome.created, outcome.candidates) == (True, [])
    assert Person.objects.count() == people + 1
