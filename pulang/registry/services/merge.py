"""Merging two records of the same person, and undoing it exactly (issue #4).

The survivor keeps its own details and receives every row that pointed at the absorbed
record (reports, names, documents, stays abroad, returns, skills, consents, organisation
links, erasure requests); blanks in its details are filled in from the absorbed record.
The absorbed record is never deleted: it points to the survivor and disappears from
search and lists. A ``PersonMerge`` keeps what was moved, what stayed behind and what the
survivor held before, so that ``person_unmerge`` puts every row and field back.

Every relation to ``Person`` must be listed below, in ``MOVED_RELATIONS`` or in
``LEFT_IN_PLACE`` (``tests/registry/test_merge.py`` fails otherwise): a new model that
points at a person must decide what a merge does with it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.errors import InvalidInput, PermissionDenied
from pulang.registry.codes import EducationLevel
from pulang.registry.errors import (
    AlreadyMerged,
    LaterMergeFirst,
    MergeAlreadyUndone,
    MergeHasDependants,
    MergeNotReversible,
    StaleRecord,
)
from pulang.registry.models import ErasureRequest, Person, PersonMerge, PersonName
from pulang.registry.policies import can_merge_persons, may_merge_person
from pulang.registry.selectors import linked_organisation_ids

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

REASON_MAX = 500


@dataclass(frozen=True)
class Relation:
    """Rows of ``label`` that point at a person through ``field``, and how a merge moves
    them from the absorbed record to the survivor."""

    label: str
    field: str = "person"
    # Rows equal on these fields to one the survivor already has stay on the absorbed
    # record: a unique constraint forbids the copy, or the copy would add nothing.
    duplicate_on: tuple[str, ...] = ()
    # Only rows matching this filter (on both records) can be duplicates.
    duplicate_if: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # Moved rows matching ``rewrite_if`` take ``rewrite_to`` on the survivor; the values
    # they had are kept in the merge, and put back when it is undone.
    rewrite_if: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    rewrite_to: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.label}.{self.field}"

    def rows(self) -> models.QuerySet[Any]:
        rows: models.QuerySet[Any] = apps.get_model(self.label)._default_manager.all()
        return rows


MOVED_RELATIONS: tuple[Relation, ...] = (
    # The absorbed record's primary name becomes one more spelling of the survivor, so
    # that searches by it still find the person.
    Relation(
        "registry.personname",
        duplicate_on=("written",),
        rewrite_if={"kind": PersonName.Kind.PRIMARY},
        rewrite_to={"kind": PersonName.Kind.ALIAS},
    ),
    Relation("registry.identifier", duplicate_on=("kind", "number", "issuing_country_id")),
    Relation("registry.migrationepisode"),
    Relation("registry.return"),
    Relation("registry.skill"),
    # One live consent per purpose (constraint ``consent_one_live_per_purpose``).
    Relation(
        "registry.consent",
        duplicate_on=("purpose",),
        duplicate_if={"withdrawn_at__isnull": True},
    ),
    # Constraint ``person_link_unique``.
    Relation("registry.personorganisationlink", duplicate_on=("organisation_id",)),
    Relation("registry.intakerecord"),
    # Two open requests (constraint ``erasure_one_open_request``) refuse the merge instead:
    # a request left on a hidden record would never be decided.
    Relation("registry.erasurerequest"),
    # A case follows its return (and its person): the survivor's file shows it.
    Relation("cases.case"),
    # A referral names the person it sends: the survivor's, like the case it came from.
    Relation("referrals.referral"),
)

# Relations to Person that a merge leaves where they are, and why.
LEFT_IN_PLACE: dict[str, str] = {
    "registry.person.merged_into": "the merge itself: which record was merged into which",
    "registry.personmerge.survivor": "the history of merges stays with its records",
    "registry.personmerge.absorbed": "the history of merges stays with its records",
    # Linkage's pairs and decisions name the two records that were compared: they stay
    # as they were, so that the queue's history and "different people" decisions hold.
    "linkage.candidatepair.person_a": "a compared pair stays the pair that was compared",
    "linkage.candidatepair.person_b": "a compared pair stays the pair that was compared",
    "linkage.pairdecision.person_a": "a decision stays about the records it was made on",
    "linkage.pairdecision.person_b": "a decision stays about the records it was made on",
}

# Survivor details filled in from the absorbed record when the survivor has none; fields
# grouped together are filled (and put back) together.
FILLED_FIELDS: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("birth_date", "birth_date_precision"),
    ("home_area_id",),
    ("address",),
    ("has_disability",),
    ("household_size",),
    ("dependants",),
    ("languages",),
    ("education_level",),
)
_BLANK: dict[str, object] = {"education_level": EducationLevel.UNKNOWN}


def handled_relations() -> set[str]:
    """Every ``<model label>.<field>`` pointing at Person that merges know what to do with."""
    return {r.key for r in MOVED_RELATIONS} | set(LEFT_IN_PLACE)


def _relation(label: str) -> Relation:
    for relation in MOVED_RELATIONS:
        if relation.label == label:
            return relation
    raise MergeNotReversible()


def _is_blank(name: str, value: object) -> bool:
    if name in _BLANK:
        return value == _BLANK[name]
    return value is None or value == "" or value == []


def _check_actor(actor: Actor | None, automatic: bool, subject_type: str, subject_id: int) -> None:
    if actor is None:
        if not automatic:
            raise PermissionDenied()
        return
    if not can_merge_persons(actor):
        refuse(actor, subject_type=subject_type, subject_id=str(subject_id))
        raise PermissionDenied()


def _reachable(actor: Actor | None, person: Person | None) -> bool:
    if person is None or person.erased_at is not None:
        return False
    return actor is None or may_merge_person(actor, person, linked_organisation_ids(person))


def merge_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput(errors=[{"field": "reason", "reason": _("say why")}])
    if len(text) > REASON_MAX:
        raise InvalidInput(
            errors=[
                {
                    "field": "reason",
                    "reason": _("at most %(count)d characters") % {"count": REASON_MAX},
                }
            ]
        )
    return text


def _lock(*person_ids: int) -> dict[int, Person]:
    # Always in id order, so that two merges of overlapping records cannot deadlock.
    return {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk")
    }


def person_merge(
    *,
    actor: Actor | None,
    survivor_id: int,
    absorbed_id: int,
    reason: str,
    automatic: bool = False,
    expected_versions: tuple[int, int] | None = None,
) -> PersonMerge:
    """Merge the record ``absorbed_id`` into ``survivor_id``: both are the same person.

    ``actor`` is a supervisor or administrator of a government office whose scope covers
    both records (restricted ones need clearance); ``None`` only for ``automatic`` merges
    by the linkage engine. ``expected_versions`` are the (survivor, absorbed) versions the
    reviewer saw: if either record changed since, :class:`StaleRecord` and nothing is
    written. Missing or out-of-scope records answer :class:`NotFound` (audited).
    """
    _check_actor(actor, automatic, "registry.person", absorbed_id)
    if survivor_id == absorbed_id:
        raise InvalidInput(
            errors=[{"field": "absorbed_id", "reason": _("a record cannot be merged into itself")}]
        )
    found = {p.pk: p for p in Person.objects.filter(pk__in=[survivor_id, absorbed_id])}
    for person_id in (survivor_id, absorbed_id):
        if not _reachable(actor, found.get(person_id)):
            raise refuse(actor, subject_type="registry.person", subject_id=str(person_id))
    survivor, absorbed = found[survivor_id], found[absorbed_id]
    text = merge_reason(reason)
    for person in (survivor, absorbed):
        if person.merged_into_id is not None:
            raise AlreadyMerged(person=person.pk)
    seen = (survivor.version, absorbed.version)
    if expected_versions is not None and tuple(expected_versions) != seen:
        raise StaleRecord()

    with transaction.atomic():
        locked = _lock(survivor_id, absorbed_id)
        survivor, absorbed = locked[survivor_id], locked[absorbed_id]
        if (
            (survivor.version, absorbed.version) != seen
            or survivor.merged_into_id is not None
            or absorbed.merged_into_id is not None
            or survivor.erased_at is not None
            or absorbed.erased_at is not None
        ):
            raise StaleRecord()
        _refuse_two_open_erasure_requests(survivor_id, absorbed_id)
        moved: dict[str, list[int]] = {}
        kept: dict[str, list[int]] = {}
        rewritten: dict[str, dict[str, Any]] = {}
        for relation in MOVED_RELATIONS:
            _move(relation, survivor_id, absorbed_id, moved, kept, rewritten)
        before, changes = fill_blanks(survivor, absorbed)
        now = timezone.now()
        Person.objects.filter(pk=survivor_id).update(
            **changes, version=F("version") + 1, updated_at=now
        )
        Person.objects.filter(pk=absorbed_id).update(
            merged_into=survivor_id, merged_at=now, version=F("version") + 1, updated_at=now
        )
        merge = PersonMerge.objects.create(
            survivor_id=survivor_id,
            absorbed_id=absorbed_id,
            reason=text,
            automatic=automatic,
            decided_by=actor.user if actor is not None else None,
            organisation=actor.organisation if actor is not None else None,
            created_at=now,
            moved=moved,
            kept=kept,
            rewritten=rewritten,
            survivor_before=before,
            survivor_version=survivor.version + 1,
        )
        record(
            actor,
            Action.PERSON_MERGED,
            survivor,
            reason=text,
            details={
                "merge": merge.pk,
                "absorbed": absorbed_id,
                "automatic": automatic,
                "moved": {label: len(ids) for label, ids in moved.items()},
                "kept": {label: len(ids) for label, ids in kept.items()},
                "filled": sorted(before),
            },
        )
    return merge


def _refuse_two_open_erasure_requests(survivor_id: int, absorbed_id: int) -> None:
    open_requests = ErasureRequest.objects.filter(
        person__in=[survivor_id, absorbed_id], status=ErasureRequest.Status.REQUESTED
    )
    if open_requests.count() == 2:
        raise InvalidInput(
            errors=[
                {
                    "field": "absorbed_id",
                    "reason": _(
                        "both records have a request to erase them waiting for a decision: "
                        "decide one of them first"
                    ),
                }
            ]
        )


def _move(
    relation: Relation,
    survivor_id: int,
    absorbed_id: int,
    moved: dict[str, list[int]],
    kept: dict[str, list[int]],
    rewritten: dict[str, dict[str, Any]],
) -> None:
    """Move one relation's rows in a few set-wise queries, whatever their number."""
    rows = relation.rows()
    of_absorbed = rows.filter(**{relation.field: absorbed_id})
    ids = list(of_absorbed.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return
    duplicates: set[int] = set()
    if relation.duplicate_on:
        taken = set(
            rows.filter(**{relation.field: survivor_id}, **relation.duplicate_if).values_list(
                *relation.duplicate_on
            )
        )
        duplicates = {
            pk
            for pk, *key in of_absorbed.filter(**relation.duplicate_if).values_list(
                "pk", *relation.duplicate_on
            )
            if tuple(key) in taken
        }
    moving = [pk for pk in ids if pk not in duplicates]
    if duplicates:
        kept[relation.label] = sorted(duplicates)
    if not moving:
        return
    if relation.rewrite_to:
        changing = list(
            rows.filter(pk__in=moving, **relation.rewrite_if)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if changing:
            rows.filter(pk__in=changing).update(**relation.rewrite_to)
            rewritten[relation.label] = {"ids": changing, "values": dict(relation.rewrite_if)}
    rows.filter(pk__in=moving).update(**{relation.field: survivor_id})
    moved[relation.label] = moving


def fill_blanks(survivor: Person, absorbed: Person) -> tuple[dict[str, Any], dict[str, Any]]:
    """(survivor's values before, changes): blanks filled in from the absorbed record, and
    the restriction, which the survivor takes on with the absorbed record's data."""
    before: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    for group in FILLED_FIELDS:
        first = group[0]
        if _is_blank(first, getattr(survivor, first)) and not _is_blank(
            first, getattr(absorbed, first)
        ):
            for name in group:
                before[name] = getattr(survivor, name)
                changes[name] = getattr(absorbed, name)
    if absorbed.is_restricted and not survivor.is_restricted:
        before["is_restricted"], changes["is_restricted"] = False, True
    return before, changes


def person_unmerge(*, actor: Actor, merge_id: int, reason: str) -> PersonMerge:
    """Undo a merge exactly: every moved row goes back to the absorbed record, rewritten
    rows get their values back, the survivor's filled-in details are emptied again, and
    the absorbed record is visible again.

    Merges are undone newest first (:class:`LaterMergeFirst`). A survivor detail that
    someone changed after the merge is left as it is now, and listed in
    ``unmerge_kept``; so is the restriction, unless the survivor is untouched since.
    """
    _check_actor(actor, False, "registry.personmerge", merge_id)
    merge = PersonMerge.objects.select_related("survivor", "absorbed").filter(pk=merge_id).first()
    if (
        merge is None
        or not _reachable(actor, merge.survivor)
        or not _reachable(actor, merge.absorbed)
    ):
        raise refuse(actor, subject_type="registry.personmerge", subject_id=str(merge_id))
    text = merge_reason(reason)
    if merge.unmerged_at is not None:
        raise MergeAlreadyUndone()
    survivor_id, absorbed_id = merge.survivor_id, merge.absorbed_id

    with transaction.atomic():
        locked = _lock(survivor_id, absorbed_id)
        merge = PersonMerge.objects.select_for_update().get(pk=merge_id)
        survivor, absorbed = locked[survivor_id], locked[absorbed_id]
        if merge.unmerged_at is not None:
            raise MergeAlreadyUndone()
        if survivor.erased_at is not None or absorbed.erased_at is not None:
            raise StaleRecord()
        later = (
            PersonMerge.objects.filter(
                Q(survivor__in=[survivor_id, absorbed_id])
                | Q(absorbed__in=[survivor_id, absorbed_id]),
                unmerged_at__isnull=True,
                pk__gt=merge.pk,
            )
            .order_by("-pk")
            .first()
        )
        if later is not None:
            raise LaterMergeFirst(later=later.pk)
        _refuse_if_depended_on(merge, survivor_id)
        for label, ids in merge.moved.items():
            relation = _relation(label)
            back = (
                relation.rows()
                .filter(pk__in=ids, **{relation.field: survivor_id})
                .update(**{relation.field: absorbed_id})
            )
            if back != len(ids):
                raise MergeNotReversible()
        for label, change in merge.rewritten.items():
            _relation(label).rows().filter(pk__in=change["ids"]).update(**change["values"])
        restore, left = _restore(merge, survivor, absorbed)
        now = timezone.now()
        Person.objects.filter(pk=survivor_id).update(
            **restore, version=F("version") + 1, updated_at=now
        )
        Person.objects.filter(pk=absorbed_id).update(
            merged_into=None, merged_at=None, version=F("version") + 1, updated_at=now
        )
        merge.unmerged_at, merge.unmerged_by, merge.unmerge_reason = now, actor.user, text
        merge.unmerge_kept = left
        merge.save(update_fields=["unmerged_at", "unmerged_by", "unmerge_reason", "unmerge_kept"])
        record(
            actor,
            Action.PERSON_UNMERGED,
            survivor,
            reason=text,
            details={"merge": merge.pk, "absorbed": absorbed_id, "kept": left},
        )
    return merge


def _refuse_if_depended_on(merge: PersonMerge, survivor_id: int) -> None:
    """Rows the survivor gained after the merge (not moved by it) that point at a row it
    moved: undoing the merge would take that row back to the other record and leave them
    pointing at another person (a case opened on a moved return, a referral of a moved
    case)."""
    moved = {label: set(ids) for label, ids in merge.moved.items() if ids}
    if not moved:
        return
    for relation in MOVED_RELATIONS:
        model = apps.get_model(relation.label)
        for field in model._meta.concrete_fields:
            target = field.related_model
            if not field.is_relation or target is None or isinstance(target, str):
                continue
            ids = moved.get(target._meta.label_lower)
            if not ids:
                continue
            gained = relation.rows().filter(
                **{relation.field: survivor_id, f"{field.attname}__in": ids}
            )
            if gained.exclude(pk__in=moved.get(relation.label, set())).exists():
                raise MergeHasDependants()


def _person_field(name: str) -> models.Field[Any, Any]:
    found = Person._meta.get_field(name)
    if not isinstance(found, models.Field):
        raise TypeError(name)
    return found


def _restore(
    merge: PersonMerge, survivor: Person, absorbed: Person
) -> tuple[dict[str, Any], list[str]]:
    """(fields to put back, fields left as they are now because they changed since)."""
    before: dict[str, Any] = merge.survivor_before
    restore: dict[str, Any] = {}
    left: list[str] = []
    groups = [g for g in FILLED_FIELDS if g[0] in before]
    for group in groups:
        # Still what the merge put there (the absorbed record's value): nobody changed it.
        if all(getattr(survivor, n) == getattr(absorbed, n) for n in group):
            restore.update({n: _person_field(n).to_python(before[n]) for n in group})
        else:
            left += group
    if "is_restricted" in before:
        # Lifting a restriction is safe only if nothing else happened to the record since.
        if survivor.version == merge.survivor_version:
            restore["is_restricted"] = before["is_restricted"]
        elif survivor.is_restricted:
            left.append("is_restricted")
    return restore, left
