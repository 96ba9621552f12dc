"""The steward's review queue (issue #4): who sees which pairs, deciding them (merging for
"the same person"), the pages and the API."""

from __future__ import annotations

import duckdb
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.linkage.errors import PairAlreadyDecided
from pulang.linkage.models import CandidatePair, LinkageRun, MatchModel, PairDecision
from pulang.linkage.pipeline import engine, run
from pulang.linkage.presenters import comparison_rows, signed
from pulang.linkage.selectors import pair_get_for_actor, pair_queue
from pulang.linkage.services import pair_decide
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.registry.errors import StaleRecord
from pulang.registry.models import Person, PersonMerge
from pulang.registry.services import person_update
from tests.api.test_api import PROBLEM, bearer
from tests.conftest import signed_in
from tests.factories import World, person
from tests.linkage.review_helpers import queued_pair, register, sitti
from tests.registry.helpers import occupation

pytestmark = pytest.mark.django_db

REVIEWERS = ["district_supervisor", "administrator"]
NOT_REVIEWERS = [
    "village_officer",
    "consular_officer",
    "analyst",
    "auditor",
    "provider_staff",
    "outsider",
]


@pytest.fixture
def pair(world: World, district_supervisor: Actor) -> CandidatePair:
    """Two records of Siti in Malang district: Talangagung and Sumberpucung."""
    occupation()
    return queued_pair(register(district_supervisor), sitti(district_supervisor))


def actor_named(request: pytest.FixtureRequest, name: str) -> Actor:
    found: Actor = request.getfixturevalue(name)
    return found


def state(pair: CandidatePair) -> tuple[object, ...]:
    """Everything a decision could change."""
    return (
        list(CandidatePair.objects.order_by("pk").values_list("pk", "status", "decided_by")),
        list(PairDecision.objects.values_list("pk", flat=True)),
        list(PersonMerge.objects.values_list("pk", flat=True)),
        list(
            Person.objects.filter(pk__in=[pair.person_a_id, pair.person_b_id])
            .order_by("pk")
            .values_list("pk", "version", "merged_into")
        ),
    )


def versions(pair: CandidatePair) -> tuple[int, int]:
    a, b = Person.objects.filter(pk__in=[pair.person_a_id, pair.person_b_id]).order_by("pk")
    return a.version, b.version


def refusals(pair_id: int) -> int:
    return AuditEvent.objects.filter(
        action="access.denied", subject_type="linkage.candidatepair", subject_id=str(pair_id)
    ).count()


# --- who sees and decides which pairs ---------------------------------------------------


@pytest.mark.parametrize("name", REVIEWERS)
def test_reviewers_see_the_pair_in_their_queue_and_open_it(
    request: pytest.FixtureRequest, name: str, pair: CandidatePair
) -> None:
    actor = actor_named(request, name)
    assert [p.pk for p in pair_queue(actor=actor)] == [pair.pk]
    assert pair_get_for_actor(actor=actor, pair_id=pair.pk, audit_view=True).pk == pair.pk
    viewed = AuditEvent.objects.get(action="linkage.pair_viewed")
    assert (viewed.subject_type, viewed.subject_id, viewed.username) == (
        "linkage.candidatepair",
        str(pair.pk),
        name,
    )
    assert viewed.details == {"status": "queued", "run": pair.run_id}


@pytest.mark.parametrize("name", REVIEWERS)
def test_reviewers_decide_same_person_and_the_records_are_merged(
    request: pytest.FixtureRequest, name: str, pair: CandidatePair
) -> None:
    actor = actor_named(request, name)
    decided = pair_decide(
        actor=actor, pair_id=pair.pk, decision="same", note="", expected_versions=versions(pair)
    )
    merge = PersonMerge.objects.get()
    assert decided.merge_id == merge.pk
    assert decided.decision.merge_id == merge.pk
    assert (merge.survivor_id, merge.absorbed_id) == (pair.person_a_id, pair.person_b_id)
    assert merge.reason == (
        f"The same person, decided in the review of duplicates (pair {pair.pk})."
    )
    assert Person.objects.get(pk=pair.person_b_id).merged_into_id == pair.person_a_id
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by, pair.decision_note) == ("decided_same", actor.user, "")
    assert list(
        PairDecision.objects.values_list("person_a", "person_b", "decision", "pair", "decided_by")
    ) == [(pair.person_a_id, pair.person_b_id, "same", pair.pk, actor.user.pk)]
    event = AuditEvent.objects.get(action="linkage.pair_decided")
    assert (event.subject_id, event.details, event.reason) == (
        str(pair.pk),
        {"decision": "same", "run": pair.run_id, "merge": merge.pk},
        "",
    )
    assert pair_queue(actor=actor).count() == 0


@pytest.mark.parametrize("name", NOT_REVIEWERS)
def test_others_are_told_the_pair_does_not_exist_and_nothing_changes(
    request: pytest.FixtureRequest, name: str, pair: CandidatePair
) -> None:
    actor = actor_named(request, name)
    before = state(pair)
    with pytest.raises(PermissionDenied):
        pair_queue(actor=actor)
    with pytest.raises(NotFound):
        pair_get_for_actor(actor=actor, pair_id=pair.pk)
    with pytest.raises(NotFound):
        pair_decide(
            actor=actor,
            pair_id=pair.pk,
            decision="same",
            note="",
            expected_versions=versions(pair),
        )
    assert state(pair) == before
    assert refusals(pair.pk) == 2
    assert not AuditEvent.objects.filter(action="linkage.pair_decided").exists()


def test_a_supervisor_of_another_district_is_told_the_pair_does_not_exist(
    world: World, pair: CandidatePair
) -> None:
    lombok = person(world.other_district, Role.SUPERVISOR, clearance=True)
    before = state(pair)
    assert list(pair_queue(actor=lombok)) == []
    with pytest.raises(NotFound):
        pair_decide(
            actor=lombok,
            pair_id=pair.pk,
            decision="different",
            note="",
            expected_versions=versions(pair),
        )
    assert state(pair) == before
    assert refusals(pair.pk) == 1


def test_a_pair_with_one_record_outside_the_district_is_not_theirs(
    world: World, district_supervisor: Actor, administrator: Actor
) -> None:
    occupation()
    inside = register(district_supervisor)
    outside = sitti(administrator, home_area="52.03")
    far = queued_pair(inside, outside)
    assert list(pair_queue(actor=district_supervisor)) == []
    with pytest.raises(NotFound):
        pair_get_for_actor(actor=district_supervisor, pair_id=far.pk)
    assert [p.pk for p in pair_queue(actor=administrator)] == [far.pk]


def test_a_missing_pair_is_not_found_and_audited(district_supervisor: Actor) -> None:
    with pytest.raises(NotFound):
        pair_get_for_actor(actor=district_supervisor, pair_id=999_999)
    assert refusals(999_999) == 1


def test_a_restricted_pair_comes_first_and_only_for_reviewers_with_clearance(
    world: World, district_supervisor: Actor, client: Client
) -> None:
    occupation()
    likely = queued_pair(
        register(district_supervisor), sitti(district_supervisor), probability=0.99
    )
    hidden = register(district_supervisor, full_name="Dewi Lestari", birth_date=None)
    Person.objects.filter(pk=hidden.pk).update(is_restricted=True)
    hidden.refresh_from_db()
    other = register(district_supervisor, full_name="Dewi Lestary", birth_date=None)
    restricted = queued_pair(hidden, other, probability=0.85)
    uncleared = person(world.district, Role.SUPERVISOR, username="uncleared")

    assert [p.pk for p in pair_queue(actor=district_supervisor)] == [restricted.pk, likely.pk]
    assert [p.pk for p in pair_queue(actor=uncleared)] == [likely.pk]
    with pytest.raises(NotFound):
        pair_get_for_actor(actor=uncleared, pair_id=restricted.pk)
    before = state(restricted)
    with pytest.raises(NotFound):
        pair_decide(
            actor=uncleared,
            pair_id=restricted.pk,
            decision="different",
            note="",
            expected_versions=versions(restricted),
        )
    assert state(restricted) == before
    assert refusals(restricted.pk) == 2

    # The list never names a restricted record; the pair page does, for those cleared.
    signed_in(client, district_supervisor)
    listing = client.get(reverse("linkage:queue")).content.decode()
    assert "Dewi Lestari" not in listing
    assert listing.count("<em>restricted record</em>") == 1
    assert "Dewi Lestary" in listing
    assert (
        "Dewi Lestari" in client.get(reverse("linkage:pair", args=[restricted.pk])).content.decode()
    )
    body = client.get("/api/v1/linkage/pairs").json()
    shown = body["items"][0]
    restricted_side = shown["person_a"] if shown["person_a"]["restricted"] else shown["person_b"]
    assert restricted_side == {
        "id": hidden.pk,
        "restricted": True,
        "name": None,
        "sex": None,
        "birth_year": None,
        "home_area": None,
    }


def test_the_queue_is_ordered_by_priority_then_probability_then_id(
    world: World, district_supervisor: Actor
) -> None:
    occupation()
    people = [register(district_supervisor, full_name=f"Siti {n}") for n in range(6)]
    low = queued_pair(people[0], people[1], probability=0.82)
    high = queued_pair(people[2], people[3], probability=0.97)
    tie = queued_pair(people[4], people[5], probability=0.82)
    assert [p.pk for p in pair_queue(actor=district_supervisor)] == [high.pk, low.pk, tie.pk]


# --- decisions --------------------------------------------------------------------------


def test_different_people_is_remembered_and_a_later_run_does_not_queue_the_pair_again(
    pair: CandidatePair, district_supervisor: Actor
) -> None:
    decided = pair_decide(
        actor=district_supervisor,
        pair_id=pair.pk,
        decision="different",
        note="  cousins, different fathers  ",
        expected_versions=versions(pair),
    )
    assert decided.merge_id is None
    assert PersonMerge.objects.count() == 0
    assert list(PairDecision.objects.values_list("person_a", "person_b", "decision", "note")) == [
        (pair.person_a_id, pair.person_b_id, "different", "cousins, different fathers")
    ]
    pair.refresh_from_db()
    assert (pair.status, pair.decision_note) == ("decided_different", "cousins, different fathers")

    # A new run finds the same two records again: the engine's write step skips them.
    model = MatchModel.objects.create(
        version=1,
        model_format=1,
        settings={},
        auto_threshold=0.999,
        review_threshold=0.8,
        trained_at=pair.created_at,
        trained_records=2,
    )
    later = LinkageRun.objects.create(
        scope=LinkageRun.Scope.REGISTRY,
        status=LinkageRun.Status.RUNNING,
        requested_at=pair.created_at,
        auto_threshold=0.999,
        review_threshold=0.8,
    )
    found = engine.ScoredPair(
        person_a=pair.person_a_id,
        person_b=pair.person_b_id,
        probability=0.95,
        weight=14.0,
        shares_verified_id=True,
        restricted=False,
        comparisons={},
    )
    outcome = run.write(
        later,
        result=engine.Result(con=duckdb.connect(), records=2, comparisons=1, pairs=1),
        stored=model,
        pairs=[found],
        timings={},
    )
    assert (outcome.skipped_decided, outcome.queued) == (1, 0)
    assert CandidatePair.objects.filter(run=later).count() == 0


def test_not_sure_needs_a_note(pair: CandidatePair, district_supervisor: Actor) -> None:
    before = state(pair)
    with pytest.raises(InvalidInput) as raised:
        pair_decide(
            actor=district_supervisor,
            pair_id=pair.pk,
            decision="unsure",
            note="   ",
            expected_versions=versions(pair),
        )
    assert raised.value.errors == [{"field": "note", "reason": "say why you are not sure"}]
    assert state(pair) == before
    pair_decide(
        actor=district_supervisor,
        pair_id=pair.pk,
        decision="unsure",
        note="ask the village head",
        expected_versions=versions(pair),
    )
    pair.refresh_from_db()
    assert (pair.status, pair.decision_note) == ("decided_unsure", "ask the village head")
    assert PairDecision.objects.get().decision == "unsure"


def test_an_unknown_decision_is_refused(pair: CandidatePair, district_supervisor: Actor) -> None:
    before = state(pair)
    with pytest.raises(InvalidInput):
        pair_decide(
            actor=district_supervisor,
            pair_id=pair.pk,
            decision="merge",
            note="",
            expected_versions=versions(pair),
        )
    assert state(pair) == before


def test_a_pair_already_decided_is_a_conflict(
    pair: CandidatePair, district_supervisor: Actor, administrator: Actor
) -> None:
    pair_decide(
        actor=administrator,
        pair_id=pair.pk,
        decision="different",
        note="",
        expected_versions=versions(pair),
    )
    before = state(pair)
    with pytest.raises(PairAlreadyDecided):
        pair_decide(
            actor=district_supervisor,
            pair_id=pair.pk,
            decision="same",
            note="",
            expected_versions=versions(pair),
        )
    assert state(pair) == before


@pytest.mark.parametrize("decision", ["same", "different"])
def test_a_record_changed_since_it_was_read_is_a_conflict_and_nothing_is_written(
    pair: CandidatePair, district_supervisor: Actor, decision: str
) -> None:
    seen = versions(pair)
    person_update(
        actor=district_supervisor,
        person_id=pair.person_b_id,
        version=seen[1],
        changes={"phone": "0813 9999 0000"},
        reason="new number",
    )
    before = state(pair)
    with pytest.raises(StaleRecord):
        pair_decide(
            actor=district_supervisor,
            pair_id=pair.pk,
            decision=decision,
            note="",
            expected_versions=seen,
        )
    assert state(pair) == before
    assert not AuditEvent.objects.filter(action="linkage.pair_decided").exists()


# --- pages ------------------------------------------------------------------------------


def test_the_pair_page_shows_both_records_and_the_weights(
    client: Client, pair: CandidatePair, district_supervisor: Actor
) -> None:
    signed_in(client, district_supervisor)
    page = client.get(reverse("linkage:pair", args=[pair.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Siti Aminah binti Sukarno",
        "Sitti Aminah",
        "93.0 %",
        "+10.6",
        "\N{MINUS SIGN}3.2",
        "✗</span> disagrees: different numbers",
        "✓</span> agrees: nearly the same spelling",
        "not compared",
        'data-key="s"',
        "Talangagung",
        "Sumberpucung",
    ):
        assert text in html, text
    assert AuditEvent.objects.filter(action="linkage.pair_viewed").count() == 1


def test_deciding_on_the_page_goes_to_the_next_pair(
    client: Client, pair: CandidatePair, district_supervisor: Actor
) -> None:
    second = queued_pair(
        register(district_supervisor, full_name="Budi Santoso"),
        register(district_supervisor, full_name="Budi Santosa"),
        probability=0.85,
    )
    signed_in(client, district_supervisor)
    a, b = versions(pair)
    response = client.post(
        reverse("linkage:pair", args=[pair.pk]),
        {"decision": "same", "note": "same NIK", "version_a": a, "version_b": b},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("linkage:pair", args=[second.pk])
    assert PersonMerge.objects.get().reason == "same NIK"
    a, b = versions(second)
    response = client.post(
        reverse("linkage:pair", args=[second.pk]),
        {"decision": "unsure", "note": "", "version_a": a, "version_b": b},
    )
    assert response.status_code == 200
    assert "say why you are not sure" in response.content.decode()
    response = client.post(
        reverse("linkage:pair", args=[second.pk]),
        {"decision": "different", "note": "", "version_a": a, "version_b": b},
    )
    assert response["Location"] == reverse("linkage:queue")


@pytest.mark.parametrize("name", NOT_REVIEWERS)
def test_pages_are_not_found_for_others(
    request: pytest.FixtureRequest, client: Client, name: str, pair: CandidatePair
) -> None:
    signed_in(client, actor_named(request, name))
    before = state(pair)
    a, b = versions(pair)
    assert client.get(reverse("linkage:queue")).status_code == 404
    assert client.get(reverse("linkage:pair", args=[pair.pk])).status_code == 404
    posted = client.post(
        reverse("linkage:pair", args=[pair.pk]),
        {"decision": "same", "note": "", "version_a": a, "version_b": b},
    )
    assert posted.status_code == 404
    assert state(pair) == before
    assert "Duplicates to review" not in client.get(reverse("dashboard:home")).content.decode()


def test_the_menu_offers_the_queue_to_reviewers(
    client: Client, world: World, district_supervisor: Actor
) -> None:
    signed_in(client, district_supervisor)
    assert "Duplicates to review" in client.get(reverse("dashboard:home")).content.decode()


def _more_pairs(actor: Actor, count: int) -> None:
    for n in range(count):
        queued_pair(
            register(actor, full_name=f"Agus {n}"),
            register(actor, full_name=f"Agus {n}a"),
            probability=0.81 + n / 100,
        )


def test_the_queue_page_keeps_its_query_count(
    client: Client, pair: CandidatePair, district_supervisor: Actor
) -> None:
    signed_in(client, district_supervisor)
    client.get(reverse("linkage:queue"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("linkage:queue")).status_code == 200
    _more_pairs(district_supervisor, 4)
    with CaptureQueriesContext(connection) as large:
        page = client.get(reverse("linkage:queue"))
    assert page.content.decode().count("Review pair") == 5
    assert len(large.captured_queries) == len(small.captured_queries)


# --- API --------------------------------------------------------------------------------


def test_the_list_endpoint_pages_and_keeps_its_query_count(
    client: Client, pair: CandidatePair, district_supervisor: Actor
) -> None:
    headers = bearer(district_supervisor)
    client.get("/api/v1/accounts/me", **headers)  # the first call stamps the token's last use
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/linkage/pairs?limit=3", **headers)
    _more_pairs(district_supervisor, 4)
    with CaptureQueriesContext(connection) as large:
        first = client.get("/api/v1/linkage/pairs?limit=3", **headers)
    assert len(large.captured_queries) == len(small.captured_queries)
    body = first.json()
    assert (body["items"][0]["id"], len(body["items"]), body["next_offset"]) == (
        pair.pk,
        3,
        3,
    )
    assert body["items"][0]["person_a"]["name"] == "Siti Aminah binti Sukarno"
    rest = client.get("/api/v1/linkage/pairs?limit=3&offset=3", **headers).json()
    assert (len(rest["items"]), rest["next_offset"]) == (2, None)


def test_the_api_shows_a_pair_and_decides_it(
    client: Client, pair: CandidatePair, district_supervisor: Actor
) -> None:
    headers = bearer(district_supervisor)
    shown = client.get(f"/api/v1/linkage/pairs/{pair.pk}", **headers).json()
    assert shown["comparisons"][0] == {
        "name": "name",
        "level": "nearly the same spelling",
        "weight": 10.63,
        "agrees": True,
        "value_a": "siti aminah binti sukarno",
        "value_b": "sitti aminah",
    }
    assert [c["agrees"] for c in shown["comparisons"]] == [True, True, True, False, None]
    body = {
        "decision": "same",
        "note": "same NIK",
        "versions": {"a": shown["person_a"]["version"], "b": shown["person_b"]["version"]},
    }
    response = client.post(
        f"/api/v1/linkage/pairs/{pair.pk}/decision",
        body,
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    out = response.json()
    assert (out["decision"], out["status"], out["merge_id"], out["pair_id"]) == (
        "same",
        "decided_same",
        PersonMerge.objects.get().pk,
        pair.pk,
    )
    again = client.post(
        f"/api/v1/linkage/pairs/{pair.pk}/decision",
        body,
        content_type="application/json",
        **headers,
    )
    assert (again.status_code, again["Content-Type"], again.json()["code"]) == (
        409,
        PROBLEM,
        "linkage.pair_already_decided",
    )


def test_the_api_answers_stale_versions_with_a_409_problem(
    client: Client, pair: CandidatePair, district_supervisor: Actor
) -> None:
    before = state(pair)
    response = client.post(
        f"/api/v1/linkage/pairs/{pair.pk}/decision",
        {"decision": "different", "note": "", "versions": {"a": 99, "b": 99}},
        content_type="application/json",
        **bearer(district_supervisor),
    )
    assert (response.status_code, response.json()["code"]) == (409, "registry.stale_record")
    assert state(pair) == before


@pytest.mark.parametrize("name", ["village_officer", "outsider", "consular_officer"])
def test_the_api_says_not_found_to_others(
    request: pytest.FixtureRequest, client: Client, name: str, pair: CandidatePair
) -> None:
    headers = bearer(actor_named(request, name))
    before = state(pair)
    assert client.get("/api/v1/linkage/pairs", **headers).status_code == 403
    shown = client.get(f"/api/v1/linkage/pairs/{pair.pk}", **headers)
    assert (shown.status_code, shown["Content-Type"], shown.json()["code"]) == (
        404,
        PROBLEM,
        "pulang.not_found",
    )
    decided = client.post(
        f"/api/v1/linkage/pairs/{pair.pk}/decision",
        {"decision": "same", "note": "", "versions": {"a": 1, "b": 1}},
        content_type="application/json",
        **headers,
    )
    assert decided.status_code == 404
    assert state(pair) == before
    assert refusals(pair.pk) == 2


# --- how weights read -------------------------------------------------------------------


def test_weights_are_written_with_their_sign() -> None:
    assert [signed(w) for w in (10.63, -3.24, 0.0, 0.04, -0.04)] == [
        "+10.6",
        "\N{MINUS SIGN}3.2",
        "0.0",
        "0.0",
        "0.0",
    ]
    rows = comparison_rows({"zzz": {"weight": "bad"}, "sex": {"level": "same", "weight": 1.2}})
    assert [(r.name, r.title, r.agrees) for r in rows] == [
        ("sex", "Sex", True),
        ("zzz", "zzz", None),
    ]


def test_every_level_the_engine_names_reads_in_the_reviewers_language() -> None:
    from django.utils import translation

    from pulang.linkage.pipeline.model import comparisons
    from pulang.linkage.presenters import LEVEL_LABELS

    named = {
        level["label_for_charts"]
        for comparison in comparisons()
        for level in comparison.get_comparison("duckdb").as_dict()["comparison_levels"]
        if level.get("label_for_charts")
    }
    assert named - set(LEVEL_LABELS) == set()  # a new level needs its translation here
    with translation.override("id"):
        row = comparison_rows({"name": {"level": "nearly the same spelling", "weight": 9.0}})[0]
        assert row.level != "nearly the same spelling"
    unknown = comparison_rows({"name": {"level": "a level of a later engine", "weight": 1}})
    assert unknown[0].level == "a level of a later engine"
