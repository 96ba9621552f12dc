"""Pairs for the review queue, made directly with the ORM: a finished linkage run and a
candidate pair between two registered persons, with comparisons like the engine's."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from pulang.linkage.models import CandidatePair, LinkageRun
from pulang.orgs.actor import Actor
from pulang.registry.inputs import IdentifierInput
from pulang.registry.models import Person
from pulang.registry.services import OnMatch, registration_submit
from tests.registry.helpers import NIK_SITI, siti

SUMBERPUCUNG = "35.07.12.2001"
LOMBOK_TIMUR = "52.03"

COMPARISONS: dict[str, dict[str, Any]] = {
    "name": {
        "level": "nearly the same spelling",
        "weight": 10.63,
        "value_a": "siti aminah binti sukarno",
        "value_b": "sitti aminah",
    },
    "birth_date": {
        "level": "same exact date",
        "weight": 7.2,
        "value_a": "1985-08-17",
        "value_b": "1985-08-17",
    },
    "ids": {
        "level": "a number in common",
        "weight": 12.0,
        "value_a": NIK_SITI,
        "value_b": NIK_SITI,
    },
    "phone": {
        "level": "different numbers",
        "weight": -3.24,
        "value_a": "+6281234567890",
        "value_b": "+6281311112222",
    },
    "address": {"level": "null", "weight": 0.0, "value_a": None, "value_b": None},
}


def register(actor: Actor, **changes: object) -> Person:
    outcome = registration_submit(
        actor=actor, data=siti(**changes), channel="staff", on_match=OnMatch.CREATE
    )
    assert outcome.person is not None
    return outcome.person


def sitti(actor: Actor, **changes: object) -> Person:
    """A second record of Siti, spelt differently, in another village of Malang."""
    values: dict[str, object] = {
        "full_name": "Sitti Aminah",
        "phone": "0813 1111 2222",
        "home_area": SUMBERPUCUNG,
        "identifiers": [IdentifierInput("national_id", NIK_SITI, "ID")],
    }
    values.update(changes)
    return register(actor, **values)


def linkage_run() -> LinkageRun:
    now = timezone.now()
    return LinkageRun.objects.create(
        scope=LinkageRun.Scope.REGISTRY,
        status=LinkageRun.Status.SUCCEEDED,
        requested_at=now,
        started_at=now,
        finished_at=now,
        auto_threshold=0.999,
        review_threshold=0.8,
    )


def queued_pair(
    first: Person,
    second: Person,
    *,
    probability: float = 0.93,
    run: LinkageRun | None = None,
    comparisons: dict[str, dict[str, Any]] | None = None,
) -> CandidatePair:
    a, b = sorted((first, second), key=lambda p: p.pk)
    restricted = a.is_restricted or b.is_restricted
    return CandidatePair.objects.create(
        run=run or linkage_run(),
        person_a=a,
        person_b=b,
        match_probability=probability,
        match_weight=12.5,
        comparisons=COMPARISONS if comparisons is None else comparisons,
        status=CandidatePair.Status.QUEUED,
        priority=probability + (CandidatePair.RESTRICTED_BOOST if restricted else 0.0),
        created_at=timezone.now(),
    )
