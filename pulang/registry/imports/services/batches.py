"""The life of one uploaded file: upload → (map columns) → check → import → done, or
failed, or abandoned. One service per transition; the long steps (check, import) run as
background tasks (``imports.tasks``) that take the batch id and re-fetch it."""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import connection, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from pulang.accounts.selectors import preference_for_user
from pulang.audit.actions import Action
from pulang.audit.context import Origin, origin
from pulang.audit.services import record
from pulang.errors import DomainError, PermissionDenied
from pulang.orgs.actor import Actor
from pulang.registry.imports.errors import (
    ImportAlreadyDone,
    ImportFileUnreadable,
    ImportHasErrors,
    ImportMappingIncomplete,
    ImportNothingNew,
    ImportWrongState,
)
from pulang.registry.imports.inputs.files import TableReader, kind_of
from pulang.registry.imports.inputs.rows import SourceConfig, mapping_problems
from pulang.registry.imports.models import TRANSITIONS, ImportBatch, ImportRowError, ImportSource
from pulang.registry.imports.policies import can_import
from pulang.registry.imports.services import storage
from pulang.registry.imports.services.checking import check_rows, store_errors
from pulang.registry.imports.services.loading import LoadContext, load
from pulang.registry.imports.services.progress import ProgressWriter
from pulang.registry.imports.services.sources import import_source_save
from pulang.registry.policies import links_own_records

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 300 * 1024 * 1024
# A running step with no progress for this long was interrupted (a worker killed).
STALLED_AFTER = dt.timedelta(minutes=15)
# Uploads left unfinished this long are abandoned (and their files deleted).
ABANDON_AFTER = dt.timedelta(days=14)

Status = ImportBatch.Status


def _require(actor: Actor) -> None:
    if not can_import(actor):
        raise PermissionDenied()


def _move(batch: ImportBatch, to: str, *, stalled_ok: bool = False) -> None:
    allowed = TRANSITIONS[batch.status]
    if to not in allowed and not (stalled_ok and is_stalled(batch)):
        raise ImportWrongState(status=batch.get_status_display())
    batch.status = to


def is_stalled(batch: ImportBatch) -> bool:
    """A check or import whose worker stopped (killed, host down): it wrote nothing, and
    may be started again."""
    if not batch.is_running:
        return False
    last = batch.progress_at or batch.started_at or batch.uploaded_at
    return timezone.now() - last > STALLED_AFTER


def config_of(source: ImportSource | None) -> SourceConfig:
    if source is None:
        return SourceConfig(mapping={})
    return SourceConfig.from_json(source.mapping, source.defaults)


def mapping_fits(batch: ImportBatch) -> list[str]:
    """What the batch's source lacks for this file's headers ([] when it can be checked)."""
    return [problem for _target, problem in _mapping_problems(batch.headers, batch.source)]


def _mapping_problems(headers: list[str], source: ImportSource | None) -> list[tuple[str, str]]:
    """What ``source`` lacks to read a file with these headers, as ``(field, problem)``."""
    if source is None:
        return [("source", _("Choose how the columns of this file are read."))]
    return mapping_problems(headers, config_of(source))


def import_batch_upload(
    *,
    actor: Actor,
    upload: File[bytes],
    file_name: str,
    source: ImportSource | None,
    require_fit: bool = False,
) -> ImportBatch:
    """Keep an uploaded file for checking. The same file imported before by the
    organisation is refused (:class:`ImportAlreadyDone`) and not kept; so is, with
    ``require_fit``, a file the source's mapping does not fit
    (:class:`ImportMappingIncomplete`, by field)."""
    _require(actor)
    if source is not None and source.organisation_id != actor.organisation.pk:
        raise PermissionDenied()
    sweep()
    stored = storage.store_upload(upload, extension="tmp", max_bytes=MAX_UPLOAD_BYTES)
    try:
        if stored.size > MAX_UPLOAD_BYTES:
            raise ImportFileUnreadable(
                _("The file is larger than %(size)s MB: split it into smaller files.")
                % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if stored.size == 0:
            raise ImportFileUnreadable(_("The file is empty."))
        kind = kind_of(file_name, stored.head)
        path = storage.path_of(stored.relative)
        final = path.with_name(f"{storage.UPLOAD_NAME}.{kind}")
        path.rename(final)
        relative = f"{Path(stored.relative).parent}/{final.name}"
        _refuse_if_imported(actor.organisation.pk, stored.sha256)
        headers = TableReader(final, kind, encoding=config_of(source).encoding).read_headers()
        if require_fit:
            problems = _mapping_problems(headers, source)
            if problems:
                raise ImportMappingIncomplete.by_field(problems)
    except BaseException:
        # Refused, or failed in a way not foreseen: the file (personal data) is not kept.
        storage.delete_files(stored.relative)
        raise
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=source,
            organisation=actor.organisation,
            uploaded_by=actor.user,
            membership=actor.membership,
            file_name=Path(file_name).name[:255],
            file_kind=kind,
            file_size=stored.size,
            sha256=stored.sha256,
            stored_path=relative,
            headers=headers,
            status=Status.UPLOADED,
            uploaded_at=timezone.now(),
        )
        record(
            actor,
            Action.IMPORT_UPLOADED,
            batch,
            details={"kind": kind, "bytes": stored.size, "source": source.pk if source else None},
        )
    return batch


# Defaults the mapping page sets (others, such as a stand-in name, are kept).
_PAGE_DEFAULTS = frozenset(
    {"sex", "nationality", "destination_country", "return_status", "reason", "mode"}
)


def import_batch_map(
    *,
    actor: Actor,
    batch: ImportBatch,
    name: str,
    columns: dict[str, str],
    values: dict[str, str],
    date_format: str,
    encoding: str,
) -> ImportSource:
    """Save how this file's columns are read (the batch's source, or a new one) and read
    the batch through it. A choice that leaves a required field without a column or a
    default is refused (:class:`ImportMappingIncomplete`) and nothing is saved."""
    _require(actor)
    source = batch.source
    old = source.mapping if source else {}
    mapping: dict[str, Any] = {}
    for target, header in columns.items():
        # The other headers the source already accepts for this field stay accepted.
        before = old.get(target, [])
        others = [h for h in ([before] if isinstance(before, str) else before) if h != header]
        mapping[target] = [header, *others]
    defaults = dict(source.defaults) if source else {}
    kept = {k: v for k, v in (defaults.get("values") or {}).items() if k not in _PAGE_DEFAULTS}
    defaults.update(values={**kept, **values}, date_format=date_format, encoding=encoding)
    problems = mapping_problems(batch.headers, SourceConfig.from_json(mapping, defaults))
    if problems:
        raise ImportMappingIncomplete.by_field(problems)
    with transaction.atomic():
        source = import_source_save(
            actor=actor,
            source=source,
            name=name,
            file_kind=batch.file_kind,
            mapping=mapping,
            defaults=defaults,
        )
        import_batch_use_source(actor=actor, batch=batch, source=source)
    return source


def import_batch_submit(
    *,
    actor: Actor,
    upload: File[bytes],
    file_name: str,
    source: ImportSource,
    enqueue: Callable[[int], str],
) -> ImportBatch:
    """Upload a file and start its check (dry run) at once, as systems do through the API:
    no page to match columns on, so a file that ``source`` does not fit is refused whole,
    naming each field (:class:`ImportMappingIncomplete`), and nothing is kept."""
    batch = import_batch_upload(
        actor=actor, upload=upload, file_name=file_name, source=source, require_fit=True
    )
    return import_batch_check(actor=actor, batch=batch, enqueue=enqueue)


def import_batch_use_source(
    *, actor: Actor, batch: ImportBatch, source: ImportSource
) -> ImportBatch:
    """Read the batch's columns through ``source`` (before it is imported)."""
    _require(actor)
    if source.organisation_id != actor.organisation.pk:
        raise PermissionDenied()
    if batch.status not in {Status.UPLOADED, Status.CHECKED, Status.FAILED}:
        raise ImportWrongState(status=batch.get_status_display())
    batch.source = source
    batch.save(update_fields=["source"])
    return batch


def import_batch_check(
    *, actor: Actor, batch: ImportBatch, enqueue: Callable[[int], str]
) -> ImportBatch:
    """Start the check (dry run) in the background; a mapping that does not fit the file
    is refused at once (:class:`ImportMappingIncomplete`)."""
    _require(actor)
    problems = _mapping_problems(batch.headers, batch.source)
    if problems:
        raise ImportMappingIncomplete.by_field(problems)
    _move(batch, Status.CHECKING, stalled_ok=True)
    with transaction.atomic():
        batch.progress, batch.progress_at, batch.failure = 0, timezone.now(), ""
        batch.started_at, batch.finished_at = timezone.now(), None
        batch.save(
            update_fields=[
                "status",
                "progress",
                "progress_at",
                "failure",
                "started_at",
                "finished_at",
            ]
        )
        transaction.on_commit(lambda: _enqueued(batch.pk, enqueue))
    return batch


def _refuse_if_imported(organisation_id: int, sha256: str) -> None:
    previous = (
        ImportBatch.objects.filter(organisation=organisation_id, sha256=sha256, status=Status.DONE)
        .order_by("finished_at")
        .first()
    )
    if previous is not None:
        when = timezone.localtime(previous.finished_at or previous.uploaded_at)
        raise ImportAlreadyDone(date=formats.date_format(when, "DATE_FORMAT"))


def import_batch_commit(
    *, actor: Actor, batch: ImportBatch, enqueue: Callable[[int], str]
) -> ImportBatch:
    """Start the import of a checked file in the background. Refused while rows have
    errors, and when every row was imported before."""
    _require(actor)
    if batch.status != Status.CHECKED:
        raise ImportWrongState(status=batch.get_status_display())
    if batch.invalid:
        raise ImportHasErrors(count=batch.invalid)
    if batch.to_write == 0:
        raise ImportNothingNew()
    # The same file uploaded twice and imported meanwhile from its other batch.
    _refuse_if_imported(batch.organisation_id, batch.sha256)
    _move(batch, Status.IMPORTING)
    with transaction.atomic():
        batch.progress, batch.progress_at = 0, timezone.now()
        batch.started_at, batch.finished_at = timezone.now(), None
        batch.save(update_fields=["status", "progress", "progress_at", "started_at", "finished_at"])
        # Who pressed Import (the work itself runs as, and is recorded for, the uploader).
        record(actor, Action.IMPORT_STARTED, batch, details={"rows": batch.to_write})
        transaction.on_commit(lambda: _enqueued(batch.pk, enqueue))
    return batch


def import_batch_abandon(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Give up a batch before it is imported: its file and problems are deleted."""
    _require(actor)
    _move(batch, Status.ABANDONED, stalled_ok=True)
    with transaction.atomic():
        ImportRowError.objects.filter(batch=batch).delete()
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "finished_at"])
        record(actor, Action.IMPORT_ABANDONED, batch)
    _delete_files(batch)
    return batch


def _enqueued(batch_id: int, enqueue: Callable[[int], str]) -> None:
    task_id = enqueue(batch_id)
    ImportBatch.objects.filter(pk=batch_id).update(task_id=task_id[:64])


def _delete_files(batch: ImportBatch) -> None:
    storage.delete_files(batch.stored_path)
    batch.stored_path = ""
    ImportBatch.objects.filter(pk=batch.pk).update(stored_path="")


def sweep() -> None:
    """Abandon batches left unfinished for ``ABANDON_AFTER`` and delete their files."""
    cutoff = timezone.now() - ABANDON_AFTER
    stale = dict(
        ImportBatch.objects.filter(
            status__in=[Status.UPLOADED, Status.CHECKED, Status.FAILED], uploaded_at__lt=cutoff
        ).values_list("pk", "stored_path")
    )
    if not stale:
        return
    ImportRowError.objects.filter(batch_id__in=stale).delete()
    ImportBatch.objects.filter(pk__in=stale).update(
        status=Status.ABANDONED, finished_at=timezone.now(), stored_path=""
    )
    for relative in stale.values():
        storage.delete_files(relative)


# --- The background steps ------------------------------------------------------------------


def _actor_of(batch: ImportBatch) -> Actor | None:
    actor = Actor(user=batch.uploaded_by, membership=batch.membership)
    if not batch.membership.is_active or not actor.organisation.is_active:
        return None
    return actor if can_import(actor) else None


def _fail(batch_id: int, reason: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(
        status=Status.FAILED, failure=reason[:500], finished_at=timezone.now()
    )


def _running(batch_id: int, status: str, body: Callable[[ImportBatch, Actor], None]) -> None:
    """Run a background step for a batch in that state, in its uploader's language, with
    the audit origin of a task. A failure marks the batch failed with a reason the user
    can read; the log gets the error's type only (messages may quote data)."""
    batch = (
        ImportBatch.objects.select_related(
            "source", "membership__organisation", "membership__scope_area", "uploaded_by"
        )
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or batch.status != status:
        return  # already done, or abandoned meanwhile: a repeated task does nothing
    language = preference_for_user(user=batch.uploaded_by).language
    with origin(Origin(channel="task")), translation.override(language):
        actor = _actor_of(batch)
        if actor is None:
            _fail(batch.pk, _("Your role no longer allows imports: nothing was written."))
            return
        try:
            body(batch, actor)
        except DomainError as error:
            _fail(batch.pk, error.text)
        except Exception as error:
            logger.error("import %s failed: %s", batch.pk, type(error).__name__)
            _fail(
                batch.pk,
                _("The import stopped on an unexpected error; nothing was written.")
                if status == Status.IMPORTING
                else _("The check stopped on an unexpected error."),
            )
            record(actor, Action.IMPORT_FAILED, batch, details={"error": type(error).__name__})


def import_batch_run_check(*, batch_id: int) -> None:
    """The check, as the background task runs it."""
    _running(batch_id, Status.CHECKING, _check)


def import_batch_run_commit(*, batch_id: int) -> None:
    """The import, as the background task runs it."""
    _running(batch_id, Status.IMPORTING, _commit)


def _check(batch: ImportBatch, actor: Actor) -> None:
    report = ProgressWriter(batch.pk)
    path = storage.path_of(batch.stored_path)
    counts = check_rows(
        actor=actor,
        source_id=batch.source_id or 0,
        batch_id=batch.pk,
        path=path,
        file_kind=batch.file_kind,
        config=config_of(batch.source),
        folder=path.parent,
        report=report,
    )
    with transaction.atomic():
        store_errors(batch.pk, counts.errors)
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=Status.CHECKED,
            rows=counts.rows,
            valid=counts.valid,
            invalid=counts.invalid,
            errors_total=counts.errors_total,
            would_create=counts.would_create,
            would_link=counts.would_link,
            skipped_already_imported=counts.skipped_already_imported,
            skipped_filtered=counts.skipped_filtered,
            progress=100,
            progress_at=timezone.now(),
            checked_at=timezone.now(),
            finished_at=timezone.now(),
        )
        record(
            actor,
            Action.IMPORT_CHECKED,
            batch,
            details={
                "rows": counts.rows,
                "invalid": counts.invalid,
                "would_create": counts.would_create,
                "would_link": counts.would_link,
                "already_imported": counts.skipped_already_imported,
                "seconds": round(counts.timings.get("total", 0.0), 1),
                "workers": int(counts.timings.get("workers", 1)),
                "name_keys": {
                    "computed": counts.names_computed,
                    "seconds": round(counts.name_seconds, 2),
                },
            },
        )


def _commit(batch: ImportBatch, actor: Actor, *, portable: bool = False) -> None:
    folder = storage.folder_of(batch.stored_path)
    started = time.perf_counter()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A fresh session may size its buffers for temporary tables (loading._tune).
        connection.close()
    report = ProgressWriter(batch.pk, during_transaction=True)
    try:
        with transaction.atomic():
            # Another batch of the same file may have been imported while this one waited.
            _refuse_if_imported(batch.organisation_id, batch.sha256)
            counts = load(
                LoadContext(
                    actor=actor,
                    folder=folder,
                    rows=batch.valid,
                    now=timezone.now(),
                    agency_id=actor.organisation.pk if links_own_records(actor) else None,
                    report=report,
                ),
                portable=portable,
            )
            finished = timezone.now()
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=Status.DONE,
                created=counts.created,
                linked=counts.linked,
                # Repeated in the file, or imported before (at the check or since).
                skipped_already_imported=batch.valid - counts.created - counts.linked,
                progress=100,
                progress_at=finished,
                finished_at=finished,
            )
            record(
                actor,
                Action.IMPORT_COMMITTED,
                batch,
                details={
                    "created": counts.created,
                    "linked": counts.linked,
                    "already_imported": counts.skipped_already_imported,
                    "seconds": round(time.perf_counter() - started, 1),
                    "steps": {k: round(v, 2) for k, v in counts.timings.items()},
                },
            )
    finally:
        report.close()
    _delete_files(batch)


def commit_now(*, batch_id: int, portable: bool = False) -> None:
    """Run an import in this process (benchmarks and tests of the portable path)."""

    def body(batch: ImportBatch, actor: Actor) -> None:
        _commit(batch, actor, portable=portable)

    _running(batch_id, Status.IMPORTING, body)
