"""Reads of imports. A batch and a source belong to an organisation: its importers see
them, nobody else (a refused or missing one answers "not found", audited)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.errors import PermissionDenied
from pulang.registry.imports.models import ImportBatch, ImportRowError, ImportSource
from pulang.registry.imports.policies import can_import

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor


def import_sources_for_actor(*, actor: Actor) -> QuerySet[ImportSource]:
    if not can_import(actor):
        raise PermissionDenied()
    return ImportSource.objects.filter(organisation=actor.organisation).order_by("name")


def import_source_get_for_actor(*, actor: Actor, source_id: int) -> ImportSource:
    source = ImportSource.objects.filter(pk=source_id).first()
    if source is None or not can_import(actor) or source.organisation_id != actor.organisation.pk:
        raise refuse(actor, subject_type="registry.importsource", subject_id=str(source_id))
    return source


def import_batches_for_actor(*, actor: Actor, limit: int = 20) -> list[ImportBatch]:
    if not can_import(actor):
        raise PermissionDenied()
    return list(
        ImportBatch.objects.filter(organisation=actor.organisation)
        .select_related("source", "uploaded_by")
        .order_by("-uploaded_at", "-pk")[:limit]
    )


def import_batch_get_for_actor(*, actor: Actor, batch_id: int) -> ImportBatch:
    batch = (
        ImportBatch.objects.select_related("source", "uploaded_by", "organisation")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or not can_import(actor) or batch.organisation_id != actor.organisation.pk:
        raise refuse(actor, subject_type="registry.importbatch", subject_id=str(batch_id))
    return batch


def import_batch_errors(*, batch: ImportBatch, limit: int = 50) -> list[ImportRowError]:
    """The first problems of a checked batch the caller already fetched for the actor."""
    if batch.status != ImportBatch.Status.CHECKED:
        return []
    return list(ImportRowError.objects.filter(batch=batch).order_by("line", "pk")[:limit])


def import_batch_error_report(*, actor: Actor, batch_id: int) -> Iterator[tuple[int, str, str]]:
    """Every stored problem as ``(line, column, reason)``, for the CSV report; audited."""
    batch = import_batch_get_for_actor(actor=actor, batch_id=batch_id)
    record(
        actor,
        Action.IMPORT_ERRORS_DOWNLOADED,
        batch,
        details={"problems": batch.errors_total},
    )
    return (
        (e.line, e.column, e.reason)
        for e in ImportRowError.objects.filter(batch=batch).order_by("line", "pk").iterator()
    )
