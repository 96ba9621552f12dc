"""Suggesting providers and the provider inbox at national scale (issue #6).

    python -m bench.referrals [--persons 100000] [--cases 20000] [--services 10000]
        [--providers 500] [--referrals 50000] [--others 20000] [--queries 300] [--seed 7]

Works on the population of ``bench.cases`` (people, district offices with their case
workers, cases; reused when there, else seeded with its functions, smaller by default).
Once, as fixture data written in bulk, it adds ``--providers`` service providers (one
provider-staff member each) and ``--services`` published services: the first provider is
a big national one with two country-wide services of every type; the others are local,
each based in a district, their services covering that district (most), a few of its
villages or one sub-district, the province, or (about 2 % of all services, the big
provider's included) the whole country; every type, with a variety of eligibility (sexes,
ages, return modes, kept for the vulnerable), places and languages. Then referrals from
the open cases: ``--referrals`` in the big provider's inbox (sent, accepted, in service,
completed, closed) plus 6 % declined on top, and ``--others`` to the local providers'
services covering the case's area; each with its "sent" event, the services' counts of
open referrals kept. It measures ``--queries`` draws of what the pages read:

  suggest_p50/p95_ms          services_suggest for a random open standard case, as its
                              owner (a case worker), for the 1-3 service types that one
                              recommended category maps onto (codes.TYPES_FOR_CATEGORY)
  inbox_new_p50/p95_ms        the big provider's "new" tab: the first 50 rows with what
                              the provider is told (provider_view), plus the tab counts
  inbox_active_p50/p95_ms     the same for its "active" tab (accepted, in service)
  inbox_small_p50/p95_ms      the "new" tab and counts of a random local provider
  *_queries                   queries per call (the most seen in any draw)
  *_mean_rows                 rows returned (suggestions, inbox rows) on average
  inbox_size                  the big provider's inbox (referrals not declined)
  services_setup_seconds / referrals_setup_seconds (and bench.cases' seed_seconds,
  cases_setup_seconds) when they were written in this run
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from pathlib import Path
from typing import Any

from bench._setup import django_setup, emit, percentile, synthetic_area_tree

BATCH = 5_000
PROVIDER_PREFIX = "Bench provider "
PAGE = 50

# What a service is offered in, for the local providers (weights); country-wide ones
# bring the total, the big provider's included, to about 2 %.
COVERAGE = {"country": 1.5, "province": 10, "district": 55, "sub_district": 8.5, "villages": 25}
LANGUAGES = (
    [],
    ["id"],
    ["id"],
    ["id", "jv"],
    ["id", "su"],
    ["jv"],
    ["id", "en"],
    ["id", "ar"],
    ["id", "ms"],
    ["id", "zh", "yue"],
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--providers", type=int, default=500)
    parser.add_argument("--referrals", type=int, default=50_000)
    parser.add_argument("--others", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fan-out", type=int, default=10)
    args = parser.parse_args()
    django_setup()

    from django.db import connection

    from bench.cases import _open_cases
    from pulang.cases.models import Case
    from pulang.referrals.models import Referral
    from pulang.registry.models import Person

    context: dict[str, Any] = {
        "persons": args.persons,
        "cases": args.cases,
        "services": args.services,
        "referrals": args.referrals,
    }
    if Person.objects.count() < args.persons * 0.9:
        _seed_people(args, context)
    if Case.objects.count() < args.cases:
        started = time.perf_counter()
        _open_cases(args, random.Random(args.seed))
        emit("cases_setup_seconds", round(time.perf_counter() - started, 1), "s", **context)
    big = _big_provider()
    if big is None:
        started = time.perf_counter()
        big = _directory(args, random.Random(args.seed + 1))
        emit("services_setup_seconds", round(time.perf_counter() - started, 1), "s", **context)
    if not Referral.objects.filter(provider=big).exists():
        started = time.perf_counter()
        _referrals(args, random.Random(args.seed + 2), big)
        emit("referrals_setup_seconds", round(time.perf_counter() - started, 1), "s", **context)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _measure(args, random.Random(args.seed + 3), context, big)


def _seed_people(args: argparse.Namespace, context: dict[str, Any]) -> None:
    """The population of ``bench.cases``, with the same commands and options."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("load_reference", verbosity=0)
    synthetic_area_tree("ID", args.fan_out)
    started = time.perf_counter()
    truth = Path("var") / f"bench-cases-truth-{args.persons}-{args.seed}.csv"
    with override_settings(PULANG_DEMO=True):
        call_command(
            "seed",
            "--persons", str(args.persons),
            "--seed", str(args.seed),
            "--duplicates", "0.15",
            "--truth", str(truth),
        )  # fmt: skip
    emit("seed_seconds", round(time.perf_counter() - started, 1), "s", **context)


def _big_provider() -> int | None:
    from pulang.orgs.models import Organisation, OrganisationKind

    return (
        Organisation.objects.filter(
            kind=OrganisationKind.SERVICE_PROVIDER, name=f"{PROVIDER_PREFIX}000 (national)"
        )
        .values_list("pk", flat=True)
        .first()
    )


def _directory(args: argparse.Namespace, rng: random.Random) -> int:
    """The providers, each with a provider-staff member, and their published services
    with the areas they cover; returns the big provider's id."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from pulang.geo.models import AdminArea
    from pulang.orgs.models import Membership, Organisation, OrganisationKind, Role
    from pulang.referrals.codes import (
        GROUP_OF,
        Cost,
        EntryStatus,
        ProviderKind,
        ReturnMode,
        ServiceType,
    )
    from pulang.referrals.models import Service, ServiceArea

    areas = list(
        AdminArea.objects.filter(country_id="ID", level__gte=1).values_list(
            "pk", "level", "parent_id"
        )
    )
    children: dict[int, list[int]] = {}
    parent: dict[int, int] = {}
    for pk, _level, parent_id in areas:
        children.setdefault(parent_id, []).append(pk)
        parent[pk] = parent_id
    districts = sorted(pk for pk, level, _p in areas if level == 2)
    now = timezone.now()
    with transaction.atomic():
        providers = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{PROVIDER_PREFIX}{i:03d}" + (" (national)" if i == 0 else ""),
                    kind=OrganisationKind.SERVICE_PROVIDER,
                    country_id="ID",
                    area_id=rng.choice(districts),
                )
                for i in range(args.providers)
            ]
        )
        users = User.objects.bulk_create(
            [
                User(username=f"bench-provider-{p.pk}", first_name="Provider", last_name=str(i))
                for i, p in enumerate(providers)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=u, organisation=p, role=Role.PROVIDER_STAFF)
                for u, p in zip(users, providers, strict=True)
            ]
        )
    types = list(ServiceType)
    # Counselling, skills and jobs are offered far more often than trauma care or shelter.
    type_weights = [
        6 if t in {"counselling", "skills_training", "job_placement", "legal_aid"} else 2
        for t in types
    ]
    kinds = list(ProviderKind)
    planned: list[tuple[Service, list[int]]] = []
    big = providers[0]
    for i in range(args.services):
        if i < 2 * len(types):
            provider, service_type, coverage = big, types[i % len(types)], "country"
        else:
            provider = rng.choice(providers[1:])
            service_type = rng.choices(types, weights=type_weights)[0]
            coverage = rng.choices(list(COVERAGE), weights=list(COVERAGE.values()))[0]
        district = provider.area_id
        covered: list[int] = []
        if coverage == "province":
            covered = [parent[district]]
        elif coverage == "district":
            covered = [district]
        elif coverage == "sub_district":
            covered = [rng.choice(children[district])]
        elif coverage == "villages":
            villages = [v for s in children[district] for v in children.get(s, [])]
            covered = rng.sample(villages, min(len(villages), rng.randint(1, 5)))
        min_age, max_age = rng.choices(
            [(None, None), (18, None), (18, 45), (None, 60), (15, 30)], weights=[60, 20, 8, 8, 4]
        )[0]
        name = f"{service_type.label!s} {i:05d}"
        planned.append(
            (
                Service(
                    provider=provider,
                    provider_kind=rng.choice(kinds),
                    service_type=service_type,
                    group=GROUP_OF[service_type],
                    name=name,
                    texts={
                        "id": {"name": name, "description": "Layanan bagi pekerja migran purna."},
                        "en": {"name": name, "description": "For returned migrant workers."},
                    },
                    covers_country=coverage == "country",
                    sexes=rng.choices([[], ["F"], ["M"]], weights=[80, 15, 5])[0],
                    min_age=min_age,
                    max_age=max_age,
                    return_modes=rng.choices(
                        [[], [ReturnMode.FORCED.value, ReturnMode.ASSISTED.value]],
                        weights=[85, 15],
                    )[0],
                    vulnerable_only=rng.random() < 0.1,
                    capacity=None
                    if provider is big or rng.random() < 0.4
                    else rng.choice([10, 20, 30, 50, 100, 200]),
                    languages=rng.choice(LANGUAGES),
                    cost=rng.choices(list(Cost), weights=[70, 20, 10])[0],
                    phone=f"+62 21 {rng.randint(1000000, 9999999)}",
                    address=f"Jalan Bench {i}",
                    status=EntryStatus.PUBLISHED,
                    created_at=now,
                    updated_at=now,
                    published_at=now,
                ),
                covered,
            )
        )
    for start in range(0, len(planned), BATCH):
        batch = planned[start : start + BATCH]
        with transaction.atomic():
            made = Service.objects.bulk_create([service for service, _covered in batch])
            ServiceArea.objects.bulk_create(
                [
                    ServiceArea(service=service, area_id=area_id)
                    for service, (_s, covered) in zip(made, batch, strict=True)
                    for area_id in covered
                ]
            )
    return big.pk


def _referrals(args: argparse.Namespace, rng: random.Random, big: int) -> None:
    """Referrals from the open cases: ``--referrals`` in the big provider's inbox and 6 %
    declined by it, ``--others`` to local services covering the case's area."""
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from pulang.cases.models import Case
    from pulang.cases.models import Status as CaseStatus
    from pulang.orgs.models import Membership, Role
    from pulang.referrals.codes import OPEN_STATUSES, ClosureReason, Outcome, Status
    from pulang.referrals.models import Referral, ReferralEvent, Service, ServiceArea
    from pulang.registry.codes import ConsentPurpose
    from pulang.registry.models import Consent

    open_cases = Case.objects.exclude(status=CaseStatus.CLOSED).filter(area__isnull=False)
    cases = list(
        open_cases.order_by("pk").values_list(
            "pk", "person_id", "area_id", "area__path", "organisation_id", "owner_id"
        )
    )
    workers: dict[int, list[int]] = {}
    for organisation_id, user_id in Membership.objects.filter(
        role=Role.CASE_WORKER, organisation__name__startswith="Bench office "
    ).values_list("organisation_id", "user_id"):
        workers.setdefault(organisation_id, []).append(user_id)
    consents = dict(
        Consent.objects.filter(
            purpose=ConsentPurpose.REFERRAL_SHARING,
            withdrawn_at__isnull=True,
            person_id__in=open_cases.values("person_id"),
        ).values_list("person_id", "pk")
    )
    services = {
        pk: (provider, service_type, group)
        for pk, provider, service_type, group in Service.objects.filter(
            provider__name__startswith=PROVIDER_PREFIX
        ).values_list("pk", "provider_id", "service_type", "group")
    }
    big_services = sorted(pk for pk, (provider, _t, _g) in services.items() if provider == big)
    nationwide = sorted(
        Service.objects.filter(provider__name__startswith=PROVIDER_PREFIX, covers_country=True)
        .exclude(provider=big)
        .values_list("pk", flat=True)
    )
    local: dict[str, list[int]] = {}
    for service_id, path in ServiceArea.objects.filter(service_id__in=list(services)).values_list(
        "service_id", "area__path"
    ):
        local.setdefault(path, []).append(service_id)

    big_statuses = [Status.SENT, Status.ACCEPTED, Status.IN_SERVICE]
    big_statuses += [Status.COMPLETED, Status.CLOSED]
    planned: list[tuple[tuple[Any, ...], int, str]] = []
    used: set[tuple[int, int]] = set()

    def draw(service_of: Any, status: str) -> None:
        while True:
            case = rng.choice(cases)
            service_id = service_of(case)
            if service_id is not None and (case[0], service_id) not in used:
                used.add((case[0], service_id))
                planned.append((case, service_id, status))
                return

    for status in rng.choices(big_statuses, weights=[15, 10, 15, 45, 15], k=args.referrals):
        draw(lambda _case: rng.choice(big_services), status)
    for _ in range(round(args.referrals * 0.06)):
        draw(lambda _case: rng.choice(big_services), Status.DECLINED)

    def local_service(case: tuple[Any, ...]) -> int | None:
        segments = case[3].rstrip("/").split("/")
        nearby = [
            s
            for depth in range(1, len(segments) + 1)
            for s in local.get("/".join(segments[:depth]) + "/", [])
        ]
        if nearby and rng.random() < 0.8:
            return rng.choice(nearby)
        return rng.choice(nationwide) if nationwide else None

    all_statuses = [*big_statuses, Status.DECLINED]
    for status in rng.choices(all_statuses, weights=[10, 8, 12, 45, 15, 10], k=args.others):
        draw(local_service, status)
    rng.shuffle(planned)

    now = timezone.now()
    age_days = {
        Status.SENT: (0, 30),
        Status.ACCEPTED: (5, 120),
        Status.IN_SERVICE: (10, 240),
    }
    for start in range(0, len(planned), BATCH):
        batch = planned[start : start + BATCH]
        referrals = []
        for (case_id, person_id, area_id, _path, office, owner), service_id, status in batch:
            provider, service_type, group = services[service_id]
            sent_by = owner or rng.choice(workers[office])
            low, high = age_days.get(status, (20, 700))
            sent_at = now - dt.timedelta(days=rng.randint(low, high), minutes=rng.randint(0, 600))
            fields: dict[str, Any] = {}
            if status in (Status.ACCEPTED, Status.IN_SERVICE, Status.COMPLETED) or (
                status == Status.CLOSED and rng.random() < 0.5
            ):
                fields["responded_at"] = sent_at + dt.timedelta(days=rng.randint(1, 10))
            if status in (Status.IN_SERVICE, Status.COMPLETED):
                fields["started_at"] = fields["responded_at"] + dt.timedelta(
                    days=rng.randint(1, 14)
                )
            if status == Status.COMPLETED:
                fields["completed_at"] = min(
                    now, fields["started_at"] + dt.timedelta(days=rng.randint(7, 90))
                )
                fields["outcome"] = rng.choices(list(Outcome), weights=[60, 30, 10])[0]
                fields["outcome_note"] = "Delivered as planned."
                if rng.random() < 0.3:
                    fields["satisfaction"] = rng.randint(1, 5)
            if status == Status.CLOSED:
                fields["closed_at"] = sent_at + dt.timedelta(days=rng.randint(10, 60))
                fields["closure_reason"] = rng.choice(list(ClosureReason))
            if status == Status.DECLINED:
                fields["responded_at"] = sent_at + dt.timedelta(days=rng.randint(1, 5))
                fields["decline_reason"] = "No places left this month."
            consent = consents.get(person_id)
            referrals.append(
                Referral(
                    case_id=case_id,
                    person_id=person_id,
                    service_id=service_id,
                    provider_id=provider,
                    service_type=service_type,
                    group=group,
                    area_id=area_id,
                    organisation_id=office,
                    status=status,
                    shared_note="Needs help finding work near home; prefers mornings.",
                    consent_id=consent,
                    override_reason="" if consent else "Returnee asked for it; form to follow.",
                    override_by_id=None if consent else sent_by,
                    sent_by_id=sent_by,
                    sent_at=sent_at,
                    updated_at=max([sent_at, *(v for v in fields.values() if _is_time(v))]),
                    **fields,
                )
            )
        with transaction.atomic():
            made = Referral.objects.bulk_create(referrals)
            ReferralEvent.objects.bulk_create(
                [
                    ReferralEvent(
                        referral=r,
                        kind=ReferralEvent.Kind.SENT,
                        to_status=Status.SENT,
                        at=r.sent_at,
                        by_id=r.sent_by_id,
                    )
                    for r in made
                ]
            )
    counts = (
        Referral.objects.filter(status__in=OPEN_STATUSES, service_id__in=list(services))
        .values_list("service_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    Service.objects.bulk_update(
        [Service(pk=pk, open_referrals=n) for pk, n in counts],
        ["open_referrals"],
        batch_size=1000,
    )


def _is_time(value: object) -> bool:
    return isinstance(value, dt.datetime)


def _measure(
    args: argparse.Namespace, rng: random.Random, context: dict[str, Any], big: int
) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pulang.cases.models import Case, Sensitivity
    from pulang.cases.models import Status as CaseStatus
    from pulang.orgs.actor import Actor
    from pulang.orgs.models import Membership, Role
    from pulang.referrals.codes import TYPES_FOR_CATEGORY
    from pulang.referrals.selectors.referrals import (
        InboxTab,
        provider_inbox,
        provider_inbox_counts,
        provider_view,
        services_suggest,
    )

    today = timezone.localdate()
    related = ("user", "organisation", "organisation__area", "scope_area")
    case_workers = {
        m.user_id: m
        for m in Membership.objects.select_related(*related).filter(
            role=Role.CASE_WORKER, organisation__name__startswith="Bench office "
        )
    }
    owned = list(
        Case.objects.exclude(status=CaseStatus.CLOSED)
        .filter(
            owner_id__in=list(case_workers),
            sensitivity=Sensitivity.STANDARD,
            organisation__name__startswith="Bench office ",
        )
        .order_by("pk")
        .values_list("pk", "owner_id")
    )
    staff = list(
        Membership.objects.select_related(*related).filter(
            role=Role.PROVIDER_STAFF, organisation__name__startswith=PROVIDER_PREFIX
        )
    )
    big_staff = Actor(*_user_membership(next(m for m in staff if m.organisation_id == big)))
    small_staff = sorted((m for m in staff if m.organisation_id != big), key=lambda m: m.pk)
    type_sets = [list(types) for types in TYPES_FOR_CATEGORY.values() if types]
    labels = ("suggest", "inbox_new", "inbox_active", "inbox_small")
    timings: dict[str, list[float]] = {label: [] for label in labels}
    queries: dict[str, int] = {}
    shown: dict[str, list[int]] = {label: [] for label in labels}

    def timed(label: str, read: Any) -> None:
        reset_queries()  # the log keeps 9,000 queries: a full one would count none
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            rows = read()
            timings[label].append((time.perf_counter() - started) * 1000)
        queries[label] = max(queries.get(label, 0), len(captured))
        shown[label].append(len(rows))

    def suggest(actor: Actor, case_id: int, types: list[str]) -> list[Any]:
        return [
            (s.service.name, s.service.provider.name, s.eligible, s.full, s.reasons, s.barriers)
            for s in services_suggest(actor=actor, case_id=case_id, service_types=types)
        ]

    def inbox(actor: Actor, tab: str) -> list[Any]:
        rows = []
        for referral in provider_inbox(actor=actor, tab=tab)[:PAGE]:
            view = provider_view(referral, today)
            rows.append(
                (
                    referral.pk,
                    referral.sent_at,
                    referral.service.name,
                    view.name,
                    view.sex,
                    view.age,
                    view.phone,
                    view.languages,
                    view.area,
                    view.referred_by,
                    view.referring_office,
                )
            )
        provider_inbox_counts(actor=actor)
        return rows

    for _ in range(args.queries):
        case_id, owner_id = rng.choice(owned)
        worker = Actor(*_user_membership(case_workers[owner_id]))
        types = rng.choice(type_sets)
        small = Actor(*_user_membership(rng.choice(small_staff)))
        timed("suggest", lambda a=worker, c=case_id, t=types: suggest(a, c, t))
        timed("inbox_new", lambda: inbox(big_staff, InboxTab.NEW))
        timed("inbox_active", lambda: inbox(big_staff, InboxTab.ACTIVE))
        timed("inbox_small", lambda a=small: inbox(a, InboxTab.NEW))
    for label in labels:
        emit(f"{label}_p50_ms", percentile(timings[label], 0.5), "ms", **context)
        emit(f"{label}_p95_ms", percentile(timings[label], 0.95), "ms", **context)
        emit(f"{label}_queries", queries[label], "queries", **context)
        rows = shown[label]
        emit(f"{label}_mean_rows", round(sum(rows) / len(rows), 1), "rows", **context)
    counts = provider_inbox_counts(actor=big_staff)
    emit("inbox_size", sum(counts.values()), "referrals", **context, **counts)


def _user_membership(membership: Any) -> tuple[Any, Any]:
    return membership.user, membership


if __name__ == "__main__":
    main()
