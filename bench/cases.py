"""Case workers' work lists at national scale.

    python -m bench.cases [--persons 1000000] [--cases 100000] [--workers 5] [--seed 7]

Seeds the database DATABASE_URL names, once, like ``bench.search`` (a fictional tree of
districts, sub-districts and villages under every province, then ``pulang seed``), and
gives every district a government office with ``--workers`` case workers and a
supervisor. Then it opens ``--cases`` cases for people living in those districts, held by
the district's case workers (one in ten unassigned, one in twenty restricted, a fifth
closed), each with the follow-ups the services schedule and its "opened" event — written
in bulk, as fixture data. It measures, as a case worker and as a supervisor of a random
district, what the work-list page reads:

  my_cases_p50/p95_ms          the case worker's open cases, the most pressing first
  due_p50/p95_ms               follow-ups overdue or due within a week (own cases)
  office_due_p50/p95_ms        the same for the whole office (supervisor), first 100
  workload_p50/p95_ms          open / urgent / overdue per case worker (supervisor)
  *_queries                    queries per list, whatever its length
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fan-out", type=int, default=10)
    args = parser.parse_args()
    django_setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from pulang.cases.models import Case
    from pulang.registry.models import Person

    context: dict[str, Any] = {"persons": args.persons, "cases": args.cases}
    if Person.objects.count() < args.persons * 0.9:
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
    rng = random.Random(args.seed)
    if Case.objects.count() < args.cases:
        started = time.perf_counter()
        _open_cases(args, rng)
        emit("cases_setup_seconds", round(time.perf_counter() - started, 1), "s", **context)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _measure(args, rng, context)


def _offices(workers: int) -> dict[int, tuple[int, list[int], int]]:
    """A district office per district with case workers and a supervisor: area id →
    (office id, case worker user ids, supervisor user id)."""
    from django.contrib.auth.models import User

    from pulang.geo.models import AdminArea
    from pulang.orgs.models import Membership, Organisation, OrganisationKind, Role

    districts = list(AdminArea.objects.filter(country_id="ID", level=2).order_by("pk"))
    existing = {
        o.area_id: o
        for o in Organisation.objects.filter(
            kind=OrganisationKind.DISTRICT_OFFICE, name__startswith="Bench office "
        )
    }
    made = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Bench office {d.code}",
                kind=OrganisationKind.DISTRICT_OFFICE,
                country_id="ID",
                area=d,
            )
            for d in districts
            if d.pk not in existing
        ]
    )
    offices = {**existing, **{o.area_id: o for o in made}}
    result: dict[int, tuple[int, list[int], int]] = {}
    for area_id, office in offices.items():
        members = list(
            Membership.objects.filter(organisation=office).values_list("user_id", "role")
        )
        if not members:
            users = User.objects.bulk_create(
                [
                    User(username=f"bench-{office.pk}-{i}", first_name="Case", last_name=str(i))
                    for i in range(workers + 1)
                ]
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        user=user,
                        organisation=office,
                        role=Role.SUPERVISOR if i == workers else Role.CASE_WORKER,
                        has_clearance=i in (0, workers),
                    )
                    for i, user in enumerate(users)
                ]
            )
            members = [
                (u.pk, Role.SUPERVISOR if i == workers else Role.CASE_WORKER)
                for i, u in enumerate(users)
            ]
        case_workers = [user for user, role in members if role == Role.CASE_WORKER]
        supervisor = next(user for user, role in members if role == Role.SUPERVISOR)
        result[area_id] = (office.pk, case_workers, supervisor)
    return result


def _open_cases(args: argparse.Namespace, rng: random.Random) -> None:
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from pulang.cases.models import (
        PRIORITY_RANK,
        Case,
        CaseEvent,
        ClosureReason,
        FollowUp,
        Priority,
        Sensitivity,
        Status,
    )
    from pulang.cases.services.base import add_months
    from pulang.geo.models import AdminArea
    from pulang.registry.models import Person, Return

    offices = _offices(args.workers)
    district_of = {
        path: area_id
        for area_id, path in AdminArea.objects.filter(country_id="ID", level=2).values_list(
            "pk", "path"
        )
    }
    # People living in a village of a district with an office, with one of their returns
    # (two plain reads joined here: one query joining them is at the planner's mercy).
    village_district = {
        area_id: district_of.get("/".join(path.split("/")[:3]) + "/")
        for area_id, path in AdminArea.objects.filter(country_id="ID", level=4).values_list(
            "pk", "path"
        )
    }
    first_return: dict[int, tuple[int, dt.date | None]] = {}
    returns = Return.objects.values_list("person_id", "pk", "returned_on").order_by()
    for person_id, return_id, returned_on in returns.iterator(chunk_size=50_000):
        first_return.setdefault(person_id, (return_id, returned_on))
    candidates: list[tuple[int, int, int, dt.date | None, int]] = []
    people = Person.objects.filter(merged_into__isnull=True, home_area__isnull=False).values_list(
        "pk", "home_area_id"
    )
    for pk, area_id in people.order_by().iterator(chunk_size=50_000):
        district = village_district.get(area_id)
        found = first_return.get(pk)
        if district is None or district not in offices or found is None:
            continue
        candidates.append((pk, area_id, district, found[1], found[0]))
    candidates.sort()
    chosen = rng.sample(candidates, min(args.cases, len(candidates)))
    now = timezone.now()
    today = timezone.localdate()
    priorities = [Priority.URGENT, Priority.HIGH, Priority.MEDIUM, Priority.LOW]
    for start in range(0, len(chosen), BATCH):
        batch = chosen[start : start + BATCH]
        cases = []
        for person_id, area_id, district, _returned_on, return_id in batch:
            office, workers, _supervisor = offices[district]
            priority = rng.choices(priorities, weights=[5, 20, 45, 30])[0]
            closed = rng.random() < 0.2
            opened = now - dt.timedelta(days=rng.randint(0, 700))
            cases.append(
                Case(
                    person_id=person_id,
                    return_record_id=None if closed else return_id,
                    organisation_id=office,
                    area_id=area_id,
                    owner_id=None if rng.random() < 0.1 else rng.choice(workers),
                    status=Status.CLOSED
                    if closed
                    else rng.choice(
                        [Status.OPEN, Status.ASSESSED, Status.IN_PROGRESS, Status.MONITORING]
                    ),
                    closure_reason=ClosureReason.GOALS_ACHIEVED if closed else "",
                    closed_at=now if closed else None,
                    priority=priority,
                    priority_rank=PRIORITY_RANK[priority],
                    sensitivity=Sensitivity.RESTRICTED
                    if rng.random() < 0.05
                    else Sensitivity.STANDARD,
                    reason="bench",
                    opened_at=opened,
                    updated_at=opened,
                )
            )
        with transaction.atomic():
            made = Case.objects.bulk_create(cases)
            CaseEvent.objects.bulk_create(
                [
                    CaseEvent(case=c, kind=CaseEvent.Kind.OPENED, to_status=Status.OPEN, at=now)
                    for c in made
                ]
            )
            follow_ups = []
            for case, (_p, _a, _d, returned_on, _r) in zip(made, batch, strict=True):
                base = returned_on or case.opened_at.date()
                for months in settings.PULANG_FOLLOW_UP_MONTHS:
                    due = add_months(base, months)
                    done = due < today - dt.timedelta(days=30) and rng.random() < 0.8
                    follow_ups.append(
                        FollowUp(
                            case=case,
                            months_after_return=months,
                            due_on=due,
                            status=FollowUp.Status.DONE if done else FollowUp.Status.DUE,
                        )
                    )
            FollowUp.objects.bulk_create(follow_ups)


def _measure(args: argparse.Namespace, rng: random.Random, context: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pulang.cases.selectors import case_workload, cases_mine, follow_ups_due
    from pulang.orgs.actor import Actor
    from pulang.orgs.models import Membership, Role

    today = timezone.localdate()
    memberships = list(
        Membership.objects.select_related(
            "user", "organisation", "organisation__area", "scope_area"
        ).filter(organisation__name__startswith="Bench office ")
    )
    workers = [m for m in memberships if m.role == Role.CASE_WORKER]
    supervisors = [m for m in memberships if m.role == Role.SUPERVISOR]
    timings: dict[str, list[float]] = {"my_cases": [], "due": [], "office_due": [], "workload": []}
    queries: dict[str, int] = {}
    shown = []

    def timed(label: str, read: Any) -> None:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            rows = read()
            timings[label].append((time.perf_counter() - started) * 1000)
        queries[label] = max(queries.get(label, 0), len(captured))
        if label == "my_cases":
            shown.append(len(rows))

    for _ in range(args.queries):
        worker = Actor(*_user_membership(rng.choice(workers)))
        supervisor = Actor(*_user_membership(rng.choice(supervisors)))
        timed(
            "my_cases",
            lambda a=worker: [
                (c.pk, c.person.full_name, c.area.name, c.next_follow_up)  # type: ignore[union-attr]
                for c in cases_mine(actor=a)
            ],
        )
        timed(
            "due",
            lambda a=worker: [
                (f.due_on, f.case.person.full_name) for f in follow_ups_due(actor=a, today=today)
            ],
        )
        timed(
            "office_due",
            lambda a=supervisor: [
                (f.due_on, f.case.person.full_name, f.case.owner)
                for f in follow_ups_due(actor=a, today=today, everyone=True)[:100]
            ],
        )
        timed("workload", lambda a=supervisor: case_workload(actor=a, today=today))
    for label, values in timings.items():
        emit(f"{label}_p50_ms", percentile(values, 0.5), "ms", **context)
        emit(f"{label}_p95_ms", percentile(values, 0.95), "ms", **context)
        emit(f"{label}_queries", queries[label], "queries", **context)
    emit("my_cases_mean_rows", round(sum(shown) / len(shown), 1), "rows", **context)


def _user_membership(membership: Any) -> tuple[Any, Any]:
    return membership.user, membership


if __name__ == "__main__":
    main()
