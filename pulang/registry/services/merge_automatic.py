"""The linkage engine's automatic merges, many at a time (issue #4).

A first linkage run over a national registry links tens of thousands of pairs; merged one
transaction at a time (``person_merge``, about twenty queries each) that takes half an
hour at a million persons. ``persons_merge_automatic`` gives exactly what ``person_merge``
would give merging each group's records into its first one, one after another — the same
rows moved and kept, the same blanks filled, the same ``PersonMerge`` history in the same
order, so ``person_unmerge`` undoes any of them — in a few queries per chunk of groups.
``tests/registry/test_merge_automatic.py`` holds the two to the same result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from pulang.audit.actions import Action
from pulang.audit.services import record_many
from pulang.registry.models import ErasureRequest, Person, PersonMerge
from pulang.registry.services.merge import (
    MOVED_RELATIONS,
    Relation,
    fill_blanks,
    merge_reason,
)

# Groups handled per round of queries: large enough that the per-query cost vanishes,
# small enough that the id lists stay well within SQLite's limit on query parameters.
CHUNK = 500


@dataclass
class AutomaticMerges:
    merges: int = 0
    # Records whose merge was refused (missing, erased or merged meanwhile, or two open
    # erasure requests), as ``person_merge`` would have refused them.
    refused: set[int] = field(default_factory=set)


@dataclass
class _Planned:
    survivor: Person
    absorbed: Person
    moved: dict[str, list[int]] = field(default_factory=dict)
    kept: dict[str, list[int]] = field(default_factory=dict)
    rewritten: dict[str, dict[str, Any]] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)
    survivor_version: int = 0


def persons_merge_automatic(*, groups: Iterable[Sequence[int]], reason: str) -> AutomaticMerges:
    """Merge the records of each group into the group's first record, as the linkage
    engine's automatic links (no actor). Runs in the caller's transaction; a refused
    record is skipped (listed in ``refused``) and the rest of its group still merges."""
    text = merge_reason(reason)
    done = AutomaticMerges()
    chunk: list[Sequence[int]] = []
    for group in groups:
        if len(group) > 1:
            chunk.append(group)
        if len(chunk) == CHUNK:
            _merge_chunk(chunk, text, done)
            chunk = []
    if chunk:
        _merge_chunk(chunk, text, done)
    return done


def _merge_chunk(groups: list[Sequence[int]], reason: str, done: AutomaticMerges) -> None:
    with transaction.atomic():
        ids = sorted({pk for group in groups for pk in group})
        # Locked in id order, as person_merge locks, so that concurrent merges cannot deadlock.
        people = {
            p.pk: p for p in Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }
        open_requests = set(
            ErasureRequest.objects.filter(
                person__in=ids, status=ErasureRequest.Status.REQUESTED
            ).values_list("person_id", flat=True)
        )
        plans = _plan(groups, people, open_requests, done)
        if not plans:
            return
        for relation in MOVED_RELATIONS:
            _move_all(relation, plans)
        _write(plans, reason)
        done.merges += len(plans)


def _alive(person: Person | None) -> bool:
    return person is not None and person.erased_at is None and person.merged_into_id is None


def _plan(
    groups: list[Sequence[int]],
    people: dict[int, Person],
    open_requests: set[int],
    done: AutomaticMerges,
) -> list[_Planned]:
    """The merges to make, in order, with the survivor's details after each (blanks
    filled one merge after another, as successive ``person_merge`` calls fill them)."""
    plans: list[_Planned] = []
    for survivor_id, *absorbed_ids in groups:
        survivor = people.get(survivor_id)
        if survivor is None or not _alive(survivor):
            done.refused.update(absorbed_ids)
            continue
        holds_request = survivor_id in open_requests
        for absorbed_id in absorbed_ids:
            absorbed = people.get(absorbed_id)
            if absorbed is None or absorbed_id == survivor_id or not _alive(absorbed):
                done.refused.add(absorbed_id)
                continue
            if holds_request and absorbed_id in open_requests:
                done.refused.add(absorbed_id)
                continue
            holds_request = holds_request or absorbed_id in open_requests
            before, changes = fill_blanks(survivor, absorbed)
            for name, value in changes.items():
                setattr(survivor, name, value)
            survivor.version += 1
            absorbed.version += 1
            absorbed.merged_into_id = survivor_id
            plans.append(
                _Planned(
                    survivor=survivor,
                    absorbed=absorbed,
                    before=before,
                    survivor_version=survivor.version,
                )
            )
    return plans


def _move_all(relation: Relation, plans: list[_Planned]) -> None:
    """One relation's rows for every planned merge: read in one query, decided in the
    order of the merges (a row moved by an earlier merge counts as the survivor's for
    the next), written in two."""
    rows = relation.rows()
    owners = {p.survivor.pk for p in plans} | {p.absorbed.pk for p in plans}
    owner = f"{relation.field}_id"
    listed = (
        rows.filter(**{f"{relation.field}__in": owners})
        .order_by("pk")
        .values_list("pk", owner, *relation.duplicate_on)
    )
    by_owner: dict[int, list[tuple[int, tuple[Any, ...]]]] = {}
    for pk, person_id, *key in listed:
        by_owner.setdefault(person_id, []).append((pk, tuple(key)))
    if not any(p.absorbed.pk in by_owner for p in plans):
        return
    can_duplicate = _matching(rows, relation.duplicate_if, by_owner)
    rewritable = _matching(rows, relation.rewrite_if, by_owner) if relation.rewrite_to else set()

    taken: dict[int, set[tuple[Any, ...]]] = {}
    moving: dict[int, int] = {}  # row -> its new owner
    changing: list[int] = []
    for plan in plans:
        survivor_id, absorbed_id = plan.survivor.pk, plan.absorbed.pk
        own = by_owner.get(absorbed_id, [])
        if not own:
            continue
        if survivor_id not in taken:
            taken[survivor_id] = {
                key for pk, key in by_owner.get(survivor_id, []) if pk in can_duplicate
            }
        keys = taken[survivor_id]
        kept = [
            pk for pk, key in own if relation.duplicate_on and pk in can_duplicate and key in keys
        ]
        going = [pk for pk, _ in own if pk not in kept] if kept else [pk for pk, _ in own]
        if kept:
            plan.kept[relation.label] = kept
        if not going:
            continue
        plan.moved[relation.label] = going
        rewrite = [pk for pk in going if pk in rewritable]
        if rewrite:
            plan.rewritten[relation.label] = {"ids": rewrite, "values": dict(relation.rewrite_if)}
            changing += rewrite
        for pk, key in own:
            if pk in going:
                moving[pk] = survivor_id
                if pk in can_duplicate:
                    keys.add(key)
        by_owner.setdefault(survivor_id, []).extend((pk, key) for pk, key in own if pk in going)

    if changing:
        rows.filter(pk__in=changing).update(**relation.rewrite_to)
    if moving:
        _update_ids(rows.model, f"{relation.field}_id", moving)


def _update_ids(
    model: type[models.Model],
    column: str,
    values: dict[int, int],
    *,
    also: str = "",
    params: Sequence[dt.datetime] = (),
) -> None:
    """Set ``column`` of each row (by primary key) to its value, a thousand rows a query:
    ``UPDATE … FROM (VALUES …)``, which PostgreSQL and SQLite (3.33+) both read. The ORM's
    CASE expressions cost more to build than the update costs to run. The values are
    integers, written as such; ``also`` sets more columns of the same rows (with
    ``params``)."""
    table = connection.ops.quote_name(model._meta.db_table)
    target = connection.ops.quote_name(column)
    key = connection.ops.quote_name(model._meta.pk.column)
    items = sorted(values.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), 1000):
            listed = ", ".join(f"({int(pk)}, {int(v)})" for pk, v in items[start : start + 1000])
            more = f", {also}" if also else ""
            cursor.execute(
                f"UPDATE {table} SET {target} = v.column2{more} "  # noqa: S608  (integers only)
                f"FROM (VALUES {listed}) AS v WHERE {table}.{key} = v.column1",
                list(params),
            )


def _matching(
    rows: QuerySet[Any], condition: Mapping[str, Any], by_owner: dict[int, list[Any]]
) -> set[int]:
    """The rows among ``by_owner``'s that satisfy ``condition`` (all of them without one)."""
    every = {pk for listed in by_owner.values() for pk, _ in listed}
    if not condition:
        return every
    return set(rows.filter(pk__in=every, **condition).values_list("pk", flat=True))


def _write(plans: list[_Planned], reason: str) -> None:
    now = timezone.now()
    # Survivors: the details filled in (those that had blanks, one query each), and the
    # version, one step per merge (grouped by how many merges each took).
    survivors = {p.survivor.pk: p.survivor for p in plans}
    filled: dict[int, set[str]] = {}
    steps: dict[int, int] = {}
    for p in plans:
        filled.setdefault(p.survivor.pk, set()).update(p.before)
        steps[p.survivor.pk] = steps.get(p.survivor.pk, 0) + 1
    for pk, names in filled.items():
        if names:
            person = survivors[pk]
            Person.objects.filter(pk=pk).update(**{name: getattr(person, name) for name in names})
    by_steps: dict[int, list[int]] = {}
    for pk, count in steps.items():
        by_steps.setdefault(count, []).append(pk)
    for count, ids in by_steps.items():
        Person.objects.filter(pk__in=ids).update(version=F("version") + count, updated_at=now)
    # In the same statement as the date: a merged record always says since when.
    _update_ids(
        Person,
        "merged_into_id",
        {p.absorbed.pk: p.survivor.pk for p in plans},
        also="merged_at = %s, updated_at = %s, version = version + 1",
        params=[now, now],
    )
    merges = PersonMerge.objects.bulk_create(
        [
            PersonMerge(
                survivor_id=p.survivor.pk,
                absorbed_id=p.absorbed.pk,
                reason=reason,
                automatic=True,
                decided_by=None,
                organisation=None,
                created_at=now,
                moved=p.moved,
                kept=p.kept,
                rewritten=p.rewritten,
                survivor_before=p.before,
                survivor_version=p.survivor_version,
            )
            for p in plans
        ],
        batch_size=CHUNK,
    )
    record_many(
        None,
        Action.PERSON_MERGED,
        [
            (
                p.survivor,
                reason,
                {
                    "merge": merge.pk,
                    "absorbed": p.absorbed.pk,
                    "automatic": True,
                    "moved": {label: len(ids) for label, ids in p.moved.items()},
                    "kept": {label: len(ids) for label, ids in p.kept.items()},
                    "filled": sorted(p.before),
                },
            )
            for p, merge in zip(plans, merges, strict=True)
        ],
    )
