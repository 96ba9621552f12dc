"""Merging two records of one person, and undoing it exactly (issue #4)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.errors import (
    AlreadyMerged,
    LaterMergeFirst,
    MergeAlreadyUndone,
    PersonMerged,
    StaleRecord,
)
from pulang.registry.inputs import EpisodeInput, IdentifierInput, ReturnInput
from pulang.registry.models import (
    Consent,
    ErasureRequest,
    Identifier,
    IntakeRecord,
    MigrationEpisode,
    Person,
    PersonMerge,
    PersonName,
    PersonOrganisationLink,
    Return,
    Skill,
)
from pulang.registry.search import PersonQuery
from pulang.registry.selectors import (
    person_file,
    person_get_for_actor,
    person_merges,
    person_search,
    persons_in_scope_count,
)
from pulang.registry.services import (
    OnMatch,
    erasure_decide,
    erasure_request,
    person_merge,
    person_unmerge,
    person_update,
    registration_submit,
)
from pulang.registry.services.merge import LEFT_IN_PLACE, MOVED_RELATIONS, handled_relations
from tests.conftest import signed_in
from tests.factories import World, person
from tests.registry.helpers import NIK_SITI, occupation, siti

SUMBERPUCUNG = "35.07.12.2001"


@dataclass
class Pair:
    survivor: Person
    absorbed: Person


def _register(actor: Actor, **changes: object) -> Person:
    outcome = registration_submit(
        actor=actor, data=siti(**changes), channel="staff", on_match=OnMatch.CREATE
    )
    assert outcome.person is not None
    return outcome.person


@pytest.fixture
def pair(world: World, district_supervisor: Actor) -> Pair:
    """Two records of Siti: one in Talangagung without a phone, one in Sumberpucung
    (both in Malang district) with a phone, a passport, the same NIK and more."""
    occupation()
    survivor = _register(district_supervisor, phone="")
    absorbed = _register(
        district_supervisor,
        full_name="Siti Aminah",
        aliases=["Ibu Siti"],
        phone="0813 1111 2222",
        email="siti@example.org",
        home_area=SUMBERPUCUNG,
        identifiers=[
            IdentifierInput("national_id", NIK_SITI, "ID"),
            IdentifierInput("passport", "C 1234567", "ID"),
        ],
        episode=EpisodeInput(destination_country="SA", started_on=dt.date(2012, 5, 1)),
        return_=ReturnInput(
            reason="end_of_contract",
            mode="voluntary",
            returned_on=dt.date(2015, 6, 1),
            destination_area=SUMBERPUCUNG,
        ),
        consents=["case_management", "research"],
    )
    Skill.objects.create(person=absorbed, kind=Skill.Kind.CERTIFICATE, description="Caregiver")
    for record in (survivor, absorbed):
        PersonOrganisationLink.objects.create(person=record, organisation=world.agency)
    erasure_request(actor=district_supervisor, person_id=absorbed.pk, reason="asked by phone")
    return Pair(survivor=survivor, absorbed=absorbed)


def relations_to_person() -> list[Any]:
    """Every relation pointing at Person, hidden ones (``related_name="+"``) included:
    ``Person._meta.related_objects`` alone misses those."""
    return [
        f
        for f in Person._meta.get_fields(include_hidden=True)
        if f.is_relation and f.auto_created and not f.concrete
    ]


def snapshot(*ids: int) -> dict[str, list[dict[str, Any]]]:
    """Both records and every row pointing at them, field by field (a person's version
    and update time change with every write, so they are left out)."""
    people = list(Person.objects.filter(pk__in=ids).order_by("pk").values())
    for row in people:
        del row["version"], row["updated_at"]
    shot: dict[str, list[dict[str, Any]]] = {"registry.person": people}
    for relation in relations_to_person():
        model = relation.related_model
        if model in (Person, PersonMerge):
            continue
        name = relation.field.name
        rows = model._default_manager.filter(**{f"{name}__in": ids}).order_by("pk").values()
        shot[f"{model._meta.label_lower}.{name}"] = list(rows)
    return shot


def merge(actor: Actor | None, pair: Pair, **kw: Any) -> PersonMerge:
    return person_merge(
        actor=actor,
        survivor_id=pair.survivor.pk,
        absorbed_id=pair.absorbed.pk,
        reason=kw.pop("reason", "same NIK, same birth date"),
        **kw,
    )


def denials() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


# --- what a merge must handle -----------------------------------------------------------


def test_every_relation_to_person_is_handled_by_merges() -> None:
    """A new model pointing at Person must say what a merge does with it (services/merge)."""
    found = {f"{r.related_model._meta.label_lower}.{r.field.name}" for r in relations_to_person()}
    assert {
        f"{r.related_model._meta.label_lower}.{r.field.name}" for r in Person._meta.related_objects
    } <= found
    assert "registry.personorganisationlink.person" in found
    assert found - handled_relations() == set()
    assert handled_relations() - found == set()
    assert {r.key for r in MOVED_RELATIONS}.isdisjoint(LEFT_IN_PLACE)


# --- merge ------------------------------------------------------------------------------


def test_merge_moves_everything_to_the_survivor(pair: Pair, district_supervisor: Actor) -> None:
    s, a = pair.survivor, pair.absorbed
    absorbed_rows = {
        "intakes": set(IntakeRecord.objects.filter(person=a).values_list("pk", flat=True)),
        "episodes": set(MigrationEpisode.objects.filter(person=a).values_list("pk", flat=True)),
        "returns": set(Return.objects.filter(person=a).values_list("pk", flat=True)),
    }
    done = merge(district_supervisor, pair, expected_versions=(s.version, a.version))

    assert (
        set(IntakeRecord.objects.filter(person=s).values_list("pk", flat=True))
        >= (absorbed_rows["intakes"])
    )
    assert (
        set(MigrationEpisode.objects.filter(person=s).values_list("pk", flat=True))
        >= (absorbed_rows["episodes"])
    )
    assert (
        set(Return.objects.filter(person=s).values_list("pk", flat=True))
        >= (absorbed_rows["returns"])
    )
    assert Skill.objects.get().person_id == s.pk
    assert ErasureRequest.objects.get().person_id == s.pk
    assert sorted(PersonName.objects.filter(person=s).values_list("kind", "written")) == [
        ("alias", "Ibu Siti"),
        ("alias", "Siti Aminah"),  # the absorbed primary name, now another spelling
        ("primary", "Siti Aminah binti Sukarno"),
    ]
    assert sorted(Identifier.objects.filter(person=s).values_list("kind", "number")) == [
        ("national_id", NIK_SITI),
        ("passport", "C1234567"),
    ]
    assert sorted(Consent.objects.filter(person=s).values_list("purpose", flat=True)) == [
        "case_management",
        "research",
    ]
    # Nothing of the absorbed record is left on it but what the survivor already had.
    assert list(PersonName.objects.filter(person=a)) == []
    assert list(Identifier.objects.filter(person=a).values_list("number", flat=True)) == [NIK_SITI]
    assert list(Consent.objects.filter(person=a).values_list("purpose", flat=True)) == [
        "case_management"
    ]
    assert PersonOrganisationLink.objects.filter(person=a).count() == 1
    assert done.kept == {
        "registry.identifier": list(
            Identifier.objects.filter(person=a).values_list("pk", flat=True)
        ),
        "registry.consent": list(Consent.objects.filter(person=a).values_list("pk", flat=True)),
        "registry.personorganisationlink": list(
            PersonOrganisationLink.objects.filter(person=a).values_list("pk", flat=True)
        ),
    }
    assert sorted(done.moved) == [
        "registry.consent",
        "registry.erasurerequest",
        "registry.identifier",
        "registry.intakerecord",
        "registry.migrationepisode",
        "registry.personname",
        "registry.return",
        "registry.skill",
    ]

    s.refresh_from_db()
    a.refresh_from_db()
    # Blanks filled in from the absorbed record; the survivor's own details untouched.
    assert (s.phone, s.email, s.home_area.code) == (  # type: ignore[union-attr]
        "+6281311112222",
        "siti@example.org",
        "35.07.13.2001",
    )
    assert done.survivor_before == {"phone": "", "email": ""}
    assert (a.merged_into_id, a.merged_at) == (s.pk, done.created_at)
    assert (s.version, a.version) == (2, 2)
    assert (done.decided_by, done.organisation, done.automatic) == (
        district_supervisor.user,
        district_supervisor.organisation,
        False,
    )
    event = AuditEvent.objects.get(action="registry.person_merged")
    assert (event.subject_id, event.username, event.reason) == (
        str(s.pk),
        "district_supervisor",
        "same NIK, same birth date",
    )
    assert event.details["absorbed"] == a.pk
    assert event.details["filled"] == ["email", "phone"]


def test_the_merged_record_disappears_and_points_to_the_survivor(
    pair: Pair, district_supervisor: Actor, world: World
) -> None:
    sumberpucung_officer = person(
        world.district, Role.CASE_WORKER, scope_area=world.sumberpucung, username="sp_officer"
    )
    assert persons_in_scope_count(actor=district_supervisor) == 2
    merge(district_supervisor, pair)

    assert persons_in_scope_count(actor=district_supervisor) == 1
    found = person_search(actor=district_supervisor, query=PersonQuery(name="Siti Aminah"))
    assert [m.person.pk for m in found] == [pair.survivor.pk]
    with pytest.raises(PersonMerged) as caught:
        person_get_for_actor(actor=district_supervisor, person_id=pair.absorbed.pk)
    assert caught.value.survivor_id == pair.survivor.pk
    # Someone who saw only the absorbed record does not see where it went.
    before = denials()
    with pytest.raises(NotFound) as refused:
        person_get_for_actor(actor=sumberpucung_officer, person_id=pair.absorbed.pk)
    assert not isinstance(refused.value, PersonMerged)
    assert denials() == before + 1
    # The duplicate check at the door offers the survivor, never the merged record.
    held = registration_submit(
        actor=district_supervisor, data=siti(full_name="Siti Aminah"), channel="staff"
    )
    assert [m.person.pk for m in held.candidates] == [pair.survivor.pk]


def test_writes_to_a_merged_record_are_refused(pair: Pair, district_supervisor: Actor) -> None:
    merge(district_supervisor, pair)
    with pytest.raises(PersonMerged):
        person_update(
            actor=district_supervisor,
            person_id=pair.absorbed.pk,
            version=2,
            changes={"address": "Jl. Mawar"},
        )
    assert Person.objects.get(pk=pair.absorbed.pk).address == ""


def test_a_restricted_record_makes_the_survivor_restricted(
    pair: Pair, district_supervisor: Actor
) -> None:
    Person.objects.filter(pk=pair.absorbed.pk).update(is_restricted=True)
    done = merge(district_supervisor, pair)
    assert Person.objects.get(pk=pair.survivor.pk).is_restricted is True
    assert done.survivor_before["is_restricted"] is False
    person_unmerge(actor=district_supervisor, merge_id=done.pk, reason="not her")
    assert Person.objects.get(pk=pair.survivor.pk).is_restricted is False


def test_an_automatic_merge_needs_no_actor(pair: Pair) -> None:
    done = merge(None, pair, automatic=True, reason="linkage run 7: same verified NIK")
    assert (done.automatic, done.decided_by, done.organisation) == (True, None, None)
    event = AuditEvent.objects.get(action="registry.person_merged")
    assert (event.user_id, event.details["automatic"]) == (None, True)


def test_an_automatic_merge_reads_in_the_readers_language(
    pair: Pair, client: Client, district_supervisor: Actor
) -> None:
    merge(None, pair, automatic=True, reason="linkage run 7: same verified NIK")
    with translation.override("en"):  # what the request switches on, switched back after
        page = signed_in(client, district_supervisor).get(
            reverse("registry:person", args=[pair.survivor.pk]), HTTP_ACCEPT_LANGUAGE="id"
        )
    body = page.content.decode()
    assert "pencarian data ganda di seluruh registri" in body
    assert "linkage run 7" not in body


def test_without_an_actor_only_automatic_merges(pair: Pair) -> None:
    before = snapshot(pair.survivor.pk, pair.absorbed.pk)
    with pytest.raises(PermissionDenied):
        merge(None, pair)
    assert snapshot(pair.survivor.pk, pair.absorbed.pk) == before


# --- unmerge ----------------------------------------------------------------------------


def test_unmerge_restores_both_exactly(pair: Pair, district_supervisor: Actor) -> None:
    ids = (pair.survivor.pk, pair.absorbed.pk)
    before = snapshot(*ids)
    done = merge(district_supervisor, pair)
    assert snapshot(*ids) != before

    undone = person_unmerge(actor=district_supervisor, merge_id=done.pk, reason="not the same")

    assert snapshot(*ids) == before
    assert (undone.unmerged_by, undone.unmerge_reason, undone.unmerge_kept) == (
        district_supervisor.user,
        "not the same",
        [],
    )
    assert person_get_for_actor(actor=district_supervisor, person_id=pair.absorbed.pk).pk == (
        pair.absorbed.pk
    )
    assert [p.version for p in Person.objects.filter(pk__in=ids).order_by("pk")] == [3, 3]
    event = AuditEvent.objects.get(action="registry.person_unmerged")
    assert (event.subject_id, event.reason, event.details["merge"]) == (
        str(pair.survivor.pk),
        "not the same",
        done.pk,
    )
    # The history stays: the merge is marked undone, never deleted.
    assert list(PersonMerge.objects.values_list("pk", flat=True)) == [done.pk]


def test_a_merge_is_undone_once(pair: Pair, district_supervisor: Actor) -> None:
    done = merge(district_supervisor, pair)
    person_unmerge(actor=district_supervisor, merge_id=done.pk, reason="not the same")
    with pytest.raises(MergeAlreadyUndone):
        person_unmerge(actor=district_supervisor, merge_id=done.pk, reason="again")


def test_details_corrected_after_the_merge_are_kept_on_unmerge(
    pair: Pair, district_supervisor: Actor
) -> None:
    Person.objects.filter(pk=pair.absorbed.pk).update(is_restricted=True)
    done = merge(district_supervisor, pair)
    survivor = Person.objects.get(pk=pair.survivor.pk)
    person_update(
        actor=district_supervisor,
        person_id=survivor.pk,
        version=survivor.version,
        changes={"phone": "0812 9999 0000"},
        reason="new number",
    )
    undone = person_unmerge(actor=district_supervisor, merge_id=done.pk, reason="not her")
    survivor.refresh_from_db()
    # The correction stays; the e-mail the merge filled in goes; so does nothing else.
    assert (survivor.phone, survivor.email) == ("+6281299990000", "")
    # Touched since the merge: the restriction is not lifted automatically.
    assert survivor.is_restricted is True
    assert undone.unmerge_kept == ["phone", "is_restricted"]


def test_an_erased_survivor_takes_the_merged_record_with_it(
    pair: Pair, district_supervisor: Actor, administrator: Actor
) -> None:
    done = merge(district_supervisor, pair)
    request = ErasureRequest.objects.get()
    erasure_decide(actor=administrator, request_id=request.pk, approve=True)
    absorbed = Person.objects.get(pk=pair.absorbed.pk)
    assert (absorbed.full_name, absorbed.phone, absorbed.erased_at is not None) == (
        "—",
        "",
        True,
    )
    assert Identifier.objects.filter(person__in=[pair.survivor, absorbed]).count() == 0
    before = denials()
    with pytest.raises(NotFound):
        person_unmerge(actor=administrator, merge_id=done.pk, reason="not her")
    assert denials() == before + 1


# --- checks -----------------------------------------------------------------------------


def test_a_record_cannot_be_merged_into_itself(pair: Pair, district_supervisor: Actor) -> None:
    with pytest.raises(InvalidInput) as caught:
        person_merge(
            actor=district_supervisor,
            survivor_id=pair.survivor.pk,
            absorbed_id=pair.survivor.pk,
            reason="x",
        )
    assert caught.value.errors[0]["field"] == "absorbed_id"


def test_a_reason_is_required(pair: Pair, district_supervisor: Actor) -> None:
    before = snapshot(pair.survivor.pk, pair.absorbed.pk)
    with pytest.raises(InvalidInput) as caught:
        merge(district_supervisor, pair, reason="  ")
    assert caught.value.errors == [{"field": "reason", "reason": "say why"}]
    assert snapshot(pair.survivor.pk, pair.absorbed.pk) == before
    done = merge(district_supervisor, pair)
    with pytest.raises(InvalidInput):
        person_unmerge(actor=district_supervisor, merge_id=done.pk, reason="")
    assert PersonMerge.objects.get().unmerged_at is None


def test_a_stale_version_changes_nothing(pair: Pair, district_supervisor: Actor) -> None:
    s, a = pair.survivor, pair.absorbed
    person_update(
        actor=district_supervisor, person_id=a.pk, version=a.version, changes={"address": "X"}
    )
    before = snapshot(s.pk, a.pk)
    with pytest.raises(StaleRecord):
        merge(district_supervisor, pair, expected_versions=(s.version, a.version))
    assert snapshot(s.pk, a.pk) == before
    assert PersonMerge.objects.count() == 0
    merge(district_supervisor, pair, expected_versions=(s.version, a.version + 1))
    assert PersonMerge.objects.count() == 1


def test_a_merged_or_erased_record_cannot_be_merged(
    pair: Pair, district_supervisor: Actor, world: World
) -> None:
    third = _register(district_supervisor, full_name="Siti A.", identifiers=[])
    merge(district_supervisor, pair)
    with pytest.raises(AlreadyMerged):
        person_merge(
            actor=district_supervisor,
            survivor_id=third.pk,
            absorbed_id=pair.absorbed.pk,
            reason="x",
        )
    with pytest.raises(AlreadyMerged):
        person_merge(
            actor=district_supervisor,
            survivor_id=pair.absorbed.pk,
            absorbed_id=third.pk,
            reason="x",
        )
    Person.objects.filter(pk=third.pk).update(erased_at=timezone.now())
    before = denials()
    with pytest.raises(NotFound):
        person_merge(
            actor=district_supervisor,
            survivor_id=pair.survivor.pk,
            absorbed_id=third.pk,
            reason="x",
        )
    assert denials() == before + 1


def test_two_open_erasure_requests_refuse_the_merge(pair: Pair, district_supervisor: Actor) -> None:
    erasure_request(actor=district_supervisor, person_id=pair.survivor.pk, reason="by letter")
    with pytest.raises(InvalidInput) as caught:
        merge(district_supervisor, pair)
    assert caught.value.errors[0]["field"] == "absorbed_id"
    assert PersonMerge.objects.count() == 0


# --- chains -----------------------------------------------------------------------------


def test_merges_are_undone_newest_first(pair: Pair, district_supervisor: Actor) -> None:
    third = _register(district_supervisor, full_name="Siti A.", identifiers=[], phone="")
    ids = (pair.survivor.pk, pair.absorbed.pk, third.pk)
    before = snapshot(*ids)
    first = merge(district_supervisor, pair)
    second = person_merge(
        actor=district_supervisor, survivor_id=pair.survivor.pk, absorbed_id=third.pk, reason="y"
    )
    with pytest.raises(LaterMergeFirst) as caught:
        person_unmerge(actor=district_supervisor, merge_id=first.pk, reason="no")
    assert caught.value.params == {"later": second.pk}
    assert PersonMerge.objects.filter(unmerged_at__isnull=True).count() == 2

    person_unmerge(actor=district_supervisor, merge_id=second.pk, reason="no")
    person_unmerge(actor=district_supervisor, merge_id=first.pk, reason="no")
    assert snapshot(*ids) == before


def test_a_survivor_merged_in_turn_is_undone_from_the_top(
    pair: Pair, district_supervisor: Actor
) -> None:
    top = _register(district_supervisor, full_name="Siti A.", identifiers=[])
    ids = (pair.survivor.pk, pair.absorbed.pk, top.pk)
    before = snapshot(*ids)
    first = merge(district_supervisor, pair)
    second = person_merge(
        actor=district_supervisor, survivor_id=top.pk, absorbed_id=pair.survivor.pk, reason="y"
    )
    # Both older records now point, through the chain, to the top one.
    with pytest.raises(PersonMerged) as caught:
        person_get_for_actor(actor=district_supervisor, person_id=pair.absorbed.pk)
    assert caught.value.survivor_id == top.pk
    with pytest.raises(LaterMergeFirst):
        person_unmerge(actor=district_supervisor, merge_id=first.pk, reason="no")
    person_unmerge(actor=district_supervisor, merge_id=second.pk, reason="no")
    person_unmerge(actor=district_supervisor, merge_id=first.pk, reason="no")
    assert snapshot(*ids) == before


# --- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["district_supervisor", "administrator"])
def test_supervisors_and_administrators_covering_both_may_merge_and_unmerge(
    pair: Pair, persona: str, request: pytest.FixtureRequest
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    done = merge(actor, pair)
    assert PersonMerge.objects.get().pk == done.pk
    person_unmerge(actor=actor, merge_id=done.pk, reason="not her")
    assert PersonMerge.objects.get().unmerged_at is not None


@pytest.mark.parametrize(
    "persona",
    [
        "village_officer",
        "consular_officer",
        "outsider",
        "analyst",
        "auditor",
        "provider_staff",
        "agency_staff",
    ],
)
def test_other_roles_may_not_merge(
    pair: Pair, persona: str, request: pytest.FixtureRequest
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    before, refused = snapshot(pair.survivor.pk, pair.absorbed.pk), denials()
    with pytest.raises(PermissionDenied):
        merge(actor, pair)
    assert snapshot(pair.survivor.pk, pair.absorbed.pk) == before
    assert PersonMerge.objects.count() == 0
    assert denials() == refused + 1
    event = AuditEvent.objects.filter(action="access.denied").latest("id")
    assert (event.username, event.subject_id) == (persona, str(pair.absorbed.pk))


@pytest.mark.parametrize(
    "persona",
    ["village_officer", "consular_officer", "outsider", "analyst", "auditor", "provider_staff"],
)
def test_other_roles_may_not_unmerge(
    pair: Pair, district_supervisor: Actor, persona: str, request: pytest.FixtureRequest
) -> None:
    done = merge(district_supervisor, pair)
    actor: Actor = request.getfixturevalue(persona)
    after_merge, refused = snapshot(pair.survivor.pk, pair.absorbed.pk), denials()
    with pytest.raises(PermissionDenied):
        person_unmerge(actor=actor, merge_id=done.pk, reason="no")
    assert snapshot(pair.survivor.pk, pair.absorbed.pk) == after_merge
    assert PersonMerge.objects.get().unmerged_at is None
    assert denials() == refused + 1


def test_a_supervisor_must_cover_both_records(pair: Pair, world: World) -> None:
    # A village supervisor in Talangagung sees the survivor but not the Sumberpucung record.
    village_supervisor = person(world.village, Role.SUPERVISOR, username="v_sup", clearance=True)
    lombok_supervisor = person(world.other_district, Role.SUPERVISOR, username="l_sup")
    for actor, hidden in (
        (village_supervisor, pair.absorbed.pk),
        (lombok_supervisor, pair.survivor.pk),
    ):
        before, refused = snapshot(pair.survivor.pk, pair.absorbed.pk), denials()
        with pytest.raises(NotFound):
            merge(actor, pair)
        assert snapshot(pair.survivor.pk, pair.absorbed.pk) == before
        event = AuditEvent.objects.filter(action="access.denied").latest("id")
        assert (denials(), event.subject_id) == (refused + 1, str(hidden))


def test_a_missing_record_is_an_audited_not_found(pair: Pair, district_supervisor: Actor) -> None:
    with pytest.raises(NotFound):
        person_merge(
            actor=district_supervisor, survivor_id=pair.survivor.pk, absorbed_id=999999, reason="x"
        )
    with pytest.raises(NotFound):
        person_unmerge(actor=district_supervisor, merge_id=999999, reason="x")
    assert list(
        AuditEvent.objects.filter(action="access.denied")
        .order_by("id")
        .values_list("subject_type", "subject_id")
    ) == [("registry.person", "999999"), ("registry.personmerge", "999999")]


def test_restricted_records_need_clearance(pair: Pair, world: World) -> None:
    uncleared = person(world.district, Role.SUPERVISOR, username="uncleared")
    Person.objects.filter(pk=pair.absorbed.pk).update(is_restricted=True)
    before = snapshot(pair.survivor.pk, pair.absorbed.pk)
    with pytest.raises(NotFound):
        merge(uncleared, pair)
    assert snapshot(pair.survivor.pk, pair.absorbed.pk) == before


def test_a_consular_supervisor_may_not_merge(pair: Pair, world: World) -> None:
    consul = person(world.consulate, Role.SUPERVISOR, username="consul", clearance=True)
    with pytest.raises(PermissionDenied):
        merge(consul, pair)
    assert PersonMerge.objects.count() == 0


# --- cost -------------------------------------------------------------------------------


def test_a_merge_costs_the_same_number_of_queries_whatever_the_rows(
    world: World, district_supervisor: Actor
) -> None:
    occupation()

    def merge_with(rows: int) -> int:
        survivor = _register(district_supervisor, identifiers=[])
        absorbed = _register(district_supervisor, identifiers=[])
        for i in range(rows):
            IntakeRecord.objects.create(
                channel="staff",
                payload={},
                received_at=timezone.now(),
                person=absorbed,
                status=IntakeRecord.Status.LINKED,
            )
            Skill.objects.create(person=absorbed, kind=Skill.Kind.OCCUPATION, description=str(i))
            PersonName.objects.create(
                person=absorbed, kind="alias", written=f"Siti {i}", folded="", sorted_tokens=""
            )
        with CaptureQueriesContext(connection) as queries:
            person_merge(
                actor=district_supervisor,
                survivor_id=survivor.pk,
                absorbed_id=absorbed.pk,
                reason="x",
            )
        return len(queries)

    few, many = merge_with(1), merge_with(30)
    assert few == many
    assert many <= 45


# --- API --------------------------------------------------------------------------------


def _api(client: Client, actor: Actor) -> dict[str, str]:
    from pulang.accounts.services import api_token_create

    _, secret = api_token_create(actor=None, membership=actor.membership, name="steward")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_api_merge_list_and_unmerge(client: Client, pair: Pair, district_supervisor: Actor) -> None:
    h = _api(client, district_supervisor)
    s, a = pair.survivor, pair.absorbed
    body = {"absorbed_id": a.pk, "reason": "same NIK", "versions": {"survivor": 1, "absorbed": 1}}
    stale = client.post(
        f"/api/v1/registry/persons/{s.pk}/merge",
        {**body, "versions": {"survivor": 1, "absorbed": 0}},
        content_type="application/json",
        **h,
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "registry.stale_record")

    done = client.post(
        f"/api/v1/registry/persons/{s.pk}/merge", body, content_type="application/json", **h
    )
    assert done.status_code == 200
    out = done.json()
    assert (out["survivor_id"], out["absorbed_id"], out["automatic"], out["unmerged_at"]) == (
        s.pk,
        a.pk,
        False,
        None,
    )
    assert out["survivor_fields_changed"] == ["email", "phone"]
    assert out["organisation"] == "Malang office"

    gone = client.get(f"/api/v1/registry/persons/{a.pk}", **h)
    assert (gone.status_code, gone.json()["code"]) == (404, "registry.person_merged")
    assert gone.json()["title"] == f"This record has been merged into record {s.pk}."
    for person_id in (s.pk, a.pk):
        listed = client.get(f"/api/v1/registry/persons/{person_id}/merges", **h)
        assert [m["id"] for m in listed.json()] == [out["id"]]

    undone = client.post(
        f"/api/v1/registry/merges/{out['id']}/unmerge",
        {"reason": "different mothers' names"},
        content_type="application/json",
        **h,
    )
    assert (undone.status_code, undone.json()["unmerge_reason"]) == (
        200,
        "different mothers' names",
    )
    assert client.get(f"/api/v1/registry/persons/{a.pk}", **h).status_code == 200


def test_api_refuses_those_who_may_not(
    client: Client, pair: Pair, village_officer: Actor, outsider: Actor
) -> None:
    body = {
        "absorbed_id": pair.absorbed.pk,
        "reason": "x",
        "versions": {"survivor": 1, "absorbed": 1},
    }
    denied = client.post(
        f"/api/v1/registry/persons/{pair.survivor.pk}/merge",
        body,
        content_type="application/json",
        **_api(client, village_officer),
    )
    assert (denied.status_code, denied.json()["code"]) == (403, "pulang.permission_denied")
    hidden = client.get(
        f"/api/v1/registry/persons/{pair.survivor.pk}/merges", **_api(client, outsider)
    )
    assert (hidden.status_code, hidden.json()["code"]) == (404, "pulang.not_found")
    assert PersonMerge.objects.count() == 0


def test_person_merges_follow_the_viewing_rule(
    pair: Pair, district_supervisor: Actor, village_officer: Actor
) -> None:
    done = merge(district_supervisor, pair)
    # The village officer sees the survivor (Talangagung), so the history too.
    assert [m.pk for m in person_merges(actor=village_officer, person_id=pair.absorbed.pk)] == [
        done.pk
    ]


# --- pages ------------------------------------------------------------------------------


def test_the_page_shows_the_merge_and_undoes_it(
    client: Client, pair: Pair, district_supervisor: Actor
) -> None:
    done = merge(district_supervisor, pair)
    signed_in(client, district_supervisor)
    redirected = client.get(reverse("registry:person", args=[pair.absorbed.pk]))
    assert redirected["Location"] == reverse("registry:person", args=[pair.survivor.pk])
    page = client.get(redirected["Location"])
    text = page.content.decode()
    assert f"Record {pair.absorbed.pk} has been merged into this record." in text
    assert f"Record {pair.absorbed.pk} was merged into this one" in text
    assert f"(from record {pair.absorbed.pk})" in text
    assert reverse("registry:unmerge", args=[done.pk]) in text
    assert page.context["file"].undoable_merge_id == done.pk

    unconfirmed = client.post(
        reverse("registry:unmerge", args=[done.pk]),
        {"reason": "not her", "person": pair.survivor.pk},
    )
    assert unconfirmed.status_code == 302
    assert PersonMerge.objects.get().unmerged_at is None

    undone = client.post(
        reverse("registry:unmerge", args=[done.pk]),
        {"reason": "not her", "confirm": "on", "person": pair.survivor.pk},
    )
    assert undone["Location"] == reverse("registry:person", args=[pair.survivor.pk])
    assert PersonMerge.objects.get().unmerge_reason == "not her"
    page = client.get(undone["Location"]).content.decode()
    assert f"Merge with record {pair.absorbed.pk} undone" in page
    assert reverse("registry:unmerge", args=[done.pk]) not in page
    assert client.get(reverse("registry:person", args=[pair.absorbed.pk])).status_code == 200


def test_a_case_worker_sees_the_merge_without_the_button(
    client: Client, pair: Pair, district_supervisor: Actor, village_officer: Actor
) -> None:
    done = merge(district_supervisor, pair)
    page = signed_in(client, village_officer).get(
        reverse("registry:person", args=[pair.survivor.pk])
    )
    assert f"Record {pair.absorbed.pk} was merged into this one" in page.content.decode()
    assert reverse("registry:unmerge", args=[done.pk]) not in page.content.decode()
    posted = client.post(
        reverse("registry:unmerge", args=[done.pk]), {"reason": "no", "confirm": "on"}
    )
    assert posted.status_code == 404
    assert PersonMerge.objects.get().unmerged_at is None


def test_the_page_of_the_file_counts_merges_once(pair: Pair, district_supervisor: Actor) -> None:
    merge(district_supervisor, pair)
    file = person_file(actor=district_supervisor, person_id=pair.survivor.pk)
    assert [e.kind for e in file.timeline].count("merge") == 1
    assert {e.came_from for e in file.timeline if e.kind == "episode"} == {None, pair.absorbed.pk}


def test_every_kind_of_row_a_merge_moves_has_a_translated_label() -> None:
    from pulang.registry.presenters import _COUNTED
    from pulang.registry.services.merge import MOVED_RELATIONS

    assert {relation.label for relation in MOVED_RELATIONS} <= set(_COUNTED)
