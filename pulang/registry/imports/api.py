"""Bulk imports through the API (docs/imports.md): the same services, rules and messages as
the import pages. Upload a file to check it (a dry run, in the background), read its
status and problems, then import it (in the background) and follow its progress."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from ninja import File, Form, Router, Status, UploadedFile

from pulang.errors import PermissionDenied
from pulang.orgs.actor import Actor
from pulang.registry.imports import tasks
from pulang.registry.imports.policies import can_import
from pulang.registry.imports.presenters import (
    batch_message,
    error_report_file_name,
    error_report_lines,
)
from pulang.registry.imports.schemas import (
    BatchCountsOut,
    BatchOut,
    BatchStatusOut,
    RowErrorOut,
    SourceIn,
    SourceOut,
    TemplateOut,
    UploadIn,
)
from pulang.registry.imports.selectors import (
    import_batch_error_report,
    import_batch_errors,
    import_batch_get_for_actor,
    import_batches_for_actor,
    import_source_get_for_actor,
    import_sources_for_actor,
)
from pulang.registry.imports.services import (
    TEMPLATE_LABELS,
    import_batch_abandon,
    import_batch_check,
    import_batch_commit,
    import_batch_submit,
    import_source_choose,
    import_source_save,
    is_stalled,
)

if TYPE_CHECKING:
    from pulang.registry.imports.models import ImportBatch, ImportSource

router = Router(tags=["imports"])

_CSV = {
    "responses": {
        200: {
            "description": "Every problem found: `line,column,reason` (UTF-8 with a BOM)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined, no-any-return]


def _source_out(source: ImportSource) -> SourceOut:
    return SourceOut(
        id=source.pk,
        name=source.name,
        file_kind=source.file_kind,
        template=source.template,
        mapping=source.mapping,
        defaults=source.defaults,
        created_at=source.created_at,
        updated_at=source.updated_at,
    )


def _rows(batch: ImportBatch) -> tuple[int | None, int | None]:
    """Rows the current step works through, and how many are done (from the percentage;
    the check measures its progress through the file's bytes, so it has no row total)."""
    if batch.status == batch.Status.IMPORTING:
        return batch.valid, batch.valid * batch.progress // 100
    if batch.status == batch.Status.CHECKED:
        return batch.rows, batch.rows
    if batch.status == batch.Status.DONE:
        return batch.valid, batch.valid
    return None, None


def _batch_out(batch: ImportBatch, schema: type[BatchOut] = BatchOut, **extra: object) -> BatchOut:
    stalled = is_stalled(batch)
    rows_total, rows_done = _rows(batch)
    has_report = batch.status == batch.Status.CHECKED and batch.errors_total > 0
    return schema(
        id=batch.pk,
        status=batch.status,
        status_label=batch.get_status_display(),
        message=batch_message(batch, stalled=stalled),
        stalled=stalled,
        source_id=batch.source_id,
        file_name=batch.file_name,
        file_kind=batch.file_kind,
        file_size=batch.file_size,
        progress=batch.progress,
        rows_total=rows_total,
        rows_done=rows_done,
        counts=BatchCountsOut(
            rows=batch.rows,
            valid=batch.valid,
            invalid=batch.invalid,
            would_create=batch.would_create,
            would_link=batch.would_link,
            created=batch.created,
            linked=batch.linked,
            skipped_already_imported=batch.skipped_already_imported,
            skipped_filtered=batch.skipped_filtered,
        ),
        errors_total=batch.errors_total,
        failure=batch.failure,
        uploaded_at=batch.uploaded_at,
        checked_at=batch.checked_at,
        finished_at=batch.finished_at,
        status_url=reverse("api-1:import_batch", kwargs={"batch_id": batch.pk}),
        errors_url=reverse("api-1:import_batch_errors", kwargs={"batch_id": batch.pk})
        if has_report
        else None,
        **extra,
    )


def _accepted(response: HttpResponse, batch: ImportBatch) -> Status[BatchOut]:
    out = _batch_out(batch)
    response["Location"] = out.status_url
    return Status(202, out)


@router.get("/templates", response=list[TemplateOut], summary="Shipped file layouts")
def templates(request: HttpRequest) -> list[TemplateOut]:
    """Layouts Pulang ships (the standard layout, Korea EPS): upload with `template` and
    your organisation gets its own copy as a source on first use."""
    if not can_import(_actor(request)):
        raise PermissionDenied()
    return [TemplateOut(name=name, label=str(label)) for name, label in TEMPLATE_LABELS.items()]


@router.get("/sources", response=list[SourceOut], summary="Your organisation's import sources")
def sources(request: HttpRequest) -> list[SourceOut]:
    """Saved column mappings: how the files of one sender are read."""
    return [_source_out(s) for s in import_sources_for_actor(actor=_actor(request))]


@router.post("/sources", response={201: SourceOut}, summary="Save a column mapping")
def source_create(request: HttpRequest, body: SourceIn) -> Status[SourceOut]:
    """A new source: each field's column header (or accepted headers), defaults and code
    translations. Every problem comes back by field (422); nothing is saved then."""
    source = import_source_save(
        actor=_actor(request),
        source=None,
        name=body.name,
        file_kind=body.file_kind,
        mapping=body.mapping,
        defaults=body.defaults.dict(),
    )
    return Status(201, _source_out(source))


@router.put("/sources/{source_id}", response=SourceOut, summary="Change a column mapping")
def source_update(request: HttpRequest, source_id: int, body: SourceIn) -> SourceOut:
    actor = _actor(request)
    source = import_source_save(
        actor=actor,
        source=import_source_get_for_actor(actor=actor, source_id=source_id),
        name=body.name,
        file_kind=body.file_kind,
        mapping=body.mapping,
        defaults=body.defaults.dict(),
    )
    return _source_out(source)


@router.get("/batches", response=list[BatchOut], summary="Your organisation's recent imports")
def batches(request: HttpRequest, limit: int = 20) -> list[BatchOut]:
    """Newest first (at most 100)."""
    found = import_batches_for_actor(actor=_actor(request), limit=max(1, min(limit, 100)))
    return [_batch_out(b) for b in found]


@router.post(
    "/batches",
    response={202: BatchOut},
    summary="Upload a file and check it (dry run)",
)
def upload(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    form: Form[UploadIn],
) -> Status[BatchOut]:
    """Multipart: `file` (.csv or .xlsx) and either `source` (one of your sources) or
    `template` (a shipped layout). The check runs in the background and writes nothing to
    the registry: follow `status_url` until the status is `checked`, then read the counts
    and problems there (every problem as CSV at `errors_url`).

    Refused, with nothing kept: the same file imported before (409
    `registry.import_already_done`, saying when); a file that cannot be read (422
    `registry.import_file_unreadable`); a source that does not fit the file's columns
    (422 `registry.import_mapping_incomplete`, listing each field)."""
    actor = _actor(request)
    source = import_source_choose(
        actor=actor, source_id=form.source, template_name=form.template.strip()
    )
    batch = import_batch_submit(
        actor=actor,
        upload=file,
        file_name=file.name or "",
        source=source,
        enqueue=tasks.enqueue_check,
    )
    return _accepted(response, batch)


@router.get(
    "/batches/{batch_id}",
    response=BatchStatusOut,
    url_name="import_batch",
    summary="Status, progress and problems of an import",
)
def batch_status(request: HttpRequest, batch_id: int) -> BatchOut:
    """Poll while `status` is `checking` or `importing`. Once checked: the counts, and
    the first 50 problems (line, column, reason)."""
    batch = import_batch_get_for_actor(actor=_actor(request), batch_id=batch_id)
    errors = [
        RowErrorOut(line=e.line, column=e.column, reason=e.reason)
        for e in import_batch_errors(batch=batch)
    ]
    return _batch_out(batch, BatchStatusOut, errors=errors)


@router.get(
    "/batches/{batch_id}/errors.csv",
    url_name="import_batch_errors",
    summary="Every problem found, as CSV",
    openapi_extra=_CSV,
)
def batch_errors(request: HttpRequest, batch_id: int) -> StreamingHttpResponse:
    """Audited: the report quotes what was not understood in the file."""
    rows = import_batch_error_report(actor=_actor(request), batch_id=batch_id)
    response = StreamingHttpResponse(
        error_report_lines(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{error_report_file_name(batch_id)}"'
    return response


@router.post("/batches/{batch_id}/check", response={202: BatchOut}, summary="Check a file again")
def batch_check(request: HttpRequest, response: HttpResponse, batch_id: int) -> Status[BatchOut]:
    """After a failure, or after the source changed (a translation added)."""
    actor = _actor(request)
    batch = import_batch_get_for_actor(actor=actor, batch_id=batch_id)
    batch = import_batch_check(actor=actor, batch=batch, enqueue=tasks.enqueue_check)
    return _accepted(response, batch)


@router.post(
    "/batches/{batch_id}/commit", response={202: BatchOut}, summary="Import a checked file"
)
def batch_commit(request: HttpRequest, response: HttpResponse, batch_id: int) -> Status[BatchOut]:
    """Starts the import in the background: the whole file in one transaction, or nothing.
    Follow `status_url` until `done` (or `failed`). Refused while rows have errors (422
    `registry.import_has_errors`) and when every row was imported before (409
    `registry.import_nothing_new`)."""
    actor = _actor(request)
    batch = import_batch_get_for_actor(actor=actor, batch_id=batch_id)
    batch = import_batch_commit(actor=actor, batch=batch, enqueue=tasks.enqueue_commit)
    return _accepted(response, batch)


@router.delete("/batches/{batch_id}", response=BatchOut, summary="Abandon an import")
def batch_abandon(request: HttpRequest, batch_id: int) -> BatchOut:
    """Before it is imported: the file and its problems are deleted."""
    actor = _actor(request)
    batch = import_batch_get_for_actor(actor=actor, batch_id=batch_id)
    return _batch_out(import_batch_abandon(actor=actor, batch=batch))
