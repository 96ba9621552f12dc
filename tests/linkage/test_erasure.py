"""Erasing a person also erases the copies of their details that linkage kept on pairs."""

from __future__ import annotations

from pulang.linkage.models import CandidatePair
from pulang.orgs.actor import Actor
from pulang.registry.services.data_requests import erasure_decide, erasure_request
from tests.factories import World
from tests.linkage.review_helpers import queued_pair, register, sitti
from tests.registry.helpers import occupation


def test_erasure_clears_the_compared_values_of_the_persons_pairs(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    occupation()
    siti = register(district_supervisor)
    other = sitti(district_supervisor)
    third = register(district_supervisor, full_name="Suparmi", identifiers=[], phone="")
    pair = queued_pair(siti, other)
    untouched = queued_pair(other, third)
    request = erasure_request(actor=village_officer, person_id=siti.pk, reason="By letter")
    erasure_decide(actor=district_supervisor, request_id=request.pk, approve=True)

    pair.refresh_from_db()
    assert {c["value_a"] for c in pair.comparisons.values()} == {None}
    assert {c["value_b"] for c in pair.comparisons.values()} == {None}
    assert pair.comparisons["name"]["weight"] == 10.63  # why it was found stays
    assert pair.comparisons["name"]["level"] == "nearly the same spelling"
    assert CandidatePair.objects.get(pk=untouched.pk).comparisons["name"]["value_a"] == (
        "siti aminah binti sukarno"
    )
