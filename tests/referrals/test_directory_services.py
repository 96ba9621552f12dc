"""The service directory's writes and reads (issue #6): a provider proposes, another
office approves, the public sees only what was approved. Every rule with the persona who
may and one who may not; bad input names its field and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from pulang.audit.models import AuditEvent
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.geo.models import AdminArea
from pulang.operations.demo import DemoRefused, demo_setup
from pulang.orgs.actor import Actor
from pulang.orgs.models import Role
from pulang.referrals.demo import demo_services
from pulang.referrals.errors import ChangeNotPending, EntryWithdrawn, OwnEntry, StaleEntry
from pulang.referrals.inputs import EntryInput, area_codes_of
from pulang.referrals.models import Service, ServiceArea, ServiceChange
from pulang.referrals.policies import may_approve_entry
from pulang.referrals.selectors.directory import (
    change_get_for_actor,
    changes_pending,
    directory_search,
    entry_text,
    service_public_get,
    services_of_provider,
)
from pulang.referrals.services.directory import (
    service_change_decide,
    service_propose,
    service_withdraw,
)
from tests.factories import World, person
from tests.referrals.directory_helpers import (
    TEXTS,
    entry,
    languages,
    other_provider_staff,
    published,
)
from tests.referrals.helpers import published_service

TALANGAGUNG = "35.07.13.2001"
SUMBERPUCUNG = "35.07.12.2001"


@pytest.fixture(autouse=True)
def _languages(db: None) -> None:
    languages()


def public_names(area: str, language: str = "en") -> list[str]:
    results = directory_search(area_code=area, group=None, service_type=None, language=language)
    return [row.name for row in results.rows]


def state() -> tuple[object, ...]:
    """Everything a refused write could have changed in the directory."""
    return (
        list(Service.objects.order_by("pk").values_list("pk", "status", "version", "name")),
        list(ServiceChange.objects.order_by("pk").values_list("pk", "status")),
        list(ServiceArea.objects.order_by("pk").values_list("service_id", "area__code")),
    )


def denials() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


@pytest.fixture
def village_supervisor(world: World) -> Actor:
    return person(world.village, Role.SUPERVISOR, username="village_supervisor")


@pytest.fixture
def lombok_supervisor(world: World) -> Actor:
    return person(world.other_district, Role.SUPERVISOR, username="lombok_supervisor")


# --- proposing and approving ----------------------------------------------------------------


def test_a_new_entry_waits_unseen_until_another_office_approves_it(
    world: World, provider_staff: Actor, district_supervisor: Actor
) -> None:
    change = service_propose(actor=provider_staff, entry=entry())
    service = Service.objects.get()
    assert (service.status, service.version, service.provider, service.published_at) == (
        "pending",
        1,
        world.provider,
        None,
    )
    # Named in the directory's first language; the phone kept as dialled from abroad.
    assert (service.name, service.group, service.phone) == (
        "Konseling keluarga purna migran",
        "psychosocial",
        "+62341123456",
    )
    assert (change.status, change.proposed_by, change.proposed["areas"]) == (
        "pending",
        provider_staff.user,
        ["35.07"],
    )
    assert public_names(TALANGAGUNG) == []
    with pytest.raises(NotFound):
        service_public_get(service_id=service.pk)
    proposed = AuditEvent.objects.get(action="referrals.service_proposed")
    assert (proposed.subject_id, proposed.details) == (
        str(service.pk),
        {"change": change.pk, "new": True},
    )

    decided = service_change_decide(actor=district_supervisor, change_id=change.pk, approve=True)
    service.refresh_from_db()
    assert (decided.status, decided.decided_by, service.status, service.version) == (
        "approved",
        district_supervisor.user,
        "published",
        2,
    )
    assert service.published_at is not None
    assert public_names(TALANGAGUNG) == ["Family counselling for returnees"]
    assert public_names(TALANGAGUNG, "id") == ["Konseling keluarga purna migran"]
    event = AuditEvent.objects.get(action="referrals.service_decided")
    assert (event.username, event.details) == (
        "district_supervisor",
        {"change": change.pk, "approved": True},
    )


def test_a_change_to_a_published_entry_shows_only_once_approved(
    provider_staff: Actor, district_supervisor: Actor
) -> None:
    service = published(provider_staff, district_supervisor).service
    service.refresh_from_db()
    texts = {**TEXTS, "en": {**TEXTS["en"], "name": "Counselling in Kepanjen"}}
    change = service_propose(
        actor=provider_staff,
        entry=entry(texts=texts, areas=("35.07.13",)),
        service_id=service.pk,
        expected_version=service.version,
    )
    # Still as approved: the whole district, the old name.
    assert public_names(SUMBERPUCUNG) == ["Family counselling for returnees"]
    assert Service.objects.get().status == "published"
    service_change_decide(
        actor=district_supervisor, change_id=change.pk, approve=True, expected_version=3
    )
    assert public_names(SUMBERPUCUNG) == []
    assert public_names(TALANGAGUNG) == ["Counselling in Kepanjen"]
    assert list(ServiceArea.objects.values_list("area__code", flat=True)) == ["35.07.13"]
    assert Service.objects.get().version == 4


def test_a_second_proposal_replaces_the_pending_one(
    provider_staff: Actor, district_supervisor: Actor
) -> None:
    first = service_propose(actor=provider_staff, entry=entry())
    service = Service.objects.get()
    second = service_propose(
        actor=provider_staff,
        entry=entry(cost="subsidised"),
        service_id=service.pk,
        expected_version=1,
    )
    assert list(ServiceChange.objects.values_list("pk", "status")) == [(second.pk, "pending")]
    # Never published, the entry shows its provider what is proposed now.
    service.refresh_from_db()
    assert (service.cost, service.version) == ("subsidised", 2)
    proposals = AuditEvent.objects.filter(action="referrals.service_proposed").order_by("pk")
    assert [event.details for event in proposals] == [
        {"change": first.pk, "new": True},
        {"change": second.pk, "new": False, "replaces": first.pk},
    ]
    # The approver's page still showing the first proposal cannot approve it any more.
    with pytest.raises(NotFound):
        service_change_decide(actor=district_supervisor, change_id=first.pk, approve=True)
    assert Service.objects.get().status == "pending"


def test_a_stale_version_is_a_conflict_and_nothing_changes(
    provider_staff: Actor, district_supervisor: Actor
) -> None:
    service = published(provider_staff, district_supervisor).service
    before = state()
    with pytest.raises(StaleEntry):
        service_propose(
            actor=provider_staff, entry=entry(), service_id=service.pk, expected_version=1
        )
    change = service_propose(
        actor=provider_staff, entry=entry(cost="paid"), service_id=service.pk, expected_version=2
    )
    # The approver read the entry at version 2; a newer proposal came in since.
    changed = state()
    with pytest.raises(StaleEntry):
        service_change_decide(
            actor=district_supervisor, change_id=change.pk, approve=True, expected_version=2
        )
    assert state() == changed != before
    with pytest.raises(StaleEntry):
        service_withdraw(actor=provider_staff, service_id=service.pk, expected_version=2, note="x")
    assert state() == changed


def test_rejecting_needs_a_reason_and_keeps_the_entry_off_the_directory(
    provider_staff: Actor, district_supervisor: Actor
) -> None:
    change = service_propose(actor=provider_staff, entry=entry())
    before = state()
    with pytest.raises(InvalidInput) as caught:
        service_change_decide(actor=district_supervisor, change_id=change.pk, approve=False)
    assert caught.value.errors == [{"field": "note", "reason": "say why, in a few words"}]
    assert state() == before
    service_change_decide(
        actor=district_supervisor,
        change_id=change.pk,
        approve=False,
        note="  The phone number does not answer. ",
    )
    [mine] = services_of_provider(actor=provider_staff)
    assert (mine.service.status, mine.pending, mine.is_new) == ("pending", None, True)
    assert mine.last_decision is not None
    assert (mine.last_decision.status, mine.last_decision.decision_note) == (
        "rejected",
        "The phone number does not answer.",
    )
    assert public_names(TALANGAGUNG) == []
    with pytest.raises(ChangeNotPending):
        service_change_decide(actor=district_supervisor, change_id=change.pk, approve=True)


def test_an_approval_checks_the_proposal_again(
    world: World, provider_staff: Actor, district_supervisor: Actor
) -> None:
    change = service_propose(actor=provider_staff, entry=entry(areas=("35.07.13",)))
    AdminArea.objects.filter(code="35.07.13").update(is_active=False)
    before = state()
    with pytest.raises(InvalidInput) as caught:
        service_change_decide(actor=district_supervisor, change_id=change.pk, approve=True)
    assert caught.value.errors == [
        {"field": "areas[0]", "reason": "no area has the code “35.07.13”"}
    ]
    assert state() == before


# --- who may ---------------------------------------------------------------------------------


def test_only_the_providers_own_members_propose_for_its_entries(
    world: World,
    provider_staff: Actor,
    district_supervisor: Actor,
    outsider: Actor,
    analyst: Actor,
) -> None:
    service = published(provider_staff, district_supervisor).service
    stranger = other_provider_staff(world)
    before, refused = state(), denials()
    for actor in (stranger, outsider):  # another provider; a case worker elsewhere
        with pytest.raises(NotFound):
            service_propose(actor=actor, entry=entry(), service_id=service.pk, expected_version=2)
    with pytest.raises(PermissionDenied):  # an approver does not write the provider's entry
        service_propose(
            actor=district_supervisor, entry=entry(), service_id=service.pk, expected_version=2
        )
    with pytest.raises(PermissionDenied):  # analysts keep no entries at all
        service_propose(actor=analyst, entry=entry())
    assert state() == before
    assert denials() == refused + 2


def test_who_may_approve(
    world: World,
    provider_staff: Actor,
    district_supervisor: Actor,
    administrator: Actor,
    lombok_supervisor: Actor,
    village_officer: Actor,
) -> None:
    change = service_propose(actor=provider_staff, entry=entry())
    before, refused = state(), denials()
    with pytest.raises(NotFound):  # a supervisor whose district is elsewhere
        service_change_decide(actor=lombok_supervisor, change_id=change.pk, approve=True)
    for actor in (provider_staff, village_officer):  # no approving in these roles
        with pytest.raises(PermissionDenied):
            service_change_decide(actor=actor, change_id=change.pk, approve=True)
    assert state() == before
    assert denials() == refused + 1
    # The national administrator's jurisdiction covers every provider.
    service_change_decide(actor=administrator, change_id=change.pk, approve=True)
    assert Service.objects.get().status == "published"


def test_an_office_never_approves_its_own_entry(
    world: World, village_officer: Actor, village_supervisor: Actor, district_supervisor: Actor
) -> None:
    # The village office lists a service of its own.
    change = service_propose(
        actor=village_officer,
        entry=entry(provider_kind="government", areas=(TALANGAGUNG,)),
    )
    assert Service.objects.get().provider == world.village
    before, refused = state(), denials()
    with pytest.raises(OwnEntry):
        service_change_decide(actor=village_supervisor, change_id=change.pk, approve=True)
    assert state() == before
    assert denials() == refused + 1
    assert list(changes_pending(actor=village_supervisor)) == []
    service_change_decide(actor=district_supervisor, change_id=change.pk, approve=True)
    assert public_names(TALANGAGUNG) == ["Family counselling for returnees"]


def test_the_queue_holds_what_the_actor_may_approve(
    world: World,
    provider_staff: Actor,
    district_supervisor: Actor,
    administrator: Actor,
    lombok_supervisor: Actor,
    village_supervisor: Actor,
    village_officer: Actor,
) -> None:
    malang = service_propose(actor=provider_staff, entry=entry())
    lombok = service_propose(actor=other_provider_staff(world), entry=entry(areas=("52.03",)))
    village = service_propose(
        actor=village_officer, entry=entry(provider_kind="government", areas=(TALANGAGUNG,))
    )
    queues = {
        actor.user.username: sorted(c.pk for c in changes_pending(actor=actor))
        for actor in (
            district_supervisor,
            administrator,
            lombok_supervisor,
            village_supervisor,
            provider_staff,
        )
    }
    assert queues == {
        "district_supervisor": sorted([malang.pk, village.pk]),
        "administrator": sorted([malang.pk, lombok.pk, village.pk]),
        "lombok_supervisor": [lombok.pk],
        "village_supervisor": [],
        "provider_staff": [],
    }
    # The queue and the rule agree, actor by actor.
    for actor in (district_supervisor, administrator, lombok_supervisor, village_supervisor):
        for change in ServiceChange.objects.select_related("service__provider"):
            assert may_approve_entry(actor, change.service.provider) == (
                change.pk in queues[actor.user.username]
            ), (actor.user.username, change.service.provider.name)


def test_a_proposal_is_seen_by_its_provider_and_its_approvers_only(
    world: World, provider_staff: Actor, district_supervisor: Actor, outsider: Actor
) -> None:
    change = service_propose(actor=provider_staff, entry=entry())
    assert change_get_for_actor(actor=provider_staff, change_id=change.pk) == change
    assert change_get_for_actor(actor=district_supervisor, change_id=change.pk) == change
    refused = denials()
    for actor in (outsider, other_provider_staff(world)):
        with pytest.raises(NotFound):
            change_get_for_actor(actor=actor, change_id=change.pk)
    assert denials() == refused + 2


# --- withdrawing -----------------------------------------------------------------------------


def test_the_provider_takes_its_entry_off_the_directory(
    world: World, provider_staff: Actor, district_supervisor: Actor
) -> None:
    service = published(provider_staff, district_supervisor).service
    pending = service_propose(
        actor=provider_staff, entry=entry(cost="paid"), service_id=service.pk, expected_version=2
    )
    with pytest.raises(InvalidInput) as caught:
        service_withdraw(actor=provider_staff, service_id=service.pk, expected_version=3, note=" ")
    assert caught.value.errors == [{"field": "note", "reason": "say why, in a few words"}]
    withdrawn = service_withdraw(
        actor=provider_staff, service_id=service.pk, expected_version=3, note="Funding ended."
    )
    assert (withdrawn.status, withdrawn.version) == ("withdrawn", 4)
    assert public_names(TALANGAGUNG) == []
    assert not ServiceChange.objects.filter(pk=pending.pk).exists()
    event = AuditEvent.objects.get(action="referrals.service_withdrawn")
    assert (event.reason, event.details) == (
        "Funding ended.",
        {"from": "published", "dropped_change": pending.pk},
    )
    with pytest.raises(EntryWithdrawn):
        service_withdraw(
            actor=provider_staff, service_id=service.pk, expected_version=4, note="Again."
        )
    # A new proposal brings it back once approved.
    change = service_propose(
        actor=provider_staff, entry=entry(), service_id=service.pk, expected_version=4
    )
    assert Service.objects.get().status == "withdrawn"
    service_change_decide(actor=district_supervisor, change_id=change.pk, approve=True)
    assert public_names(TALANGAGUNG) == ["Family counselling for returnees"]


def test_who_may_withdraw(
    world: World,
    provider_staff: Actor,
    district_supervisor: Actor,
    outsider: Actor,
    analyst: Actor,
) -> None:
    service = published(provider_staff, district_supervisor).service
    before, refused = state(), denials()
    for actor in (other_provider_staff(world), outsider):
        with pytest.raises(NotFound):
            service_withdraw(actor=actor, service_id=service.pk, expected_version=2, note="No.")
    with pytest.raises(PermissionDenied):
        service_withdraw(actor=analyst, service_id=service.pk, expected_version=2, note="No.")
    assert state() == before
    assert denials() == refused + 2
    # An approver takes a wrong entry off, saying why.
    service_withdraw(
        actor=district_supervisor, service_id=service.pk, expected_version=2, note="Closed."
    )
    assert Service.objects.get().status == "withdrawn"


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"service_type": "massage", "provider_kind": "church"},
            [
                {"field": "provider_kind", "reason": "“church” is not one of the listed values"},
                {"field": "service_type", "reason": "“massage” is not one of the listed values"},
            ],
        ),
        (
            {"texts": {"id": {"name": "  ", "description": ""}}},
            [
                {
                    "field": "texts",
                    "reason": "write at least the name and what the service is, in one language",
                }
            ],
        ),
        (
            {"texts": {**TEXTS, "en": {"hours": "Mondays"}}},
            [
                {
                    "field": "texts.en.name",
                    "reason": "needed in this language, since other texts are written in it",
                },
                {
                    "field": "texts.en.description",
                    "reason": "needed in this language, since other texts are written in it",
                },
            ],
        ),
        (
            {"texts": {**TEXTS, "th": {"name": "x", "description": "y"}}},
            [
                {
                    "field": "texts.th",
                    "reason": "“th” is not a language the directory is written in",
                }
            ],
        ),
        (
            {"texts": {"id": {**TEXTS["id"], "name": "n" * 201, "motto": "x"}}},
            [
                {"field": "texts.id.name", "reason": "at most 200 characters"},
                {"field": "texts.id.motto", "reason": "not a text of a directory entry"},
                {
                    "field": "texts.id.name",
                    "reason": "needed in this language, since other texts are written in it",
                },
            ],
        ),
        (
            {"areas": ()},
            [
                {
                    "field": "areas",
                    "reason": "choose where the service is offered, or the whole country",
                }
            ],
        ),
        (
            {"areas": ("35.07", "99.99", "ID")},
            [
                {"field": "areas[1]", "reason": "no area has the code “99.99”"},
                {
                    "field": "areas[2]",
                    "reason": "for the whole country, tick “offered in the whole country” instead",
                },
            ],
        ),
        (
            {"sexes": ("F", "W"), "return_modes": ("escaped",)},
            [
                {"field": "sexes[1]", "reason": "“W” is not one of the listed values"},
                {"field": "return_modes[0]", "reason": "“escaped” is not one of the listed values"},
            ],
        ),
        (
            {"min_age": 40, "max_age": 18, "capacity": 0},
            [
                {"field": "max_age", "reason": "must not be below the lowest age"},
                {"field": "capacity", "reason": "must be a whole number from 1 to 100000"},
            ],
        ),
        (
            {"max_age": 200},
            [{"field": "max_age", "reason": "must be a whole number from 0 to 120"}],
        ),
        (
            {"languages": ("id", "xx"), "cost": "cheap"},
            [
                {"field": "languages[1]", "reason": "unknown language “xx”"},
                {"field": "cost", "reason": "“cheap” is not one of the listed values"},
            ],
        ),
        (
            {"phone": "12", "email": "not-an-email", "website": "javascript:alert(1)"},
            [
                {"field": "phone", "reason": "this is not a valid phone number"},
                {"field": "email", "reason": "this is not a valid email address"},
                {"field": "website", "reason": "this is not a web address (https://…)"},
            ],
        ),
        (
            {"phone": "", "address": "  "},
            [
                {
                    "field": "phone",
                    "reason": "give at least one way to reach the service: a phone, an email, "
                    "an address or a website",
                }
            ],
        ),
    ],
)
def test_bad_input_is_named_and_nothing_is_saved(
    world: World,
    provider_staff: Actor,
    district_supervisor: Actor,
    changes: dict[str, Any],
    errors: list[dict[str, str]],
) -> None:
    service = published(provider_staff, district_supervisor).service
    before, audited = state(), AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        service_propose(actor=provider_staff, entry=entry(**changes))
    assert caught.value.errors == errors
    with pytest.raises(InvalidInput) as again:
        service_propose(
            actor=provider_staff, entry=entry(**changes), service_id=service.pk, expected_version=2
        )
    assert again.value.errors == errors
    assert (state(), AuditEvent.objects.count()) == (before, audited)


def test_the_country_hotlines_and_whole_country_coverage_are_accepted(
    provider_staff: Actor, district_supervisor: Actor
) -> None:
    published(provider_staff, district_supervisor, phone="112", areas=(), covers_country=True)
    service = Service.objects.get()
    assert (service.phone, service.covers_country, service.areas.count()) == ("112", True, 0)  # type: ignore[attr-defined]
    assert public_names("52.03") == ["Family counselling for returnees"]


# --- reading ---------------------------------------------------------------------------------


def test_the_public_search_follows_coverage_need_and_type(world: World) -> None:
    counselling = published_service(world.provider, "counselling", [world.malang], name="A")
    legal = published_service(
        world.provider, "legal_aid", [world.east_java], name="B", english="Legal aid"
    )
    lombok = published_service(world.provider, "counselling", [world.lombok_timur], name="C")
    national = published_service(
        world.provider, "micro_credit", (), name="D", english="Credit", covers_country=True
    )

    def found(area: str | None, group: str | None = None, kind: str | None = None) -> list[int]:
        results = directory_search(area_code=area, group=group, service_type=kind, language="id")
        return [row.id for row in results.rows]

    assert found(TALANGAGUNG) == [counselling.pk, legal.pk, national.pk]
    assert found("52.03") == [lombok.pk, national.pk]
    assert found("52.03", "psychosocial") == [lombok.pk]
    assert found(TALANGAGUNG, "legal") == [legal.pk]
    assert found(TALANGAGUNG, None, "micro_credit") == [national.pk]
    assert found(None) == list(Service.objects.values_list("pk", flat=True))
    with pytest.raises(NotFound):
        found("00.00")


def test_a_row_carries_its_texts_in_the_readers_language_with_fallback(world: World) -> None:
    both = published_service(world.provider, "counselling", [world.malang])
    english_only = published_service(
        world.provider,
        "legal_aid",
        [world.malang],
        name="Legal aid",
        languages=["id", "jv"],
        sexes=["F"],
        min_age=18,
        phone="+62341123456",
    )
    Service.objects.filter(pk=english_only.pk).update(
        texts={"en": {"name": "Legal aid", "description": "Free lawyers."}}
    )
    rows = {
        row.id: row
        for row in directory_search(
            area_code=TALANGAGUNG, group=None, service_type=None, language="id"
        ).rows
    }
    assert (rows[both.pk].name, rows[both.pk].text_language) == (
        "Konseling bagi pekerja migran purna",
        "id",
    )
    row = rows[english_only.pk]
    assert (row.name, row.description, row.text_language) == ("Legal aid", "Free lawyers.", "en")
    assert (row.phone, row.phone_display, row.languages) == (
        "+62341123456",
        "(0341) 123456",
        ["Bahasa Indonesia", "Javanese"],
    )
    assert row.who == ["For: Women", "Aged 18 or more"]
    assert (row.areas, row.service_type_label, row.cost_label) == (
        ["Kabupaten Malang"],
        "Legal aid",
        "Free",
    )


def test_entry_text_reads_a_proposal_too() -> None:
    proposed = entry(texts={"en": {"name": "Only English", "description": "d"}}).to_json()
    assert entry_text(proposed, "id") == {
        "name": "Only English",
        "description": "d",
        "eligibility": "",
        "how_to_apply": "",
        "hours": "",
        "cost_note": "",
        "language": "en",
    }
    assert EntryInput.from_json(proposed) == entry(
        texts={"en": {"name": "Only English", "description": "d"}}
    )


def test_area_codes_are_read_as_typed() -> None:
    assert area_codes_of("35.07 Kabupaten Malang\n35.07.13, 52.03;\n\n  ") == (
        "35.07",
        "35.07.13",
        "52.03",
    )


def test_pagination_counts_everything_and_returns_one_page(world: World) -> None:
    for i in range(7):
        published_service(world.provider, "counselling", [world.malang], name=f"S{i}")
    results = directory_search(
        area_code=TALANGAGUNG, group=None, service_type=None, language="en", limit=3, offset=6
    )
    assert (results.total, [r.id for r in results.rows]) == (
        7,
        [Service.objects.get(name="S6").pk],
    )


def count_queries(read: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        read()
    return len(queries)


def test_lists_cost_the_same_queries_for_few_rows_as_for_many(
    world: World, provider_staff: Actor, district_supervisor: Actor
) -> None:
    def search() -> None:
        directory_search(area_code=TALANGAGUNG, group=None, service_type=None, language="id")

    def own() -> None:
        for item in services_of_provider(actor=provider_staff):
            _ = (item.pending, item.last_decision, list(item.service.areas.all()))  # type: ignore[attr-defined]

    def queue() -> None:
        for change in changes_pending(actor=district_supervisor):
            _ = (change.service.provider.name, change.proposed_by.username)

    def make(count: int) -> None:
        for _i in range(count):
            published(provider_staff, district_supervisor, languages=("id", "jv", "mad"))
            service_propose(actor=provider_staff, entry=entry())

    make(2)
    small = (count_queries(search), count_queries(own), count_queries(queue))
    make(10)
    assert (count_queries(search), count_queries(own), count_queries(queue)) == small
    assert small == (5, 3, 1)


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_directory_refuses_outside_a_demo(db: None) -> None:
    with pytest.raises(DemoRefused):
        demo_services()
    assert Service.objects.count() == 0


@override_settings(PULANG_DEMO=True)
def test_the_demo_directory_is_built_once_and_published(db: None) -> None:
    demo_setup()
    assert demo_services() == ["konselor", "blk", "lbh", "koperasi"]
    built = state()
    assert demo_services() == ["konselor", "blk", "lbh", "koperasi"]
    assert state() == built
    assert set(Service.objects.values_list("status", flat=True)) == {"published"}
    assert Service.objects.count() == 8
    assert public_names(TALANGAGUNG, "id") == [
        "Bantuan hukum gratis",
        "Kelas memulai usaha kecil",
        "Konseling untuk purna migran dan keluarga",
        "Menuntut gaji yang belum dibayar",
        "Pelatihan menjahit dan tata boga",
        "Pendampingan pemulihan trauma",
    ]
    # In the order of the entries' names in Indonesian, whatever the reader's language.
    assert public_names("52.03.01.1001") == [
        "Free legal aid",
        "Managing the family's money",
        "Claiming unpaid wages",
        "Business loans for returnees",
    ]
