"""The linkage engine's automatic merges, many at a time: exactly what ``person_merge``
gives merging one record after another, in a few queries, and undone the same way."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.registry.inputs import IdentifierInput
from pulang.registry.models import Consent, Person, PersonMerge, PersonOrganisationLink
from pulang.registry.services import (
    erasure_request,
    merge_automatic,
    person_merge,
    person_unmerge,
    persons_merge_automatic,
)
from tests.factories import World
from tests.registry.helpers import occupation
from tests.registry.test_merge import SUMBERPUCUNG, _register, snapshot

REASON = "linkage run 7"


class _Rollback(Exception):
    pass


def _people(world: World, actor: Actor) -> tuple[list[list[int]], list[int]]:
    """Groups that exercise every rule, and every id involved."""
    occupation()
    # 1. Survivor without a phone; the absorbed fills it, adds a passport, shares the NIK
    #    and a live consent, and has an alias.
    a1 = _register(actor, phone="")
    b1 = _register(
        actor,
        full_name="Siti Aminah",
        aliases=["Ibu Siti"],
        phone="0813 1111 2222",
        home_area=SUMBERPUCUNG,
        identifiers=[
            IdentifierInput("national_id", "3507015708850001", "ID"),
            IdentifierInput("passport", "C 1234567", "ID"),
        ],
        consents=["case_management", "research"],
    )
    # 2. A group of three: the third carries the passport the second brought, so it stays
    #    behind as a duplicate of what the survivor holds by then; and it is restricted.
    a2 = _register(actor, full_name="Rina Wati", identifiers=[], phone="", email="")
    b2 = _register(
        actor,
        full_name="Rina Wati binti Ahmad",
        identifiers=[IdentifierInput("passport", "B 7654321", "ID")],
        email="rina@example.org",
    )
    c2 = _register(
        actor,
        full_name="Rinawati",
        identifiers=[IdentifierInput("passport", "B 7654321", "ID")],
        phone="0813 9999 0000",
    )
    Person.objects.filter(pk=c2.pk).update(is_restricted=True)
    for person in (a2, b2, c2):
        PersonOrganisationLink.objects.create(person=person, organisation=world.agency)
    # A consent withdrawn on the survivor does not stop the absorbed one moving.
    Consent.objects.filter(person=a2, purpose="case_management").update(
        withdrawn_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    # 3. Two open erasure requests: the merge is refused, the group's other record merges.
    a3 = _register(actor, full_name="Dewi Lestari", identifiers=[])
    b3 = _register(actor, full_name="Dewi Lestari", identifiers=[])
    c3 = _register(actor, full_name="Dewi Lestary", identifiers=[])
    erasure_request(actor=actor, person_id=a3.pk, reason="asked by phone")
    erasure_request(actor=actor, person_id=b3.pk, reason="asked by letter")
    # 4. An erased record is refused.
    a4 = _register(actor, full_name="Nur Hidayah", identifiers=[])
    b4 = _register(actor, full_name="Nur Hidayah", identifiers=[])
    Person.objects.filter(pk=b4.pk).update(erased_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    groups = [[a1.pk, b1.pk], [a2.pk, b2.pk, c2.pk], [a3.pk, b3.pk, c3.pk], [a4.pk, b4.pk]]
    return groups, sorted(pk for group in groups for pk in group)


def _state(ids: list[int]) -> dict[str, Any]:
    """Everything a merge touches, without what differs between two runs by nature
    (times, and the merges' own ids: a rolled-back sequence does not go back)."""
    shot: dict[str, Any] = snapshot(*ids)
    for row in shot["registry.person"]:
        del row["merged_at"]
    shot["versions"] = list(Person.objects.filter(pk__in=ids).order_by("pk").values_list("version"))
    shot["merges"] = [
        (m.survivor_id, m.absorbed_id, m.reason, m.automatic, m.moved, m.kept, m.rewritten,
         m.survivor_before, m.survivor_version)
        for m in PersonMerge.objects.order_by("pk")
    ]  # fmt: skip
    shot["audit"] = [
        (e.subject_id, e.reason, e.username, {k: v for k, v in e.details.items() if k != "merge"})
        for e in AuditEvent.objects.filter(action="registry.person_merged").order_by("pk")
    ]
    return shot


def _one_after_another(groups: list[list[int]]) -> set[int]:
    refused = set()
    for survivor, *absorbed in groups:
        for person in absorbed:
            try:
                person_merge(
                    actor=None,
                    survivor_id=survivor,
                    absorbed_id=person,
                    reason=REASON,
                    automatic=True,
                )
            except Exception:
                refused.add(person)
    return refused


@pytest.mark.parametrize("chunk", [500, 1])
def test_many_at_once_is_exactly_one_after_another(
    world: World, district_supervisor: Actor, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge_automatic, "CHUNK", chunk)
    groups, ids = _people(world, district_supervisor)
    expected: dict[str, Any] = {}
    try:
        with transaction.atomic():
            expected_refused = _one_after_another(groups)
            expected = _state(ids)
            raise _Rollback
    except _Rollback:
        pass
    before = _state(ids)

    done = persons_merge_automatic(groups=groups, reason=REASON)

    assert _state(ids) == expected
    assert (done.merges, done.refused) == (4, expected_refused)
    b3, b4 = groups[2][1], groups[3][1]
    assert expected_refused == {b3, b4}
    # What the rules did, so that agreeing with a wrong sequence cannot pass unnoticed.
    assert [m[:2] for m in expected["merges"]] == [
        (groups[0][0], groups[0][1]),
        (groups[1][0], groups[1][1]),
        (groups[1][0], groups[1][2]),
        (groups[2][0], groups[2][2]),
    ]
    assert expected != before

    # Each merge is undone by the registry's own service, newest first, back to before.
    for merge in PersonMerge.objects.order_by("-pk"):
        person_unmerge(actor=district_supervisor, merge_id=merge.pk, reason="not the same")
    after = _state(ids)
    for key in ("versions", "merges", "audit"):
        del after[key], before[key]
    assert after == before


def test_queries_do_not_grow_with_the_number_of_groups(
    world: World, district_supervisor: Actor
) -> None:
    occupation()

    def merge_groups(count: int) -> int:
        groups = [
            [_register(district_supervisor, identifiers=[]).pk for _ in range(2)]
            for _ in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            done = persons_merge_automatic(groups=groups, reason=REASON)
        assert done.merges == count
        return len(queries)

    assert merge_groups(2) == merge_groups(6)
