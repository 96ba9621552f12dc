"""Referral reads (issue #6): what the provider sees, the inbox, the suggestions, the
funnel and the gaps in the directory."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from pulang.assessments.services import assessment_record, instruments_load
from pulang.audit.models import AuditEvent
from pulang.cases.models import Case
from pulang.errors import NotFound, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.orgs.models import Organisation, OrganisationKind, Role
from pulang.orgs.services import organisation_create
from pulang.referrals.codes import EntryStatus, ServiceType
from pulang.referrals.models import Referral, Service
from pulang.referrals.selectors.referrals import (
    ProviderView,
    Suggestion,
    provider_inbox,
    provider_inbox_counts,
    provider_referral_get,
    referral_funnel,
    referral_get_for_case,
    referrals_of_case,
    service_gaps,
    services_suggest,
)
from pulang.referrals.services.referrals import referral_send, referral_step
from pulang.registry.inputs import ReturnInput
from pulang.registry.models import Person
from pulang.registry.services import OnMatch, consent_give, registration_submit
from tests.assessments.helpers import SCREEN_CLEAR
from tests.cases.helpers import TODAY, open_case, register
from tests.factories import World, person
from tests.referrals.helpers import published_service
from tests.registry.helpers import siti

NOTE = "Ibu Siti asks for counselling; she can come on weekday mornings."

# --- building -----------------------------------------------------------------------------


def share(actor: Actor, case: Case) -> None:
    consent_give(actor=actor, person_id=case.person_id, purpose="referral_sharing", method="verbal")


@pytest.fixture
def case(world: World, village_officer: Actor) -> Case:
    """Siti's case in Talangagung (Kabupaten Malang), priority high, with consent."""
    case = open_case(village_officer, register(village_officer))
    share(village_officer, case)
    return case


@pytest.fixture
def sumberpucung_case(world: World, district_supervisor: Actor) -> Case:
    """Another returnee, back in Sumberpucung, followed by the Malang office."""
    data = siti(
        full_name="Dewi Lestari",
        identifiers=[],
        birth_date=dt.date(1990, 1, 2),
        home_area="35.07.12.2001",
        return_=ReturnInput(
            reason="end_of_contract",
            mode="voluntary",
            returned_on=TODAY - dt.timedelta(days=20),
            destination_area="35.07.12.2001",
        ),
    )
    who = registration_submit(
        actor=district_supervisor, data=data, channel="staff", on_match=OnMatch.CREATE
    ).person
    assert who is not None
    case = open_case(district_supervisor, who)
    share(district_supervisor, case)
    return case


def provider_org(world: World, name: str, area: Any) -> Organisation:
    return organisation_create(
        actor=None,
        name=name,
        kind=OrganisationKind.SERVICE_PROVIDER,
        country=world.indonesia,
        area=area,
    )


@pytest.fixture
def clinic(world: World) -> Organisation:
    """A second provider in Malang."""
    return provider_org(world, "Malang women's clinic", world.malang)


@pytest.fixture
def clinic_staff(clinic: Organisation) -> Actor:
    return person(clinic, Role.PROVIDER_STAFF, username="clinic_staff")


def send(actor: Actor, case: Case, service: Service) -> Referral:
    return referral_send(actor=actor, case_id=case.pk, service_id=service.pk, shared_note=NOTE)


def step(actor: Actor, referral: Referral, name: str, **kw: Any) -> Referral:
    current = Referral.objects.get(pk=referral.pk)
    return referral_step(
        actor=actor, referral_id=referral.pk, expected_version=current.version, step=name, **kw
    )


def counselling(provider: Organisation, name: str, *areas: Any, **fields: Any) -> Service:
    return published_service(provider, ServiceType.COUNSELLING, list(areas), name=name, **fields)


def denials() -> int:
    return AuditEvent.objects.filter(action="access.denied").count()


# --- what the provider sees ---------------------------------------------------------------


def test_provider_sees_only_the_minimum_and_the_look_is_audited(
    world: World, village_officer: Actor, provider_staff: Actor, case: Case
) -> None:
    Person.objects.filter(pk=case.person_id).update(languages=["jv", "id"])
    referral = send(village_officer, case, counselling(world.provider, "Konseling", world.malang))
    view = provider_referral_get(actor=provider_staff, referral_id=referral.pk)

    assert [f.name for f in dataclasses.fields(ProviderView)] == [
        "referral",
        "name",
        "sex",
        "age",
        "phone",
        "languages",
        "area",
        "referred_by",
        "referring_office",
    ]
    born = dt.date(1985, 8, 17)
    today = timezone.localdate()
    age = today.year - 1985 - int((today.month, today.day) < (born.month, born.day))
    assert (
        view.name,
        view.sex,
        view.age,
        view.phone,
        view.languages,
        view.area,
        view.referred_by,
        view.referring_office,
    ) == (
        "Siti Aminah binti Sukarno",
        "Female",
        age,
        "+6281234567890",
        ["jv", "id"],
        "Talangagung",
        "Test Case worker",
        "Talangagung office",
    )
    assert (view.referral.pk, view.referral.shared_note) == (referral.pk, NOTE)
    # Nothing of the case was read for the provider.
    assert "case" not in view.referral._state.fields_cache
    viewed = AuditEvent.objects.get(action="referrals.viewed")
    assert (viewed.username, viewed.subject_type, viewed.subject_id) == (
        "provider_staff",
        "referrals.referral",
        str(referral.pk),
    )


def test_declined_is_not_found_for_its_provider_and_others_never_see_it(
    world: World,
    village_officer: Actor,
    provider_staff: Actor,
    clinic_staff: Actor,
    case: Case,
) -> None:
    referral = send(village_officer, case, counselling(world.provider, "Konseling", world.malang))
    denied = denials()
    for actor in (clinic_staff, village_officer):
        with pytest.raises(NotFound):
            provider_referral_get(actor=actor, referral_id=referral.pk)
    assert denials() == denied + 2
    assert AuditEvent.objects.filter(action="referrals.viewed").count() == 0

    step(provider_staff, referral, "decline", reason="No counsellor until May")
    for actor in (provider_staff, clinic_staff):
        with pytest.raises(NotFound):
            provider_referral_get(actor=actor, referral_id=referral.pk)
    with pytest.raises(NotFound):
        provider_referral_get(actor=provider_staff, referral_id=referral.pk + 1000)
    assert denials() == denied + 5
    event = AuditEvent.objects.filter(action="access.denied").order_by("pk")[denied + 2]
    assert (event.username, event.subject_id) == ("provider_staff", str(referral.pk))
    assert AuditEvent.objects.filter(action="referrals.viewed").count() == 0


def test_referral_seen_from_its_case(
    world: World,
    village_officer: Actor,
    district_supervisor: Actor,
    outsider: Actor,
    provider_staff: Actor,
    case: Case,
) -> None:
    referral = send(village_officer, case, counselling(world.provider, "Konseling", world.malang))
    assert [r.pk for r in referrals_of_case(case=case)] == [referral.pk]
    for actor in (village_officer, district_supervisor):
        seen = referral_get_for_case(actor=actor, referral_id=referral.pk)
        assert (seen.pk, seen.service.name, seen.provider.name, seen.sent_by.username) == (
            referral.pk,
            "Konseling",
            "Malang counselling NGO",
            "village_officer",
        )
    denied = denials()
    for actor in (outsider, provider_staff):
        with pytest.raises(NotFound):
            referral_get_for_case(actor=actor, referral_id=referral.pk)
    assert denials() == denied + 2


def test_a_restricted_cases_referral_is_audited_when_seen_from_the_case(
    world: World, village_officer: Actor, district_supervisor: Actor
) -> None:
    case = open_case(district_supervisor, register(village_officer), sensitivity="restricted")
    share(district_supervisor, case)
    referral = send(
        district_supervisor, case, counselling(world.provider, "Konseling", world.malang)
    )
    looks = AuditEvent.objects.filter(action="cases.viewed").count()
    referral_get_for_case(actor=district_supervisor, referral_id=referral.pk)
    assert AuditEvent.objects.filter(action="cases.viewed").count() == looks + 1
    denied = denials()
    with pytest.raises(NotFound):
        referral_get_for_case(actor=village_officer, referral_id=referral.pk)
    assert denials() == denied + 1


# --- the inbox ----------------------------------------------------------------------------


def inbox_ids(actor: Actor, tab: str) -> list[int]:
    return [r.pk for r in provider_inbox(actor=actor, tab=tab)]


@pytest.fixture
def inbox(
    world: World,
    village_officer: Actor,
    provider_staff: Actor,
    clinic: Organisation,
    case: Case,
) -> dict[str, Referral]:
    """One referral of the NGO at each status (and one to the clinic), sent a day apart
    in the order listed."""
    made: dict[str, Referral] = {}
    moves: dict[str, list[tuple[str, dict[str, str]]]] = {
        "sent_old": [],
        "sent_new": [],
        "accepted": [("accept", {})],
        "in_service": [("accept", {}), ("start", {})],
        "completed": [("accept", {}), ("complete", {"outcome": "achieved"})],
        "closed": [("close", {"reason": "no_show"})],
        "declined": [("decline", {"reason": "Full"})],
    }
    start = timezone.now() - dt.timedelta(days=30)
    for day, (label, steps) in enumerate(moves.items()):
        service = counselling(world.provider, f"Service {label}", world.malang)
        referral = send(village_officer, case, service)
        for name, kw in steps:
            step(provider_staff, referral, name, **kw)
        Referral.objects.filter(pk=referral.pk).update(sent_at=start + dt.timedelta(days=day))
        made[label] = referral
    made["clinic"] = send(village_officer, case, counselling(clinic, "Klinik", world.malang))
    return made


def test_inbox_tabs_and_counts(
    inbox: dict[str, Referral], provider_staff: Actor, clinic_staff: Actor
) -> None:
    assert inbox_ids(provider_staff, "new") == [inbox["sent_old"].pk, inbox["sent_new"].pk]
    assert inbox_ids(provider_staff, "active") == [inbox["accepted"].pk, inbox["in_service"].pk]
    assert inbox_ids(provider_staff, "done") == [inbox["closed"].pk, inbox["completed"].pk]
    # An unknown tab is the new one.
    assert inbox_ids(provider_staff, "declined") == inbox_ids(provider_staff, "new")
    assert provider_inbox_counts(actor=provider_staff) == {"new": 2, "active": 2, "done": 2}

    assert inbox_ids(clinic_staff, "new") == [inbox["clinic"].pk]
    assert inbox_ids(clinic_staff, "active") == inbox_ids(clinic_staff, "done") == []
    assert provider_inbox_counts(actor=clinic_staff) == {"new": 1, "active": 0, "done": 0}


@pytest.mark.parametrize("persona", ["analyst", "agency_staff", "auditor"])
def test_inbox_is_for_those_who_respond(
    persona: str, request: pytest.FixtureRequest, inbox: dict[str, Referral]
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        provider_inbox(actor=actor)
    with pytest.raises(PermissionDenied):
        provider_inbox_counts(actor=actor)


def test_a_case_worker_has_an_empty_inbox(
    inbox: dict[str, Referral], village_officer: Actor
) -> None:
    assert inbox_ids(village_officer, "new") == []
    assert provider_inbox_counts(actor=village_officer) == {"new": 0, "active": 0, "done": 0}


def read_inbox(actor: Actor, tab: str) -> list[tuple[str, str, str]]:
    return [
        (r.service.name, r.person.full_name, r.organisation.name)
        for r in provider_inbox(actor=actor, tab=tab)
    ]


def test_inbox_query_count_does_not_grow_with_rows(
    world: World,
    village_officer: Actor,
    provider_staff: Actor,
    case: Case,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for n in range(2):
        send(village_officer, case, counselling(world.provider, f"First {n}", world.malang))
    with django_assert_num_queries(1):
        assert len(read_inbox(provider_staff, "new")) == 2
    for n in range(6):
        send(village_officer, case, counselling(world.provider, f"More {n}", world.malang))
    with django_assert_num_queries(1):
        rows = read_inbox(provider_staff, "new")
    assert len(rows) == 8
    assert rows[0] == ("First 0", "Siti Aminah binti Sukarno", "Talangagung office")
    with django_assert_num_queries(1):
        assert provider_inbox_counts(actor=provider_staff) == {"new": 8, "active": 0, "done": 0}


# --- suggestions --------------------------------------------------------------------------


def names(suggestions: list[Suggestion]) -> list[str]:
    return [s.service.name for s in suggestions]


def suggest(actor: Actor, case: Case, *types: str) -> list[Suggestion]:
    return services_suggest(
        actor=actor, case_id=case.pk, service_types=list(types) or ["counselling"]
    )


def test_the_most_local_covering_service_first(
    world: World, village_officer: Actor, case: Case
) -> None:
    counselling(world.provider, "Country", covers_country=True)
    counselling(world.provider, "District", world.malang)
    counselling(world.provider, "Village", world.talangagung)
    counselling(world.provider, "Subdistrict", world.kepanjen)
    counselling(world.provider, "Lombok", world.lombok_timur)
    counselling(world.provider, "Next village", world.sumberpucung)
    pending = counselling(world.provider, "Pending", world.talangagung)
    Service.objects.filter(pk=pending.pk).update(status=EntryStatus.PENDING)
    published_service(world.provider, ServiceType.LEGAL_AID, [world.talangagung], name="Legal")

    found = suggest(village_officer, case)
    assert names(found) == ["Village", "Subdistrict", "District", "Country"]
    assert [(s.eligible, s.full, s.reasons, s.barriers) for s in found] == [
        (True, False, ["offered in the returnee's own area"], []),
        (True, False, ["offered in the area around the returnee's home"], []),
        (True, False, ["offered in the area around the returnee's home"], []),
        (True, False, ["offered in the whole country"], []),
    ]


def test_eligible_before_ineligible_with_the_barriers_named(
    world: World, village_officer: Actor, district_supervisor: Actor, case: Case
) -> None:
    counselling(world.provider, "For men", world.talangagung, sexes=["M"])
    counselling(world.provider, "For the young", world.talangagung, max_age=30)
    counselling(world.provider, "For the old", world.talangagung, min_age=60)
    counselling(world.provider, "For the deported", world.talangagung, return_modes=["forced"])
    counselling(world.provider, "Vulnerable", world.talangagung, vulnerable_only=True)
    counselling(world.provider, "For everyone", covers_country=True)
    counselling(
        world.provider,
        "For women who came home",
        world.malang,
        sexes=["F"],
        min_age=18,
        return_modes=["voluntary", "forced"],
    )

    found = suggest(village_officer, case)
    assert names(found) == [
        "Vulnerable",  # the case is high priority
        "For women who came home",
        "For everyone",
        "For men",
        "For the young",
        "For the old",
        "For the deported",
    ]
    assert [(s.eligible, s.barriers) for s in found[3:]] == [
        (False, ["not for the returnee's sex"]),
        (False, ["not for the returnee's age"]),
        (False, ["not for the returnee's age"]),
        (False, ["not for the way the returnee came home"]),
    ]

    # At medium priority, the service kept for the vulnerable is not for her.
    calmer = open_case(
        district_supervisor,
        register(
            district_supervisor,
            full_name="Dewi Lestari",
            identifiers=[],
            birth_date=dt.date(1990, 1, 2),
        ),
        priority="medium",
    )
    vulnerable = next(
        s for s in suggest(district_supervisor, calmer) if s.service.name == "Vulnerable"
    )
    assert (vulnerable.eligible, vulnerable.barriers) == (
        False,
        ["kept for returnees assessed urgent or high priority"],
    )
    assert names(suggest(district_supervisor, calmer))[:2] == [
        "For women who came home",
        "For everyone",
    ]


def test_places_left_before_full(world: World, village_officer: Actor, case: Case) -> None:
    counselling(world.provider, "Full here", world.talangagung, capacity=2)
    counselling(world.provider, "Room in the district", world.malang, capacity=3)
    counselling(world.provider, "No limit, country", covers_country=True)
    full = Service.objects.get(name="Full here")
    # Two other returnees hold the two places.
    Service.objects.filter(pk=full.pk).update(open_referrals=2)

    found = suggest(village_officer, case)
    assert names(found) == ["Room in the district", "No limit, country", "Full here"]
    assert [(s.full, s.reasons[-1]) for s in found] == [
        (False, "0 of 3 places taken"),
        (False, "offered in the whole country"),
        (True, "2 of 2 places taken"),
    ]


def test_the_returnees_language_first(world: World, village_officer: Actor, case: Case) -> None:
    Person.objects.filter(pk=case.person_id).update(languages=["jv"])
    counselling(world.provider, "Village, Indonesian", world.talangagung, languages=["id"])
    counselling(world.provider, "Country, Javanese", covers_country=True, languages=["id", "jv"])

    found = suggest(village_officer, case)
    assert names(found) == ["Country, Javanese", "Village, Indonesian"]
    assert found[0].reasons == ["offered in the whole country", "speaks the returnee's language"]
    assert found[1].reasons == ["offered in the returnee's own area"]


def test_types_asked_for_in_order(world: World, village_officer: Actor, case: Case) -> None:
    published_service(world.provider, ServiceType.LEGAL_AID, [world.malang], name="Legal")
    counselling(world.provider, "Counselling", world.malang)
    published_service(world.provider, ServiceType.SHELTER, [world.malang], name="Shelter")

    assert names(suggest(village_officer, case, "legal_aid", "counselling")) == [
        "Legal",
        "Counselling",
    ]
    assert names(suggest(village_officer, case, "counselling", "legal_aid", "nonsense")) == [
        "Counselling",
        "Legal",
    ]
    assert suggest(village_officer, case, "nonsense") == []


def test_suggestions_are_for_those_who_refer_within_reach(
    world: World, outsider: Actor, provider_staff: Actor, case: Case
) -> None:
    counselling(world.provider, "Village", world.talangagung)
    with pytest.raises(PermissionDenied):
        suggest(provider_staff, case)
    denied = denials()
    with pytest.raises(NotFound):
        suggest(outsider, case)
    assert denials() == denied + 1


def test_suggestion_queries_do_not_grow_with_services(
    world: World,
    village_officer: Actor,
    case: Case,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    areas = [world.talangagung, world.kepanjen, world.malang, world.lombok_timur]

    def add(count: int) -> None:
        for n in range(count):
            counselling(
                world.provider,
                f"Service {Service.objects.count():03d}",
                areas[n % len(areas)],
                capacity=n % 3 or None,
            )

    add(5)
    with django_assert_num_queries(3):
        assert len(suggest(village_officer, case)) == 4
    add(45)
    with django_assert_num_queries(3):
        found = services_suggest(
            actor=village_officer, case_id=case.pk, service_types=["counselling"], limit=100
        )
    # Three quarters of the fifty are offered where Siti lives.
    assert len(found) == 38


# --- figures ------------------------------------------------------------------------------

BASE = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)


def at(days: float) -> dt.datetime:
    return BASE + dt.timedelta(days=days)


@pytest.fixture
def funnel_world(
    world: World,
    village_officer: Actor,
    district_supervisor: Actor,
    provider_staff: Actor,
    clinic: Organisation,
    clinic_staff: Actor,
    case: Case,
    sumberpucung_case: Case,
) -> dict[str, Referral]:
    """Six referrals from two areas to two providers, with their times frozen:

    - t_counselling (Talangagung → NGO counselling): accepted after 1.5 days, completed
      after 5;
    - s_counselling (Sumberpucung → NGO counselling): accepted after 3.5 days, open;
    - t_legal (Talangagung → NGO legal aid): declined after 1 day;
    - s_legal (Sumberpucung → NGO legal aid): withdrawn unanswered;
    - t_clinic (Talangagung → clinic counselling): waiting;
    - s_clinic (Sumberpucung → clinic counselling): accepted after 4 days, completed
      after 9.
    """
    ngo_counselling = counselling(world.provider, "NGO counselling", world.malang)
    ngo_legal = published_service(world.provider, ServiceType.LEGAL_AID, [world.malang])
    clinic_counselling = counselling(clinic, "Clinic counselling", world.malang)
    t, s = case, sumberpucung_case
    made = {
        "t_counselling": send(village_officer, t, ngo_counselling),
        "s_counselling": send(district_supervisor, s, ngo_counselling),
        "t_legal": send(village_officer, t, ngo_legal),
        "s_legal": send(district_supervisor, s, ngo_legal),
        "t_clinic": send(village_officer, t, clinic_counselling),
        "s_clinic": send(district_supervisor, s, clinic_counselling),
    }
    step(provider_staff, made["t_counselling"], "accept")
    step(provider_staff, made["t_counselling"], "complete", outcome="achieved")
    step(provider_staff, made["s_counselling"], "accept")
    step(provider_staff, made["t_legal"], "decline", reason="Not our area of law")
    step(district_supervisor, made["s_legal"], "close", reason="withdrawn")
    step(clinic_staff, made["s_clinic"], "accept")
    step(clinic_staff, made["s_clinic"], "start")
    step(clinic_staff, made["s_clinic"], "complete", outcome="partly")
    times = {
        "t_counselling": (at(0), at(1.5), at(5)),
        "s_counselling": (at(10), at(13.5), None),
        "t_legal": (at(0), at(1), None),
        "s_legal": (at(10), None, None),
        "t_clinic": (at(0), None, None),
        "s_clinic": (at(10), at(14), at(19)),
    }
    for label, (sent, responded, completed) in times.items():
        Referral.objects.filter(pk=made[label].pk).update(
            sent_at=sent, responded_at=responded, completed_at=completed
        )
    return made


def funnel(actor: Actor, by: str = "provider", **kw: Any) -> list[dict[str, Any]]:
    rows = [r.as_dict() for r in referral_funnel(actor=actor, by=by, **kw)]
    for row in rows:
        del row["key"]
    return rows


def figures(
    label: str, *counts: int, accept: float | None, complete: float | None
) -> dict[str, Any]:
    sent, accepted, declined, completed, closed, still_open = counts
    return {
        "label": label,
        "sent": sent,
        "accepted": accepted,
        "declined": declined,
        "completed": completed,
        "closed": closed,
        "open": still_open,
        "median_days_to_accept": accept,
        "median_days_to_complete": complete,
    }


NGO = figures("Malang counselling NGO", 4, 2, 1, 1, 1, 1, accept=2.5, complete=5.0)
CLINIC = figures("Malang women's clinic", 2, 1, 0, 1, 0, 1, accept=4.0, complete=9.0)


def test_funnel_by_provider_service_type_and_area(
    funnel_world: dict[str, Referral], analyst: Actor, world: World, clinic: Organisation
) -> None:
    assert funnel(analyst) == [NGO, CLINIC]
    assert [r.key for r in referral_funnel(actor=analyst)] == [
        str(world.provider.pk),
        str(clinic.pk),
    ]
    assert funnel(analyst, "service_type") == [
        figures("Counselling", 4, 3, 0, 2, 0, 2, accept=3.5, complete=7.0),
        figures("Legal aid", 2, 0, 1, 0, 1, 0, accept=None, complete=None),
    ]
    assert funnel(analyst, "area") == [
        figures("Sumberpucung", 3, 2, 0, 1, 1, 1, accept=3.8, complete=9.0),
        figures("Talangagung", 3, 1, 1, 1, 0, 1, accept=1.5, complete=5.0),
    ]
    # An unknown grouping is by provider; ``since`` keeps the later ones.
    assert funnel(analyst, "colour") == [NGO, CLINIC]
    assert funnel(analyst, since=at(5).date()) == [
        figures("Malang counselling NGO", 2, 1, 0, 0, 1, 1, accept=3.5, complete=None),
        figures("Malang women's clinic", 1, 1, 0, 1, 0, 0, accept=4.0, complete=9.0),
    ]


def test_funnel_is_scoped(
    funnel_world: dict[str, Referral],
    world: World,
    district_supervisor: Actor,
    provider_staff: Actor,
    clinic_staff: Actor,
) -> None:
    assert funnel(district_supervisor) == [NGO, CLINIC]
    # A provider sees its own referrals only.
    assert funnel(provider_staff) == [NGO]
    assert funnel(clinic_staff) == [CLINIC]
    assert funnel(provider_staff, "area") == [
        figures("Sumberpucung", 2, 1, 0, 0, 1, 1, accept=3.5, complete=None),
        figures("Talangagung", 2, 1, 1, 1, 0, 0, accept=1.5, complete=5.0),
    ]
    # The village office's supervisor: the referrals of its own area.
    village_supervisor = person(world.village, Role.SUPERVISOR, username="village_supervisor")
    assert funnel(village_supervisor, "area") == [
        figures("Talangagung", 3, 1, 1, 1, 0, 1, accept=1.5, complete=5.0)
    ]
    # Another district's office sees none of Malang's.
    lombok = person(world.other_district, Role.SUPERVISOR, username="lombok_supervisor")
    assert funnel(lombok) == []


@pytest.mark.parametrize("persona", ["agency_staff", "village_officer", "consular_officer"])
def test_figures_need_the_capability(
    persona: str, request: pytest.FixtureRequest, funnel_world: dict[str, Referral]
) -> None:
    actor: Actor = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        referral_funnel(actor=actor)
    with pytest.raises(PermissionDenied):
        service_gaps(actor=actor)


def test_funnel_query_count(
    funnel_world: dict[str, Referral],
    analyst: Actor,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    with django_assert_num_queries(1):
        assert len(referral_funnel(actor=analyst, by="area")) == 2


# --- gaps in the directory ----------------------------------------------------------------

URGENT_SCREEN = {
    **SCREEN_CLEAR,
    "pregnant": False,
    "work_indicators": ["deceived", "isolated"],
    "safe_place": False,
}


@pytest.fixture
def assessed(world: World, village_officer: Actor, case: Case) -> Case:
    """Siti screened urgent: protection, safe shelter, counselling and legal aid."""
    instruments_load()
    assessment_record(
        actor=village_officer,
        person_id=case.person_id,
        return_id=case.return_record_id,
        instrument="vulnerability_screen",
        answers=URGENT_SCREEN,
    )
    return case


def gaps(actor: Actor) -> list[tuple[str, str, int]]:
    return [(g.area, g.category, g.returnees) for g in service_gaps(actor=actor)]


COUNSELLING_GAP = ("Talangagung", "Counselling and psychosocial support", 1)
LEGAL_GAP = ("Talangagung", "Legal aid, unpaid wages and compensation claims", 1)
PROTECTION_GAP = ("Talangagung", "Protection for survivors of trafficking and violence", 1)
SHELTER_GAP = ("Talangagung", "Safe shelter", 1)


def test_gaps_close_as_covering_services_are_published(
    world: World, assessed: Case, analyst: Actor, district_supervisor: Actor
) -> None:
    # Services that do not cover Talangagung, or are not published, close nothing.
    published_service(world.provider, ServiceType.LEGAL_AID, [world.lombok_timur], name="L")
    published_service(world.provider, ServiceType.LEGAL_AID, [world.sumberpucung], name="S")
    pending = published_service(world.provider, ServiceType.SHELTER, [world.malang])
    Service.objects.filter(pk=pending.pk).update(status=EntryStatus.WITHDRAWN)
    everything = [COUNSELLING_GAP, LEGAL_GAP, PROTECTION_GAP, SHELTER_GAP]
    assert gaps(analyst) == everything
    assert gaps(district_supervisor) == everything

    counselling(world.provider, "District counselling", world.malang)
    assert gaps(analyst) == [LEGAL_GAP, PROTECTION_GAP, SHELTER_GAP]
    # A shelter for the whole country answers both shelter and protection.
    published_service(world.provider, ServiceType.SHELTER, covers_country=True, name="Shelter")
    assert gaps(analyst) == [LEGAL_GAP]
    published_service(world.provider, ServiceType.WAGE_CLAIMS, [world.kepanjen], name="Wages")
    assert gaps(analyst) == []


def test_gaps_are_scoped_and_not_for_providers(
    world: World, assessed: Case, provider_staff: Actor
) -> None:
    lombok = person(world.other_district, Role.SUPERVISOR, username="lombok_supervisor")
    assert gaps(lombok) == []
    with pytest.raises(PermissionDenied):
        service_gaps(actor=provider_staff)
